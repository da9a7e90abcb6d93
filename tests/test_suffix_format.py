"""A file's suffix is its format: every save writes what its suffix names, or refuses.

Truth: each written file is read back by what its suffix promises (an XML
parser for .svg, a PNG signature, JSON, an HTML doctype, DOT's first word);
a refused name gives one line naming the suffixes that save writes, and no file.
"""

import json
import random
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import autograd_scalar as ag
from autograd_scalar import demo, examples, files, nn, viz
from autograd_scalar.explore import Recorder


def sum_over_paths():
    o = examples.sum_over_paths()[-1]
    o.backward()
    return o


def small_model():
    return nn.MLP(2, [3, 1], rng=random.Random(1))


def recorder():
    model = small_model()
    rec = Recorder(model, [[0.0, 1.0], [1.0, 0.0]], [1, -1])
    rec.record(nn.hinge([model(x) for x in rec.X], rec.y))
    return rec


def is_svg(data: bytes) -> bool:
    return ET.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"


def is_html(data: bytes) -> bool:
    return data.lstrip().lower().startswith(b"<!doctype html")


#: What a file of each format starts with or parses as.
CONTENT_CHECKS = {
    "svg": is_svg,
    "dot": lambda data: data.lstrip().startswith(b"digraph"),
    "png": lambda data: data.startswith(b"\x89PNG\r\n\x1a\n"),
    "pdf": lambda data: data.startswith(b"%PDF-"),
    "html": is_html,
    "json": lambda data: isinstance(json.loads(data), dict),
}

#: Each save of the package: (write(path), the names it writes, a name it refuses).
SAVES = {
    "viz.save": (lambda p: viz.save(sum_over_paths(), p), ["g.svg", "g.dot", "g.gv"], "g.html"),
    "NetworkView.save": (
        lambda p: viz.network(small_model()).save(p),
        ["n.svg", "n.html", "n.htm"],
        "n.png",
    ),
    "save_html": (
        lambda p: ag.trace_backward(sum_over_paths()).save_html(p),
        ["t.html", "t.htm"],
        "t.svg",
    ),
    "Recorder.save": (lambda p: recorder().save(p), ["e.html"], "e.json"),
    "Module.save": (lambda p: small_model().save(p), ["m.json"], "m.html"),
    "demo plot": (
        lambda p: demo.plot_loss_curve([1.0, 0.5], [0.5, 1.0], p),
        ["loss.png"],
        "loss.svg",
    ),
}


@pytest.mark.parametrize("name", SAVES)
def test_every_saved_file_holds_the_format_its_suffix_names(name, tmp_path):
    write, accepted, _ = SAVES[name]
    for file_name in accepted:
        path = tmp_path / file_name
        write(path)
        format = files.SUFFIX_FORMATS[path.suffix.lower()]
        assert CONTENT_CHECKS[format](path.read_bytes()), (name, file_name)


@pytest.mark.parametrize("name", SAVES)
def test_every_save_refuses_a_suffix_it_does_not_write_in_one_line(name, tmp_path):
    write, accepted, refused = SAVES[name]
    for file_name in (refused, "no_suffix", "file.txt"):
        with pytest.raises(ValueError) as caught:
            write(tmp_path / file_name)
        message = str(caught.value)
        assert "\n" not in message and "suffix names its format" in message
        assert all(f"{suffix}" in message for suffix in (p[p.rindex(".") :] for p in accepted))
    assert list(tmp_path.iterdir()) == []


def test_viz_save_png_and_pdf_are_what_their_suffixes_name(tmp_path):
    """PNG and PDF are made in-process from the SVG: no Graphviz program is needed."""
    for suffix, check in ((".png", CONTENT_CHECKS["png"]), (".pdf", CONTENT_CHECKS["pdf"])):
        path = tmp_path / f"o{suffix}"
        assert check(viz.save(sum_over_paths(), path).read_bytes())


def test_viz_save_refuses_a_format_its_suffix_contradicts(tmp_path):
    with pytest.raises(ValueError, match="format 'dot' does not match"):
        viz.save(sum_over_paths(), tmp_path / "o.svg", format="dot")
    assert list(tmp_path.iterdir()) == []


def test_the_cli_refuses_a_suffix_that_names_no_drawing_format(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "autograd_scalar", "graph", "x*2", "--set", "x=1"]
        + ["-o", "g.txt", "--format", "svg"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and result.stdout == "" and len(lines) == 1
    assert "'g.txt'" in lines[0] and ".svg, .dot, .gv, .png or .pdf" in lines[0]
    assert list(tmp_path.iterdir()) == []
