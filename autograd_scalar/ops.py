"""The derivative table: every primitive operation, declared once.

Each entry of :data:`TABLE` is one row, an :class:`Op` (fixed arity) or an
:class:`NaryOp` (any number of arguments), whose fields are grouped by the
interpreter that reads them, as JAX keeps one rule table per interpretation:

* **floats**: ``forward``, the op on floats, and ``domain``, where it is
  undefined (:class:`Domain`: what is invalid and the message, written once);
* **derivatives**: ``rules``, one :class:`Rule` per argument: the local
  derivative ∂out/∂arg (on floats and on Values), its text, its JavaScript,
  its mask and its batch form;
* **batches** (a tape replays a graph over numpy rows): ``batch``, how the
  forward runs on arrays (:data:`SAME`, a numpy name, or a helper of the
  tape's batch module; ``None`` refuses with the op's name);
* **JavaScript** (live pages recompute in the browser): ``js``;
* **how it is written and called**: ``symbol``, ``text``, ``latex``,
  ``methods``, ``doc``, ``function``.

An op *is* its name (``Op`` is a ``str``), so a node built from the table
keeps its entry in ``Value.op``, and ``node.op == "tanh"`` still reads as it
should.

A rule receives ``(out, *args)``: the op's result and its arguments. Rules
are written only with arithmetic and the functions of
:mod:`autograd_scalar.generic` (``exp``, ``log``, ``cos``, ``step``, ...), so
the *same* rule gives the floats stored in ``Value.local_grads`` at forward
time, builds a differentiable graph when called with Values (higher-order
derivatives: ``backward(create_graph=True)``, ``grad(grad(f))``, ``hvp``), and
by default runs a tape's whole batch at once.

This mirrors HIPS autograd's ``defvjp`` table and PyTorch's
``derivatives.yaml``: declare once, derive the rest. ``Value``'s operators
and methods (and their type stubs), the expression language's functions, the
README's op table, the trace's formulas, the tape, the JavaScript of live
pages and the oracle tests are all generated from this table, so adding an
op is one row here plus one entry of the tests' op spec, then
``python -m autograd_scalar.ops --write`` (the README's table and the stubs).

At non-differentiable points the rules follow PyTorch float64:
relu'(0) = 0, abs'(0) = 0, sqrt'(0) = inf. Where PyTorch's backward *masks*
the gradient instead of multiplying it (relu where x <= 0, ``x ** y`` in x
where y = 0), the rule says so in ``mask``: there the local derivative is 0
and passes nothing on, even an infinite or NaN upstream gradient (0·inf would
be NaN). ``backward``, ``gradients``, ``jvp`` and the tape honour it.
"""

from __future__ import annotations

import json
import math
import operator
import string
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

from .generic import (
    cos,
    data_of,
    float_cos,
    float_exp,
    float_log,
    float_power,
    float_relu,
    float_sigmoid,
    float_sin,
    float_sqrt,
    log,
    power,
    sign,
    sin,
)

__all__ = [
    "Op",
    "NaryOp",
    "Rule",
    "Domain",
    "SAME",
    "CONST",
    "TABLE",
    "UNARY_FUNCTIONS",
    "describe",
    "markdown_table",
    "javascript_table",
    "type_stubs",
]

#: ``Value.op`` of the leaves that wrap number operands (``x + 1``): not an op
#: of the table, but every reader of a graph names them (``engine.CONST``).
CONST = "const"

#: A batch form: the float function itself runs on numpy arrays (arithmetic,
#: comparisons and the functions of :mod:`autograd_scalar.generic` do).
SAME = "same"


@dataclass(frozen=True)
class Domain:
    """Where an op is undefined, written once for every interpreter.

    Fields:
        bad: ``(*args) -> bool``: True where the arguments are invalid, written
            with comparisons joined by ``&`` (not ``and``), so that it holds
            elementwise on a tape's numpy arrays as well as on floats.
        js: the same condition in JavaScript over ``x``, ``y``.
        message: what the error says, with ``{x}``, ``{y}`` where the
            arguments go, written as Python's ``repr`` writes them (in the
            browser ``num(v)`` writes them the same way, so the messages are
            equal byte for byte).
        error: the exception raised (``ValueError`` or ``ZeroDivisionError``).

    Example:
        >>> TABLE["log"].domain[0].message_for(-1.0)
        'log: argument must be positive, got -1.0'
    """

    bad: Callable[..., bool]
    js: str
    message: str
    error: type = ValueError

    def message_for(self, *args: float) -> str:
        """The message at these arguments (floats)."""
        return self.message.format(**dict(zip("xy", map(repr, map(float, args)))))

    def javascript(self) -> str:
        """``fail(...)`` building the same message from the arguments in the browser."""
        parts = []
        for literal, field, _, _ in string.Formatter().parse(self.message):
            if literal:
                parts.append(json.dumps(literal, ensure_ascii=False))
            if field is not None:
                parts.append(f"num({field})")
        return f"fail({' + '.join(parts)})"


@dataclass(frozen=True)
class Rule:
    """The local derivative ∂out/∂arg of one argument, for every interpreter.

    Fields:
        fn: ``(out, *args) -> partial``, on floats and on Values (module
            doc), or a number when the partial is a constant (``add``: 1).
        text: the rule as text, for traces, docs and the README.
        js: the rule as a JavaScript expression over ``out``, ``x``, ``y``
            (a constant rule needs none).
        mask: ``(out, *args) -> bool`` where the backward passes nothing
            (PyTorch's ``where(cond, 0, grad * ...)``), on floats and arrays;
            ``None``: always multiplied. Where it holds, ``fn`` gives 0.
        js_mask: the mask in JavaScript.
        batch: how ``fn`` runs on a tape's arrays: :data:`SAME` (the default),
            ``"numpy.<name>"``, or the name of a helper of the tape's batch module.
    """

    fn: Union[Callable, float]
    text: str
    js: str = ""
    mask: Optional[Callable[..., bool]] = None
    js_mask: str = ""
    batch: Optional[str] = SAME

    @property
    def constant(self) -> Optional[float]:
        """The partial when it is a constant, else ``None``."""
        return None if callable(self.fn) else float(self.fn)

    @property
    def function(self) -> Callable:
        """``fn`` as a function (a constant becomes one returning it)."""
        value = self.constant
        return self.fn if value is None else _constant_rule(value)  # type: ignore[return-value]

    @property
    def javascript(self) -> str:
        return repr(self.constant) if self.constant is not None else self.js


# --- local-derivative rules that need a little care --------------------------


def _is_number(x) -> bool:
    """A float (or int), not a Value: the rule then returns a float."""
    return type(x) is float or type(x) is int


def _div_dy(out, x, y):
    return -out / y


def _pow_dx(out, x, y):
    # d x^y/dx = y·x^(y-1); at y = 0 PyTorch gives 0 (also for x = 0, nan, inf).
    # As a graph only at x = 0: elsewhere its derivative in y (x^(y-1) = 1/x at
    # y = 0) must survive for grad of grad.
    if data_of(y) == 0.0 and (data_of(x) == 0.0 or _is_number(x)):
        return 0.0
    if data_of(x) == 0.0 and not _is_number(x) and data_of(y) < 1.0:
        # The pole of y·x^(y-1) at x = 0 for 0 < y < 1 (y < 0 fails forward):
        # inf, as for floats; ∂/∂x = y(y-1)·0^(y-2) = -inf, ∂/∂y is NaN in PyTorch.
        return _pole(x, math.inf, (x, y), (-math.inf, math.nan), "pow")
    return y * power(x, y - 1.0)


def _pow_dy(out, x, y):
    # d x^y/dy = x^y·ln x; PyTorch's is 0 at x = 0, y >= 0 (a 0 that multiplies,
    # not a mask: 0·inf is nan there too) and nan for x < 0.
    base = data_of(x)
    if base == 0.0:  # y < 0 fails forward; 0^nan·ln 0 is nan (log(0) would raise)
        return 0.0 if data_of(y) >= 0.0 else math.nan
    if base < 0.0:
        # ln of a negative base: nan, and as a graph a nan node whose own partials
        # are nan (a nan constant would have derivative 0, as PyTorch's is nan).
        if _is_number(x) and _is_number(y):
            return math.nan
        return _pole(x, math.nan, (x, y), (math.nan, math.nan), "pow")
    return out * log(x)


def _sqrt_dx(out, x):
    # sqrt'(±0) = ±inf, as PyTorch float64's 1/(2·sqrt(x)) (Python's 0.5/0.0
    # would raise). As a graph, ∂(0.5/sqrt(x))/∂sqrt(x) = -0.5/0² = -inf, so
    # that sqrt''(0) = -inf·inf = -inf, as PyTorch's double backward gives.
    if data_of(out) == 0.0:
        pole = math.copysign(math.inf, data_of(out))
        return pole if _is_number(out) else _pole(out, pole, (out,), (-math.inf,), "sqrt")
    return 0.5 / out


def _pole(like, value: float, parents: tuple, partials: tuple, name: str):
    """A local derivative that is infinite here, as a node for higher order.

    The table's ops refuse to divide by 0, so the node is built from its
    float partials (``like``'s class is Value: this module imports no engine).
    Its op is a plain str, so differentiating it once more raises an error
    naming it instead of giving a number.
    """
    return type(like)(value, parents=parents, local_grads=partials, op=f"{name}' at its pole")


def _relu_dx(out, x):
    # 1[x > 0], and 1 at x = nan: PyTorch masks only where x <= 0 and passes
    # the gradient through a NaN. A constant, like step (its derivative is 0).
    # Runs once per ReLU node: the float test inline.
    return 0.0 if (x if type(x) is float else data_of(x)) <= 0.0 else 1.0


def _sum_forward(xs) -> float:
    return sum(xs, 0.0)


def _dot_forward(wx) -> float:
    n = len(wx) // 2
    return sum(map(operator.mul, wx[:n], wx[n:]), 0.0)


def _sum_partials(out, xs):
    return (1.0,) * len(xs)


def _dot_partials(out, wx):
    # ∂(Σ w_i x_i)/∂w_i = x_i and ∂/∂x_i = w_i: the halves swap.
    n = len(wx) // 2
    return (*wx[n:], *wx[:n])  # a tuple also when wx is a stacked array


# --- the rows ------------------------------------------------------------------


class Op(str):
    """One primitive of fixed arity: one row of the table (fields: module doc).

    An ``Op`` is a ``str`` equal to its name, so the engine stores the entry
    itself in ``Value.op``: ``node.op == "mul"`` reads as before, and a node
    whose ``op`` is a plain ``str`` (built by hand with ``Value(...)``) is
    known not to come from this table.

    Keyword fields, by interpreter:
        forward: the op on floats, without its domain check (``compute``
            keeps it; ``forward`` is it behind the checks of ``domain``).
        domain: the :class:`Domain` checks, in order.
        rules: one :class:`Rule` per argument.
        batch: how ``forward`` runs on a tape's arrays: :data:`SAME` (the
            default: arithmetic works on arrays), ``"numpy.<name>"``, the name
            of a helper of the tape's batch module, or ``None`` (the tape
            refuses the op, naming it).
        js: the forward as a JavaScript expression over ``x``, ``y``; the
            domain's ``fail(...)`` come first. ``num(v)`` writes a number as
            Python does; ``pow(x, y)`` is Python's x ** y.
        operator: for a binary operator, its symbol (``"+"``): the row then
            gets the special methods ``__add__``, ``__radd__``, the formula
            ``x + y`` and the JavaScript ``x + y``.
        symbol: how a graph's op node writes it (default: the operator or name).
        text, latex: how a formula writes it, as templates over the argument
            names ``{0}``, ``{1}`` (``"{0} + {1}"``, ``r"\\tanh\\left({0}\\right)"``).
        methods: the ``Value`` methods generated for it: a function name
            (``"tanh"``), or the special methods of an operator.
        doc: the generated method's docstring.
        function: whether the expression language (and the CLI) may call it
            as ``name(x)``, and whether the package exports a function
            ``autograd_scalar.name(x)`` (its method is then ``name``).

    Example:
        >>> TABLE["mul"] == "mul", TABLE["mul"].arity, TABLE["mul"].formula(["a", "b"])
        (True, 2, 'a * b')
    """

    arity: Optional[int]

    def __new__(cls, name: str, **fields):
        return super().__new__(cls, name)

    def __init__(
        self,
        name: str,
        *,
        forward: Callable,
        rules: Sequence[Rule],
        domain: Sequence[Domain] = (),
        batch: Optional[str] = SAME,
        js: str = "",
        operator: str = "",
        symbol: str = "",
        text: str = "",
        latex: str = "",
        methods: Union[str, Sequence[str]] = (),
        doc: str = "",
        function: bool = False,
    ):
        self.name = name
        self.compute = forward
        self.domain = tuple(domain)
        self.forward = _checked(forward, self.domain, len(rules)) if self.domain else forward
        self.derivatives = tuple(rules)
        self.arity = len(self.derivatives)
        self.batch = batch
        self._written(operator, symbol, text, latex, js)
        if function and not methods:
            methods = name
        if operator and not methods:
            methods = (f"__{name}__", f"__r{name}__")
        self.methods = (methods,) if isinstance(methods, str) else tuple(methods)
        self.doc = doc or (f"x {operator} y" if operator else "")
        self.function = function
        #: The rules as functions, for the engine's hot path.
        self.rules = tuple(rule.function for rule in self.derivatives)
        #: The partials as one shared tuple when all are constants (``add``,
        #: ``neg``): every node of the op stores this tuple, none builds one.
        constants = tuple(rule.constant for rule in self.derivatives)
        self.constant_local_grads = None if None in constants else constants
        masks = tuple(rule.mask for rule in self.derivatives)
        self.masks = None if masks == (None,) * self.arity else masks

    def _written(self, operator: str, symbol: str, text: str, latex: str, js: str) -> None:
        """How formulas, graphs and JavaScript write the op (defaults from ``operator``)."""
        args = ", ".join(f"{{{k}}}" for k in range(len(self.derivatives)))
        self.symbol = symbol or operator or self.name
        self.text = text or (f"{{0}} {operator} {{1}}" if operator else f"{self.symbol}({args})")
        self.latex = latex or (
            f"{{0}} {operator} {{1}}"
            if operator
            else r"\operatorname{{" + self.name + r"}}\left(" + args + r"\right)"
        )
        self.js = js or (f"x {operator} y" if operator else "")

    @property
    def rule_text(self) -> tuple:
        """The rules' text, one per argument (traces, docs, README)."""
        return tuple(rule.text for rule in self.derivatives)

    def javascript(self) -> str:
        """The row as a JavaScript object literal: ``{forward: ..., rules: [...]}``."""
        args = ", ".join(("x", "y")[: self.arity])
        forward = self.js
        for domain in reversed(self.domain):
            forward = f"{domain.js} ? {domain.javascript()} : {forward}"
        rules = ", ".join(
            f"function (out, {args}) {{ return {rule.javascript}; }}" for rule in self.derivatives
        )
        masks = ", ".join(
            f"function (out, {args}) {{ return {rule.js_mask or 'false'}; }}"
            for rule in self.derivatives
        )
        return (
            f"{{forward: function ({args}) {{ return {forward}; }}, rules: [{rules}], "
            f"masks: [{masks}]}}"
        )

    def __reduce__(self):
        # Copied or pickled, an entry stays THE entry of the table (its rules
        # are lambdas, which pickle cannot store anyway).
        return (_entry, (self.name,))

    def apply(self, args: Sequence[float]) -> float:
        """The forward function on a sequence of floats, whatever the arity.

        Example:
            >>> TABLE["dot"].apply([1.0, 2.0, 3.0, 4.0]), TABLE["mul"].apply([3.0, 4.0])
            (11.0, 12.0)
        """
        return self.forward(*args)

    def local_grads(self, out, args: Sequence) -> tuple:
        """All partials ∂out/∂args[k], as floats or as Values (see module doc)."""
        return tuple(rule(out, *args) for rule in self.rules)

    def masked(self, out: float, args: Sequence[float]) -> tuple:
        """For each argument, whether the backward masks it at these floats.

        Example:
            >>> TABLE["relu"].masked(0.0, [-1.0]), TABLE["pow"].masked(1.0, [2.0, 0.0])
            ((True,), (True, False))
        """
        if self.masks is None:
            return (False,) * len(args)
        return tuple(mask is not None and bool(mask(out, *args)) for mask in self.masks)

    def rule_text_of(self, position: int, n_args: int) -> str:
        """The text of the rule for argument ``position`` of a node with ``n_args``."""
        return self.rule_text[position]

    def formula(self, args: Sequence[str], latex: bool = False) -> str:
        """The formula computing this op from the argument names ``args``."""
        return (self.latex if latex else self.text).format(*args)


class NaryOp(Op):
    """A primitive of any arity (``sum``, ``dot``): its arguments travel as ONE tuple.

    ``forward(xs)`` and ``partials(out, xs)`` take the whole tuple (no
    ``*args`` copies of a neuron's 34 floats); ``partials`` returns every
    ∂out/∂xs[k]. The arguments form ``halves`` equal parts (``dot``: the
    weights, then the inputs; ``sum``: one part), with one rule text each.
    A formula is ``term`` written once per index and joined with ``+``.
    ``batch`` and ``batch_partials`` say how ``forward`` and ``partials`` run
    on a tape's stacked arrays (the arguments along the first axis), as
    :class:`Op`'s ``batch``.

    Example:
        >>> TABLE["dot"].formula(["w0", "w1", "x0", "x1"])
        'w0*x0 + w1*x1'
    """

    #: Terms beyond which a formula is shortened with an ellipsis.
    MAX_TERMS = 6

    def __init__(
        self,
        name: str,
        *,
        forward: Callable,
        partials: Callable,
        rule_text: tuple,
        term: str,
        latex_term: str,
        batch: Optional[str] = SAME,
        batch_partials: Optional[str] = SAME,
        symbol: str = "",
        js: str = "",
        js_partials: str = "",
    ):
        rules = tuple(Rule(partials, text) for text in rule_text)  # one per half
        super().__init__(name, forward=forward, rules=rules, symbol=symbol, js=js, batch=batch)
        self.js_partials = js_partials
        self.arity = None
        self.rules = ()
        self.constant_local_grads = None
        self.partials = partials
        self.batch_partials = batch_partials
        self.halves = len(rule_text)
        self.term, self.latex_term = term, latex_term

    def apply(self, args: Sequence[float]) -> float:
        return self.forward(tuple(args))

    def javascript(self) -> str:
        """``{nary: true, forward: function (xs), partials: function (out, xs)}``."""
        return (
            f"{{nary: true, forward: function (xs) {{ return {self.js}; }}, "
            f"partials: function (out, xs) {{ return {self.js_partials}; }}}}"
        )

    def local_grads(self, out, args: Sequence) -> tuple:
        return tuple(self.partials(out, tuple(args)))

    def rule_text_of(self, position: int, n_args: int) -> str:
        return self.rule_text[position * self.halves // n_args]

    def formula(self, args: Sequence[str], latex: bool = False) -> str:
        n = len(args) // self.halves
        columns = [args[k * n : (k + 1) * n] for k in range(self.halves)]
        terms = [
            (self.latex_term if latex else self.term).format(*parts) for parts in zip(*columns)
        ]
        if len(terms) > self.MAX_TERMS:  # n-ary nodes can have thousands of arguments
            terms = terms[:3] + ["…", terms[-1]]
        return " + ".join(terms)


def _entry(name: str) -> Op:
    return TABLE[name]


def _constant_rule(value: float) -> Callable:
    return lambda out, *args: value


def _checked(forward: Callable, domain: tuple, arity: int) -> Callable:
    """``forward`` behind the domain's checks: the error names the op and the numbers."""
    if arity == 1 and len(domain) == 1:  # log, sqrt: no loop (a Value op's hot path)
        (part,) = domain
        bad = part.bad

        def checked_once(x):
            if bad(x):
                raise part.error(part.message_for(x))
            return forward(x)

        return checked_once
    if arity == 2 and len(domain) == 1:  # div
        (part,) = domain
        bad = part.bad

        def checked_pair(x, y):
            if bad(x, y):
                raise part.error(part.message_for(x, y))
            return forward(x, y)

        return checked_pair

    def checked(*args):
        for part in domain:
            if part.bad(*args):
                raise part.error(part.message_for(*args))
        return forward(*args)

    return checked


def _pow_has_no_real_value(x, y):
    # A negative base with a finite non-integer exponent; |y| < inf is False at nan.
    return (x < 0.0) & (abs(y) < math.inf) & (y % 1.0 != 0.0)


#: Every primitive, by name. Value's operators and methods, the expression
#: language, the README's op table and the traces are generated from it.
TABLE: dict[str, Op] = {
    op.name: op
    for op in [
        Op(
            "add",
            forward=operator.add,
            rules=(Rule(1.0, "d(x+y)/dx = 1"), Rule(1.0, "d(x+y)/dy = 1")),
            operator="+",
        ),
        Op(
            "sub",
            forward=operator.sub,
            rules=(Rule(1.0, "d(x-y)/dx = 1"), Rule(-1.0, "d(x-y)/dy = -1")),
            operator="-",
        ),
        Op(
            "mul",
            forward=operator.mul,
            rules=(
                Rule(lambda out, x, y: y, "d(x*y)/dx = y", js="y"),
                Rule(lambda out, x, y: x, "d(x*y)/dy = x", js="x"),
            ),
            operator="*",
            latex=r"{0} \cdot {1}",
        ),
        Op(
            "div",
            forward=operator.truediv,
            domain=(
                Domain(
                    lambda x, y: y == 0.0,
                    js="y === 0",
                    message="div: division by zero ({x} / {y})",
                    error=ZeroDivisionError,
                ),
            ),
            rules=(
                Rule(lambda out, x, y: 1.0 / y, "d(x/y)/dx = 1/y", js="1 / y"),
                Rule(_div_dy, "d(x/y)/dy = -x/y^2", js="-out / y"),
            ),
            operator="/",
            methods=("__truediv__", "__rtruediv__"),
            latex=r"\frac{{{0}}}{{{1}}}",
            doc="x / y; ``ZeroDivisionError`` for y = 0",
        ),
        Op(
            "pow",
            forward=float_power,
            domain=(
                Domain(
                    lambda x, y: (x == 0.0) & (y < 0.0),
                    js="x === 0 && y < 0",
                    message="pow: 0.0 cannot be raised to the negative power {y}",
                    error=ZeroDivisionError,
                ),
                Domain(
                    _pow_has_no_real_value,
                    js="x < 0 && isFinite(y) && y !== Math.trunc(y)",
                    message="pow: negative base {x} with non-integer exponent {y} "
                    "has no real value",
                ),
            ),
            batch="numpy.power",
            js="pow(x, y)",
            rules=(
                Rule(
                    _pow_dx,
                    "d(x^y)/dx = y*x^(y-1)",
                    js="y === 0 ? 0 : y * pow(x, y - 1)",
                    mask=lambda out, x, y: y == 0.0,  # PyTorch: where(exponent == 0, 0, ...)
                    js_mask="y === 0",
                    batch="pow_dx",
                ),
                Rule(
                    _pow_dy,
                    "d(x^y)/dy = x^y*ln(x)",
                    js="x === 0 && y >= 0 ? 0 : (x < 0 ? NaN : out * Math.log(x))",
                    batch="pow_dy",
                ),
            ),
            operator="**",
            latex="{{{0}}}^{{{1}}}",
            doc="x ** y, for real results only",
        ),
        Op(
            "neg",
            forward=operator.neg,
            js="-x",
            rules=(Rule(-1.0, "d(-x)/dx = -1"),),
            symbol="-",
            text="-{0}",
            latex="-{0}",
            methods="__neg__",
            doc="-x",
        ),
        Op(
            "abs",
            forward=abs,
            js="Math.abs(x)",
            rules=(
                Rule(
                    lambda out, x: sign(x),
                    "d|x|/dx = sign(x)  (0 at x = 0)",
                    js="x > 0 ? 1 : (x < 0 ? -1 : 0)",
                ),
            ),
            methods="__abs__",
            doc="|x|; abs'(0) = 0 as in PyTorch",
            function=True,
        ),
        Op(
            "exp",
            forward=float_exp,
            batch="numpy.exp",
            js="Math.exp(x)",
            rules=(Rule(lambda out, x: out, "d exp(x)/dx = exp(x)", js="out"),),
            function=True,
            latex=r"\exp\left({0}\right)",
            doc="e^x.",
        ),
        Op(
            "log",
            forward=float_log,
            domain=(
                Domain(
                    lambda x: x <= 0.0,  # log(nan) is nan
                    js="x <= 0",
                    message="log: argument must be positive, got {x}",
                ),
            ),
            batch="numpy.log",
            js="Math.log(x)",
            rules=(Rule(lambda out, x: 1.0 / x, "d log(x)/dx = 1/x", js="1 / x"),),
            function=True,
            latex=r"\log\left({0}\right)",
            doc="Natural logarithm; ``ValueError`` for x <= 0.",
        ),
        Op(
            "tanh",
            forward=math.tanh,
            batch="numpy.tanh",
            js="Math.tanh(x)",
            rules=(
                Rule(
                    lambda out, x: 1.0 - out * out,
                    "d tanh(x)/dx = 1 - tanh(x)^2",
                    js="1 - out * out",
                ),
            ),
            function=True,
            latex=r"\tanh\left({0}\right)",
            doc="Hyperbolic tangent.",
        ),
        Op(
            "sigmoid",
            forward=float_sigmoid,
            batch="sigmoid",
            js="x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))",
            rules=(
                Rule(
                    lambda out, x: out * (1.0 - out),
                    "d sigmoid(x)/dx = sigmoid(x)*(1 - sigmoid(x))",
                    js="out * (1 - out)",
                ),
            ),
            function=True,
            doc="1 / (1 + e^-x), computed without overflow.",
        ),
        Op(
            "relu",
            forward=float_relu,
            batch="relu",
            js="x <= 0 ? 0 : x",
            rules=(
                Rule(
                    _relu_dx,
                    "d relu(x)/dx = step(x)  (1 if x > 0, else 0)",
                    js="x <= 0 ? 0 : 1",
                    mask=lambda out, x: x <= 0.0,  # PyTorch: threshold_backward(grad, result, 0)
                    js_mask="x <= 0",
                    batch="relu_dx",
                ),
            ),
            function=True,
            doc="max(0, x); relu'(0) = 0 and relu(nan) = nan as in PyTorch.",
        ),
        Op(
            "sin",
            forward=float_sin,
            batch="numpy.sin",
            js="Math.sin(x)",
            rules=(Rule(lambda out, x: cos(x), "d sin(x)/dx = cos(x)", js="Math.cos(x)"),),
            function=True,
            latex=r"\sin\left({0}\right)",
            doc="Sine.",
        ),
        Op(
            "cos",
            forward=float_cos,
            batch="numpy.cos",
            js="Math.cos(x)",
            rules=(Rule(lambda out, x: -sin(x), "d cos(x)/dx = -sin(x)", js="-Math.sin(x)"),),
            function=True,
            latex=r"\cos\left({0}\right)",
            doc="Cosine.",
        ),
        Op(
            "sqrt",
            forward=float_sqrt,
            domain=(
                Domain(
                    lambda x: x < 0.0,
                    js="x < 0",
                    message="sqrt: argument must be non-negative, got {x}",
                ),
            ),
            batch="numpy.sqrt",
            js="Math.sqrt(x)",
            rules=(
                Rule(
                    _sqrt_dx,
                    "d sqrt(x)/dx = 1/(2*sqrt(x))  (inf at x = 0)",
                    js="0.5 / out",
                    batch="sqrt_dx",
                ),
            ),
            function=True,
            latex=r"\sqrt{{{0}}}",
            doc="Square root; ``ValueError`` for x < 0; sqrt'(0) = inf as in PyTorch.",
        ),
        NaryOp(
            "sum",
            forward=_sum_forward,
            partials=_sum_partials,
            batch="sum",
            rule_text=("d(x_1+...+x_n)/dx_i = 1",),
            term="{0}",
            latex_term="{0}",
            js="xs.reduce(function (s, v) { return s + v; }, 0)",
            js_partials="xs.map(function () { return 1; })",
        ),
        NaryOp(
            "dot",
            forward=_dot_forward,
            partials=_dot_partials,
            rule_text=("d(w.x)/dw_i = x_i", "d(w.x)/dx_i = w_i"),
            term="{0}*{1}",
            latex_term=r"{0} \cdot {1}",
            js="xs.slice(0, xs.length / 2).reduce(function (s, w, i) {"
            " return s + w * xs[xs.length / 2 + i]; }, 0)",
            js_partials="xs.slice(xs.length / 2).concat(xs.slice(0, xs.length / 2))",
        ),
        # (new entries go above this line)
    ]
}

#: The one-argument functions, by name: what the expression language may call.
UNARY_FUNCTIONS = tuple(name for name, op in TABLE.items() if op.function)


def describe() -> list[tuple[str, str, str]]:
    """Rows ``(name, arity, rule text)`` of the table, for docs and the README."""
    return [
        (op.name, "n" if op.arity is None else str(op.arity), "; ".join(op.rule_text))
        for op in TABLE.values()
    ]


def javascript_table() -> str:
    """The whole table as one JavaScript object literal ``{name: entry, ...}``.

    Live pages evaluate it with three helpers in scope, ``fail(message)``
    (throws), ``num(v)`` (a number as Python's repr writes it) and
    ``pow(x, y)`` (Python's float power, not ECMAScript's); see ``web/ops.js``.

    Example:
        >>> javascript_table().startswith('{"add": {forward: function (x, y) { return x + y; }')
        True
    """
    return (
        "{"
        + ", ".join(f"{json.dumps(name)}: {op.javascript()}" for name, op in TABLE.items())
        + "}"
    )


def markdown_table() -> str:
    """:func:`describe` as a markdown table: the README's op table.

    Example:
        >>> print(markdown_table().splitlines()[2])
        | `add` | 2 | `d(x+y)/dx = 1; d(x+y)/dy = 1` |
    """
    lines = ["| op | arity | local derivative |", "| --- | --- | --- |"]
    for name, arity, rules in describe():
        rules = rules.replace("|", r"\|")  # a pipe would end the table cell (|x|)
        lines.append(f"| `{name}` | {arity} | `{rules}` |")
    return "\n".join(lines) + "\n"


#: Where the generated text lives: the README's op table, Value's type stubs.
README_MARKERS = ("<!-- ops-table:start -->", "<!-- ops-table:end -->")
STUB_MARKERS = (
    "        # (type stubs generated from ops.TABLE: start)",
    "        # (type stubs generated from ops.TABLE: end)",
)


def type_stubs() -> str:
    """The signatures of the ``Value`` methods the engine generates, for type checkers.

    Example:
        >>> type_stubs().splitlines()[0]
        '        def __add__(self, other: Operand) -> Value: ...'
    """
    lines = []
    for op in TABLE.values():
        if op.arity in (1, 2):
            other = ", other: Operand" if op.arity == 2 else ""
            lines += [f"        def {name}(self{other}) -> Value: ..." for name in op.methods]
    return "\n".join(lines) + "\n\n"  # a blank line before the end marker, as ruff formats it


def _replace_between(path: Path, markers: tuple, body: str) -> bool:
    """Put ``body`` between the two marker lines of ``path``; whether it changed."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(markers[0]) + len(markers[0]), text.index(markers[1])
    new = text[:start] + "\n" + body + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def write_generated(root: Path) -> list[str]:
    """Regenerate the README's op table and Value's type stubs under ``root``
    (the folder holding README.md and autograd_scalar/); the files changed."""
    changed = []
    readme, engine = root / "README.md", root / "autograd_scalar" / "engine.py"
    if _replace_between(readme, README_MARKERS, markdown_table()):
        changed.append(str(readme))
    if _replace_between(engine, STUB_MARKERS, type_stubs()):
        changed.append(str(engine))
    return changed


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        for path in write_generated(Path(__file__).resolve().parent.parent):
            print(f"updated {path}")
    else:
        print(markdown_table(), end="")
