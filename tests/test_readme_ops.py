"""The README's op table is the derivative table (ops.TABLE), rendered."""

from pathlib import Path

from autograd_scalar import ops

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- ops-table:start -->", "<!-- ops-table:end -->"


def test_readme_op_table_equals_the_derivative_table():
    text = README.read_text(encoding="utf-8")
    section = text[text.index(START) + len(START) : text.index(END)]
    assert section.strip() == ops.markdown_table().strip(), (
        "README op table is stale: regenerate it with `python -m autograd_scalar.ops`"
    )


def test_markdown_table_has_one_row_per_op_in_table_order():
    rows = ops.markdown_table().strip().splitlines()[2:]
    assert [row.split("`")[1] for row in rows] == list(ops.TABLE)
