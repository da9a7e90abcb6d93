"""The lessons' exercise checks say right or wrong with a hint and never the
answer; the student edition drops the folded solutions and nothing else."""

import json
import math
import pathlib
import subprocess
import sys

import pytest

from autograd_scalar import exercises
from autograd_scalar.exercises import check

ROOT = pathlib.Path(__file__).parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# Exercises whose truth needs no lesson objects, with their closed-form answers.
CLOSED_FORMS = {
    "01.1": (21.0, 16.0),  # d + c·b and d + c·a at a = 2, b = 3
    "02.1": (7.0, 2),  # 2x + 1 at x = 3, from two children
    "03.1": (26.0, 2.0, 8.0),
    "03.2": [2 ** (k + 1) - 1 for k in range(1, 11)],
    "05.1": [[4.0, 2.0], [2.0, -math.sin(2.0)]],
}


@pytest.mark.parametrize("exercise", CLOSED_FORMS)
def test_the_right_answer_passes(exercise):
    verdict = check(exercise, CLOSED_FORMS[exercise])
    assert verdict.passed and repr(verdict) == f"{exercise}: right."


def _numbers(answer):
    if isinstance(answer, (list, tuple)):
        return [x for a in answer for x in _numbers(a)]
    return [answer]


@pytest.mark.parametrize("exercise", CLOSED_FORMS)
def test_a_wrong_answer_gets_a_hint_and_never_the_answer(exercise):
    right = CLOSED_FORMS[exercise]
    wrong = json.loads(json.dumps(right).replace("2", "3"))  # same shape, other numbers
    verdict = check(exercise, wrong)
    assert not verdict and "Hint:" in repr(verdict)
    for number in _numbers(right):
        for shown in {f"{number}", f"{number:g}", f"{float(number):.3f}"}:
            if len(shown) > 1:  # digits like "2" occur in any text
                assert shown not in repr(verdict), (exercise, shown)


def test_numbers_within_six_significant_digits_pass():
    assert check("05.1", [[4.000001, 2.0], [2.0, -0.909297]])
    assert not check("05.1", [[4.01, 2.0], [2.0, -0.909297]])


def test_an_unanswered_exercise_is_a_reminder_not_an_error():
    verdict = check("01.1", ...)
    assert not verdict and "not answered yet" in repr(verdict)


def test_an_answer_of_the_wrong_shape_is_wrong_not_an_error():
    assert not check("03.1", 8.0) and not check("03.1", "eight") and not check("04.1", 37)


def test_an_unknown_exercise_names_the_known_ones():
    with pytest.raises(ValueError, match="no exercise '99.9'"):
        check("99.9", 1)


def test_the_tanh_chain_truth_is_the_product_of_slopes():
    from autograd_scalar import Value

    start = Value(0.5)
    z = start
    for _ in range(100_000):
        z = z.tanh()
    z.backward()
    assert check("02.2", start.grad) and not check("02.2", 1.0)


def test_the_student_edition_drops_the_solutions_and_nothing_else():
    for path in LESSONS:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        student = exercises.student_notebook(notebook)
        text = json.dumps(student)
        assert "<summary>Solution</summary>" not in text
        kept = [c for c in notebook["cells"] if "<summary>Solution" not in "".join(c["source"])]
        assert student["cells"] == kept
        assert any("check(" in "".join(c["source"]) for c in student["cells"])


def lessons_cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "autograd_scalar", "lessons", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_the_lessons_command_writes_the_student_edition(tmp_path):
    result = lessons_cli("--student", "class", "--source", str(ROOT / "notebooks"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = sorted((tmp_path / "class").iterdir())
    assert [p.name for p in written] == [p.name for p in LESSONS]
    for path, original in zip(written, LESSONS):
        student = json.loads(path.read_text(encoding="utf-8"))
        assert student == exercises.student_notebook(json.loads(original.read_text("utf-8")))


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "the following arguments are required: --student"),
        (["--student", "out", "--source", "nowhere"], "--source nowhere: no lessons"),
        (["--student", "afile", "--source", str(ROOT / "notebooks")], "not a directory"),
    ],
)
def test_bad_lessons_options_give_one_line_exit_2_and_no_files(args, message, tmp_path):
    (tmp_path / "afile").write_text("x")
    result = lessons_cli(*args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_broken_lesson_is_named_and_nothing_is_written(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "01_fine.ipynb").write_text((LESSONS[0]).read_text(encoding="utf-8"))
    (source / "02_broken.ipynb").write_text("{not json")
    result = lessons_cli("--student", "out", "--source", "src", cwd=tmp_path)
    assert result.returncode == 2 and "02_broken.ipynb: not a notebook" in result.stderr
    assert not (tmp_path / "out").exists()
