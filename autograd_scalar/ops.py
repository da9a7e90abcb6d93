"""The derivative table: every primitive operation, declared once.

Each entry of :data:`TABLE` is an :class:`Op` (fixed arity) or an
:class:`NaryOp` (any number of arguments), declared with keywords: its name,
its forward function on floats, its local-derivative rules ∂out/∂arg written
right beside the forward, the rules as text, and how graphs, traces and LaTeX
write it. An op *is* its name (``Op`` is a ``str``), so a node built from the
table keeps its entry in ``Value.op``, and ``node.op == "tanh"`` still reads
as it should.

A rule receives ``(out, *args)``: the op's result and its arguments. Rules are
written only with arithmetic and the generic functions below (``exp``,
``log``, ``cos``, ...), so the *same* rule serves two purposes:

* called with floats it gives the floats stored in ``Value.local_grads`` at
  forward time (the fast path of ``backward()``);
* called with ``Value`` nodes it builds a differentiable graph of the local
  derivative, which is how higher-order derivatives work
  (``backward(create_graph=True)``, ``grad(grad(f))``, ``hvp``).

This mirrors HIPS autograd's ``defvjp`` table and PyTorch's
``derivatives.yaml``: declare once, derive the rest. ``Value``'s operators and
methods, the expression language's functions, the README's op table, the
trace's formulas and the oracle tests are all generated from this table, so
adding an op is one entry here plus its oracle in the tests.

At non-differentiable points the rules follow PyTorch float64:
relu'(0) = 0, abs'(0) = 0, sqrt'(0) = inf. Where PyTorch's backward *masks*
the gradient instead of multiplying it (relu where x <= 0, ``x ** y`` in x
where y = 0), the entry says so in ``masks``: there the local derivative is 0
and passes nothing on, even an infinite or NaN upstream gradient (0·inf would
be NaN). ``backward``, ``gradients`` and ``jvp`` honour it.
"""

from __future__ import annotations

import json
import math
import operator
from typing import Any, Callable, Optional, Sequence

__all__ = [
    "Op",
    "NaryOp",
    "TABLE",
    "UNARY_FUNCTIONS",
    "describe",
    "markdown_table",
    "javascript_table",
]


# --- generic functions used inside rules: floats in -> float out; ----------
# --- Values in -> Value out (the Value methods dispatch back to TABLE); ------
# --- numpy arrays in -> array out, elementwise (a tape's batch of rows) -----


def _is_float(x) -> bool:
    return type(x) is float or type(x) is int


def _is_batch(x) -> bool:
    """Whether ``x`` is a numpy array (or scalar), tested without importing numpy."""
    return hasattr(x, "__array_ufunc__")


def _numpy():
    # numpy is imported on first use only: the float and Value paths never need it.
    import numpy

    return numpy


def exp(x):
    if _is_float(x):
        return _exp_forward(x)
    return _numpy().exp(x) if _is_batch(x) else x.exp()


def log(x):
    """Natural log; on arrays IEEE-style (log 0 = -inf, log of a negative = nan):
    rules call it only where the forward already checked the domain."""
    if _is_float(x):
        return _log_forward(x)
    return _numpy().log(x) if _is_batch(x) else x.log()


def sin(x):
    if _is_float(x):
        return _sin_forward(x)
    return _numpy().sin(x) if _is_batch(x) else x.sin()


def cos(x):
    if _is_float(x):
        return _cos_forward(x)
    return _numpy().cos(x) if _is_batch(x) else x.cos()


def power(x, y):
    """x ** y; for floats ±0 ** negative gives ±inf (a derivative's pole), not an error:
    -inf for -0.0 and an odd integer y, as C99's pow, numpy and PyTorch."""
    if _is_float(x) and _is_float(y):
        if x == 0.0 and y < 0.0:
            odd = math.isfinite(y) and y == int(y) and int(y) % 2 == 1
            return math.copysign(math.inf, x) if odd else math.inf
        return _pow_forward(x, y)
    if _is_batch(x) or _is_batch(y):
        return _numpy().power(x, y)
    return x**y


def data_of(x) -> Any:
    """The float behind ``x`` (a float, or a Value's ``data``); an array stays itself."""
    # Inlined type test: relu's rule runs once per ReLU node.
    return x if type(x) is float else (x if type(x) is int or _is_batch(x) else x.data)


def step(x) -> float:
    """Heaviside step 1[x > 0] as a constant: its derivative is 0 everywhere."""
    v = data_of(x)
    if type(v) is not float and _is_batch(v):
        return (v > 0.0).astype(float)
    return 1.0 if v > 0 else 0.0


def sign(x) -> float:
    """sign(x) with sign(0) = 0 (PyTorch's abs'(0) = 0), as a constant."""
    v = data_of(x)
    if type(v) is not float and _is_batch(v):
        # Not numpy.sign: it gives nan at nan, where abs'(nan) is 0 (as below, as PyTorch).
        return (v > 0.0).astype(float) - (v < 0.0)
    return 1.0 if v > 0 else (-1.0 if v < 0 else 0.0)


def where(condition, value: float, otherwise: Callable):
    """``value`` where ``condition`` holds, else ``otherwise()``.

    With a bool the branch not taken is never computed (a Value graph must not
    evaluate a pole); with a boolean array every element is computed and the
    mask picks, as ``numpy.where``.
    """
    if condition is True or condition is False:
        return value if condition else otherwise()
    return _numpy().where(condition, value, otherwise())


def _batch_error(kind, condition, message: Callable) -> None:
    """Raise ``kind(message(index))`` at the first element where ``condition`` holds.

    The exception carries ``batch_index`` (the element's index tuple), so a
    tape can name the node and the batch row it came from.
    """
    np = _numpy()
    if not np.any(condition):
        return
    index = np.unravel_index(int(np.flatnonzero(condition)[0]), np.shape(condition))
    error = kind(message(index))
    error.batch_index = index
    raise error


def _item(x, index) -> float:
    """The float at ``index`` of ``x`` broadcast to the index's shape (x may be a row)."""
    x = _numpy().asarray(x)
    return float(
        x[tuple(min(i, n - 1) for i, n in zip(index[-x.ndim :], x.shape))] if x.ndim else x
    )


# --- forward functions on floats (and arrays), with errors in the user's terms ---


def _add_forward(x: float, y: float) -> float:
    return x + y


def _sub_forward(x: float, y: float) -> float:
    return x - y


def _mul_forward(x: float, y: float) -> float:
    return x * y


def _div_forward(x: float, y: float) -> float:
    if type(y) is not float and _is_batch(y):
        _batch_error(
            ZeroDivisionError,
            y == 0.0,
            lambda i: f"div: division by zero ({_item(x, i)!r} / {_item(y, i)!r})",
        )
        return x / y
    if y == 0.0:
        raise ZeroDivisionError(f"div: division by zero ({x!r} / {y!r})")
    return x / y


def _pow_forward(x: float, y: float) -> float:
    if (type(x) is not float or type(y) is not float) and (_is_batch(x) or _is_batch(y)):
        return _pow_batch(x, y)
    if x == 0.0 and y < 0.0:
        raise ZeroDivisionError(f"pow: 0.0 cannot be raised to the negative power {y!r}")
    if x < 0.0 and math.isfinite(y) and y != int(y):
        raise ValueError(
            f"pow: negative base {x!r} with non-integer exponent {y!r} has no real value"
        )
    try:
        return x**y
    except OverflowError:
        # float64 semantics (PyTorch, numpy): overflow gives +-inf, not an error.
        odd = math.isfinite(y) and y == int(y) and int(y) % 2 == 1
        return -math.inf if (x < 0.0 and odd) else math.inf


def _pow_batch(x, y):
    """``_pow_forward`` on arrays: the same domain errors, numpy's inf on overflow."""
    np = _numpy()
    _batch_error(
        ZeroDivisionError,
        (x == 0.0) & (y < 0.0),
        lambda i: f"pow: 0.0 cannot be raised to the negative power {_item(y, i)!r}",
    )
    _batch_error(
        ValueError,
        (x < 0.0) & np.isfinite(y) & (y != np.trunc(y)),
        lambda i: (
            f"pow: negative base {_item(x, i)!r} with non-integer exponent {_item(y, i)!r} "
            "has no real value"
        ),
    )
    return np.power(x, y)


def _neg_forward(x: float) -> float:
    return -x


def _abs_forward(x: float) -> float:
    return abs(x)


def _exp_forward(x: float) -> float:
    if type(x) is not float and _is_batch(x):
        return _numpy().exp(x)
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf  # float64 semantics, as in PyTorch and numpy


def _log_forward(x: float) -> float:
    if type(x) is not float and _is_batch(x):
        _batch_error(
            ValueError, x <= 0.0, lambda i: f"log: argument must be positive, got {_item(x, i)!r}"
        )
        return _numpy().log(x)
    if not x > 0.0:
        if math.isnan(x):
            return math.nan
        raise ValueError(f"log: argument must be positive, got {x!r}")
    return math.log(x)


def _tanh_forward(x: float) -> float:
    if type(x) is not float and _is_batch(x):
        return _numpy().tanh(x)
    return math.tanh(x)


def _sigmoid_forward(x: float) -> float:
    # Two branches so that exp never overflows for large |x|.
    if type(x) is not float and _is_batch(x):
        np = _numpy()
        z = np.exp(-np.abs(x))
        return np.where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _relu_forward(x: float) -> float:
    if type(x) is not float and _is_batch(x):
        return _numpy().where(x <= 0.0, 0.0, x)  # nan stays nan, as below
    return 0.0 if x <= 0.0 else x  # relu(nan) is nan, as in PyTorch: NaNs never vanish


def _sin_forward(x: float) -> float:
    if type(x) is not float and _is_batch(x):
        return _numpy().sin(x)  # nan at +-inf, as below
    return math.sin(x) if math.isfinite(x) else math.nan


def _cos_forward(x: float) -> float:
    if type(x) is not float and _is_batch(x):
        return _numpy().cos(x)
    return math.cos(x) if math.isfinite(x) else math.nan


def _sqrt_forward(x: float) -> float:
    if type(x) is not float and _is_batch(x):
        _batch_error(
            ValueError,
            x < 0.0,
            lambda i: f"sqrt: argument must be non-negative, got {_item(x, i)!r}",
        )
        return _numpy().sqrt(x)
    if x < 0.0:
        raise ValueError(f"sqrt: argument must be non-negative, got {x!r}")
    return math.sqrt(x)


def _sum_forward(xs) -> float:
    if type(xs) is not tuple and _is_batch(xs):
        return xs.sum(axis=0)  # the arguments stacked along the first axis
    return sum(xs, 0.0)


def _dot_forward(wx) -> float:
    n = len(wx) // 2
    return sum(map(operator.mul, wx[:n], wx[n:]), 0.0)


# --- local-derivative rules that need a little care --------------------------


def _div_dy(out, x, y):
    return -out / y


def _pow_dx(out, x, y):
    # d x^y/dx = y·x^(y-1); at y = 0 PyTorch gives 0 (also for x = 0, nan, inf).
    # As a graph only at x = 0: elsewhere its derivative in y (x^(y-1) = 1/x at
    # y = 0) must survive for grad of grad.
    if _is_batch(data_of(x)) or _is_batch(data_of(y)):  # a tape's rows: as floats, row by row
        return where(data_of(y) == 0.0, 0.0, lambda: y * power(x, y - 1.0))
    if data_of(y) == 0.0 and (data_of(x) == 0.0 or _is_float(x)):
        return 0.0
    if data_of(x) == 0.0 and not _is_float(x) and data_of(y) < 1.0:
        # The pole of y·x^(y-1) at x = 0 for 0 < y < 1 (y < 0 fails forward):
        # inf, as for floats; ∂/∂x = y(y-1)·0^(y-2) = -inf, ∂/∂y is NaN in PyTorch.
        return _pole(x, math.inf, (x, y), (-math.inf, math.nan), "pow")
    return y * power(x, y - 1.0)


def _pow_dy(out, x, y):
    # d x^y/dy = x^y·ln x; PyTorch's is 0 at x = 0, y >= 0 (a 0 that multiplies,
    # not a mask: 0·inf is nan there too) and nan for x < 0.
    base = data_of(x)
    if _is_batch(base) or _is_batch(data_of(y)):  # a tape's rows: as floats, row by row
        return where(
            (base == 0.0) & (data_of(y) >= 0.0),
            0.0,
            lambda: where(base < 0.0, math.nan, lambda: out * log(x)),
        )
    if base == 0.0:  # y < 0 fails forward; 0^nan·ln 0 is nan (log(0) would raise)
        return 0.0 if data_of(y) >= 0.0 else math.nan
    if base < 0.0:
        # ln of a negative base: nan, and as a graph a nan node whose own partials
        # are nan (a nan constant would have derivative 0, as PyTorch's is nan).
        if _is_float(x) and _is_float(y):
            return math.nan
        return _pole(x, math.nan, (x, y), (math.nan, math.nan), "pow")
    return out * log(x)


def _sqrt_dx(out, x):
    # sqrt'(±0) = ±inf, as PyTorch float64's 1/(2·sqrt(x)) (Python's 0.5/0.0
    # would raise). As a graph, ∂(0.5/sqrt(x))/∂sqrt(x) = -0.5/0² = -inf, so
    # that sqrt''(0) = -inf·inf = -inf, as PyTorch's double backward gives.
    if _is_batch(data_of(out)):  # a tape's rows: 0.5/±0 is ±inf there already
        return 0.5 / out
    if data_of(out) == 0.0:
        pole = math.copysign(math.inf, data_of(out))
        return pole if _is_float(out) else _pole(out, pole, (out,), (-math.inf,), "sqrt")
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
    # Runs once per ReLU node: the float test inline, one call fewer than step.
    v = x if type(x) is float else data_of(x)
    if type(v) is not float and _is_batch(v):
        return _numpy().where(v <= 0.0, 0.0, 1.0)
    return 0.0 if v <= 0.0 else 1.0


def _relu_masked(out, x) -> bool:
    return x <= 0.0  # PyTorch: threshold_backward(grad, result, 0)


def _pow_dx_masked(out, x, y) -> bool:
    return y == 0.0  # PyTorch: where(exponent == 0, 0, grad * ...)


def _sum_partials(out, xs):
    return (1.0,) * len(xs)


def _dot_partials(out, wx):
    # ∂(Σ w_i x_i)/∂w_i = x_i and ∂/∂x_i = w_i: the halves swap.
    n = len(wx) // 2
    return (*wx[n:], *wx[:n])  # a tuple also when wx is a stacked array


# --- the table ---------------------------------------------------------------


class Op(str):
    """One primitive of fixed arity: how to compute it and how to differentiate it.

    An ``Op`` is a ``str`` equal to its name, so the engine stores the entry
    itself in ``Value.op``: ``node.op == "mul"`` reads as before, and a node
    whose ``op`` is a plain ``str`` (built by hand with ``Value(...)``) is
    known not to come from this table.

    Keyword fields:
        forward: float function computing the result; raises ``ValueError`` or
            ``ZeroDivisionError`` naming the op outside its domain.
        rules: one local-derivative rule per argument, ``(out, *args) ->
            ∂out/∂arg_k``, or a number when that partial is a constant (``add``:
            1 and 1). Written with arithmetic and this module's generic
            functions, so they work on floats and on Values alike.
        rule_text: the rules as text, one per argument (traces, docs, README).
        symbol: how a graph's op node writes it (``"+"``, ``"tanh"``).
        text, latex: how a formula writes it, as templates over the argument
            names ``{0}``, ``{1}`` (``"{0} + {1}"``, ``r"\\tanh\\left({0}\\right)"``).
        methods: the ``Value`` methods generated for it: a function name
            (``"tanh"``), or the special methods of an operator
            (``("__add__", "__radd__")``: the second is the reflected one).
        doc: the generated method's docstring.
        function: whether the expression language (and the CLI) may call it
            as ``name(x)``, and whether the package exports a function
            ``autograd_scalar.name(x)``.
        masks: where the backward masks the gradient instead of multiplying
            it (PyTorch's ``where(cond, 0, grad * ...)``): one predicate
            ``(out, *args) -> bool`` on floats per argument, or ``None`` for an
            argument that is always multiplied. Where it holds, the rule gives
            0 and nothing passes, even an inf or NaN gradient.
        js, js_rules, js_masks: the forward, the rules and the masks again, as
            JavaScript expressions over ``x``, ``y`` and ``out`` (a constant
            rule needs none): what live pages recompute in the browser. Domain
            errors call ``fail(message)``; ``num(v)`` writes a number as Python
            does; ``pow(x, y)`` is Python's x ** y. A browser test holds them equal to the Python ones on every op.

    Example:
        >>> TABLE["mul"] == "mul", TABLE["mul"].arity, TABLE["mul"].format(["a", "b"])
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
        rules: tuple,
        rule_text: tuple,
        symbol: str = "",
        text: str = "",
        latex: str = "",
        methods=(),
        doc: str = "",
        function: bool = False,
        masks: Optional[tuple] = None,
        js: str = "",
        js_rules: tuple = (),
        js_masks: tuple = (),
    ):
        self.name = name
        self.forward = forward
        self.rule_text = tuple(rule_text)
        self.symbol = symbol or name
        args = ", ".join(f"{{{k}}}" for k in range(len(rules)))
        self.text = text or f"{self.symbol}({args})"
        self.latex = latex or r"\operatorname{{" + name + r"}}\left(" + args + r"\right)"
        self.methods = (methods,) if isinstance(methods, str) else tuple(methods)
        self.doc = doc
        self.function = function
        self.arity = len(rules)
        if masks is not None and len(masks) != self.arity:
            raise ValueError(f"{name}: masks needs one entry per argument")
        self.masks = None if masks is None else tuple(masks)
        #: The partials as one shared tuple when all are constants (``add``,
        #: ``neg``): every node of the op stores this tuple, none builds one.
        self.constant_local_grads = (
            tuple(float(r) for r in rules) if not any(map(callable, rules)) else None
        )
        #: ``rules`` with constants turned into functions returning them.
        self.rules = tuple(
            rule if callable(rule) else _constant_rule(float(rule)) for rule in rules
        )
        self.js = js
        given = iter(js_rules)
        self.js_rules = tuple(
            next(given, "") if callable(rule) else repr(float(rule)) for rule in rules
        )
        self.js_masks = tuple(js_masks) or ("",) * self.arity

    def javascript(self) -> str:
        """The entry as a JavaScript object literal: ``{forward: ..., rules: [...]}``."""
        args = ", ".join(("x", "y")[: self.arity])
        rules = ", ".join(f"function (out, {args}) {{ return {rule}; }}" for rule in self.js_rules)
        masks = ", ".join(
            f"function (out, {args}) {{ return {mask or 'false'}; }}" for mask in self.js_masks
        )
        return (
            f"{{forward: function ({args}) {{ return {self.js}; }}, rules: [{rules}], "
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

    # An Op formats its formula from argument names, not itself as a str template.
    def format(self, args: Sequence[str], latex: bool = False) -> str:  # type: ignore[override]
        """The formula computing this op from the argument names ``args``."""
        return (self.latex if latex else self.text).format(*args)


class NaryOp(Op):
    """A primitive of any arity (``sum``, ``dot``): its arguments travel as ONE tuple.

    ``forward(xs)`` and ``partials(out, xs)`` take the whole tuple (no
    ``*args`` copies of a neuron's 34 floats); ``partials`` returns every
    ∂out/∂xs[k]. The arguments form ``halves`` equal parts (``dot``: the
    weights, then the inputs; ``sum``: one part), with one rule text each.
    A formula is ``term`` written once per index and joined with ``+``.

    Example:
        >>> TABLE["dot"].format(["w0", "w1", "x0", "x1"])
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
        symbol: str = "",
        js: str = "",
        js_partials: str = "",
    ):
        super().__init__(name, forward=forward, rules=(), rule_text=rule_text, symbol=symbol, js=js)
        self.js_partials = js_partials
        self.arity = None
        self.constant_local_grads = None
        self.partials = partials
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

    def format(self, args: Sequence[str], latex: bool = False) -> str:  # type: ignore[override]
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


def _unary_function(
    name: str,
    forward: Callable,
    rule,
    rule_text: str,
    doc: str,
    js: str,
    js_rule: str,
    latex: str = "",
    masks: Optional[tuple] = None,
    js_mask: str = "",
) -> Op:
    """An entry for a function ``name(x)``: a Value method and a function of the language."""
    return Op(
        name,
        forward=forward,
        rules=(rule,),
        rule_text=(rule_text,),
        methods=name,
        doc=doc,
        function=True,
        latex=latex,
        masks=masks,
        js=js,
        js_rules=(js_rule,),
        js_masks=(js_mask,),
    )


def _infix(
    name: str,
    symbol: str,
    forward: Callable,
    rules: tuple,
    rule_text: tuple,
    latex: str = "",
    js_rules: tuple = (),
) -> Op:
    """An entry for a binary operator ``x symbol y`` and its reflected form."""
    return Op(
        name,
        forward=forward,
        rules=rules,
        rule_text=rule_text,
        symbol=symbol,
        text=f"{{0}} {symbol} {{1}}",
        latex=latex or f"{{0}} {symbol} {{1}}",
        methods=(f"__{name}__", f"__r{name}__"),
        doc=f"x {symbol} y",
        js=f"x {symbol} y",
        js_rules=js_rules,
    )


#: Every primitive, by name. Value's operators and methods, the expression
#: language, the README's op table and the traces are generated from it.
TABLE: dict[str, Op] = {
    op.name: op
    for op in [
        _infix("add", "+", _add_forward, (1.0, 1.0), ("d(x+y)/dx = 1", "d(x+y)/dy = 1")),
        _infix("sub", "-", _sub_forward, (1.0, -1.0), ("d(x-y)/dx = 1", "d(x-y)/dy = -1")),
        _infix(
            "mul",
            "*",
            _mul_forward,
            (lambda out, x, y: y, lambda out, x, y: x),
            ("d(x*y)/dx = y", "d(x*y)/dy = x"),
            latex=r"{0} \cdot {1}",
            js_rules=("y", "x"),
        ),
        Op(
            "div",
            forward=_div_forward,
            rules=(lambda out, x, y: 1.0 / y, _div_dy),
            rule_text=("d(x/y)/dx = 1/y", "d(x/y)/dy = -x/y^2"),
            symbol="/",
            text="{0} / {1}",
            latex=r"\frac{{{0}}}{{{1}}}",
            methods=("__truediv__", "__rtruediv__"),
            doc="x / y; ``ZeroDivisionError`` for y = 0",
            js="y === 0 ? fail('div: division by zero (' + num(x) + ' / ' + num(y) + ')') : x / y",
            js_rules=("1 / y", "-out / y"),
        ),
        Op(
            "pow",
            forward=_pow_forward,
            rules=(_pow_dx, _pow_dy),
            rule_text=("d(x^y)/dx = y*x^(y-1)", "d(x^y)/dy = x^y*ln(x)"),
            symbol="**",
            text="{0} ** {1}",
            latex="{{{0}}}^{{{1}}}",
            methods=("__pow__", "__rpow__"),
            doc="x ** y, for real results only",
            js="x === 0 && y < 0 ? fail('pow: 0.0 cannot be raised to the negative power ' + num(y))"
            " : x < 0 && isFinite(y) && y !== Math.trunc(y) ? fail('pow: negative base ' + num(x)"
            " + ' with non-integer exponent ' + num(y) + ' has no real value') : pow(x, y)",
            js_rules=(
                "y === 0 ? 0 : y * pow(x, y - 1)",
                "x === 0 && y >= 0 ? 0 : (x < 0 ? NaN : out * Math.log(x))",
            ),
            masks=(_pow_dx_masked, None),
            js_masks=("y === 0", ""),
        ),
        Op(
            "neg",
            forward=_neg_forward,
            rules=(-1.0,),
            rule_text=("d(-x)/dx = -1",),
            symbol="-",
            text="-{0}",
            latex="-{0}",
            methods="__neg__",
            doc="-x",
            js="-x",
        ),
        Op(
            "abs",
            forward=_abs_forward,
            rules=(lambda out, x: sign(x),),
            rule_text=("d|x|/dx = sign(x)  (0 at x = 0)",),
            methods="__abs__",
            doc="|x|; abs'(0) = 0 as in PyTorch",
            function=True,
            js="Math.abs(x)",
            js_rules=("x > 0 ? 1 : (x < 0 ? -1 : 0)",),
        ),
        _unary_function(
            "exp",
            _exp_forward,
            lambda out, x: out,
            "d exp(x)/dx = exp(x)",
            "e^x.",
            latex=r"\exp\left({0}\right)",
            js="Math.exp(x)",
            js_rule="out",
        ),
        _unary_function(
            "log",
            _log_forward,
            lambda out, x: 1.0 / x,
            "d log(x)/dx = 1/x",
            "Natural logarithm; ``ValueError`` for x <= 0.",
            latex=r"\log\left({0}\right)",
            js="x > 0 || isNaN(x) ? Math.log(x)"
            " : fail('log: argument must be positive, got ' + num(x))",
            js_rule="1 / x",
        ),
        _unary_function(
            "tanh",
            _tanh_forward,
            lambda out, x: 1.0 - out * out,
            "d tanh(x)/dx = 1 - tanh(x)^2",
            "Hyperbolic tangent.",
            latex=r"\tanh\left({0}\right)",
            js="Math.tanh(x)",
            js_rule="1 - out * out",
        ),
        _unary_function(
            "sigmoid",
            _sigmoid_forward,
            lambda out, x: out * (1.0 - out),
            "d sigmoid(x)/dx = sigmoid(x)*(1 - sigmoid(x))",
            "1 / (1 + e^-x), computed without overflow.",
            js="x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))",
            js_rule="out * (1 - out)",
        ),
        _unary_function(
            "relu",
            _relu_forward,
            _relu_dx,
            "d relu(x)/dx = step(x)  (1 if x > 0, else 0)",
            "max(0, x); relu'(0) = 0 and relu(nan) = nan as in PyTorch.",
            masks=(_relu_masked,),
            js="x <= 0 ? 0 : x",
            js_rule="x <= 0 ? 0 : 1",
            js_mask="x <= 0",
        ),
        _unary_function(
            "sin",
            _sin_forward,
            lambda out, x: cos(x),
            "d sin(x)/dx = cos(x)",
            "Sine.",
            latex=r"\sin\left({0}\right)",
            js="Math.sin(x)",
            js_rule="Math.cos(x)",
        ),
        _unary_function(
            "cos",
            _cos_forward,
            lambda out, x: -sin(x),
            "d cos(x)/dx = -sin(x)",
            "Cosine.",
            latex=r"\cos\left({0}\right)",
            js="Math.cos(x)",
            js_rule="-Math.sin(x)",
        ),
        _unary_function(
            "sqrt",
            _sqrt_forward,
            _sqrt_dx,
            "d sqrt(x)/dx = 1/(2*sqrt(x))  (inf at x = 0)",
            "Square root; ``ValueError`` for x < 0; sqrt'(0) = inf as in PyTorch.",
            latex=r"\sqrt{{{0}}}",
            js="x < 0 ? fail('sqrt: argument must be non-negative, got ' + num(x)) : Math.sqrt(x)",
            js_rule="0.5 / out",
        ),
        NaryOp(
            "sum",
            forward=_sum_forward,
            partials=_sum_partials,
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


if __name__ == "__main__":
    print(markdown_table(), end="")
