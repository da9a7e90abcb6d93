"""The safe expression language of the command line: text -> ``Value`` graph.

``autograd-scalar graph "tanh(a*b + c)" --set a=2 b=-3 c=10`` reads its
expression with Python's own parser (``ast.parse(mode="eval")``) and admits
only a whitelist of node types::

    expression := number | constant | name | expression (+ | - | * | / | **) expression
                | (- | +) expression | ( expression ) | function(expression)

where ``constant`` is ``pi`` or ``e`` (:data:`CONSTANTS`: a constant leaf drawn
and traced under its name, never a variable), and ``function`` is one of the derivative table's one-argument functions
(:data:`FUNCTIONS`: ``exp``, ``log``, ``tanh``, ``sigmoid``, ``relu``, ``sin``,
``cos``, ``sqrt``, ``abs``). Everything else -- attribute access, subscripts,
lambdas, comprehensions, other calls, keyword arguments, strings,
comparisons, comments (``#``, whose rest of line Python would ignore), ... --
is an :class:`ExpressionError` that names the problem and its position.
Nothing is ever executed: :func:`parse` flattens the checked tree into a
postorder program (a Wengert list v_1..v_N, each step computing one node from
earlier ones), and
:meth:`Expression.evaluate` runs that program on a stack with ``Value``
operations, which dispatch through :data:`autograd_scalar.ops.TABLE`.
Neither walks the tree recursively.

Runaway input is refused before it costs anything:

* the text is at most :data:`MAX_LENGTH` characters and its brackets nest at
  most :data:`MAX_NESTING` deep -- both checked *before* ``ast.parse``, whose
  own recursion is what deep nesting would strain;
* at most :data:`MAX_NODES` operations, numbers and names;
* a number literal has at most :data:`MAX_LITERAL_LENGTH` characters and must
  be a finite float64 (``1e400`` is refused, not turned into ``inf``);
* a *constant* exponent (one with no variable in it) must lie within
  ±:data:`MAX_EXPONENT`; it is checked before the power is formed, so towers
  like ``a ** 10 ** 10 ** 10`` or ``9 ** 9 ** 9`` stop at the first exponent
  out of range. (Exponents with variables are ordinary float64 arithmetic:
  ``--set n=5000`` then ``x ** n`` works.)

Example:
    >>> from autograd_scalar.expr import evaluate
    >>> root, leaves = evaluate("tanh(a*b + c)", {"a": 2, "b": -3, "c": 10})
    >>> root.backward()
    >>> round(root.data, 6), round(leaves["a"].grad, 6)
    (0.999329, -0.004023)
    >>> evaluate("a.__class__", {"a": 1})
    Traceback (most recent call last):
    ...
    autograd_scalar.expr.ExpressionError: attribute access (.__class__) is not allowed (at column 1: a.__class__)
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import unicodedata
import warnings
from typing import Any, Mapping, NamedTuple, Optional

from . import ops
from .engine import CONST, Value
from .names import terminal_text

__all__ = [
    "parse",
    "evaluate",
    "variable_name",
    "Expression",
    "ExpressionError",
    "FUNCTIONS",
    "CONSTANTS",
    "MAX_LENGTH",
    "MAX_NESTING",
    "MAX_NODES",
    "MAX_LITERAL_LENGTH",
    "MAX_EXPONENT",
]

#: The functions an expression may call: the table's one-argument ops.
FUNCTIONS = ops.UNARY_FUNCTIONS
#: The named constants an expression may use. They keep their names in the
#: drawing and the trace ("pi = 3.14159  (constant)"): a learner recognises
#: ``pi`` faster than 3.14159. No variable may take these names.
CONSTANTS = {"pi": math.pi, "e": math.e}

#: Longest expression text, in characters.
MAX_LENGTH = 2000
#: Deepest bracket nesting. Python's parser stops at 200; 100 is plenty for
#: a formula and keeps the parser's recursion shallow on every Python version.
MAX_NESTING = 100
#: Most operations, numbers and names in one expression. Graphs beyond
#: viz's ~500 values are drawn collapsed; this bound is about runaway input.
MAX_NODES = 1000
#: Longest number literal, in characters.
MAX_LITERAL_LENGTH = 64
#: Largest magnitude of a constant exponent. Beyond it a constant exponent is a
#: runaway tower (``9 ** 9 ** 9``) rather than a formula: 2.0 ** 1024 already
#: overflows float64. Exponents that depend on a variable are not bounded.
MAX_EXPONENT = 1000

_SNIPPET_LENGTH = 40
_NEWLINE = re.compile(r"\r\n|\r|\n")
# Python's tokenizer treats these as whitespace; text outside them is the expression.
_LEADING_SPACE = " \t\f\r\n"

_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_OTHER_BINARY = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
}

# The Value method behind each op name of the program, generated from the
# table like the methods themselves: no arithmetic is defined here.
_APPLY = {name: getattr(Value, op.methods[0]) for name, op in ops.TABLE.items() if op.methods}

# Node types outside the whitelist, with what to call them in the message.
_FORBIDDEN = {
    ast.Subscript: "subscripts (x[...]) are not allowed",
    ast.Slice: "slices are not allowed",
    ast.Lambda: "lambda expressions are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "boolean operators (and, or) are not allowed",
    ast.IfExp: "conditional expressions (x if c else y) are not allowed",
    ast.JoinedStr: "strings are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed (write one expression)",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.Starred: "starred expressions (*x) are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
}


class ExpressionError(ValueError):
    """An expression was refused: what is wrong, and where.

    Attributes:
        message: the problem, e.g. ``"unknown variable 'd'"``.
        line, column: where it is in the text (1-based; column counts characters).
        snippet: the offending part of the text, shortened.
        hint: what would help, or ``""``.
        multiline: whether the text has several lines (then the line is shown too).

    ``str(error)`` is one line, e.g.
    ``log: argument must be positive, got -2.0 (at column 1: log(a-b))``.
    """

    def __init__(self, message: str, where: "_Where", hint: str = ""):
        self.message = message
        self.line, self.column, self.snippet, self.multiline = where
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        place = (
            f"line {self.line}, column {self.column}" if self.multiline else f"column {self.column}"
        )
        text = f"{self.message} (at {place}: {self.snippet})"
        return f"{text}; {self.hint}" if self.hint else text


class _Where(NamedTuple):
    """A position in the user's text: 1-based line and column, and the text there."""

    line: int
    column: int
    snippet: str
    multiline: bool


def _shorten(text: str) -> str:
    text = terminal_text(text)  # one readable line, control characters shown escaped
    if len(text) > _SNIPPET_LENGTH:
        text = text[: _SNIPPET_LENGTH - 3] + "..."
    return text or "end of expression"


class _Source:
    """The expression's text, turning the parser's positions into the user's.

    The parser sees the text without its leading whitespace (``ast.parse``
    calls an indented expression an error; ``eval`` strips it too), and counts
    columns in UTF-8 bytes; users count characters from the real start.
    """

    def __init__(self, text: str):
        self.lines = _NEWLINE.split(text)
        self.multiline = len(self.lines) > 1
        self.body = text.lstrip(_LEADING_SPACE)
        lead = _NEWLINE.split(text[: len(text) - len(self.body)])
        self.line_shift = len(lead) - 1
        self.column_shift = len(lead[-1])

    def at(self, line: int, column: int, end: Optional[tuple] = None) -> _Where:
        """The position (line, column) of the original text, 1-based, with its snippet.

        The snippet runs to ``end`` (a (line, column) just past it) or to the line's end.
        """
        line = min(max(line, 1), len(self.lines))
        column = min(max(column, 1), len(self.lines[line - 1]) + 1)
        end = end or (line, len(self.lines[line - 1]) + 1)
        return _Where(line, column, _shorten(self.segment((line, column), end)), self.multiline)

    def segment(self, start: tuple, end: tuple) -> str:
        """The original text from ``start`` up to ``end``, both (line, column) 1-based."""
        (line, column), (end_line, end_column) = start, end
        if end_line == line:
            return self.lines[line - 1][column - 1 : end_column - 1]
        return "\n".join(
            [
                self.lines[line - 1][column - 1 :],
                *self.lines[line : end_line - 1],
                self.lines[end_line - 1][: end_column - 1],
            ]
        )

    def _original(self, body_line: int, byte_offset: int) -> tuple[int, int]:
        """The parser's (line, UTF-8 byte offset) as a 1-based (line, column) of the text."""
        shift = self.column_shift if body_line == 1 else 0
        line = min(body_line + self.line_shift, len(self.lines))
        prefix = self.lines[line - 1][shift:].encode("utf-8")[:byte_offset]
        return line, shift + len(prefix.decode("utf-8", "ignore")) + 1

    def span(self, node: Any) -> tuple[tuple[int, int], tuple[int, int]]:
        """Where ``node`` (an expression or a keyword: both carry positions) starts
        and ends, as (line, column) pairs of the text."""
        return (
            self._original(node.lineno, node.col_offset),
            self._original(node.end_lineno, node.end_col_offset),
        )

    def of_node(self, node: Any) -> _Where:
        (line, column), end = self.span(node)
        return self.at(line, column, end)

    def of_syntax_error(self, error: SyntaxError) -> _Where:
        # SyntaxError counts characters (1-based); some errors at the end give 0.
        line = error.lineno or 1
        offset = error.offset or 0
        if offset < 1:
            offset = len(self.lines[min(line + self.line_shift, len(self.lines)) - 1]) + 1
        shift = self.column_shift if line == 1 else 0
        return self.at(line + self.line_shift, offset + shift)


def _check_text(text: str, source: _Source) -> None:
    """The bounds that must hold before ``ast.parse`` sees the text."""
    if len(text) > MAX_LENGTH:
        line = text.count("\n", 0, MAX_LENGTH) + 1
        column = MAX_LENGTH - (text.rfind("\n", 0, MAX_LENGTH) + 1) + 1
        raise ExpressionError(
            f"expression is too long: {len(text)} characters (the limit is {MAX_LENGTH})",
            source.at(line, column),
        )
    if not source.body.strip():
        raise ExpressionError("empty expression", source.at(1, 1))
    depth, line, column = 0, 1, 0
    for char in text:
        column += 1
        if char in "([{":
            depth += 1
            if depth > MAX_NESTING:
                raise ExpressionError(
                    f"brackets nested too deeply (more than {MAX_NESTING} levels)",
                    source.at(line, column),
                )
        elif char in ")]}":
            depth -= 1
        elif char == "\n":
            line, column = line + 1, 0
        elif char == "\x00":
            raise ExpressionError("NUL character in expression", source.at(line, column))
        elif char == "#":  # Python would silently ignore the rest of the line
            raise ExpressionError(
                "comments (#) are not allowed",
                source.at(line, column),
                hint="everything after # would be ignored",
            )


class _Step(NamedTuple):
    """One step of the postorder program: an op of ops.TABLE, a number or a variable."""

    op: str  # "number", "constant", "variable", or an op name such as "add"
    argument: object  # the float of a number, the name of a constant or variable, else None
    where: _Where


def _number(node: ast.Constant, source: _Source, sign: float = 1.0) -> _Step:
    value, where = node.value, source.of_node(node)
    if isinstance(value, bool) or value is None or value is Ellipsis:
        raise ExpressionError(f"{value!r} is not a number", where)
    if isinstance(value, (str, bytes)):
        raise ExpressionError("strings are not allowed", where)
    if isinstance(value, complex):
        raise ExpressionError("complex numbers are not allowed", where)
    literal = source.segment(*source.span(node))
    if len(literal) > MAX_LITERAL_LENGTH:
        raise ExpressionError(
            f"number literal is too long (more than {MAX_LITERAL_LENGTH} characters)", where
        )
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ExpressionError(
            f"number {literal} is out of range: float64 holds magnitudes up to about 1.8e308", where
        )
    return _Step("number", sign * number, where)


def _call(node: ast.Call, source: _Source) -> tuple:
    where = source.of_node(node)
    allowed = ", ".join(FUNCTIONS)
    if not isinstance(node.func, ast.Name):
        raise ExpressionError(f"only the functions {allowed} can be called", where)
    name = node.func.id
    if name in CONSTANTS:
        raise ExpressionError(
            f"'{name}' is a constant, not a function", where, hint=f"write {name}*(x) to multiply"
        )
    if name not in FUNCTIONS:
        raise ExpressionError(
            f"unknown function '{name}'", where, hint=f"the functions are {allowed}"
        )
    if node.keywords:
        raise ExpressionError(
            "keyword arguments are not allowed",
            source.of_node(node.keywords[0]),
            hint=f"write {name}(x)",
        )
    if len(node.args) != 1:  # a lone *x is refused as an operand
        raise ExpressionError(f"{name}() takes exactly one argument, got {len(node.args)}", where)
    return _Step(name, None, where), node.args


def _admit(node: ast.AST, source: _Source) -> tuple:
    """Check one node against the whitelist: its program step (or None) and its operands."""
    if isinstance(node, ast.BinOp):
        op = _BINARY.get(type(node.op))
        if op is None:
            symbol = _OTHER_BINARY.get(type(node.op), type(node.op).__name__)
            hint = "use ** for powers" if symbol == "^" else "use + - * / **"
            raise ExpressionError(
                f"operator {symbol} is not allowed", source.of_node(node), hint=hint
            )
        return _Step(op, None, source.of_node(node)), (node.left, node.right)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.UAdd):
            return None, (node.operand,)
        if not isinstance(node.op, ast.USub):
            symbol = "'not'" if isinstance(node.op, ast.Not) else "operator ~"
            raise ExpressionError(
                f"{symbol} is not allowed", source.of_node(node), hint="use + - * / **"
            )
        if isinstance(node.operand, ast.Constant):
            # -2 is the number -2 (one constant leaf), as a reader sees it.
            step = _number(node.operand, source, sign=-1.0)
            return step._replace(where=source.of_node(node)), ()
        return _Step("neg", None, source.of_node(node)), (node.operand,)
    if isinstance(node, ast.Constant):
        return _number(node, source), ()
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(
                f"'{node.id}' is a function", source.of_node(node), hint=f"call it: {node.id}(x)"
            )
        if node.id in CONSTANTS:
            return _Step("constant", node.id, source.of_node(node)), ()
        return _Step("variable", node.id, source.of_node(node)), ()
    if isinstance(node, ast.Call):
        return _call(node, source)
    if isinstance(node, ast.Attribute):
        raise ExpressionError(
            f"attribute access (.{node.attr}) is not allowed", source.of_node(node)
        )
    message = _FORBIDDEN.get(type(node), f"{type(node).__name__} is not allowed")
    if hasattr(node, "lineno"):
        raise ExpressionError(message, source.of_node(node))
    raise ExpressionError(message, source.at(1, 1))


def variable_name(text: str) -> str:
    """``text`` as a variable name (NFKC-normalised, as Python's parser does), or ``ValueError``.

    A name is a Python identifier that is neither a keyword, nor one of the
    :data:`FUNCTIONS`, nor one of the :data:`CONSTANTS` (``pi = 3`` would
    silently change every ``pi`` of the expression).

    Example:
        >>> variable_name("x_1")
        'x_1'
        >>> variable_name("1a")
        Traceback (most recent call last):
        ...
        ValueError: '1a' is not a valid variable name (letters, digits and _, not starting with a digit)
    """
    name = unicodedata.normalize("NFKC", text)
    if not name.isidentifier():
        raise ValueError(
            f"{text!r} is not a valid variable name "
            "(letters, digits and _, not starting with a digit)"
        )
    if keyword.iskeyword(name):
        raise ValueError(f"{text!r} is a Python keyword, not a variable name")
    if name in FUNCTIONS:
        raise ValueError(f"{text!r} is a function name; choose another variable name")
    if name in CONSTANTS:
        raise ValueError(
            f"{text!r} is the constant {CONSTANTS[name]!r}, not a variable; "
            "choose another variable name"
        )
    return name


class Expression:
    """A checked expression, ready to be evaluated for any values of its variables.

    Attributes:
        text: the expression as given.
        variables: the names it uses, in order of first appearance.

    Example:
        >>> from autograd_scalar.expr import parse
        >>> e = parse("x**2 + y")
        >>> e.variables
        ('x', 'y')
        >>> root, leaves = e.evaluate({"x": 3.0, "y": 1.0})
        >>> root.data
        10.0
    """

    def __init__(self, text: str, steps: tuple, first_use: dict):
        self.text = text
        self._steps = steps
        self._first_use = first_use
        self.variables = tuple(first_use)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate(self, values: Mapping[str, float]) -> tuple:
        """Build the graph: ``(root, leaves)``, with one labelled leaf ``Value`` per variable.

        ``leaves`` has an entry for every name in ``values`` (in their order),
        used or not; ``pi`` and ``e`` cannot be given values (``ValueError``).
        Raises :class:`ExpressionError` for unknown variables (all of them, in
        one message), a constant exponent beyond ±:data:`MAX_EXPONENT`, or an
        engine error (``log`` of a negative number, division by zero, ...),
        each with the position of the node where it happened.
        """
        leaves = _leaves(values)
        self._check_known(leaves)
        constants = {
            name: Value(number, op=CONST, label=name)  # one node per name, as a variable
            for name, number in CONSTANTS.items()
        }
        stack = []  # (Value, whether it is a constant, where it is)
        for step in self._steps:
            if step.op == "number":
                stack.append((Value(step.argument, op=CONST), True, step.where))
            elif step.op == "constant":
                stack.append((constants[step.argument], True, step.where))
            elif step.op == "variable":
                stack.append((leaves[step.argument], False, step.where))
            elif ops.TABLE[step.op].arity == 1:
                x, constant, _ = stack.pop()
                stack.append((_apply(step, x), constant, step.where))
            else:
                y, y_constant, y_where = stack.pop()
                x, x_constant, _ = stack.pop()
                if step.op == "pow" and y_constant and not abs(y.data) <= MAX_EXPONENT:
                    raise ExpressionError(
                        f"constant exponent {y.data:.6g} is out of range",
                        y_where,
                        hint=f"constant exponents are limited to ±{MAX_EXPONENT}",
                    )
                stack.append((_apply(step, x, y), x_constant and y_constant, step.where))
        ((root, _, _),) = stack
        return root, leaves

    def _check_known(self, leaves: Mapping) -> None:
        """Every variable has a value, else one error naming all that lack one."""
        missing = [name for name in self._first_use if name not in leaves]
        if not missing:
            return
        known = (
            ("values were given for " + ", ".join(leaves))
            if leaves
            else "no variable was given a value"
        )
        names = ", ".join(f"'{name}'" for name in missing)
        message = f"unknown variable{'s' if len(missing) > 1 else ''} {names}"
        raise ExpressionError(message, self._first_use[missing[0]], hint=known)


def _leaves(values: Mapping[str, float]) -> dict:
    """``{name: labelled leaf Value}`` for the given values (names NFKC-normalised)."""
    leaves = {}
    for name, value in values.items():
        name = unicodedata.normalize("NFKC", name)
        if name in leaves:
            raise ValueError(f"variable {name!r} is given twice")
        if name in CONSTANTS:
            raise ValueError(
                f"{name!r} is the constant {CONSTANTS[name]!r}; it cannot be given a value"
            )
        leaves[name] = Value(value, label=name)
    return leaves


def _apply(step: _Step, *args: Value) -> Value:
    try:
        return _APPLY[step.op](*args)
    except (ArithmeticError, ValueError) as error:
        # The engine's message names the op and the value ("log: argument must
        # be positive, got -2.0"); the position says which part of the text.
        raise ExpressionError(str(error), step.where) from None


def parse(text: str) -> Expression:
    """Check ``text`` against the whitelist and bounds; the :class:`Expression` it denotes.

    Raises :class:`ExpressionError` (a ``ValueError``) naming the first
    problem and its position; ``TypeError`` if ``text`` is not a str.

    Example:
        >>> parse("tanh(a) + __import__('os')")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        autograd_scalar.expr.ExpressionError: unknown function '__import__' (at column 11: __import__('os')); the functions are abs, exp, log, tanh, ...
    """
    if not isinstance(text, str):
        raise TypeError(f"expression must be a str, got {type(text).__name__}")
    source = _Source(text)
    _check_text(text, source)
    try:
        # The parser may warn (Python 3.12: invalid escape sequences in strings)
        # on stderr; every error here is reported once, as an ExpressionError.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source.body, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"syntax error: {error.msg}", source.of_syntax_error(error)) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(
            "expression is too complex for Python's parser", source.at(1, 1)
        ) from None
    steps: list = []
    first_use: dict = {}
    count = 0
    pending = [(tree.body, False)]  # postorder by explicit stack: operands, then the node
    while pending:
        item, operands_done = pending.pop()
        if operands_done:
            steps.append(item)
            continue
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(
                f"expression is too large: more than {MAX_NODES} operations, numbers and names",
                source.of_node(item),
            )
        step, operands = _admit(item, source)
        if step is not None:
            if step.op == "variable":
                first_use.setdefault(step.argument, step.where)
            pending.append((step, True))
        pending.extend((operand, False) for operand in reversed(operands))
    return Expression(text, tuple(steps), first_use)


def evaluate(text: str, values: Mapping[str, float]) -> tuple:
    """``parse(text).evaluate(values)``: the root ``Value`` and the leaf of each variable.

    Example:
        >>> root, leaves = evaluate("log(a - b)", {"a": 1, "b": 3})
        Traceback (most recent call last):
        ...
        autograd_scalar.expr.ExpressionError: log: argument must be positive, got -2.0 (at column 1: log(a - b))
    """
    return parse(text).evaluate(values)
