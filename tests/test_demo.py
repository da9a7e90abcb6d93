"""The demo: micrograd's moons training reaches >= 95%, and run() writes its four files,
also when Ctrl-C interrupts it."""

import re

import pytest

from autograd_scalar import demo, optim

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_moons_training_reaches_95_percent_within_100_steps():
    model, X, labels = demo.moons_problem(seed=1337)
    result = demo.train(model, X, labels, steps=100)
    assert result.steps == 100
    assert result.accuracy >= 0.95
    assert result.losses[-1] < result.losses[0]


def test_training_is_reproducible_from_the_seed():
    first = demo.train(*demo.moons_problem(seed=7), steps=4)
    second = demo.train(*demo.moons_problem(seed=7), steps=4)
    assert first.losses == second.losses


def test_accuracy_counts_matching_signs():
    assert demo.accuracy([0.5, -0.1, 2.0, -3.0], [1, -1, -1, 1]) == 0.5


def assert_complete_files(out, names):
    assert sorted(p.name for p in out.iterdir()) == sorted(names)  # no temp files left over
    for name in names:
        content = (out / name).read_bytes()
        if name.endswith(".png"):
            assert content.startswith(PNG_SIGNATURE)
        elif name.endswith(".svg"):
            assert content.rstrip().endswith(b"</svg>")
        else:
            assert content.rstrip().endswith(b"</html>")


def test_run_with_few_steps_writes_the_four_files(tmp_path):
    result = demo.run(steps=3, out=tmp_path / "out", seed=1, progress=False)
    assert result.files == [tmp_path / "out" / name for name in demo.FILES]
    assert not result.interrupted and result.steps == 3 and len(result.losses) == 3
    assert 0.0 <= result.accuracy <= 1.0
    assert_complete_files(tmp_path / "out", demo.FILES)


def test_the_neuron_graph_shows_one_clustered_neuron(tmp_path):
    demo.run(steps=2, out=tmp_path, progress=False)
    svg = (tmp_path / "neuron_graph.svg").read_text()
    assert "layer0" in svg and "neuron" in svg and "relu" in svg


def test_the_trace_is_the_sum_over_paths_example(tmp_path):
    demo.run(steps=1, out=tmp_path, progress=False)
    html = (tmp_path / "backward_trace.html").read_text()
    assert "10.5" in html and "2.5" in html  # ∂o/∂a and ∂o/∂d of the sum-over-paths example


def test_the_demos_trace_page_is_live_like_graph_trace_pages(tmp_path):
    """A field per input, a and b, as `graph --trace` pages have (not the static page)."""
    path = demo.save_sum_over_paths_trace(tmp_path / "trace.html")
    html = path.read_text()
    labels = re.findall(r'<label for="[^"]+">([^<]+)</label>', html)
    assert 'class="ags-live"' in html and labels == ["a", "b"]


def test_ctrl_c_during_training_keeps_what_was_trained(tmp_path, monkeypatch):
    real_step, calls = optim.SGD.step, []

    def step_then_interrupt(self):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_step(self)

    monkeypatch.setattr(optim.SGD, "step", step_then_interrupt)
    result = demo.run(steps=50, out=tmp_path, progress=False)
    assert result.interrupted and result.steps == 2 and len(result.losses) == 2
    assert result.files == [tmp_path / name for name in demo.FILES]
    assert_complete_files(tmp_path, demo.FILES)


def test_ctrl_c_while_writing_keeps_the_files_already_written(tmp_path, monkeypatch):
    def interrupted_plot(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "plot_decision_boundary", interrupted_plot)
    result = demo.run(steps=2, out=tmp_path, progress=False)
    assert result.interrupted
    assert result.files == [tmp_path / "loss_curve.png"]
    assert_complete_files(tmp_path, ["loss_curve.png"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(steps=0), "steps must be an int >= 1"),
        (dict(steps=2.5), "steps must be an int >= 1"),
        (dict(seed=-1), "seed must be an int >= 0"),
    ],
)
def test_bad_arguments_raise_value_error_before_any_work(tmp_path, kwargs, message):
    out = tmp_path / "never"
    with pytest.raises(ValueError, match=message):
        demo.run(out=out, progress=False, **kwargs)
    assert not out.exists()


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(ValueError, match="exists and is not a directory"):
        demo.run(steps=1, out=tmp_path / "taken", progress=False)


# -- the tape engine, more points, digits ------------------------------------------------------


def test_tape_training_takes_the_scalar_paths_steps():
    """Same problem, same seed: the tape's losses and accuracies are the scalar path's."""
    scalar = demo.train(*demo.moons_problem(seed=3), steps=5)
    taped = demo.train(*demo.moons_problem(seed=3), steps=5, engine="tape")
    assert max(abs(a - b) for a, b in zip(scalar.losses, taped.losses)) <= 1e-9
    assert scalar.accuracies == taped.accuracies and scalar.accuracy == taped.accuracy


def test_run_with_the_tape_on_many_points_writes_the_four_files(tmp_path):
    result = demo.run(steps=3, out=tmp_path, progress=False, engine="tape", points=2000)
    assert result.steps == 3 and 0.0 <= result.accuracy <= 1.0
    assert_complete_files(tmp_path, demo.FILES)


def test_the_decision_boundary_grid_is_the_models_score_at_each_point():
    """model_scores (one tape over the points) against the model called point by point."""
    model, X, _ = demo.moons_problem(seed=5)
    points = [[-1.0, 0.5], [0.25, 0.25], [2.0, -0.5]]
    assert (
        max(abs(s - model(p).data) for s, p in zip(demo.model_scores(model, points), points))
        <= 1e-12
    )


def test_digits_reach_90_percent_test_accuracy_within_a_minute(tmp_path):
    import time

    start = time.perf_counter()
    result = demo.run(out=tmp_path, progress=False, dataset="digits")  # on a tape
    assert time.perf_counter() - start < 60
    assert result.accuracy >= 0.90 and result.steps == 100
    assert result.losses[-1] < result.losses[0]
    assert_complete_files(tmp_path, demo.DIGITS_FILES)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(engine="jax"), "engine must be one of scalar, tape"),
        (dict(dataset="mnist"), "dataset must be one of moons, digits"),
        (dict(dataset="digits", engine="scalar"), "dataset digits trains with engine tape"),
        (dict(points=1), "points must be an int >= 2"),
    ],
)
def test_bad_engine_dataset_or_points_raise_before_any_work(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        demo.run(out=tmp_path / "out", progress=False, **kwargs)
    assert not (tmp_path / "out").exists()


def test_the_tape_demo_on_10000_points_finishes_within_20_seconds(tmp_path):
    """The acceptance figure, as a process: CPU time of the child, which other programs
    on a shared machine do not stretch (its wall time is printed for the record)."""
    import resource
    import subprocess
    import sys
    import time

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograd_scalar",
            "demo",
            "--engine",
            "tape",
            "--points",
            "10000",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"demo --engine tape --points 10000: {cpu:.1f} s CPU, {wall:.1f} s wall")
    assert result.returncode == 0, result.stderr
    assert cpu < 20.0
    assert_complete_files(tmp_path, demo.FILES)
