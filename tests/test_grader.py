"""check_engine grades a learner's Value class: it passes a correct engine,
fails micrograd 0.1.0 where micrograd is known to be wrong, and fails each
hand-made buggy engine on the property that targets its bug.

The learner-style engines are one micrograd-shaped class (closures per node)
built by ``learner_engine`` with one bug switched on at a time, so each
buggy engine differs from the correct one in exactly one place.
"""

import math

import micrograd.engine
import pytest

from autograd_scalar import Value, check_engine, grader

ALL = list(grader.PROPERTIES)


def learner_engine(
    accumulate=True,
    recursive=False,
    visited=True,
    reset_interior=True,
    reverse=True,
    tanh_local=lambda t: 1 - t * t,
    mul_local=lambda mine, other: other,
):
    """A learner's Value, correct with the defaults; each argument is one bug's switch."""

    class LearnerValue:
        def __init__(self, data, children=()):
            self.data, self.grad, self._prev = data, 0.0, children
            self._backward = lambda: None

        def _share(self, node, amount):
            node.grad = node.grad + amount if accumulate else amount

        def __add__(self, other):
            out = LearnerValue(self.data + other.data, (self, other))

            def _backward():
                self._share(self, out.grad)
                self._share(other, out.grad)

            out._backward = _backward
            return out

        def __mul__(self, other):
            out = LearnerValue(self.data * other.data, (self, other))

            def _backward():
                self._share(self, mul_local(self.data, other.data) * out.grad)
                self._share(other, mul_local(other.data, self.data) * out.grad)

            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = LearnerValue(t, (self,))

            def _backward():
                self._share(self, tanh_local(t) * out.grad)

            out._backward = _backward
            return out

        def backward(self):
            topo = recursive_order(self) if recursive else stack_order(self, visited)
            if reset_interior:
                for node in topo:
                    if node._prev:
                        node.grad = 0.0
            self.grad = 1.0
            for node in reversed(topo) if reverse else topo:
                node._backward()

    return LearnerValue


def stack_order(root, visited):
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if visited and node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((child, False) for child in node._prev)
    return order


def recursive_order(root):
    order, seen = [], set()

    def build(node):
        if node not in seen:
            seen.add(node)
            for child in node._prev:
                build(child)
            order.append(node)

    build(root)
    return order


def test_this_engine_passes_every_property():
    report = check_engine(Value)
    assert report.ok and report.passed == ALL and not report.skipped


def test_a_correct_learner_engine_passes_every_property():
    report = check_engine(learner_engine())
    assert report.ok, str(report)
    assert report.passed == ALL


def test_micrograd_fails_the_deep_chain_and_the_repeated_backward():
    report = check_engine(micrograd.engine.Value)
    assert set(report.failed) == {"deep chain", "backward twice", "zero_grad"}
    assert report.passed == ["random graphs", "node used twice", "shared subexpression"]
    assert "tanh" in report.skipped  # micrograd 0.1.0 has relu but no tanh
    deep = report.failures[report.failed.index("deep chain")]
    assert deep.error == "RecursionError" and "explicit stack" in deep.hint


BUGS = {
    "= instead of +=": (dict(accumulate=False), "node used twice"),
    "recursive topological sort": (dict(recursive=True), "deep chain"),
    "no visited set (a node ordered twice)": (dict(visited=False), "shared subexpression"),
    "interior grads kept across passes": (dict(reset_interior=False), "backward twice"),
    "forward order instead of reverse": (dict(reverse=False), "random graphs"),
    "tanh's derivative as 1 - tanh": (dict(tanh_local=lambda t: 1 - t), "random graphs"),
    "x*y's derivative in x taken as x": (dict(mul_local=lambda mine, other: mine), "random graphs"),
}


@pytest.mark.parametrize("bug", BUGS, ids=list(BUGS))
def test_each_buggy_engine_fails_the_property_aimed_at_its_bug(bug):
    switches, prop = BUGS[bug]
    report = check_engine(learner_engine(**switches))
    assert prop in report.failed, str(report)


def test_only_the_deep_chain_catches_a_recursive_sort_that_is_otherwise_right():
    report = check_engine(learner_engine(recursive=True))
    assert report.failed == ["deep chain"]


def test_stale_interior_grads_fail_both_repeat_properties_and_nothing_else():
    report = check_engine(learner_engine(reset_interior=False))
    assert report.failed == ["backward twice", "zero_grad"]


def test_the_plus_equals_bug_is_shown_on_b_equals_a_plus_a_with_both_gradients():
    failure = check_engine(learner_engine(accumulate=False), ["node used twice"]).failures[0]
    assert str(failure.program).splitlines() == ["a = Value(1.5)", "b = a + a"]
    assert failure.expected == {"a": 2.0, "b": 1.0} and failure.got == {"a": 1.0, "b": 1.0}
    text = str(failure)
    assert "FAIL  node used twice" in text and "<- wrong" in text and "+=" in text


def test_the_failing_random_graph_is_the_smallest_one_found():
    report = check_engine(learner_engine(tanh_local=lambda t: 1 - t), ["random graphs"])
    failure = report.failures[0]
    assert "tanh" in failure.program.ops()
    # every smaller random graph with tanh passed: the first failing case has one tanh step
    assert len(failure.program.steps) == min(
        len(p.steps)
        for p in grader.PROPERTIES["random graphs"][2](("+", "*", "tanh"))
        if "tanh" in p.ops()
    )


def test_expected_gradients_are_the_closed_form():
    # c = a*b, d = c + a, e = d*c = (ab + a)·ab: de/da = (b+1)·ab + (ab+a)·b
    program = grader.PROPERTIES["shared subexpression"][2](("+", "*"))[0]
    failure = check_engine(learner_engine(visited=False), ["shared subexpression"]).failures[0]
    a, b = 0.5, -1.5
    assert str(program) == str(failure.program)
    assert math.isclose(failure.expected["a"], (b + 1) * a * b + (a * b + a) * b, rel_tol=1e-12)
    assert math.isclose(failure.expected["b"], a * a * b + (a * b + a) * a, rel_tol=1e-12)


def test_an_engine_that_raises_is_reported_not_crashed():
    def backward(self):
        raise ValueError("not written yet")

    Broken = learner_engine()
    Broken.backward = backward
    report = check_engine(Broken)
    assert set(report.failed) == set(ALL)
    assert report.failures[0].error == "ValueError: not written yet"


def test_a_class_without_the_basic_operators_gets_one_clear_error():
    with pytest.raises(TypeError, match="needs __add__, __mul__ and backward"):
        check_engine(float)
