"""The demo as a playground: every option, bad values and bad CSV files, the acceptance runs.

Every bad input must give exit status 2, exactly one line on stderr, and no
file or directory written. Accuracy is checked independently: the explorer
page's last snapshot is reloaded into a model and evaluated here.
"""

import json
import os
import random
import re
import subprocess
import sys
import time

import pytest

from autograd_scalar import cli, data, no_grad
from autograd_scalar.nn import MLP
from autograd_scalar.playground import Settings, load_problem, run


def demo(args, tmp_path, capsys):
    """Run ``autograd-scalar demo ARGS --out tmp/out``: (status, stdout, stderr lines, out)."""
    out = tmp_path / "out"
    status = cli.main(["demo", *args, "--out", str(out)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err.splitlines(), out


def page_data(path) -> dict:
    text = path.read_text(encoding="utf-8")
    raw = re.search(
        r'<script type="application/json" class="ags-ex-data">(.*?)</script>', text, re.S
    ).group(1)
    return json.loads(raw)


def last_model(page: dict) -> MLP:
    sizes = page["sizes"]
    model = MLP(sizes[0], sizes[1:], activation=page["activation"], rng=random.Random(0))
    names = [name for name, _ in model.named_parameters()]
    model.load_state_dict(dict(zip(names, page["params"][-1])))
    return model


@pytest.mark.parametrize(
    "args, sizes, activation",
    [
        (["--dataset", "circles", "--points", "40", "--noise", "0.05"], [2, 16, 16, 1], "relu"),
        (["--dataset", "xor", "--hidden", "8", "--activation", "tanh"], [2, 8, 1], "tanh"),
        (
            [
                "--dataset",
                "spirals",
                "--hidden",
                "6,5",
                "--activation",
                "sigmoid",
                "--optimizer",
                "adam",
                "--lr",
                "0.02",
            ],
            [2, 6, 5, 1],
            "sigmoid",
        ),
        (
            ["--dataset", "blobs", "--points", "30", "--l2", "0", "--batch", "10"],
            [2, 16, 16, 3],
            "relu",
        ),
        (["--dataset", "moons", "--hidden", "16,16"], [2, 16, 16, 1], "relu"),
    ],
)
def test_each_option_shapes_the_run_and_the_page(args, sizes, activation, tmp_path, capsys):
    status, out, err, directory = demo([*args, "--steps", "3"], tmp_path, capsys)
    assert status == 0 and err == []
    assert sorted(p.name for p in directory.iterdir()) == ["training.html"]
    page = page_data(directory / "training.html")
    assert page["sizes"] == sizes and page["activation"] == activation
    assert len(page["steps"]) == 3
    assert out.startswith("accuracy: ")


def test_points_and_noise_reach_the_data(tmp_path, capsys):
    demo(
        ["--dataset", "circles", "--points", "40", "--noise", "0", "--steps", "1"]
        + ["--test-fraction", "0"],
        tmp_path,
        capsys,
    )
    page = page_data(tmp_path / "out" / "training.html")
    X, y = data.make_circles(40, noise=0.0, seed=1337)
    assert page["X"] == X and page["y"] == [2 * label - 1 for label in y]
    assert page["Xtest"] == []


def test_a_fifth_of_the_generated_points_is_held_out_by_default(tmp_path, capsys):
    """The training and test points together are the generated set, 8 of 40 held out."""
    status, *_ = demo(["--dataset", "circles", "--points", "40", "--steps", "1"], tmp_path, capsys)
    assert status == 0
    page = page_data(tmp_path / "out" / "training.html")
    X, y = data.make_circles(40, noise=0.1, seed=1337)
    assert len(page["Xtest"]) == 8 and len(page["X"]) == 32
    together = sorted(zip(map(tuple, page["X"] + page["Xtest"]), page["y"] + page["ytest"]))
    assert together == sorted(zip(map(tuple, X), [2 * label - 1 for label in y]))


def test_batch_trains_on_minibatches_with_the_batch_mean(tmp_path):
    """Oracle: the first step's loss is the hinge mean over the sampled batch only."""
    settings = Settings(dataset="moons", points=30, batch=5, steps=1, l2=0.0, test_fraction=0.0)
    result = run(settings, out=tmp_path)
    X, labels, _ = load_problem(settings)
    model = MLP(2, [16, 16, 1], rng=random.Random(settings.seed))
    batch = sorted(random.Random(settings.seed + 1).sample(range(30), 5))
    with no_grad():
        expected = sum(max(0.0, 1 - labels[i] * model(X[i]).data) for i in batch) / 5
    assert result.losses[0] == pytest.approx(expected, rel=1e-12)


def test_the_spirals_acceptance_run_reaches_90_percent(tmp_path, capsys):
    """demo --dataset spirals --hidden 16,16 --activation tanh --optimizer adam
    --lr 0.05 --steps 300: accuracy re-evaluated here from the page's last snapshot
    (taken one update before the end, so it is a lower bound in practice)."""
    status, out, err, directory = demo(
        [
            "--dataset",
            "spirals",
            "--hidden",
            "16,16",
            "--activation",
            "tanh",
            "--optimizer",
            "adam",
            "--lr",
            "0.05",
            "--steps",
            "300",
        ],
        tmp_path,
        capsys,
    )
    assert status == 0 and err == []
    printed = float(out.splitlines()[0].split()[1].rstrip("%")) / 100
    print(f"spirals accuracy: {printed:.0%}")
    assert printed >= 0.90
    page = page_data(directory / "training.html")
    model = last_model(page)
    with no_grad():
        right = sum((model(x).data > 0) == (label > 0) for x, label in zip(page["X"], page["y"]))
    assert right / len(page["X"]) >= 0.90


def test_demo_trains_on_the_users_csv(tmp_path, capsys):
    path = tmp_path / "mine.csv"
    path.write_text(
        "x1,x2,label\n"
        + "".join(
            f"{x:.3f},{y:.3f},{'inside' if x * x + y * y < 0.5 else 'outside'}\n"
            for x, y in (
                (random.Random(k).uniform(-1, 1), random.Random(k + 99).uniform(-1, 1))
                for k in range(60)
            )
        )
    )
    status, out, err, directory = demo(["--data", str(path), "--steps", "40"], tmp_path, capsys)
    assert status == 0 and err == []
    page = page_data(directory / "training.html")
    X, y, names = data.load_csv(path)
    assert page["X"] == X and names == ["inside", "outside"]
    assert page["y"] == [2 * label - 1 for label in y]


def test_a_csv_with_three_classes_trains_with_cross_entropy(tmp_path, capsys):
    path = tmp_path / "three.csv"
    path.write_text(
        "".join(f"{c + 0.1 * k},{c - 0.05 * k},{c}\n" for c in range(3) for k in range(5))
    )
    status, _, err, directory = demo(["--data", str(path), "--steps", "3"], tmp_path, capsys)
    assert status == 0 and err == []
    page = page_data(directory / "training.html")
    assert page["loss"] == "cross_entropy" and page["sizes"][-1] == 3


BAD_CSV = {
    "missing column": (
        "x1,x2,label\n0,1,a\n2,3\n",
        "row 3: expected 3 columns (x1,x2,label), got 2",
    ),
    "extra column": ("0,1,a,9\n", "row 1: expected 3 columns (x1,x2,label), got 4"),
    "non-number": ("0,1,a\n2,three,b\n", "row 2: x2 is 'three', not a number"),
    "NaN": ("0,1,a\nnan,1,b\n", "row 2: x1 is 'nan'; values must be finite numbers"),
    "infinity": ("0,1,a\n1,-inf,b\n", "row 2: x2 is '-inf'; values must be finite numbers"),
    "empty label": ("0,1,a\n1,1,\n", "row 2: the label is empty"),
    "one class": ("0,1,a\n1,1,a\n", "every row has the label 'a'"),
    "empty file": ("", "no data rows"),
    "header only": ("x1,x2,label\n", "no data rows"),
    # Rows end at line breaks only: a form feed or U+2028 inside a row starts no new row.
    "form feed in a row": (
        "0,1,a\n2\x0c,3,b\n4,5\n",
        "row 3: expected 3 columns (x1,x2,label), got 2",
    ),
    "U+2028 in a label": ("0,1,a\u2028b\n1,2,c\n3,x,d\n", "row 3: x2 is 'x', not a number"),
    "a quoted line break": ('0,1,a\n"1\n2",3,b\n4,5\n', "row 2: x1 is '1\\n2', not a number"),
    "carriage returns": ("0,1,a\r1,2,b\r\n5,6\r", "row 3: expected 3 columns (x1,x2,label), got 2"),
    "a field over the csv limit": (
        "0,1,a\n1," + "9" * 200_000 + ",b\n",
        "row 2: a field is longer than 131,072 characters",
    ),
    "a long non-number": ("0,1,a\n1,2,b\n" + "x" * 1000 + ",1,a\n", "row 3: x1 is 'xxxx"),
    "not UTF-8": (b"0,1,a\n1,2,b\n\xff,1,a\n", "row 3: not UTF-8 text"),
}


@pytest.mark.parametrize("name", BAD_CSV)
def test_a_bad_csv_fails_with_one_line_naming_the_problem(name, tmp_path, capsys):
    text, message = BAD_CSV[name]
    path = tmp_path / "bad.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    status, out, err, directory = demo(["--data", str(path)], tmp_path, capsys)
    assert status == 2 and out == "" and len(err) == 1
    assert err[0].startswith("autograd-scalar: error: ") and message in err[0]
    assert str(path) in err[0] and len(err[0]) < 300
    assert not directory.exists()


def demo_process(args, tmp_path, timeout=120):
    """``autograd-scalar demo ARGS --out tmp/out`` in its own process: (result, out)."""
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "autograd_scalar", "demo", *args, "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return result, out


def assert_refused(result, out, *words):
    """Exit 2, one line on stderr holding ``words``, nothing on stdout, no file."""
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert len(lines) == 1 and lines[0].startswith("autograd-scalar: error: "), result.stderr
    assert all(word in lines[0] for word in words), lines[0]
    assert not out.exists()


def test_a_data_file_over_the_byte_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as file:
        file.truncate(data.MAX_CSV_BYTES + 1)  # sparse: nothing to read, only its size
    started = time.monotonic()
    result, out = demo_process(["--data", str(path)], tmp_path)
    assert_refused(result, out, "huge.csv", f"more than the {data.MAX_CSV_BYTES:,}", "100,000 rows")
    assert time.monotonic() - started < 30


def test_a_data_file_with_one_row_too_many_is_refused(tmp_path):
    rows = "".join(f"{k % 7},{k % 5},{k % 2}\n" for k in range(data.MAX_POINTS + 1))
    path = tmp_path / "many.csv"
    path.write_text("x1,x2,label\n" + rows)
    result, out = demo_process(["--data", str(path)], tmp_path)
    assert_refused(result, out, f"row {data.MAX_POINTS + 2}:", "more than 100,000 data rows")
    assert data.MAX_POINTS == cli.MAX_POINTS  # one bound for --points and --data


def test_the_largest_data_file_accepted_loads_every_row(tmp_path):
    rows = "".join(f"{k % 7},{k % 5},{k % 2}\n" for k in range(data.MAX_POINTS))
    path = tmp_path / "most.csv"
    path.write_text(rows)
    X, y, classes = data.load_csv(path)
    assert len(X) == data.MAX_POINTS and X[-1] == [(data.MAX_POINTS - 1) % 7, 4.0]
    assert classes == ["0", "1"] and y[:3] == [0, 1, 0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_as_data_is_refused_not_waited_on(tmp_path):
    pipe = tmp_path / "points.csv"
    os.mkfifo(pipe)
    result, out = demo_process(["--data", str(pipe)], tmp_path, timeout=60)
    assert_refused(result, out, "points.csv", "not a regular file")


def test_a_missing_csv_file_fails_with_one_line(tmp_path, capsys):
    status, _, err, directory = demo(["--data", str(tmp_path / "nope.csv")], tmp_path, capsys)
    assert status == 2 and len(err) == 1 and "nope.csv" in err[0]
    assert not directory.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dataset", "swirls"], "argument --dataset: invalid choice: 'swirls'"),
        (["--points", "1"], "argument --points: value must be an int in [2, 100000], got 1"),
        (
            ["--points", "many"],
            "argument --points: value must be an int in [2, 100000], got 'many'",
        ),
        (["--noise", "-0.1"], "argument --noise: must be a finite number >= 0, got '-0.1'"),
        (["--noise", "nan"], "argument --noise: must be a finite number >= 0"),
        (["--hidden", "16,0"], "argument --hidden: must be layer sizes from 1 to 256"),
        (["--hidden", ""], "argument --hidden: must be layer sizes"),
        (["--activation", "gelu"], "argument --activation: invalid choice: 'gelu'"),
        (["--optimizer", "rmsprop"], "argument --optimizer: invalid choice: 'rmsprop'"),
        (["--lr", "0"], "argument --lr: must be a finite number > 0, got '0'"),
        (["--lr", "inf"], "argument --lr: must be a finite number > 0"),
        (["--l2", "-1"], "argument --l2: must be a finite number >= 0"),
        (["--batch", "0"], "argument --batch: value must be an int in [1, 10000], got 0"),
        (["--batch", "500"], "--batch 500 is more than the 80 training points"),
        (["--data", "x.csv", "--dataset", "moons"], "cannot be combined with --dataset"),
    ],
)
def test_bad_option_values_fail_with_one_line_and_no_files(args, message, tmp_path, capsys):
    status, out, err, directory = demo(args, tmp_path, capsys)
    assert status == 2 and out == "" and len(err) == 1
    assert message in err[0]
    assert not directory.exists()


def test_ctrl_c_during_training_still_writes_the_explorer(tmp_path, capsys, monkeypatch):
    from autograd_scalar import optim

    real_step, calls = optim.Adam.step, []

    def step_then_interrupt(self):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_step(self)

    monkeypatch.setattr(optim.Adam, "step", step_then_interrupt)
    status, out, err, directory = demo(["--optimizer", "adam", "--steps", "50"], tmp_path, capsys)
    assert status == 130 and err == ["interrupted"]
    page = page_data(directory / "training.html")
    assert len(page["steps"]) == 3  # recorded before each of the three updates tried


@pytest.mark.parametrize(
    "args, words",
    [
        (["--noise", "1e308"], ["--noise 1e+308 is too large", "overflow", "smaller --noise"]),
        (["--dataset", "blobs", "--noise", "1e308"], ["--noise 1e+308 is too large"]),
        (["--dataset", "digits", "--hidden", "8"], ["--hidden: not with --dataset digits"]),
        (["--dataset", "digits", "--lr", "1", "--batch", "5"], ["--lr, --batch: not with"]),
        (["--dataset", "digits", "--points", "50"], ["--points 50", "leave out --points"]),
        (["--dataset", "digits", "--engine", "scalar"], ["--engine scalar: --dataset digits"]),
        (["--hidden", "\u00b2"], ["argument --hidden: must be layer sizes", "'\u00b2'"]),
        (["--hidden", "9" * 5000], ["argument --hidden: must be layer sizes"]),
    ],
    ids=[
        "noise overflows",
        "blobs spread overflows",
        "digits with --hidden",
        "digits with --lr --batch",
        "digits with --points",
        "digits on the scalar engine",
        "superscript two",
        "5000 digits",
    ],
)
def test_each_refusal_names_the_option_and_the_reason(args, words, tmp_path):
    result, out = demo_process([*args, "--steps", "1"], tmp_path)
    assert_refused(result, out, *words)
    assert "parse_hidden" not in result.stderr and "Recorder" not in result.stderr
