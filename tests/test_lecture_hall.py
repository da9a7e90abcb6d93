"""Pictures for slides and paper: step images, animations, printed pages and TikZ.

Truths checked against: the file formats' own signatures and parsers (PNG,
PDF through pypdf, GIF frames through Pillow), the trace page's colours
(``web/trace.css``: the current node is #ffb74d), the trace's own equations
(``to_text``), Chromium's print to PDF, and TeX's grammar (balanced braces,
and ``pdflatex`` itself where it is installed, as .ci/run installs it).
"""

import io
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pypdf
import pytest
from PIL import Image

from autograd_scalar import Value, nn, trace_backward, viz
from autograd_scalar.nn import mse
from autograd_scalar.viz import image
from sum_over_paths import sum_over_paths_graph

CURRENT = (0xFF, 0xB7, 0x4D)  # trace.css: g.ags-current fill
CONSUMER = (0xBB, 0xDE, 0xFB)  # trace.css: g.ags-consumer fill


def sum_over_paths():
    """c = a + b, d = a·b, o = c·d/2 at a = 2, b = 3: a.grad = 10.5, b.grad = 8."""
    return sum_over_paths_graph()[-1]


def colours(png: bytes) -> set:
    with Image.open(io.BytesIO(png)) as picture:
        return {pixel for _, pixel in picture.convert("RGB").getcolors(maxcolors=1 << 20)}


# -- images with no system tools ---------------------------------------------------------


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG\r\n\x1a\n"), (".pdf", b"%PDF-")])
def test_viz_save_writes_the_format_its_suffix_names(tmp_path, suffix, magic):
    o = sum_over_paths()
    o.backward()
    out = viz.save(o, tmp_path / f"g{suffix}", format=suffix[1:])
    assert out.read_bytes().startswith(magic)


def test_png_scale_and_dpi_set_the_pixel_size():
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="72pt" height="36pt"/>'
    for options, size in [({}, (96, 48)), ({"scale": 2}, (192, 96)), ({"dpi": 144}, (144, 72))]:
        with Image.open(io.BytesIO(image.to_png(svg, **options))) as picture:
            assert picture.size == size


def test_pdf_page_is_the_drawing_size_in_points():
    pdf = image.to_pdf('<svg xmlns="http://www.w3.org/2000/svg" width="144pt" height="72pt"/>')
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
        (144, 72), abs=0.5
    )


def test_text_renders_with_the_fonts_matplotlib_ships():
    """No system font is consulted: the letters come from DejaVu files inside matplotlib."""
    files = image.font_files()
    assert files and all("matplotlib" in f for f in files)
    blank = '<svg xmlns="http://www.w3.org/2000/svg" width="60pt" height="20pt"/>'
    text = blank.replace("/>", '><text x="2" y="15" font-size="14">grad</text></svg>')
    assert len(colours(image.to_png(text))) > len(colours(image.to_png(blank)))


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "2", True])
def test_bad_scale_is_named(bad):
    with pytest.raises(ValueError, match="scale must be a finite number > 0"):
        image.to_png(
            '<svg xmlns="http://www.w3.org/2000/svg" width="1pt" height="1pt"/>', scale=bad
        )


# -- a step as a picture ------------------------------------------------------------------


def test_step_svg_marks_the_current_node_its_children_and_hides_later_grads():
    trace = trace_backward(sum_over_paths())
    k = [step.name for step in trace.steps].index("b")
    root = ET.fromstring(trace.step_svg(k))
    classes = {g.get("id"): g.get("class", "") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    current = [i for i, c in classes.items() if "ags-current" in c]
    consumers = [i for i, c in classes.items() if "ags-consumer" in c]
    assert len(current) == 1 and len(consumers) == 2  # b's children c and d
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert trace.equation(trace.steps[k]) in " ".join(texts).replace("  ", " ") or any(
        "3·1 + 2.5·2 = 8" in t for t in texts
    )
    later = len(trace.steps) - 1 - k  # steps after b's: their v̄ is not known yet
    assert sum(t.strip() == "grad ?" for t in texts) == later
    assert sum(t.startswith("\u2202 = ") for t in texts) == 2  # one local derivative per term


def test_step_image_shows_the_current_node_in_the_page_highlight_colour(tmp_path):
    trace = trace_backward(sum_over_paths())
    first = trace.save_step(0, tmp_path / "s0.png").read_bytes()
    middle = trace.save_step(2, tmp_path / "s2.png").read_bytes()
    assert CURRENT in colours(first) and CURRENT in colours(middle)
    assert CONSUMER in colours(middle) and CONSUMER not in colours(
        first
    )  # the output has no children
    assert first != middle


@pytest.mark.parametrize("k", [6, -7, 1.0, True])
def test_a_step_out_of_range_is_named(k):
    trace = trace_backward(sum_over_paths())
    with pytest.raises(ValueError, match="step must be an int from 0 to 5"):
        trace.step_svg(k)


def test_save_step_refuses_a_suffix_it_cannot_write(tmp_path):
    trace = trace_backward(sum_over_paths())
    with pytest.raises(ValueError, match=r"save_step writes \.svg, \.png or \.pdf files"):
        trace.save_step(0, tmp_path / "s.jpg")
    assert list(tmp_path.iterdir()) == []


# -- the backward pass as an animation -----------------------------------------------------


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".png"])
def test_animation_has_one_frame_per_step_and_a_held_last_frame(tmp_path, suffix):
    trace = trace_backward(sum_over_paths())
    out = trace.save_animation(tmp_path / f"bp{suffix}", seconds_per_step=0.5, pause=3)
    with Image.open(out) as movie:
        assert movie.n_frames == len(trace.steps) + 1
        frames, durations = [], []
        for i in range(movie.n_frames):
            movie.seek(i)
            frames.append(movie.convert("RGB").tobytes())
            durations.append(movie.info.get("duration"))
    assert frames[0] != frames[-1] and frames[1] != frames[2]
    assert durations[0] == 500 and durations[-1] == 3000


def test_animation_frames_are_bounded_in_width(tmp_path):
    leaves = [Value(float(i), label=f"x{i}") for i in range(12)]
    total = leaves[0]
    for leaf in leaves[1:]:
        total = total + leaf * leaf
    out = trace_backward(total).save_animation(tmp_path / "wide.gif", max_width=400)
    with Image.open(out) as movie:
        assert movie.size[0] <= 400


def test_cli_writes_an_animation_and_refuses_another_suffix(tmp_path):
    command = [sys.executable, "-m", "autograd_scalar", "graph", "a*b + a", "--set", "a=2", "b=3"]
    done = subprocess.run(
        command + ["--animation", "bp.gif"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "animation written to bp.gif" in done.stdout
    with Image.open(tmp_path / "bp.gif") as movie:
        assert movie.n_frames == 4 + 1  # a, b, a·b, a·b + a; then the finished pass
    bad = subprocess.run(
        command + ["--animation", "bp.mp4"], cwd=tmp_path, capture_output=True, text=True
    )
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "--animation bp.mp4: give a file name ending in .gif, .webp or .png" in bad.stderr


# -- printing ---------------------------------------------------------------------------------


def printed_text(browser, page_html: str, tmp_path) -> str:
    path = tmp_path / "trace.html"
    path.write_text(page_html, encoding="utf-8")
    page = browser.new_page()
    page.goto(path.as_uri())
    page.wait_for_selector(".ags-trace.ags-js")
    pdf = page.pdf(format="A4")
    page.close()
    return " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_printing_a_trace_page_shows_every_step(browser, tmp_path):
    trace = trace_backward(sum_over_paths())
    text = re.sub(r"\s+", " ", printed_text(browser, trace.to_html(), tmp_path))
    for step in trace.steps:
        assert re.sub(r"\s+", " ", trace.equation(step)) in text
    assert "prev" not in text  # the controls are not printed


def test_printing_the_mlp_trace_names_every_step(browser, tmp_path):
    model = nn.MLP(2, [16, 16, 1])
    loss = mse([model([0.5, -1.0])], [1.0])
    trace = trace_backward(loss)
    assert len(trace.steps) > 350
    text = printed_text(browser, trace.to_html(max_steps=None), tmp_path)
    names = {step.name for step in trace.steps}
    heads = set(re.findall(r"v̄\[([^\]]+)\] =", text))
    assert names <= heads


# -- TikZ ------------------------------------------------------------------------------------


def balanced(tex: str) -> bool:
    depth = 0
    for match in re.finditer(r"\\.|[{}]", tex):
        token = match.group(0)
        depth += token == "{"
        depth -= token == "}"
        if depth < 0:
            return False
    return depth == 0


def test_tikz_has_a_record_per_value_an_op_node_per_operation_and_an_edge_per_arrow():
    o = sum_over_paths()
    o.backward()
    tikz = viz.to_tikz(o)
    assert tikz.startswith("\\begin{tikzpicture}") and tikz.rstrip().endswith("\\end{tikzpicture}")
    assert balanced(tikz)
    assert len(re.findall(r"\\node\[value\b", tikz)) == 6  # a, b, c, d, c·d, o
    assert len(re.findall(r"\\node\[op\b", tikz)) == 4
    assert len(re.findall(r"\\node\[constant\b", tikz)) == 1
    assert len(re.findall(r"\\draw\[->\]", tikz)) == 12
    assert "a \\nodepart{two} data 2 \\nodepart{three} grad 10.5" in tikz


def test_tikz_escapes_tex_characters_in_labels():
    x = Value(1.0, label="x_1 & 50%")
    y = x * 2
    y.backward()
    tikz = viz.to_tikz(y)
    assert "x\\_1 \\& 50\\%" in tikz and balanced(tikz)


def test_latex_align_block_holds_every_equation():
    trace = trace_backward(sum_over_paths())
    block = trace.to_latex(environment="align*")
    assert block.startswith("\\begin{align*}") and block.endswith("\\end{align*}")
    assert block.count("\\bar{") >= len(trace.steps) and balanced(block)
    with pytest.raises(ValueError, match="environment must be"):
        trace.to_latex(environment="equation")


def test_tikz_and_align_compile_with_pdflatex(tmp_path):
    if shutil.which("pdflatex") is None:
        pytest.fail("pdflatex not found: .ci/run installs texlive-latex-base and texlive-pictures")
    o = sum_over_paths()
    o.backward()
    (tmp_path / "g.tex").write_text(viz.to_tikz(o, standalone=True), encoding="utf-8")
    equations = (
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
        + trace_backward(o).to_latex(environment="align*")
        + "\n\\end{document}\n"
    )
    (tmp_path / "eq.tex").write_text(equations, encoding="utf-8")
    for name in ("g.tex", "eq.tex"):
        done = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout[-2000:]
        assert (tmp_path / name.replace(".tex", ".pdf")).read_bytes().startswith(b"%PDF-")
