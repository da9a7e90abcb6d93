"""Every graph of lesson 02 is a picture in every viewer a learner opens it in.

Lesson 02 is executed once by nbclient, as a teacher would before handing it
out. Then, as a person would look at it:

* its outputs: every drawing and trace carries ``image/svg+xml``;
* ``nbconvert --to html``: each graph is an ``<img>`` whose SVG holds the
  node labels;
* Jupyter Notebook 7 on 127.0.0.1 in Chromium, the executed file reopened
  by a server that has never seen it (so untrusted: HTML sanitised, no script
  runs): each graph shows as an image with its node labels, and no output
  shows the run-on text of node ids (``v3_op``, ``v1->v3_op``);

Truth: the sum-over-paths example's numbers (o = 15, a = 2, ∂o/∂a = 10.5),
read from the pictures themselves (SVG parsed as XML).
"""

import re
import xml.etree.ElementTree as ET

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from autograd_scalar.web import pages
from test_jupyterlab import NOTEBOOK, ROOT, open_notebook

SVG = "{http://www.w3.org/2000/svg}"
EXECUTED = "02_executed.ipynb"
#: The run-on text an output shows when its SVG is stripped: node and op ids.
RUN_ON = re.compile(r"\bv\d+_op\b|v\d+->v\d+")


#: What of a trace needs its script and is visible: buttons, fields, the legend, the side panel.
VISIBLE_CONTROLS = """out => [...out.querySelectorAll(
    'button, input, select, .ags-legend, .ags-side, .ags-toolbar, .ags-practice, .ags-live')]
  .filter(el => el.checkVisibility()).map(el => el.outerHTML.slice(0, 80))"""


def labels(svg: str) -> list:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def is_graph(output) -> bool:
    page = output.get("data", {}).get("text/html", "")
    return "ags-drawing" in page or "ags-trace" in page


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Lesson 02 run top to bottom by nbclient in an empty folder."""
    folder = tmp_path_factory.mktemp("executed")
    notebook = nbformat.read(ROOT / "notebooks" / NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(folder)}}).execute()
    return notebook


def graph_outputs(notebook) -> list:
    return [
        output for cell in notebook.cells for output in cell.get("outputs", []) if is_graph(output)
    ]


def test_every_graph_output_carries_an_svg_image(executed):
    outputs = graph_outputs(executed)
    # viz.draw of o (twice), the trace, the neuron's drawing and trace, the 2,000-deep chain
    assert len(outputs) == 6
    for output in outputs:
        svg = output["data"]["image/svg+xml"]
        svg = svg if isinstance(svg, str) else "".join(svg)
        assert any(text.startswith("data ") for text in labels(svg))


def test_nbconvert_html_shows_each_graph_as_an_image_with_its_labels(executed):
    html, _ = HTMLExporter().from_notebook_node(executed)
    pictures = pages.pictures(html)
    assert len(pictures) >= 6
    texts = [labels(svg) for svg in pictures]
    assert all(any(t.startswith("data ") for t in found) for found in texts)
    assert any("grad 10.5" in found and "a" in found for found in texts)


@pytest.fixture(scope="module")
def untrusted(browser, jupyter, executed):
    """The executed lesson opened in Notebook 7 by a server that never saw it signed."""
    home = jupyter.home
    nbformat.write(executed, home / "work" / EXECUTED)
    seen = {}
    page = open_notebook(browser, jupyter.url(EXECUTED, "notebook"), app="notebook")
    page.wait_for_selector(".jp-OutputArea-output img.ags-picture", state="attached")
    seen["texts"], seen["pictures"], seen["controls"] = [], [], []
    cells = page.locator(".jp-Notebook .jp-Cell")
    for k in range(len(executed.cells)):  # the notebook lays out cells near the viewport only
        cell = cells.nth(k)
        cell.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        for output in cell.locator(".jp-OutputArea-output").all():
            seen["texts"].append(output.inner_text())
            seen["controls"] += output.evaluate(VISIBLE_CONTROLS)
            for img in output.locator("img").all():
                img.scroll_into_view_if_needed()
                shown = img.evaluate("i => i.complete && i.naturalWidth > 0")
                seen["pictures"].append((shown, img.get_attribute("src") or ""))
    first = page.locator(".jp-OutputArea-output img.ags-picture").first
    first.scroll_into_view_if_needed()
    page.screenshot(path=home / "5_untrusted_notebook7.png")
    trace = page.locator(".jp-OutputArea-output", has=page.locator(".ags-steps")).first
    trace.scroll_into_view_if_needed()
    page.screenshot(path=home / "6_untrusted_trace_notebook7.png")
    page.close()
    return seen


def test_untrusted_notebook7_shows_every_graph_as_a_picture(untrusted):
    pictures = [src for shown, src in untrusted["pictures"] if src.startswith("data:image/svg")]
    assert len(pictures) >= 6  # the six graph outputs, each at least one image
    assert all(shown for shown, _ in untrusted["pictures"])  # each one loaded and drawn
    texts = [labels(svg) for svg in pages.pictures("".join(f"<img src='{s}'>" for s in pictures))]
    assert all(any(t.startswith("data ") for t in found) for found in texts)
    assert any("data 15" in found and "data 2" in found for found in texts)


def test_untrusted_notebook7_shows_no_run_on_node_ids(untrusted):
    assert [text for text in untrusted["texts"] if RUN_ON.search(text)] == []


def test_untrusted_trace_lists_its_equations_under_its_picture(untrusted):
    traces = [text for text in untrusted["texts"] if "The backward pass, output first" in text]
    assert traces and "3·1 + 2.5·3 = 10.5" in traces[0]


def test_untrusted_trace_shows_no_dead_buttons_nor_loose_legend(untrusted):
    """The page's <style> is stripped in an untrusted notebook: what needs the script stays hidden."""
    traces = [text for text in untrusted["texts"] if "The backward pass, output first" in text]
    assert len(traces) == 2  # the sum over paths and the neuron
    assert untrusted["controls"] == []
    assert not [text for text in traces if "current node v_i" in text or "click a node" in text]
