"""The package as shipped: its public surface, its version, and the wheel.

Sources of truth: pyproject.toml (the version is read from
``autograd_scalar.__version__``, one place), and a fresh virtual environment
into which only the built wheel is installed.
"""

import importlib
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile

import pytest

import autograd_scalar as ag

SUBMODULES = ["nn", "optim", "data", "viz"]


@pytest.mark.parametrize("name", SUBMODULES)
def test_submodules_are_attributes_of_the_package(name):
    """`import autograd_scalar as ag; ag.nn` works without importing ag.nn first."""
    assert getattr(ag, name) is importlib.import_module(f"autograd_scalar.{name}")


@pytest.mark.parametrize("name", ["tape", "explore"])
def test_optional_submodules_are_attributes_or_a_clear_attribute_error(name):
    """A submodule not in this version reads as a missing attribute, never an ImportError."""
    try:
        module = getattr(ag, name)
    except AttributeError as error:
        assert f"autograd_scalar.{name} is not part of this version" in str(error)
    else:
        assert module is sys.modules[f"autograd_scalar.{name}"]


def test_an_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ag.nope  # noqa: B018


# -- the wheel -------------------------------------------------------------------

ROOT = pathlib.Path(__file__).parent.parent
PACKAGE = ROOT / "autograd_scalar"


def run(command, **options):
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, **options)
    assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """`python -m build` (no isolation: offline, with this environment's setuptools)."""
    source = tmp_path_factory.mktemp("source")
    # Build from a clean copy, so the checkout gets no build/ or egg-info folders.
    for name in ["pyproject.toml", "README.md", "LICENSE", "autograd_scalar"]:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(
            ROOT / name,
            source / name,
            **({"ignore": shutil.ignore_patterns("__pycache__")} if (ROOT / name).is_dir() else {}),
        )
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)])
    return out


@pytest.fixture(scope="module")
def fresh_venv(dist, tmp_path_factory):
    """A new virtual environment with only the wheel installed (--no-deps); the runtime
    dependencies come from this environment's site-packages, listed after the venv's own."""
    venv = tmp_path_factory.mktemp("venv")
    # Without PYTHONPATH: the checkout (and any metadata beside it) must not count as installed.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], env=env)
    python = venv / "bin" / "python"
    (wheel,) = dist.glob("*.whl")
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    run(pip + ["install", "--no-deps", "--no-index", "--quiet", str(wheel)], env=env)
    site_packages = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], env=env
    )
    # A plain path entry: the .pth files there (an editable install of the checkout) stay off.
    borrowed = sysconfig.get_path("purelib")
    (pathlib.Path(site_packages.stdout.strip()) / "runtime_deps.pth").write_text(borrowed + "\n")
    return venv, env


def test_build_makes_a_wheel_and_an_sdist_named_with_the_version(dist):
    names = sorted(path.name for path in dist.iterdir())
    assert names == [
        f"autograd_scalar-{ag.__version__}-py3-none-any.whl",
        f"autograd_scalar-{ag.__version__}.tar.gz",
    ]


def test_the_wheel_ships_every_file_of_the_package_and_the_typed_marker(dist):
    """Source of truth: the package folder of the checkout (code, py.typed, front-end files)."""
    (wheel,) = dist.glob("*.whl")
    shipped = {
        name for name in zipfile.ZipFile(wheel).namelist() if name.startswith("autograd_scalar/")
    }
    expected = {
        f"autograd_scalar/{path.relative_to(PACKAGE).as_posix()}"
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert "autograd_scalar/py.typed" in expected and expected <= shipped


def test_the_sdist_holds_the_project_files(dist):
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "autograd_scalar/py.typed",
        "autograd_scalar/engine.py",
    } <= names


def test_the_fresh_venv_imports_the_wheel_not_the_checkout(fresh_venv):
    venv, env = fresh_venv
    result = run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import autograd_scalar as ag; print(ag.__file__); print(ag.__version__)",
        ],
        env=env,
        cwd=venv,
    )
    location, version = result.stdout.split()
    assert pathlib.Path(location).is_relative_to(venv) and version == ag.__version__


def test_the_installed_command_runs_the_demo_and_writes_a_trace_page(fresh_venv, tmp_path):
    """The console script from the wheel: 5 training steps, then a trace page from `graph`."""
    venv, env = fresh_venv
    command = str(venv / "bin" / "autograd-scalar")
    run([command, "demo", "--steps", "5", "--out", str(tmp_path / "out")], env=env, cwd=tmp_path)
    written = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert {
        "backward_trace.html",
        "loss_curve.png",
        "decision_boundary.png",
        "neuron_graph.svg",
    } <= set(written)
    result = run(
        [
            command,
            "graph",
            "(a+b)*(a*b)/2",
            "--set",
            "a=2",
            "b=3",
            "--trace",
            str(tmp_path / "trace.html"),
        ],
        env=env,
        cwd=tmp_path,
    )
    assert "15" in result.stdout
    page = (tmp_path / "trace.html").read_text(encoding="utf-8")
    # The page is self-contained: its script and styles came from inside the installed package.
    assert "<script" in page and "<svg" in page and "3·1 + 2.5·3 = 10.5" in page


def test_the_installed_wheel_writes_png_pdf_and_step_images_with_no_graphviz(fresh_venv, tmp_path):
    """Images from the wheel alone: PATH holds no `dot`, and no system Cairo is used."""
    venv, env = fresh_venv
    env = {**env, "PATH": str(venv / "bin")}
    command = str(venv / "bin" / "autograd-scalar")
    for name, magic in (("g.png", b"\x89PNG\r\n\x1a\n"), ("g.pdf", b"%PDF-")):
        run([command, "graph", "a*b", "--set", "a=2", "b=3", "-o", name], env=env, cwd=tmp_path)
        assert (tmp_path / name).read_bytes().startswith(magic)
    code = (
        "from PIL import Image\n"
        "from autograd_scalar import Value, trace_backward, viz\n"
        "a = Value(2.0, label='a'); y = a * a; y.backward()\n"
        "viz.save(y, 'v.png'); viz.save(y, 'v.pdf')\n"
        "trace = trace_backward(y)\n"
        "trace.save_step(1, 'step.png'); trace.save_animation('bp.gif')\n"
        "print(Image.open('v.png').size, Image.open('bp.gif').n_frames)\n"
    )
    done = run([str(venv / "bin" / "python"), "-c", code], env=env, cwd=tmp_path)
    for name, magic in (("v.png", b"\x89PNG\r\n\x1a\n"), ("v.pdf", b"%PDF-"), ("bp.gif", b"GIF8")):
        assert (tmp_path / name).read_bytes().startswith(magic)
    assert (tmp_path / "step.png").read_bytes().startswith(b"\x89PNG")
    width, height, frames = (int(n) for n in re.findall(r"\d+", done.stdout))
    assert width > 50 and height > 20 and frames == 2 + 1  # a and a·a, then the finished pass
