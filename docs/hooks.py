"""MkDocs hooks: the pages of the site that are made from other files.

* Lessons: every notebook in ``notebooks/`` becomes the page
  ``notebooks/<name>.html``, which mkdocs-jupyter executes and renders. The
  build is the one place the lessons are run for publishing: the committed
  notebooks carry no outputs (so that edits to them merge cleanly), and the
  site shows them executed.
* API reference: a first page of the public API a learner uses (each name
  with its one-line summary, linked to its full entry), then one page per
  module of ``autograd_scalar``, each a single mkdocstrings directive, the
  modules a learner calls apart from the internals. A new module gets its page
  with no edit (among the internals until it is listed in ``LEARNER_MODULES``).
* The live trace page: the step-through backward trace of the sum-over-paths
  example, written by ``trace_backward(...).to_html(live=True)`` at build time.
* Search that works from disk: ``docs/assets/file-worker.js`` stands in for
  the CDN shim of Material's offline plugin (the site fetches nothing).
* MathJax 3 for the formulas, copied from the ``django-static-mathjax``
  package into ``assets/mathjax/`` (see ``docs/assets/math.js``), so the site
  renders its math offline, from disk as over http.
* The browser site (``browser/``: the playground and the lessons that run in
  the page, under Pyodide), built by ``docs/build_browser.py`` from its pinned
  packages (cached after the first build); each lesson page says whether it
  runs in the browser (with a link) or locally (with the reason).
"""

import html
import importlib
import importlib.resources
import importlib.util
import inspect
import pathlib
import pkgutil
import posixpath
import shutil
import sys

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = pathlib.Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TRACE_PAGE = "trace/sum_over_paths.html"
MATH_SCRIPT = "assets/math.js"
# Search from disk without a CDN shim (see the script).
FILE_WORKER = "assets/file-worker.js"
# The browser site's folder in the built site (docs/build_browser.py).
BROWSER = "browser"

# The modules a learner calls, in the order a first project meets them; every
# other module is an internal (how the package is built).
LEARNER_MODULES = [
    "engine",
    "functional",
    "modes",
    "viz",
    "trace",
    "nn",
    "optim",
    "data",
    "train",
    "explore",
    "tape",
]

# The public API page: (heading, [dotted names]), each name as the package
# exports it. Its summary is the first line of its docstring.
PUBLIC_API = [
    (
        "Values and gradients",
        [
            "autograd_scalar.Value",
            "autograd_scalar.Value.backward",
            "autograd_scalar.grad",
            "autograd_scalar.value_and_grad",
            "autograd_scalar.gradients",
            "autograd_scalar.no_grad",
            "autograd_scalar.scope",
        ],
    ),
    (
        "Pictures",
        ["autograd_scalar.viz.draw", "autograd_scalar.viz.save", "autograd_scalar.viz.network"],
    ),
    ("Step-through traces", ["autograd_scalar.trace_backward", "autograd_scalar.BackwardTrace"]),
    (
        "Neural networks",
        [
            "autograd_scalar.nn.MLP",
            "autograd_scalar.nn.Layer",
            "autograd_scalar.nn.Neuron",
            "autograd_scalar.nn.mse",
            "autograd_scalar.nn.hinge",
            "autograd_scalar.nn.cross_entropy",
            "autograd_scalar.nn.l2",
            "autograd_scalar.nn.dead_neurons",
        ],
    ),
    ("Optimizers", ["autograd_scalar.optim.SGD", "autograd_scalar.optim.Adam"]),
    (
        "Data",
        [
            "autograd_scalar.data.make_moons",
            "autograd_scalar.data.make_blobs",
            "autograd_scalar.data.make_spirals",
            "autograd_scalar.data.load_csv",
        ],
    ),
    ("Training", ["autograd_scalar.train.fit"]),
    ("Watching training", ["autograd_scalar.explore.Recorder"]),
    (
        "Second derivatives",
        ["autograd_scalar.hvp", "autograd_scalar.jvp", "autograd_scalar.gradcheck"],
    ),
    ("A tape for batches (optional)", ["autograd_scalar.tape.record"]),
]


def api_modules():
    """The package's public modules, in alphabetical order."""
    import autograd_scalar

    return sorted(
        info.name
        for info in pkgutil.iter_modules(autograd_scalar.__path__)
        if not info.name.startswith("_")
    )


def api_groups(modules):
    """(learner modules in teaching order, internals in alphabetical order)."""
    learner = [name for name in LEARNER_MODULES if name in modules]
    return learner, [name for name in modules if name not in learner]


def lesson_title(path):
    """'03_topological_order.ipynb' -> '03 Topological order'."""
    number, _, words = path.stem.partition("_")
    return f"{number} {words.replace('_', ' ').capitalize()}"


# After Material's offline plugin (priority 0), which adds a search shim from a CDN.
@event_priority(-50)
def on_config(config):
    polyfills = config.extra.get("polyfills", [])
    config.extra["polyfills"] = [p for p in polyfills if "iframe-worker" not in str(p)]
    config.extra["polyfills"].append(FILE_WORKER)
    config.nav.append({"Lessons": [{lesson_title(p): f"notebooks/{p.name}"} for p in LESSONS]})
    learner, internals = api_groups(api_modules())
    config.nav.append(
        {
            "API reference": [{"Start here: the public API": "api/index.md"}]
            + [{name: f"api/{name}.md"} for name in learner]
            + [{"Internals": [{name: f"api/{name}.md"} for name in internals]}]
        }
    )
    return config


def sum_over_paths_trace_html():
    from autograd_scalar.examples import sum_over_paths_trace

    return sum_over_paths_trace().to_html(live=True)


def _resolve(dotted):
    """The object a dotted name exported by the package stands for."""
    module_name, *attributes = dotted.split(".")
    obj = importlib.import_module(module_name)
    for attribute in attributes:
        obj = getattr(obj, attribute)
    return obj


def _anchor(obj, dotted):
    """The identifier mkdocstrings gives ``obj`` on its module's page."""
    defining = getattr(obj, "__module__", None) or ""
    owner = dotted.rsplit(".", 1)[0]
    if inspect.isfunction(obj) and "." in obj.__qualname__:  # a method: Class.method
        return f"{_anchor(_resolve(owner), owner)}.{obj.__name__}"
    page = next(
        (
            f"autograd_scalar.{name}"
            for name in LEARNER_MODULES
            if defining.startswith(f"autograd_scalar.{name}")
        ),
        defining,
    )
    return f"{page}.{obj.__qualname__}"


def _signature(obj, dotted):
    """``name(arg, arg, ...)`` with the arguments' names only (the entry has the rest)."""
    short = dotted.removeprefix("autograd_scalar.")
    try:
        parameters = inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return short
    names = [
        ("*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else "") + p.name
        for p in parameters.values()
        if p.name != "self"
    ]
    return f"{short}({', '.join(names)})"


def public_api_page():
    """The first page of the API reference: what a learner uses, where to read more."""
    lines = [
        "# The public API",
        "",
        "What a learner uses, grouped by what it is for. Each name links to its full",
        "entry (arguments, examples) in the module pages; the modules under",
        "*Internals* are how the package is built, and a first project needs none of them.",
        "",
        "```python",
        "from autograd_scalar import Value, grad, trace_backward, viz, nn, optim, data",
        "```",
    ]
    for heading, names in PUBLIC_API:
        lines += ["", f"## {heading}", "", "| name | what it does |", "| --- | --- |"]
        for dotted in names:
            obj = _resolve(dotted)
            summary = (inspect.getdoc(obj) or "").strip().splitlines()[0]
            summary = summary.replace("|", "\\|")
            lines.append(f"| [`{_signature(obj, dotted)}`][{_anchor(obj, dotted)}] | {summary} |")
    return "\n".join(lines) + "\n"


# Before mkdocs-jupyter's on_files (priority 0), so it takes the lessons as notebooks.
@event_priority(50)
def on_files(files, config):
    for path in LESSONS:
        # A real file under the repository root (not a generated one): mkdocs-jupyter
        # reads the notebook from its source path.
        files.append(
            File(
                f"notebooks/{path.name}",
                src_dir=str(ROOT),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    files.append(File.generated(config, "api/index.md", content=public_api_page()))
    for name in api_modules():
        files.append(
            File.generated(
                config,
                f"api/{name}.md",
                content=f"# `autograd_scalar.{name}`\n\n::: autograd_scalar.{name}\n",
            )
        )
    files.append(File.generated(config, TRACE_PAGE, content=sum_over_paths_trace_html()))
    return files


def build_browser():
    """docs/build_browser.py as a module (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "build_browser", ROOT / "docs" / "build_browser.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def lesson_banner(path: pathlib.Path) -> str:
    """Under a lesson's title: run it in the browser (a link), or why it runs locally."""
    local = build_browser().why_local(path)
    if local:
        text = f"Runs locally, not in the browser: {html.escape(local)}."
    else:
        link = f"../{BROWSER}/lesson.html#{path.stem}"
        text = f'<a href="{link}">Run this lesson in your browser</a>: nothing to install.'
    return f'<p class="ags-in-browser">{text}</p>'


def on_post_page(output, page, config):
    """Lessons say where they run; pages with formulas from pymdownx.arithmatex load MathJax."""
    source = ROOT / page.file.src_uri
    if page.file.src_uri.startswith("notebooks/") and source.suffix == ".ipynb":
        output = output.replace("</h1>", "</h1>\n" + lesson_banner(source), 1)
    if 'class="arithmatex"' not in output or MATH_SCRIPT in output:
        return output
    src = posixpath.relpath(MATH_SCRIPT, posixpath.dirname(page.file.dest_uri) or ".")
    return output.replace("</body>", f'<script src="{src}"></script>\n</body>', 1)


def mathjax_bundle():
    """The folder of MathJax 3's browser bundles in the django-static-mathjax package."""
    bundle = importlib.resources.files("mathjax") / "static" / "mathjax" / "es5"
    if not (bundle / "tex-svg-full.js").is_file():
        raise RuntimeError(
            "MathJax 3 not found: pip install django-static-mathjax (the [docs] extra)"
        )
    return pathlib.Path(str(bundle))


def on_post_build(config):
    built = build_browser()
    try:
        built.build(pathlib.Path(config.site_dir) / BROWSER, built.default_cache())
    except built.BuildError as exc:
        raise PluginError(f"the browser site: {exc}") from exc
    # tex-svg-full.js holds every TeX extension and the fonts' glyph paths; the
    # speech-rule data (sre/) and the CommonHTML web fonts are left out (unused).
    shutil.copytree(
        mathjax_bundle(),
        pathlib.Path(config.site_dir) / "assets" / "mathjax",
        ignore=shutil.ignore_patterns(
            "sre", "chtml", "*chtml*.js", "*mml-*.js", "tex-svg.js", "node-main.js"
        ),
        dirs_exist_ok=True,
    )
