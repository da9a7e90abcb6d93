"""Every view's whole page is its fragment in the one shell (``pages.document``).

Truth: the shell itself (``web/page.html``): each page must begin and end as
the shell does around a fragment, hold one document head with the viewport
for phones, and carry the view's own root element as the body's one child.
"""

import html.parser
import random

import pytest

from autograd_scalar import practice, trace_backward, viz
from autograd_scalar.examples import sum_over_paths
from autograd_scalar.explore import Recorder
from autograd_scalar.nn import MLP
from autograd_scalar.web import pages


class Outline(html.parser.HTMLParser):
    """The tags of a document: every start tag, and the body's direct children."""

    def __init__(self):
        super().__init__()
        self.tags, self.body_children, self.depth, self.in_body = [], [], 0, False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("meta", "link", "br", "img", "input", "line", "path", "circle", "rect"):
            return  # void (or self-closed SVG) elements open no level
        if self.in_body and self.depth == 0:
            self.body_children.append((tag, dict(attrs).get("class", "")))
        if tag == "body":
            self.in_body = True
        elif self.in_body:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "body":
            self.in_body = False
        elif self.in_body and tag not in ("line", "path", "circle", "rect"):
            self.depth -= 1


def recorder():
    model = MLP(2, [3, 1], rng=random.Random(3))
    X, y = [[0.5, -1.0], [1.0, 0.5], [-0.5, 0.25]], [1, -1, 1]
    rec = Recorder(model, X, y)
    for _ in range(2):
        loss = sum((1 - t * model(x)).relu() for x, t in zip(X, y))
        model.zero_grad()
        loss.backward()
        rec.record(loss)
    return rec


def problem_pages():
    problem = practice.generate(2, 5)
    return {
        "student": (practice.student_page(problem), f"Practice {problem.name}", "style"),
        "key": (practice.key_page(problem), f"Answer key {problem.name}", "style"),
    }


def views() -> dict:
    """``{name: (page, title, the tag or class of the fragment's root)}``."""
    trace = trace_backward(sum_over_paths()[-1])
    net = viz.network(MLP(2, [3, 1], rng=random.Random(1)), x=[0.5, -1.0])
    sheet = practice.worksheet([practice.generate(1, 3)], [""])
    return {
        "trace": (trace.to_html(), "o", "ags-trace"),
        "live trace": (trace.to_html(live=True, title="mine"), "mine", "ags-trace"),
        "practice view": (trace.practice().to_html(), "o", "ags-trace"),
        "network": (net.to_html(), net.title, "ags-network"),
        "explorer": (recorder().to_html("runs"), "runs", "ags-explorer"),
        "worksheet": (sheet, "Backpropagation worksheet", "style"),
        **problem_pages(),
    }


VIEWS = views()


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_every_page_is_its_fragment_in_the_one_shell(name):
    page, title, root = VIEWS[name]
    before, after = pages.document(title, "\0").split("\0")
    assert page.startswith(before) and page.endswith(after)
    outline = Outline()
    outline.feed(page)
    tags = [tag for tag, _ in outline.tags]
    assert tags.count("html") == tags.count("head") == tags.count("title") == 1
    viewports = [a for tag, a in outline.tags if tag == "meta" and a.get("name") == "viewport"]
    assert viewports == [{"name": "viewport", "content": "width=device-width, initial-scale=1"}]
    first_tag, first_class = outline.body_children[0]
    assert root in (first_tag, first_class.split()[0] if first_class else "")


@pytest.mark.parametrize("name", ["trace", "network", "explorer"])
def test_a_view_in_a_page_is_one_element(name):
    """The trace, the network view and the explorer: one root element, nothing beside it."""
    page, _, root = VIEWS[name]
    outline = Outline()
    outline.feed(page)
    assert [cls.split()[0] for _, cls in outline.body_children] == [root]


def test_every_view_saves_its_page_atomically_and_refuses_other_suffixes(tmp_path):
    trace = trace_backward(sum_over_paths()[-1])
    net = viz.network(MLP(2, [3, 1], rng=random.Random(1)))
    writers = {
        "save_html": lambda path: trace.save_html(path),
        "PracticeView.save": lambda path: trace.practice().save(path),
        "NetworkView.save": lambda path: net.save(path),
        "Recorder.save": lambda path: recorder().save(path),
    }
    for writer, save in writers.items():
        page = save(tmp_path / f"{writer}.htm").read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and page.endswith("</body></html>\n")
        with pytest.raises(ValueError, match=f"^{writer}: cannot write 'x.txt'"):
            save(tmp_path / "x.txt")
    assert not (tmp_path / "x.txt").exists()
