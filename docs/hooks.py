"""MkDocs hooks: the pages of the site that are made from other files.

* Lessons: every notebook in ``notebooks/`` becomes the page
  ``notebooks/<name>/``, which mkdocs-jupyter executes and renders.
* API reference: one page per public module of ``autograd_scalar``, each a
  single mkdocstrings directive, so a new module gets its page with no edit.
* The live trace page: the step-through backward trace of the sum-over-paths
  example, written by ``trace_backward(...).to_html()`` at build time.
* MathJax for the lessons' formulas, copied from the ``jupyter-server-mathjax``
  package, so the site renders its math offline.
"""

import pathlib
import pkgutil
import shutil

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = pathlib.Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TRACE_PAGE = "trace/sum_over_paths.html"


def api_modules():
    """The package's public modules, in alphabetical order."""
    import autograd_scalar

    return sorted(
        info.name
        for info in pkgutil.iter_modules(autograd_scalar.__path__)
        if not info.name.startswith("_")
    )


def lesson_title(path):
    """'03_topological_order.ipynb' -> '03 Topological order'."""
    number, _, words = path.stem.partition("_")
    return f"{number} {words.replace('_', ' ').capitalize()}"


def on_config(config):
    config.nav.append({"Lessons": [{lesson_title(p): f"notebooks/{p.name}"} for p in LESSONS]})
    config.nav.append(
        {
            "API reference": [{"Overview": "api/index.md"}]
            + [{name: f"api/{name}.md"} for name in api_modules()]
        }
    )
    return config


def sum_over_paths_trace_html():
    from autograd_scalar import trace_backward
    from autograd_scalar.demo import sum_over_paths_graph

    return trace_backward(sum_over_paths_graph()[-1]).to_html()


def api_index(modules):
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings of each module (their examples run as doctests).",
        "",
    ]
    lines += [f"- [`autograd_scalar.{name}`]({name}.md)" for name in modules]
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
    modules = api_modules()
    files.append(File.generated(config, "api/index.md", content=api_index(modules)))
    for name in modules:
        files.append(
            File.generated(
                config,
                f"api/{name}.md",
                content=f"# `autograd_scalar.{name}`\n\n::: autograd_scalar.{name}\n",
            )
        )
    files.append(File.generated(config, TRACE_PAGE, content=sum_over_paths_trace_html()))
    return files


def on_post_build(config):
    import jupyter_server_mathjax

    static = pathlib.Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(
        static, pathlib.Path(config.site_dir) / "assets" / "mathjax", dirs_exist_ok=True
    )
