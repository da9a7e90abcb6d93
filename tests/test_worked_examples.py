"""Worked examples of backpropagation, written in the notation of the derivations.

* the sum-over-paths example: c = a + b, d = a·b, o = c·d/2 at a = 2, b = 3.
* logistic least squares with L2 regularisation, every v̄ of the
  backward pass, and the one-hidden-layer MLP in vector form.
* the matrix form: an MLP's engine gradients equal the matrix form
  D^L = ∇C ∘ σ'(z^L), D^l = (W^{l+1}ᵀ D^{l+1}) ∘ σ'(z^l), ∂C/∂W^l = D^l h^{l-1}ᵀ,
  ∂C/∂b^l = D^l.
* micrograd's README example, against its published numbers, torch float64
  and micrograd itself.
"""

import math

import numpy as np
import pytest
import torch

import autograd_scalar as ag
from autograd_scalar import Value
from conftest import assert_close, torch_float, torch_leaves


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# -- the sum-over-paths example: a small computational graph ---------------------------


def paths_graph():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a + b
    d = a * b
    o = c * d / 2
    o.backward()
    return a, b, c, d, o


def test_sum_over_paths_forward_values():
    _, _, c, d, o = paths_graph()
    assert (c.data, d.data, o.data) == (5.0, 6.0, 15.0)


def test_sum_over_paths_reverse_mode_gives_the_worked_derivatives():
    a, b, c, d, _ = paths_graph()
    assert (a.grad, b.grad, c.grad, d.grad) == (10.5, 8.0, 3.0, 2.5)


def test_sum_over_paths_derivatives_follow_the_sum_over_paths_formulas():
    a, b, c, d, _ = paths_graph()
    do_dc, do_dd = d.data / 2, c.data / 2  # ∂o/∂c = d/2, ∂o/∂d = c/2
    assert c.grad == do_dc and d.grad == do_dd
    assert a.grad == do_dc * 1 + do_dd * b.data  # paths a -> c -> o and a -> d -> o
    assert b.grad == do_dc * 1 + do_dd * a.data


def test_sum_over_paths_forward_mode_gives_the_same_derivatives():
    f = lambda a, b: (a + b) * (a * b) / 2  # noqa: E731
    assert ag.jvp(f, [2.0, 3.0], [1.0, 0.0]) == (15.0, 10.5)
    assert ag.jvp(f, [2.0, 3.0], [0.0, 1.0]) == (15.0, 8.0)


# -- logistic least squares with L2 -------------------------------------------------------

LOGISTIC_POINTS = [
    # (w, b, x, t, λ)
    (0.5, -0.2, 1.5, 1.0, 0.1),
    (-1.3, 0.7, -2.0, 0.0, 0.01),
    (2.0, 1.0, 0.25, 0.3, 1.0),
]


def logistic_least_squares(w, b, x, t, lam):
    """The derivation's forward pass; returns every v_i by name."""
    w, b, x, t, lam = (Value(v, label=n) for v, n in zip((w, b, x, t, lam), "wbxtλ"))
    z = w * x + b
    y = z.sigmoid()
    loss = (t - y) ** 2 / 2
    r = w**2 / 2
    loss_reg = loss + lam * r
    loss_reg.backward()
    return dict(w=w, b=b, x=x, t=t, lam=lam, z=z, y=y, l=loss, r=r, l_reg=loss_reg)


@pytest.mark.parametrize("point", LOGISTIC_POINTS)
def test_logistic_least_squares_backward_pass_matches_every_formula(point):
    w, b, x, t, lam = point
    v = logistic_least_squares(*point)
    z = w * x + b
    y = 1.0 / (1.0 + math.exp(-z))
    r = w * w / 2
    # The derivation's backward pass, line by line.
    l_reg_bar = 1.0
    r_bar = l_reg_bar * lam
    l_bar = l_reg_bar
    y_bar = -l_bar * (t - y)
    z_bar = y_bar * y * (1 - y)  # σ'(z) = σ(z)(1 - σ(z))
    b_bar = z_bar
    w_bar = z_bar * x + r_bar * w
    lam_bar = r  # λ̄ = ∂ℓ_reg/∂λ
    for name, expected in [
        ("l_reg", l_reg_bar),
        ("r", r_bar),
        ("l", l_bar),
        ("y", y_bar),
        ("z", z_bar),
        ("b", b_bar),
        ("w", w_bar),
        ("lam", lam_bar),
    ]:
        assert_close(v[name].grad, expected, what=f"{name} bar at {point}")


@pytest.mark.parametrize("point", LOGISTIC_POINTS)
def test_logistic_least_squares_gradient_equals_the_calculus_derivation(point):
    # The "cumbersome" closed form: ∂ℓ/∂w = -(t - σ(wx+b)) σ'(wx+b) x, plus λw.
    w, b, x, t, lam = point
    s = 1.0 / (1.0 + math.exp(-(w * x + b)))
    v = logistic_least_squares(*point)
    assert_close(v["w"].grad, -(t - s) * s * (1 - s) * x + lam * w, what="dl_reg/dw")
    assert_close(v["b"].grad, -(t - s) * s * (1 - s), what="dl_reg/db")


@pytest.mark.parametrize("point", LOGISTIC_POINTS)
def test_logistic_least_squares_gradient_matches_torch_float64(point):
    v = logistic_least_squares(*point)
    w, b, x, t, lam = torch_leaves(point)
    y = torch.sigmoid(w * x + b)
    loss_reg = (t - y) ** 2 / 2 + lam * w**2 / 2
    loss_reg.backward()
    assert_close(v["l_reg"].data, torch_float(loss_reg))
    for name, leaf in zip(("w", "b", "x", "t", "lam"), (w, b, x, t, lam)):
        assert_close(v[name].grad, torch_float(leaf.grad), what=f"{name} bar vs torch")


def test_logistic_least_squares_one_hidden_layer_mlp_in_vector_form():
    # z = W1 x + b1, h = σ(z), y = W2 h + b2, ℓ = ½(t - y)ᵀ(t - y); backward:
    # ȳ = -(t - y), W̄2 = ȳ hᵀ, b̄2 = ȳ, h̄ = W2ᵀ ȳ, z̄ = h̄ ∘ σ'(z), W̄1 = z̄ xᵀ, b̄1 = z̄.
    rng = np.random.default_rng(2)
    W1, b1 = rng.normal(size=(3, 2)), rng.normal(size=3)
    W2, b2 = rng.normal(size=(2, 3)), rng.normal(size=2)
    x, t = rng.normal(size=2), rng.normal(size=2)
    vW1, vb1 = [[Value(w) for w in row] for row in W1], [Value(v) for v in b1]
    vW2, vb2 = [[Value(w) for w in row] for row in W2], [Value(v) for v in b2]
    z = [ag.dot(row, x.tolist()) + bi for row, bi in zip(vW1, vb1)]
    h = [zi.sigmoid() for zi in z]
    y = [ag.dot(row, h) + bk for row, bk in zip(vW2, vb2)]
    loss = ag.sum([(tk - yk) ** 2 for tk, yk in zip(t.tolist(), y)]) / 2
    loss.backward()

    zz = W1 @ x + b1
    hh = sigmoid(zz)
    yy = W2 @ hh + b2
    y_bar = -(t - yy)
    h_bar = W2.T @ y_bar
    z_bar = h_bar * hh * (1 - hh)
    np.testing.assert_allclose(grads(vW2), np.outer(y_bar, hh), rtol=1e-12)
    np.testing.assert_allclose(grads(vb2), y_bar, rtol=1e-12)
    np.testing.assert_allclose([v.grad for v in h], h_bar, rtol=1e-12)
    np.testing.assert_allclose([v.grad for v in z], z_bar, rtol=1e-12)
    np.testing.assert_allclose(grads(vW1), np.outer(z_bar, x), rtol=1e-12)
    np.testing.assert_allclose(grads(vb1), z_bar, rtol=1e-12)


def grads(values):
    """The ``grad`` of a vector or matrix (nested lists) of Values, as an array."""
    return np.array([grads(v) if isinstance(v, list) else v.grad for v in values])


# -- the matrix form D^l h^{l-1}ᵀ ---------------------------------------------

ACTIVATIONS = {  # name: (σ, σ')
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
}


def matrix_form_backprop(Ws, bs, x, y, activations):
    """The derivation's ∂C/∂W^l and ∂C/∂b^l for C = ½‖h^L - y‖², numpy only."""
    hs, zs = [x], []
    for W, b, act in zip(Ws, bs, activations):
        zs.append(W @ hs[-1] + b)
        hs.append(ACTIVATIONS[act][0](zs[-1]))
    D = [None] * len(Ws)
    D[-1] = (hs[-1] - y) * ACTIVATIONS[activations[-1]][1](zs[-1])  # D^L = ∇C ∘ σ'(z^L)
    for layer in range(len(Ws) - 2, -1, -1):  # D^l = (W^{l+1}ᵀ D^{l+1}) ∘ σ'(z^l)
        D[layer] = (Ws[layer + 1].T @ D[layer + 1]) * ACTIVATIONS[activations[layer]][1](zs[layer])
    dW = [np.outer(D[layer], hs[layer]) for layer in range(len(Ws))]  # ∂C/∂W^l = D^l h^{l-1}ᵀ
    return dW, D, 0.5 * np.sum((hs[-1] - y) ** 2)  # ∂C/∂b^l = D^l


def engine_backprop(Ws, bs, x, y, activations, weighted_sum):
    vWs = [[[Value(w) for w in row] for row in W] for W in Ws]
    vbs = [[Value(v) for v in b] for b in bs]
    h = list(x)
    for W, b, act in zip(vWs, vbs, activations):
        h = [getattr(weighted_sum(row, h) + bj, act)() for row, bj in zip(W, b)]
    cost = ag.sum([(hk - yk) ** 2 for hk, yk in zip(h, y)]) / 2
    cost.backward()
    return [grads(W) for W in vWs], [grads(b) for b in vbs], cost.data


WEIGHTED_SUMS = {
    "dot": ag.dot,
    "operators": lambda ws, xs: sum((w * x for w, x in zip(ws, xs)), Value(0.0)),
}


@pytest.mark.parametrize("weighted_sum", WEIGHTED_SUMS, ids=list(WEIGHTED_SUMS))
@pytest.mark.parametrize(
    "sizes, activations",
    [
        ((3, 4, 2), ("sigmoid", "sigmoid")),
        ((3, 4, 2), ("tanh", "sigmoid")),
        ((2, 4, 4, 3), ("sigmoid", "tanh", "tanh")),  # the derivation's 2-4-4-3 network
    ],
)
def test_mlp_gradients_equal_the_matrix_form(sizes, activations, weighted_sum):
    rng = np.random.default_rng(len(sizes) * 10 + len(activations[0]))
    Ws = [rng.normal(size=(n_out, n_in)) for n_in, n_out in zip(sizes, sizes[1:])]
    bs = [rng.normal(size=n_out) for n_out in sizes[1:]]
    x, y = rng.normal(size=sizes[0]), rng.uniform(-0.9, 0.9, size=sizes[-1])
    dW, D, cost = matrix_form_backprop(Ws, bs, x, y, activations)
    eW, eb, engine_cost = engine_backprop(
        Ws, bs, x.tolist(), y.tolist(), activations, WEIGHTED_SUMS[weighted_sum]
    )
    assert_close(engine_cost, cost, what="C")
    for layer_index in range(len(Ws)):
        np.testing.assert_allclose(
            eW[layer_index],
            dW[layer_index],
            rtol=1e-10,
            atol=1e-15,
            err_msg=f"dC/dW^{layer_index + 1}",
        )
        np.testing.assert_allclose(
            eb[layer_index],
            D[layer_index],
            rtol=1e-10,
            atol=1e-15,
            err_msg=f"dC/db^{layer_index + 1}",
        )


# -- micrograd's README example ---------------------------------------------------------


def micrograd_readme_expression(a, b, relu):
    """micrograd's README expression, for any scalar type with + - * / **."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + relu(b + a)
    d += 3 * d + relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


@pytest.fixture(scope="module")
def readme_example():
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_readme_expression(a, b, Value.relu)
    g.backward()
    return a, b, g


def test_micrograd_readme_example_published_numbers(readme_example):
    a, b, g = readme_example
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_micrograd_readme_example_matches_torch_float64(readme_example):
    a, b, g = readme_example
    ta, tb = torch_leaves([-4.0, 2.0])
    tg = micrograd_readme_expression(ta, tb, torch.relu)
    tg.backward()
    assert_close(g.data, torch_float(tg), what="g")
    assert_close(a.grad, torch_float(ta.grad), what="dg/da")
    assert_close(b.grad, torch_float(tb.grad), what="dg/db")


def test_micrograd_readme_example_matches_micrograd_itself(readme_example):
    from micrograd.engine import Value as MicrogradValue

    a, b, g = readme_example
    ma, mb = MicrogradValue(-4.0), MicrogradValue(2.0)
    mg = micrograd_readme_expression(ma, mb, lambda v: v.relu())
    mg.backward()
    assert_close(g.data, mg.data, what="g")
    assert_close(a.grad, ma.grad, what="dg/da")
    assert_close(b.grad, mb.grad, what="dg/db")
