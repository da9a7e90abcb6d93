"""An MLP in PyTorch and ONNX, and back; the extras that bring them.

Sources of truth: the scalar engine's own outputs and ``backward()``
gradients, against ``torch.nn.Sequential`` (float64, torch.autograd) and
onnxruntime, on 20 random architectures and activations; the documented
one-to-one map of parameter names (``nn.export.torch_name``); and a fresh
interpreter in which torch or onnx cannot be imported.
"""

import math
import random
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime
import pytest
import torch

from autograd_scalar import Value, nn
from autograd_scalar.nn.export import TORCH_ACTIVATIONS, torch_name
from conftest import assert_close

ARCHITECTURES = 20


def random_mlp(seed):
    """A random architecture and activation, with random weights and biases."""
    rng = random.Random(seed)
    nin = rng.randint(1, 5)
    nouts = [rng.randint(1, 6) for _ in range(rng.randint(1, 4))]
    activation = sorted(nn.ACTIVATIONS)[seed % len(nn.ACTIVATIONS)]
    model = nn.MLP(nin, nouts, activation=activation, rng=rng)
    for p in model.parameters():
        p.data = rng.uniform(-1.5, 1.5)
    return model


def inputs_for(model, seed, n=6):
    return np.random.default_rng(seed).normal(size=(n, model.architecture()["nin"]))


def outputs(model, X):
    """The model's outputs on Values, one list per row (a single Value as a list of one)."""
    rows = []
    for x in X:
        out = model([float(v) for v in x])
        rows.append([v.data for v in (out if isinstance(out, list) else [out])])
    return rows


def test_every_activation_of_an_mlp_has_a_torch_module():
    assert set(TORCH_ACTIVATIONS) == set(nn.ACTIVATIONS)


@pytest.mark.parametrize("seed", range(ARCHITECTURES))
def test_mlp_to_torch_and_back_keeps_every_weight_and_the_architecture(seed):
    model = random_mlp(seed)
    back = nn.MLP.from_torch(model.to_torch())
    expected = model.architecture()
    if len(expected["nouts"]) == 1:  # no hidden layer, no activation to read: the default
        expected["activation"] = "relu"
    assert back.architecture() == expected
    assert back.state_dict() == model.state_dict()  # exactly: float64 both ways


@pytest.mark.parametrize("seed", range(ARCHITECTURES))
def test_mlp_and_its_torch_twin_agree_on_outputs_and_parameter_gradients(seed):
    """Loss Σ_rows Σ_k r_k·y_k with random r: every parameter's gradient, by its name."""
    model, X = random_mlp(seed), None
    X = inputs_for(model, seed)
    r = np.random.default_rng(seed + 100).normal(size=model.architecture()["nouts"][-1])
    twin = model.to_torch()
    y = twin(torch.tensor(X))
    assert y.dtype == torch.float64
    for got_row, want_row in zip(y.tolist(), outputs(model, X)):
        for got, want in zip(got_row, want_row):
            assert_close(got, want, abs_tol=1e-12)
    (y * torch.tensor(r)).sum().backward()
    model.zero_grad()
    loss = Value(0.0)
    for x in X:
        out = model([float(v) for v in x])
        for r_k, y_k in zip(r, out if isinstance(out, list) else [out]):
            loss = loss + float(r_k) * y_k
    loss.backward()
    grads = dict(twin.named_parameters())
    scale = max(1.0, max(abs(p.grad) for p in model.parameters()))
    for name, p in model.named_parameters():
        key, index = torch_name(name)
        assert_close(grads[key].grad[index].item(), p.grad, abs_tol=1e-12 * scale, what=name)


@pytest.mark.parametrize("seed", range(4))
def test_the_state_dict_names_map_one_to_one(seed):
    """Every parameter lands on one element of the Sequential's state_dict, and every
    element is one parameter: the table in nn.export's documentation."""
    model = random_mlp(seed)
    state = model.to_torch().state_dict()
    places = [torch_name(name) for name, _ in model.named_parameters()]
    assert len(set(places)) == len(places)
    assert sorted(places) == sorted(
        (key, tuple(index)) for key, tensor in state.items() for index in np.ndindex(tensor.shape)
    )
    for (name, p), (key, index) in zip(model.named_parameters(), places):
        assert state[key][index].item() == p.data, name


def test_the_sequential_has_linear_layers_at_even_places_and_the_activations_between():
    model = nn.MLP(3, [4, 4, 2], activation="tanh")
    kinds = [type(m).__name__ for m in model.to_torch()]
    assert kinds == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    linear = nn.MLP(3, [4, 2], activation="linear").to_torch()
    assert [type(m).__name__ for m in linear] == ["Linear", "Identity", "Linear"]


def test_from_torch_reads_float32_and_linear_layers_without_identity_between_them():
    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))  # float32
    model = nn.MLP.from_torch(seq)
    assert model.architecture() == {
        "type": "MLP",
        "nin": 2,
        "nouts": [3, 1],
        "activation": "linear",
    }
    assert model.layers[0].neurons[1].w[0].data == seq[0].weight[1, 0].item()
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    want = seq.double()(torch.tensor(X)).detach().numpy()
    for got, w in zip(outputs(model, X), want):
        assert_close(got[0], w[0])


def test_from_torch_leaves_the_global_random_state_alone():
    random.seed(5)
    expected = random.random()
    random.seed(5)
    nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1)))
    assert random.random() == expected


Linear, ReLU, Tanh = torch.nn.Linear, torch.nn.ReLU, torch.nn.Tanh


@pytest.mark.parametrize(
    "module,message",
    [
        (lambda: Linear(2, 3), "expected a torch.nn.Sequential .* got Linear"),
        (
            lambda: torch.nn.Sequential(Linear(2, 3), torch.nn.GELU(), Linear(3, 1)),
            r"layer 1 \(GELU\) has no counterpart in an MLP",
        ),
        (lambda: torch.nn.Sequential(Linear(2, 3, bias=False)), r"layer 0 \(Linear\) has no bias"),
        (
            lambda: torch.nn.Sequential(Linear(2, 3), ReLU(), Linear(3, 1), ReLU()),
            "ends with ReLU, but an MLP's output layer is linear",
        ),
        (
            lambda: torch.nn.Sequential(Linear(2, 3), ReLU(), Tanh(), Linear(3, 1)),
            r"layer 2 \(Tanh\) follows another activation \(ReLU\)",
        ),
        (
            lambda: torch.nn.Sequential(Linear(2, 3), ReLU(), Linear(3, 3), Tanh(), Linear(3, 1)),
            r"different activations \(relu, tanh\)",
        ),
        (
            lambda: torch.nn.Sequential(Linear(2, 3), Linear(4, 1)),
            r"layer 1 \(Linear\) takes 4 inputs but the layer before it gives 3",
        ),
        (lambda: torch.nn.Sequential(ReLU(), Linear(2, 1)), "comes before the first Linear"),
        (lambda: torch.nn.Sequential(), "has no Linear layer"),
        (
            lambda: _with_nan(torch.nn.Sequential(Linear(2, 1))),
            "MLP.from_torch: parameter 'layers.0.neurons.0.w.1' is not finite",
        ),
    ],
)
def test_from_torch_refuses_what_an_mlp_cannot_represent_in_one_line(module, message):
    with pytest.raises(ValueError, match=message) as error:
        nn.MLP.from_torch(module())
    assert str(error.value).startswith("MLP.from_torch: ") and "\n" not in str(error.value)


def _with_nan(seq):
    with torch.no_grad():
        seq[0].weight[0, 1] = math.nan
    return seq


@pytest.mark.parametrize("seed", range(0, ARCHITECTURES, 4))
def test_mlp_to_onnx_passes_the_checker_and_runs_as_the_model(seed, tmp_path):
    model = random_mlp(seed)
    path = model.to_onnx(tmp_path / "model.onnx")
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    X = inputs_for(model, seed, n=9)
    (y,) = session.run(None, {"x": X})
    assert y.dtype == np.float64 and y.shape == (9, model.architecture()["nouts"][-1])
    for got_row, want_row in zip(y.tolist(), outputs(model, X)):
        for got, want in zip(got_row, want_row):
            assert_close(got, want, rel=1e-9, abs_tol=1e-12)


def test_mlp_to_onnx_names_its_weights_as_the_torch_state_dict(tmp_path):
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    stored = onnx.load(str(model.to_onnx(tmp_path / "m.onnx"))).graph.initializer
    assert sorted(t.name for t in stored) == sorted(model.to_torch().state_dict())


def test_a_failed_write_leaves_the_previous_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"previous")

    def refuse(model, full_check=False):
        raise onnx.checker.ValidationError("refused")

    monkeypatch.setattr(onnx.checker, "check_model", refuse)
    with pytest.raises(onnx.checker.ValidationError):
        nn.MLP(2, [1]).to_onnx(path)
    assert path.read_bytes() == b"previous" and sorted(tmp_path.iterdir()) == [path]


# -- the extras: imported on demand, one line when missing --------------------------

BLOCK = "import sys; sys.modules.update({name: None for name in %r}); "


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "blocked,call,message",
    [
        (
            ["torch"],
            "MLP(2, [1]).to_torch()",
            'MLP.to_torch() needs PyTorch, which is not installed: pip install "autograd-scalar[torch]"',
        ),
        (
            ["torch"],
            "MLP.from_torch(None)",
            'MLP.from_torch() needs PyTorch, which is not installed: pip install "autograd-scalar[torch]"',
        ),
        (
            ["onnx"],
            "MLP(2, [1]).to_onnx('m.onnx')",
            'MLP.to_onnx() needs ONNX, which is not installed: pip install "autograd-scalar[onnx]"',
        ),
        (
            ["torch"],
            "tape.record(lambda x: x * 2.0, 1.0).to_torch()",
            'tape.to_torch() needs PyTorch, which is not installed: pip install "autograd-scalar[torch]"',
        ),
        (
            ["onnx"],
            "tape.record(lambda x: x * 2.0, 1.0).to_onnx('t.onnx')",
            'tape.to_onnx() needs ONNX, which is not installed: pip install "autograd-scalar[onnx]"',
        ),
    ],
)
def test_without_the_extra_an_export_says_in_one_line_what_to_install(
    blocked, call, message, tmp_path
):
    code = (
        BLOCK % blocked
        + "from autograd_scalar import tape; from autograd_scalar.nn import MLP\n"
        + "try:\n    "
        + call
        + "\nexcept ModuleNotFoundError as error:\n    print(type(error).__name__, error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"MissingExtraError {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_the_core_works_without_torch_and_onnx_and_never_imports_them():
    code = (
        BLOCK % ["torch", "onnx", "onnxruntime"]
        + "import autograd_scalar as ag; from autograd_scalar import nn, tape, optim\n"
        + "m = nn.MLP(2, [3, 1]); t = tape.record(lambda x: m(x), [1.0, 2.0], params=m.parameters())\n"
        + "import math; print(math.isclose(t.value_and_grad([[1.0, 2.0]])[0], m([1.0, 2.0]).data, rel_tol=1e-12, abs_tol=1e-15))\n"
    )
    result = run_python(code)
    assert result.stdout == "True\n", result.stderr
    unblocked = run_python(
        "import sys, autograd_scalar as ag; from autograd_scalar import nn, tape, explore\n"
        "m = nn.MLP(2, [1]); tape.record(lambda x: m(x), [1.0, 2.0], params=m.parameters())\n"
        "print(sorted({'torch', 'onnx', 'onnxruntime'} & set(sys.modules)))"
    )
    assert unblocked.stdout == "[]\n", unblocked.stderr
