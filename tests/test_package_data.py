"""The pages' front end ships as package data: a wheel built from the repo holds web/*.

Truth: the wheel's own file list (a zip), built by pip from pyproject.toml as
a user's install would be.
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import autograd_scalar
from autograd_scalar.web import pages

REPO = Path(autograd_scalar.__file__).resolve().parent.parent
WEB = Path(pages.__file__).parent


def test_a_wheel_built_from_the_repo_contains_the_web_files(tmp_path):
    source = tmp_path / "src"  # setuptools writes build/ and *.egg-info beside the sources
    shutil.copytree(
        REPO / "autograd_scalar",
        source / "autograd_scalar",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    # No build isolation: offline and a few seconds, with the venv's setuptools.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = (tmp_path / "dist").glob("autograd_scalar-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"autograd_scalar/web/{p.name}"
        for p in WEB.iterdir()
        if p.suffix in (".js", ".css", ".html", ".py")
    }
    assert {"autograd_scalar/web/trace.js", "autograd_scalar/web/trace.css"} <= expected
    assert expected <= inside


def test_no_python_module_holds_a_script_or_a_style():
    """Scripts and styles live in web/*.js and web/*.css, not in Python strings."""
    for module in Path(autograd_scalar.__file__).parent.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert "addEventListener" not in text and "querySelector" not in text, module
        assert "{font-family" not in text and "{display:" not in text, module
