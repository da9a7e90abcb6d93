"""The command line: ``autograd-scalar graph`` and ``autograd-scalar demo``.

``autograd-scalar graph "tanh(a*b + c)" --set a=2 b=-3 c=10 -o g.svg``
parses the expression with the safe language of :mod:`autograd_scalar.expr`
(nothing typed is ever executed), builds the graph, runs backward, prints the
value and each variable's gradient, and writes the drawing (``-o``, default
``graph.svg`` -- ``graph.<format>`` -- in the current directory; the format
comes from ``--format`` or else from the file's suffix) and, with ``--trace``,
the step-through page of the backward pass (live unless ``--static``).

``autograd-scalar demo [--steps 100] [--out DIR] [--seed 1337]`` trains
micrograd's moons demo (:func:`autograd_scalar.demo.run`) and prints the
final accuracy and the files it wrote; ``--engine tape`` trains with a tape,
``--points N`` on N moons points, ``--dataset digits`` on 8×8 digit images,
and the other options an own set-up. ``demo``'s options are one list
(``_demo_options``): each one given reaches ``demo.run`` by its name, and the
choices are the names of the registries (``data.DATASETS``,
``nn.ACTIVATIONS``, ``nn.LOSSES``, ``train.OPTIMIZERS``).

Every failure is ONE line on stderr, ``autograd-scalar: error: ...``, with
exit status 2 and no traceback; argparse's own errors are shortened to one
line too; when EXPR is missing because ``--set`` took it (it reads every word
up to the next option) or because it starts with ``-``, the line says so and
gives the corrected command. A value or gradient that is ±inf or nan is a
warning on stderr, with exit status 0. ``graph`` renders everything in memory
and writes its files atomically only once all of it succeeded, so a failure
leaves no output file.
Ctrl-C prints ``interrupted`` and exits with 130, keeping files already written.

Example:
    >>> import contextlib, io, pathlib, tempfile
    >>> out = io.StringIO()
    >>> with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(out):
    ...     status = main(["graph", "x*y", "--set", "x=3", "y=4", "-o", f"{tmp}/xy.dot"])
    >>> status
    0
    >>> print(out.getvalue().split("graph written")[0].strip())
    x*y = 12.0
    <BLANKLINE>
    variable  value  gradient
    x           3.0  4.0
    y           4.0  3.0
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import sys
from pathlib import Path
from typing import Optional, Sequence

from . import __version__, data, expr
from .checks import count, is_number
from .files import suffix_format, write_files
from .names import terminal_text

__all__ = [
    "main",
    "EXIT_OK",
    "EXIT_INTERNAL",
    "EXIT_USAGE",
    "EXIT_INTERRUPTED",
    "MAX_STEPS",
    "MAX_POINTS",
]

PROG = "autograd-scalar"
EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: Most training steps ``demo`` accepts (100 take a few seconds).
MAX_STEPS = 100_000
_MAX_SEED = 2**32 - 1
#: Most points ``demo`` accepts, made (--points) or read (--data): one bound for both.
MAX_POINTS = data.MAX_POINTS
_FORMATS = ("svg", "dot", "png", "pdf")


class UsageError(Exception):
    """Bad input on the command line: reported as one line, exit status 2."""


class _ArgumentError(UsageError):
    """argparse's complaint (``message``), pointing at ``PROG --help``."""

    def __init__(self, message: str, prog: str):
        super().__init__(f"{message} (see '{prog} --help')")
        self.message = message


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (no usage block) raised as :class:`UsageError`."""

    def error(self, message: str):
        raise _ArgumentError(message, self.prog)


def _int_in(low: int, high: int):
    """An argparse type: an int from ``low`` to ``high``, else a message saying so."""

    def parse(text: str) -> int:
        number: object = text  # not an integer: count() refuses it, quoting the text
        try:
            number = int(text)
        except ValueError:
            pass
        try:
            return count(number, "value", low, high)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def _output_directory(text: str) -> Path:
    """An argparse type: a directory that exists, or can be created, and is writable."""
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a directory name, got an empty string")
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} exists and is not a directory")
    existing = path
    while not existing.exists():  # the nearest existing ancestor is where mkdir starts
        existing = existing.parent
    if not existing.is_dir():
        raise argparse.ArgumentTypeError(
            f"cannot create {text!r}: {str(existing)!r} is not a directory"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write into {str(existing)!r} (permission denied)")
    return path


def _output_file(text: str, option: str) -> Path:
    """``text`` as a file that can be written, checked before any work is done."""
    path = Path(text)
    if not text.strip() or text.endswith(("/", os.sep)) or path.is_dir():
        raise UsageError(f"{option} {text!r}: needs a file name, not a directory")
    if path.exists() and not path.is_file():
        # Replacing it would swap a device or pipe (say /dev/null) for a regular file.
        raise UsageError(f"{option} {text}: exists and is not a regular file")
    directory = path.parent
    if not directory.is_dir():
        raise UsageError(f"{option} {text}: directory {str(directory)!r} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {text}: directory {str(directory)!r} is not writable")
    return path


def _graph_output(output: Optional[str], format: Optional[str]) -> tuple:
    """``(format, path)`` of the drawing, from ``-o`` and ``--format``."""
    if output is None:
        format = format or "svg"
        return format, _output_file(f"graph.{format}", "-o")
    path = _output_file(output, "-o")
    from_suffix = suffix_format(path, _FORMATS, "graph -o")  # a file's suffix is its format
    if format is None:
        return from_suffix, path
    if from_suffix != format:
        raise UsageError(f"-o {output} does not match --format {format}")
    return format, path


def _trace_output(text: Optional[str], graph: Path) -> Optional[Path]:
    """The ``--trace`` page's path (an .html file of its own), checked before any work."""
    if text is None:
        return None
    if not text.lower().endswith(".html"):
        raise UsageError(
            f"--trace {text}: the trace page is HTML; give a file name ending in .html"
        )
    path = _output_file(text, "--trace")
    if os.path.realpath(path) == os.path.realpath(graph):
        raise UsageError(
            f"--trace {text}: the graph is written there too; give the trace page its own file"
        )
    return path


def _assignments(items: Sequence[str]) -> dict:
    """The ``--set NAME=VALUE`` items as ``{name: float}``."""
    values = {}
    for item in items:
        name, equals, number = item.partition("=")
        if not equals:
            raise UsageError(f"--set {item}: expected NAME=VALUE, e.g. a=2")
        try:
            name = expr.variable_name(name.strip())
        except ValueError as error:
            raise UsageError(f"--set {item}: {error}") from None
        try:
            value = float(number)
        except ValueError:
            raise UsageError(f"--set {item}: {number!r} is not a number") from None
        if not math.isfinite(value):
            raise UsageError(f"--set {item}: the value must be a finite number")
        if name in values:
            raise UsageError(f"--set {item}: variable {name!r} is set twice")
        values[name] = value
    return values


def _number(x: float, digits: Optional[int]) -> str:
    """``x`` as printed: every digit (``repr``), or ``digits`` significant ones."""
    return repr(x) if digits is None else f"{x:.{digits}g}"


def _gradient_table(leaves: dict, used: tuple, digits: Optional[int] = None) -> str:
    """The variables' values and gradients, one aligned row each."""
    if not leaves:
        return "(no variables)"
    rows = [("variable", "value", "gradient")]
    rows += [
        (
            terminal_text(name),
            _number(leaf.data, digits),
            _number(leaf.grad, digits) + ("" if name in used else "  (not in the expression)"),
        )
        for name, leaf in leaves.items()
    ]
    name_width = max(len(row[0]) for row in rows)
    value_width = max(len(row[1]) for row in rows)
    return "\n".join(
        f"{name:<{name_width}}  {value:>{value_width}}  {grad}" for name, value, grad in rows
    )


def _animation_output(text: Optional[str], taken: list) -> Optional[Path]:
    """The ``--animation`` file's path (.gif, .webp or .png), checked before any work."""
    if text is None:
        return None
    if Path(text).suffix.lower() not in (".gif", ".webp", ".png"):
        raise UsageError(f"--animation {text}: give a file name ending in .gif, .webp or .png")
    path = _output_file(text, "--animation")
    if any(p is not None and os.path.realpath(path) == os.path.realpath(p) for p in taken):
        raise UsageError(
            f"--animation {text}: another output is written there; give it its own file"
        )
    return path


def _trace_files(args: argparse.Namespace, root, text: str, trace_path) -> list:
    """The backward pass, then ``(path, bytes)`` of the --trace page and the --animation."""
    root.backward()  # the drawing shows .grad; a trace computes its own v̄
    if trace_path is None and args.animation is None:
        return []
    from . import trace as tracing

    trace = tracing.trace_backward(root)
    if len(trace) > args.max_steps:
        raise UsageError(
            f"--trace: the backward pass has {len(trace):,} steps, more than "
            f"--max-steps {args.max_steps:,}; raise --max-steps to write "
            "the page anyway, or leave out --trace"
        )
    files = []
    if trace_path is not None:
        page = trace.to_html(
            max_steps=None,
            title=" ".join(text.split()),
            live=not (args.static or args.practice),
            practice=args.practice,
        )
        files.append((trace_path, page.encode("utf-8")))
    if args.animation is not None:
        from .trace import film

        files.append((args.animation, film.animation(trace, args.animation.suffix.lower()[1:])))
    return files


#: An expression longer than this names its output "output" in the drawing and the trace.
MAX_OUTPUT_NAME = 40


def _name_output(root, text: str) -> None:
    """Name the output after the expression (``tanh(a*b + c)``), not its position (``v6``).

    A lone variable or constant keeps its own name.
    """
    if not root.label:
        name = " ".join(text.split())
        root.label = name if len(name) <= MAX_OUTPUT_NAME else "output"


def _graph(args: argparse.Namespace) -> int:
    values = _assignments(args.assignments)
    expression = expr.parse(args.expression)
    format, output = _graph_output(args.output, args.format)
    trace_path = _trace_output(args.trace, output)
    args.animation = _animation_output(args.animation, [output, trace_path])
    if args.practice and trace_path is None:
        raise UsageError(
            "--practice: it makes the --trace page a practice page; give --trace t.html"
        )
    root, leaves = expression.evaluate(values)
    _name_output(root, expression.text)

    # Imported here, not at the top: graphviz and the WebAssembly renderer cost
    # start-up time that `--help`, argument errors and `demo` should not pay.
    from . import viz

    extra = _trace_files(args, root, expression.text, trace_path)
    # Render everything in memory first: a failure here leaves no file behind.
    drawing = viz.draw(root, rankdir=args.rankdir)
    try:
        picture = viz.render(drawing.source, format)
    except viz.RenderError as error:
        raise UsageError(str(error)) from None
    # Both files or neither: a failure writing the trace takes the graph back.
    write_files([(output, picture)] + extra)

    print(f"{terminal_text(expression.text)} = {_number(root.data, args.digits)}")
    print()
    print(_gradient_table(leaves, expression.variables, args.digits))
    print()
    print(f"graph written to {terminal_text(str(output))}")
    for path, what in zip([trace_path, args.animation], ["trace", "animation"]):
        if path is not None:
            print(f"{what} written to {terminal_text(str(path))}")
    _warn_non_finite(root, leaves)
    return EXIT_OK


def _warn_non_finite(root, leaves: dict) -> None:
    """One warning line on stderr if the value or a gradient is ±inf or nan."""
    found = [f"the value ({root.data!r})"] if not math.isfinite(root.data) else []
    found += [
        f"the gradient of {name} ({leaf.grad!r})"
        for name, leaf in leaves.items()
        if not math.isfinite(leaf.grad)
    ]
    if found:
        print(
            f"{PROG}: warning: not finite: {terminal_text(', '.join(found))}; float64 "
            "overflowed, or a derivative is infinite or undefined at these values",
            file=sys.stderr,
        )


def _demo(args: argparse.Namespace) -> int:
    # The tape's matrices are small: one BLAS thread, not threads spinning on a
    # shared machine (set before anything imports numpy).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # Imported here: training and plotting pull in matplotlib.
    from . import demo

    given = {name: getattr(args, name) for name in args.options if getattr(args, name) is not None}
    return _report(demo.run(**given))  # what is not given: demo.run's defaults


def _report(result) -> int:
    """Print a training run's accuracy (its last loss in regression) and files; the exit
    status it earned."""
    if result.accuracy is None:
        last = result.losses[-1] if result.losses else float("nan")
        print(f"loss: {last:.4g} (regression: no accuracy; training.html shows the fit)")
    else:
        print(f"accuracy: {result.accuracy:.1%}")
    for path in result.files:
        print(f"wrote {terminal_text(str(path))}")
    if result.interrupted:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="See backpropagation work: draw an expression's "
        "computation graph with its gradients, or train a small network.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _add_graph_command(commands)
    _add_demo_command(commands)
    _add_practice_command(commands)
    _add_lessons_command(commands)
    return parser


def _add_graph_command(commands) -> None:
    """``autograd-scalar graph``: an expression's graph, gradients and trace page."""
    graph = commands.add_parser(
        "graph",
        help="draw an expression's graph and print its gradients",
        description="Build EXPR's computation graph, run backward, print the value and\n"
        "each variable's gradient, and write the drawing.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="EXPR may use numbers, the constants pi and e, variables, + - * / **,\n"
        f"parentheses and the functions {', '.join(expr.FUNCTIONS)}.\n\n"
        "examples:\n"
        f'  {PROG} graph "tanh(a*b + c)" --set a=2 b=-3 c=10 -o g.svg\n'
        f'  {PROG} graph "(a + b) * (a * b) / 2" --set a=2 b=3 --trace trace.html\n'
        f"  {PROG} graph --set a=2 -- -a*a      (an EXPR starting with '-' goes after --)",
    )
    graph.add_argument("expression", metavar="EXPR", help='e.g. "tanh(a*b + c)"')
    graph.add_argument(
        "--set",
        dest="assignments",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="values of the variables, e.g. a=2 b=-3",
    )
    _add_graph_outputs(graph)
    graph.set_defaults(run=_graph)


def _add_graph_outputs(graph) -> None:
    """``graph``'s options for what it writes and prints."""
    graph.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="where to write the drawing (default: graph.FORMAT here)",
    )
    graph.add_argument(
        "--format",
        choices=_FORMATS,
        help="svg, dot, png or pdf (default: from -o's suffix, else svg); "
        "no Graphviz installation is needed for any of them",
    )
    graph.add_argument(
        "--trace",
        metavar="PATH.html",
        help="also write the step-through page of the backward pass (HTML)",
    )
    graph.add_argument(
        "--animation",
        metavar="PATH.gif",
        help="also write the backward pass as an animation, one frame per step "
        "(.gif, .webp or an animated .png)",
    )
    graph.add_argument(
        "--digits",
        type=_int_in(1, 17),
        metavar="N",
        help="print the value and gradients with N significant digits "
        "(default: all, as Python prints a float)",
    )
    graph.add_argument(
        "--static",
        action="store_true",
        help="a --trace page without the live inputs (by default the page "
        "lets the reader edit the variables and recomputes every value and gradient)",
    )
    graph.add_argument(
        "--practice",
        action="store_true",
        help="a --trace page that asks for each v̄ before revealing it, with hints and a score",
    )
    graph.add_argument(
        "--max-steps",
        type=_int_in(1, 10**7),
        default=5_000,
        metavar="N",
        help="refuse --trace pages of more than N backward steps (default: "
        "5000; Graphviz's layout of a larger graph takes minutes)",
    )
    graph.add_argument(
        "--rankdir",
        choices=("LR", "TB"),
        default="LR",
        help="layout direction: left to right (default) or top to bottom",
    )


def _add_demo_command(commands) -> None:
    """``autograd-scalar demo``: train a small network and write pictures of it."""
    demo = commands.add_parser(
        "demo",
        help="train an MLP on the moons and write pictures of it",
        description="micrograd's demo: MLP(2, [16, 16, 1]) on 100 moons points, hinge "
        "loss, SGD; writes the loss curve, decision boundary, a neuron's graph, a "
        "backward trace and the training explorer (training.html). Any option from "
        "--noise on (or a --dataset other than moons and digits) trains your own set-up "
        "instead and writes only training.html (the explorer: curves, boundary, network).",
    )
    options = _demo_options()
    for name, keywords in options.items():
        demo.add_argument("--" + name.replace("_", "-"), **keywords)
    demo.set_defaults(run=_demo, options=tuple(options))


def _demo_options() -> dict:
    """``demo``'s options, one entry each (name -> argparse keywords), in the order of
    its help. Each one given goes to :func:`autograd_scalar.demo.run` by its name;
    the choices are the registries' names."""
    from . import nn, train  # light: no matplotlib, no graphviz

    return {
        "steps": dict(
            type=_int_in(1, MAX_STEPS), default=100, help="training steps (default: 100)"
        ),
        "out": dict(
            type=_output_directory,
            default="out",
            metavar="DIR",
            help="directory for the files (default: out)",
        ),
        "seed": dict(
            type=_int_in(0, _MAX_SEED),
            default=1337,
            help="seed of the data and the initial weights (default: 1337)",
        ),
        "engine": dict(
            choices=train.ENGINES,
            help="scalar: Value graphs (the default); tape: one example's graph "
            "recorded once, replayed over all the points with numpy (the default for digits)",
        ),
        "points": dict(
            type=_int_in(2, MAX_POINTS), metavar="N", help="number of points (default: 100)"
        ),
        "dataset": dict(
            choices=tuple(data.DATASETS),
            help="the data (default: moons); digits: MLP(64, [32, 10]) on 8x8 digit images, "
            "on the tape; curve (sin x) and surface (sin x1 cos x2): regression, squared loss",
        ),
        "noise": dict(
            type=_non_negative, help="the data's noise (default: 0.1; blobs: their spread, 1.0)"
        ),
        "hidden": dict(
            type=_layer_sizes, metavar="SIZES", help="hidden layer sizes (default: 16,16)"
        ),
        "activation": dict(choices=tuple(nn.ACTIVATIONS), help="hidden activation (default: relu)"),
        "loss": dict(
            choices=tuple(nn.LOSSES),
            help="default: hinge for 2 classes (labels ±1), cross_entropy for more, else squared",
        ),
        "optimizer": dict(choices=tuple(train.OPTIMIZERS), help="default: sgd"),
        "lr": dict(
            type=_positive, help="learning rate (default: sgd 1.0, regression 0.01; adam 0.01)"
        ),
        "l2": dict(type=_non_negative, help="L2 penalty strength (default: 1e-4)"),
        "batch": dict(type=_int_in(1, 10_000), help="minibatch size (default: all points)"),
        "data": dict(
            metavar="FILE.csv", help="your own points: rows x1,x2,label (a header line is optional)"
        ),
        "test_fraction": dict(
            type=_fraction,
            help="share of points held out as test data, drawn hollow, with their own curves "
            "(default: 0.2 for the generated datasets, 0 for --data)",
        ),
    }


def _layer_sizes(text: str) -> tuple:
    """An argparse type: ``"16,16"`` -> ``(16, 16)``, hidden layer sizes from 1 to 256.

    Example:
        >>> _layer_sizes("16, 8")
        (16, 8)
    """
    sizes = []
    for part in (part.strip() for part in text.split(",")):
        # isdecimal, not isdigit: int() refuses digits such as "²"
        size = int(part) if part.isdecimal() and len(part) <= 3 else 0
        if not 1 <= size <= 256:
            raise argparse.ArgumentTypeError(
                f"must be layer sizes from 1 to 256 separated by commas, e.g. 16,16; got {text!r}"
            )
        sizes.append(size)
    if len(sizes) > 8:
        raise argparse.ArgumentTypeError(f"at most 8 hidden layers, got {len(sizes)}")
    return tuple(sizes)


def _finite(text: str) -> Optional[float]:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _positive(text: str) -> float:
    """An argparse type: a finite number > 0 (a learning rate)."""
    value = _finite(text)
    if value is None or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def _non_negative(text: str) -> float:
    """An argparse type: a finite number >= 0 (noise, L2 strength)."""
    value = _finite(text)
    if value is None or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def _fraction(text: str) -> float:
    """An argparse type: a number from 0 up to (not including) 1 (the held-out share)."""
    value = _finite(text)
    if value is None or not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to below 1, got {text!r}")
    return value


#: Most problems ``practice`` writes at once.
MAX_PROBLEMS = 1000


def _add_practice_command(commands) -> None:
    """``autograd-scalar practice``: backpropagation problems with separate answer keys."""
    practice = commands.add_parser(
        "practice",
        help="write backpropagation problems and their answer keys",
        description="Write practice problems (DIR/problems/*.html) and their answer keys "
        "(DIR/answers/*.html and answers.json, to keep apart from the students). Levels: "
        "1 + and *; 2 one input on several paths; 3 tanh, exp, relu, powers, division; "
        "4 one neuron with a loss; 5 a two-layer net. The same seed gives the same problems.",
    )
    practice.add_argument("--level", type=_int_in(1, 5), default=1, help="1 to 5 (default: 1)")
    practice.add_argument(
        "--seed",
        type=_int_in(0, _MAX_SEED),
        default=0,
        help="seed of the first problem; the next ones take seed+1, ... (default: 0)",
    )
    practice.add_argument(
        "--count",
        type=_int_in(1, MAX_PROBLEMS),
        default=10,
        metavar="N",
        help="number of problems (default: 10)",
    )
    practice.add_argument(
        "--out",
        type=_output_directory,
        default="practice",
        metavar="DIR",
        help="directory for the files (default: practice)",
    )
    practice.add_argument(
        "--worksheet",
        action="store_true",
        help="write one printable page instead, DIR/worksheet.html, with a blank box for each "
        "node's gradient, and its answer key, DIR/answers/worksheet-key.html",
    )
    practice.set_defaults(run=_practice)


def _practice(args: argparse.Namespace) -> int:
    from . import practice, viz

    problems = practice.problem_set(args.level, args.seed, args.count)
    try:
        drawings = [viz.to_svg(p.graph()[0], show_grad=False) for p in problems]
    except viz.RenderError as error:
        raise UsageError(str(error)) from None
    made = (practice.worksheet_files if args.worksheet else practice.files)(problems, drawings)
    items = [(args.out / path, data) for path, data in made]
    for folder in {path.parent for path, _ in items}:  # everything rendered: now the folders
        folder.mkdir(parents=True, exist_ok=True)
    write_files(items)
    print(f"{len(problems)} problems of level {args.level} ({practice.LEVELS[args.level]})")
    if args.worksheet:
        print(f"worksheet written to {terminal_text(str(args.out / 'worksheet.html'))}")
        key = args.out / "answers" / "worksheet-key.html"
        print(f"answer key written to {terminal_text(str(key))} (keep it apart)")
        return EXIT_OK
    print(f"students' pages written to {terminal_text(str(args.out / 'problems'))}")
    print(f"answer keys written to {terminal_text(str(args.out / 'answers'))} (keep them apart)")
    return EXIT_OK


def _add_lessons_command(commands) -> None:
    """``autograd-scalar lessons --student DIR``: the lessons without their solutions."""
    lessons = commands.add_parser(
        "lessons",
        help="write the student edition of the lessons (solutions removed)",
        description="Copy every lesson (*.ipynb) of --source into DIR without the folded "
        "solutions and without outputs; the exercises' check() calls stay.",
    )
    lessons.add_argument(
        "--student",
        type=_output_directory,
        required=True,
        metavar="DIR",
        help="directory for the student edition",
    )
    lessons.add_argument(
        "--source",
        default="notebooks",
        metavar="DIR",
        help="directory of the lessons (default: notebooks)",
    )
    lessons.set_defaults(run=_lessons)


def _lessons(args: argparse.Namespace) -> int:
    from .exercises import student_notebook

    source = Path(args.source)
    paths = sorted(source.glob("*.ipynb")) if source.is_dir() else []
    if not paths:
        raise UsageError(f"--source {args.source}: no lessons (*.ipynb files) there")
    if os.path.realpath(source) == os.path.realpath(args.student):
        raise UsageError("--student: give a directory other than the lessons' own")
    items = []
    for path in paths:
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
            student = student_notebook(notebook)
        except (ValueError, KeyError, TypeError) as error:
            raise UsageError(f"{path}: not a notebook ({error})") from None
        text = json.dumps(student, indent=1, ensure_ascii=False) + "\n"
        items.append((args.student / path.name, text.encode("utf-8")))
    args.student.mkdir(parents=True, exist_ok=True)
    write_files(items)
    print(f"{len(items)} lessons without solutions written to {terminal_text(str(args.student))}")
    return EXIT_OK


def _misplaced_expression(words: list) -> tuple:
    """``(word, why)``: the word of ``graph``'s arguments that argparse did not take as
    EXPR although it looks like one, and what to do; ``(None, "")`` if none does."""
    if "--" in words:  # who wrote -- knows the trick
        return None, ""
    for word in words:  # -h and -o are graph's only short options
        if (
            word.startswith("-")
            and not word.startswith("--")
            and word not in ("-h", "-o")
            and not is_number(word)
        ):
            return word, (
                f"{word!r} starts with '-', so it was read as an option; an "
                "EXPR like that goes after --"
            )
    in_set = False
    for word in words:
        if word.startswith("-") and not is_number(word):
            in_set = word == "--set"
        elif in_set and "=" not in word:
            return word, (
                f"--set took {word!r} as a NAME=VALUE item (it reads every word "
                "up to the next option); put EXPR before --set, or after --"
            )
    return None, ""


def _parse(argv: list) -> argparse.Namespace:
    """The parsed command line; a missing EXPR gets a hint about argument order and ``--``."""
    try:
        return _parser().parse_args(argv)
    except _ArgumentError as error:
        if argv[:1] != ["graph"] or "required: EXPR" not in error.message:
            raise
        word, why = _misplaced_expression(argv[1:])
        if word is None:
            raise
        rest = list(argv)
        rest.remove(word)
        raise UsageError(
            f"EXPR is missing: {why}: {PROG} {shlex.join([*rest, '--', word])}"
        ) from None


def _fail(message: str, status: int = EXIT_USAGE) -> int:
    # One line, whatever the message holds (a renderer's stderr may span several).
    print(f"{PROG}: error: {terminal_text(message)}", file=sys.stderr)
    return status


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); the exit status.

    0 success, 2 bad input (one line on stderr), 130 interrupted, 1 an
    internal error (a bug: one line on stderr all the same).
    """
    try:
        args = _parse(list(sys.argv[1:] if argv is None else argv))
        return args.run(args)
    except SystemExit as exit:  # --help and --version
        return exit.code if isinstance(exit.code, int) else EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, ValueError) as error:  # ExpressionError is a ValueError
        return _fail(str(error))
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as Unix tools do; the
        # files are already written. Point stdout at devnull so the
        # interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INTERNAL
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        return _fail(f"{where}{error.strerror or error}")
    except Exception as error:  # noqa: BLE001 -- the promise is: never a traceback
        return _fail(
            f"internal error ({type(error).__name__}: {error}); please report it", EXIT_INTERNAL
        )
