"""Build the browser site: the real package running in the page, under Pyodide.

    python docs/build_browser.py [--out build/browser] [--cache DIR]

One command (offline once its downloads are cached, where this Python has
setuptools and wheel to build the project's wheel with):

1. fetches the pinned registry packages below (npm: the Pyodide runtime and
   viz-js, Graphviz compiled for the browser; PyPI: the ``graphviz`` wheel),
   each checked against its SHA-256 before use, into a cache that later builds
   reuse (``--cache``, default ``$AUTOGRAD_SCALAR_BROWSER_CACHE`` or
   ``~/.cache/autograd_scalar/browser``);
2. builds this project's wheel;
3. writes the site: the playground (``index.html``), the lessons that can run in
   a browser (``lesson.html#01_by_hand``; the others are listed with the module
   they need that the browser lacks), the shared runner, and only the runtime
   files the pages load;
4. writes ``lock.json``: every shipped file with its size, SHA-256 and origin.

The site fetches nothing from any other host: serve the folder (for example
``python -m http.server -d build/browser``) and open it. ``mkdocs build`` copies
a built site into the docs site as ``browser/`` (docs/hooks.py). The site is
written to a temporary folder and moved into place, so a failed build leaves
the previous one whole. Errors are one line naming the problem.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import hashlib
import html
import json
import os
import pathlib
import re
import shutil
import string
import subprocess
import sys
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = ROOT / "docs" / "browser_site"  # the pages' own files (HTML, JS, CSS, the Python runner)
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "build" / "browser"


@dataclasses.dataclass(frozen=True)
class NpmPackage:
    name: str
    version: str
    sha256: str  # of the registry's tarball
    files: dict  # path inside the tarball's package/ -> path in the site

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def tarball(self) -> str:  # the name `npm pack` gives it
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


@dataclasses.dataclass(frozen=True)
class Wheel:
    name: str
    version: str
    filename: str
    sha256: str


NPM = [
    # Python 3.14 compiled to WebAssembly with its standard library; no wheels.
    NpmPackage(
        "pyodide",
        "314.0.8",
        "9a52704e0ae5b07aaacb8e4fed9f1658e8024694a078695ea45ac79dee4cefcb",
        {
            name: f"pyodide/{name}"
            for name in (
                "pyodide.mjs",
                "pyodide.asm.mjs",
                "pyodide.asm.wasm",
                "python_stdlib.zip",
                "pyodide-lock.json",
            )
        },
    ),
    # Graphviz compiled for the browser (the ES module; autograd_scalar.viz.browser
    # finds it beside Pyodide's files).
    NpmPackage(
        "@viz-js/viz",
        "3.31.0",
        "7dc0189874849cca2fed7cbe88bf334cd0e6e012db16657794a812ad6f2b8c70",
        {"dist/viz.js": "pyodide/viz.js"},
    ),
]
WHEELS = [
    Wheel(
        "graphviz",
        "0.21",
        "graphviz-0.21-py3-none-any.whl",
        "54f33de9f4f911d7e84e4191749cac8cc5653f815b06738c54db9a15ab8b1e42",
    ),
]

#: Modules with no build for the browser's Python here: a lesson importing one runs locally.
NOT_IN_BROWSER = {
    "numpy": "numpy",
    "matplotlib": "matplotlib (plots)",
    "sympy": "sympy",
    "torch": "PyTorch",
    "onnx": "ONNX",
    "onnxruntime": "ONNX Runtime",
}


#: Lessons that import nothing missing but still cannot run in a page, and why.
LOCAL_ONLY = {
    "09_build_your_own": (
        "it grades a recursive engine on a very deep graph, which overflows the browser's "
        "stack before Python's recursion limit can stop it"
    ),
}


# The site's pages: file -> (title, script, body in SOURCES, its section in the bar).
PAGES = {
    "index.html": (
        "autograd_scalar playground: the real engine in your browser",
        "playground.js",
        "playground.main.html",
        "Playground",
    ),
    "lessons.html": (
        "autograd_scalar lessons in your browser",
        "lessons.js",
        "lessons.main.html",
        "Lessons",
    ),
    "lesson.html": (
        "autograd_scalar lesson in your browser",
        "lesson.js",
        "lesson.main.html",
        "Lessons",
    ),
}
# The bar's links (the last one is the docs site's page beside this folder).
SECTIONS = {
    "Playground": "index.html",
    "Lessons": "lessons.html",
    "What runs here": "../browser.html",
}

# Math in a lesson's Markdown: $$display$$ or $inline$ (kept out of Markdown's hands).
MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$", re.DOTALL)


class BuildError(RuntimeError):
    """A build step failed; the message is the one line the user sees."""


def sha256(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(command: list, what: str, cwd: pathlib.Path = ROOT) -> None:
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)
    except FileNotFoundError as exc:
        raise BuildError(f"{what}: {command[0]} is not installed") from exc
    if result.returncode != 0:
        last = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[-1]
        raise BuildError(f"{what} failed: {last}")


def _cached(cache: pathlib.Path, filename: str, expected: str, download) -> pathlib.Path:
    """The file ``filename`` in the cache, downloaded once, its SHA-256 checked every time."""
    path = cache / filename
    if not path.exists():
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            download(pathlib.Path(tmp))
            fetched = pathlib.Path(tmp) / filename
            if not fetched.exists():
                raise BuildError(f"download of {filename} produced no such file")
            os.replace(fetched, path)
    actual = sha256(path)
    if actual != expected:
        path.unlink()
        raise BuildError(f"{filename}: SHA-256 {actual} is not the pinned {expected}")
    return path


def fetch_npm(package: NpmPackage, cache: pathlib.Path) -> pathlib.Path:
    def download(tmp: pathlib.Path) -> None:
        npm = shutil.which("npm")
        if npm is None:
            raise BuildError(
                "npm is needed to fetch the pinned Pyodide and viz-js: install Node.js"
            )
        _run(
            [npm, "pack", package.spec, "--pack-destination", str(tmp)], f"npm pack {package.spec}"
        )

    return _cached(cache, package.tarball, package.sha256, download)


def fetch_wheel(wheel: Wheel, cache: pathlib.Path) -> pathlib.Path:
    def download(tmp: pathlib.Path) -> None:
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        _run([*pip, "-d", str(tmp), f"{wheel.name}=={wheel.version}"], f"pip download {wheel.name}")

    return _cached(cache, wheel.filename, wheel.sha256, download)


def unpack_npm(tarball: pathlib.Path, package: NpmPackage, site: pathlib.Path) -> None:
    with tarfile.open(tarball) as archive:
        for inside, target in package.files.items():
            member = archive.extractfile(f"package/{inside}")
            if member is None:
                raise BuildError(f"{package.spec} has no file {inside}")
            (site / target).parent.mkdir(parents=True, exist_ok=True)
            (site / target).write_bytes(member.read())


def _can_build_here() -> bool:
    """Whether this Python has setuptools and wheel, so the wheel builds with no download."""
    import importlib.util

    return all(importlib.util.find_spec(name) for name in ("setuptools", "wheel"))


def build_project_wheel(wheels: pathlib.Path) -> pathlib.Path:
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", tmp, str(ROOT)]
        if _can_build_here():  # else pip fetches the build backend (setuptools) as usual
            command.insert(4, "--no-build-isolation")
        _run(command, "building the autograd-scalar wheel")
        built = sorted(pathlib.Path(tmp).glob("autograd_scalar-*.whl"))
        if len(built) != 1:
            raise BuildError("building the autograd-scalar wheel gave no single wheel")
        return pathlib.Path(shutil.copy2(built[0], wheels / built[0].name))


def why_local(notebook: pathlib.Path) -> str:
    """Why a lesson runs locally only ("" when it runs in the browser)."""
    needs = lesson_needs(notebook)
    if needs:
        return f"it uses {', '.join(needs)}, which the browser's Python here does not have"
    return LOCAL_ONLY.get(notebook.stem, "")


def lesson_needs(notebook: pathlib.Path) -> list:
    """The modules a lesson imports that have no build in the browser, by display name."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    needs = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                need = NOT_IN_BROWSER.get(name.split(".")[0])
                if need and need not in needs:
                    needs.append(need)
    return needs


def lesson_title(notebook: pathlib.Path) -> str:
    """The lesson's first heading, led by its number ("07 · Memory, time and ...")."""
    number = notebook.stem.split("_")[0]
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        text = "".join(cell["source"]).strip()
        if cell["cell_type"] == "markdown" and text.startswith("# "):
            heading = text.splitlines()[0][2:].strip()
            return heading if heading.startswith(number) else f"{number} · {heading}"
    return notebook.stem


def markdown_html(source: str) -> str:
    """A lesson's Markdown as HTML; its $...$ math kept verbatim for MathJax in the page."""
    import markdown  # MkDocs' own Markdown, installed with the docs extra

    maths = MATH.findall(source)
    spans = iter(range(len(maths)))
    held = MATH.sub(lambda _: f"AGSMATH{next(spans)}X", source)
    text = markdown.markdown(held, extensions=["tables", "fenced_code"])
    return re.sub(r"AGSMATH(\d+)X", lambda m: html.escape(maths[int(m[1])], quote=False), text)


def _cell(cell: dict) -> dict:
    """A lesson's cell for the page: code as text, Markdown as HTML (made here, not in the page)."""
    source = "".join(cell["source"])
    if cell["cell_type"] == "code":
        return {"type": "code", "source": source}
    return {"type": "markdown", "html": markdown_html(source)}


def copy_mathjax(site: pathlib.Path) -> dict:
    """MathJax 3 for the lessons' formulas (from the docs extra's django-static-mathjax)."""
    import importlib.metadata
    import importlib.resources

    bundle = importlib.resources.files("mathjax") / "static" / "mathjax" / "es5" / "tex-svg-full.js"
    if not bundle.is_file():
        raise BuildError("MathJax 3 not found: pip install django-static-mathjax (the docs extra)")
    (site / "mathjax").mkdir()
    (site / "mathjax" / "tex-svg-full.js").write_bytes(bundle.read_bytes())
    version = importlib.metadata.version("django-static-mathjax")
    return {"mathjax/tex-svg-full.js": f"PyPI django-static-mathjax=={version}"}


def write_lessons(site: pathlib.Path) -> list:
    """Each lesson's cells (no outputs) as JSON, and the list of lessons with where they run."""
    folder = site / "lessons"
    folder.mkdir()
    listing = []
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        local = why_local(notebook)
        entry = {"name": notebook.stem, "title": lesson_title(notebook), "local": local}
        if not local:
            cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
            kept = [_cell(c) for c in cells if c["cell_type"] in ("code", "markdown")]
            (folder / f"{notebook.stem}.json").write_text(json.dumps(kept), encoding="utf-8")
        listing.append(entry)
    return listing


def write_pages(site: pathlib.Path) -> None:
    """Each page: the shared shell (head, the bar) around its own body."""
    shell = string.Template((SOURCES / "shell.html").read_text(encoding="utf-8"))
    for name, (title, script, body, section) in PAGES.items():
        current = {label: ' aria-current="page"' if label == section else "" for label in SECTIONS}
        nav = " ".join(
            f'<a href="{href}"{current[label]}>{label}</a>' for label, href in SECTIONS.items()
        )
        main = (SOURCES / body).read_text(encoding="utf-8")
        page = shell.substitute(title=title, script=script, nav=nav, main=main.rstrip("\n"))
        (site / name).write_text(page, encoding="utf-8")


def write_lock(site: pathlib.Path, origins: dict) -> dict:
    """lock.json: every file the site ships, its size, SHA-256 and where it came from."""
    files = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        name = path.relative_to(site).as_posix()
        origin = origins.get(name, "built from this repository")
        files[name] = {"bytes": path.stat().st_size, "sha256": sha256(path), "from": origin}
    lock = {"files": files}
    (site / "lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    return lock


def build(out: pathlib.Path, cache: pathlib.Path) -> dict:
    """Build the site into ``out`` (replacing it whole); its lock."""
    cache.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    origins = {}
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}-") as tmp:
        site = pathlib.Path(tmp) / "site"
        kept = shutil.ignore_patterns("__pycache__", "shell.html", "*.main.html")
        shutil.copytree(SOURCES, site, ignore=kept)
        write_pages(site)
        for package in NPM:
            unpack_npm(fetch_npm(package, cache), package, site)
            origins |= {target: f"npm {package.spec}" for target in package.files.values()}
        (site / "wheels").mkdir()
        for wheel in WHEELS:
            shutil.copy2(fetch_wheel(wheel, cache), site / "wheels" / wheel.filename)
            origins[f"wheels/{wheel.filename}"] = f"PyPI {wheel.name}=={wheel.version}"
        project = build_project_wheel(site / "wheels")
        origins |= copy_mathjax(site)
        config = {
            "wheels": [f"wheels/{w.filename}" for w in WHEELS] + [f"wheels/{project.name}"],
            "lessons": write_lessons(site),
        }
        (site / "config.json").write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
        lock = write_lock(site, origins)
        if out.exists():
            shutil.rmtree(out)
        os.replace(site, out)
    return lock


def default_cache() -> pathlib.Path:
    env = os.environ.get("AUTOGRAD_SCALAR_BROWSER_CACHE")
    return (
        pathlib.Path(env) if env else pathlib.Path.home() / ".cache" / "autograd_scalar" / "browser"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT, help="the site's folder")
    parser.add_argument("--cache", type=pathlib.Path, default=None, help="downloads kept here")
    args = parser.parse_args(argv)
    try:
        lock = build(args.out, args.cache or default_cache())
    except (BuildError, OSError) as exc:
        print(f"build_browser: {exc}", file=sys.stderr)
        return 1
    total = sum(entry["bytes"] for entry in lock["files"].values())
    print(f"built {args.out}: {len(lock['files'])} files, {total / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
