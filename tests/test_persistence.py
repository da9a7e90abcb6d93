"""Saving and loading models: exact round trip, atomic writes, and every bad file refused
before the model changes."""

import json
import random

import pytest

from autograd_scalar import nn


def model(seed=0, nouts=(3, 2, 1), activation="relu"):
    return nn.MLP(2, list(nouts), activation=activation, rng=random.Random(seed))


def snapshot(m):
    return [p.data for p in m.parameters()]


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "model.json"
    model(seed=1).save(path)
    return path


def test_round_trip_restores_every_parameter_exactly(saved):
    original, twin = model(seed=1), model(seed=2)
    assert snapshot(twin) != snapshot(original)
    twin.load(saved)
    assert snapshot(twin) == snapshot(original)
    assert twin([0.3, -0.7]).data == original([0.3, -0.7]).data


def test_the_file_names_format_version_architecture_and_parameters(saved):
    document = json.loads(saved.read_text())
    assert document["format"] == nn.FORMAT and document["version"] == nn.FORMAT_VERSION
    assert document["architecture"] == {
        "type": "MLP",
        "nin": 2,
        "nouts": [3, 2, 1],
        "activation": "relu",
    }
    assert list(document["parameters"]) == [n for n, _ in model().named_parameters()]


def test_save_accepts_str_paths_and_neurons_and_layers(tmp_path):
    for module in (nn.Neuron(3, rng=random.Random(0)), nn.Layer(3, 2, rng=random.Random(0))):
        path = str(tmp_path / f"{type(module).__name__}.json")
        module.save(path)
        twin = type(module)(
            *([3] if isinstance(module, nn.Neuron) else [3, 2]), rng=random.Random(9)
        )
        assert twin.load(path).state_dict() == module.state_dict()


def test_save_replaces_the_file_atomically_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "model.json"
    model(seed=1).save(path)
    model(seed=2).save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]
    assert model(seed=3).load(path).state_dict() == model(seed=2).state_dict()


def test_parameters_holding_numpy_scalars_save_as_floats_and_load_back(tmp_path):
    """An SGD step with a numpy learning rate leaves numpy scalars in ``p.data``."""
    np = pytest.importorskip("numpy")
    trained = model(seed=1)
    out = trained([0.3, -0.7])
    out.backward()
    lr = np.float32(0.1)
    for p in trained.parameters():
        p.data -= lr * p.grad
    assert {type(p.data) for p in trained.parameters()} <= {np.float32, np.float64}
    assert any(type(p.data) is np.float32 for p in trained.parameters())
    path = tmp_path / "model.json"
    trained.save(path)
    stored = json.loads(path.read_text())["parameters"]
    assert list(stored.values()) == [float(p.data) for p in trained.parameters()]
    twin = model(seed=2).load(path)
    assert snapshot(twin) == [float(p.data) for p in trained.parameters()]
    assert all(type(value) is float for value in twin.state_dict().values())


def test_a_failed_save_keeps_the_previous_file(saved):
    before = saved.read_bytes()
    broken = model(seed=2)
    broken.parameters()[4].data = float("nan")
    with pytest.raises(ValueError, match="parameter 'layers.0.neurons.1.w.1' is not finite"):
        broken.save(saved)
    assert saved.read_bytes() == before
    assert [p.name for p in saved.parent.iterdir()] == ["model.json"]


def edit(document_change):
    """A bad file made from a good one by changing its parsed JSON."""

    def make(text):
        document = json.loads(text)
        document_change(document)
        return json.dumps(document)

    return make


def first_parameter(document):
    return next(iter(document["parameters"]))


BAD_FILES = {
    "not JSON": (lambda text: "this is not json", "not valid JSON"),
    "truncated": (lambda text: text[: len(text) // 2], "not valid JSON, the file may be truncated"),
    "empty": (lambda text: "", "not valid JSON"),
    "not UTF-8": (lambda text: b"\xff\xfe{".decode("latin-1"), "not valid JSON|not UTF-8"),
    "not an object": (lambda text: "[1, 2, 3]", "expected a JSON object, got list"),
    "wrong format": (edit(lambda d: d.update(format="pickle")), "format is 'pickle'"),
    "no format": (edit(lambda d: d.pop("format")), "format is None"),
    "newer version": (edit(lambda d: d.update(version=2)), "format version 2 is not supported"),
    "version true": (edit(lambda d: d.update(version=True)), "format version True"),
    "other layer sizes": (
        edit(lambda d: d["architecture"].update(nouts=[3, 3, 1])),
        "architecture mismatch",
    ),
    "other activation": (
        edit(lambda d: d["architecture"].update(activation="tanh")),
        "architecture mismatch",
    ),
    "no parameters": (edit(lambda d: d.pop("parameters")), "'parameters' field is missing"),
    "parameters not a mapping": (
        edit(lambda d: d.update(parameters=[0.0] * 20)),
        "must be a mapping",
    ),
    "one parameter missing": (
        edit(lambda d: d["parameters"].pop(first_parameter(d))),
        "19 parameters given but the model has 20",
    ),
    "one parameter extra": (
        edit(lambda d: d["parameters"].update(extra=1.0)),
        "21 parameters given but the model has 20",
    ),
    "one parameter renamed": (
        edit(
            lambda d: d["parameters"].update(
                {"layers.9.b": d["parameters"].pop(first_parameter(d))}
            )
        ),
        "parameter 'layers.0.neurons.0.w.0' is missing \\(unexpected 'layers.9.b'\\)",
    ),
    "a string value": (
        edit(lambda d: d["parameters"].update({"layers.1.neurons.0.b": "0.5"})),
        "parameter 'layers.1.neurons.0.b' must be a number, got str",
    ),
    "a null value": (
        edit(lambda d: d["parameters"].update({"layers.1.neurons.0.b": None})),
        "must be a number, got NoneType",
    ),
    "a boolean value": (
        edit(lambda d: d["parameters"].update({"layers.1.neurons.0.b": True})),
        "must be a number, got bool",
    ),
    "NaN": (
        lambda text: text.replace('"layers.2.neurons.0.b": 0.0', '"layers.2.neurons.0.b": NaN'),
        "parameter 'layers.2.neurons.0.b' is not finite",
    ),
    "Infinity": (
        lambda text: text.replace(
            '"layers.2.neurons.0.b": 0.0', '"layers.2.neurons.0.b": -Infinity'
        ),
        "is not finite",
    ),
    "overflowing number": (
        lambda text: text.replace('"layers.2.neurons.0.b": 0.0', '"layers.2.neurons.0.b": 1e999'),
        "is not finite",
    ),
    "integer beyond float range": (
        lambda text: text.replace(
            '"layers.2.neurons.0.b": 0.0', '"layers.2.neurons.0.b": 1' + "0" * 400
        ),
        "'layers.2.neurons.0.b' is not finite",
    ),
    "nested too deeply": (lambda text: "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "duplicate key": (
        lambda text: text.replace(
            '"layers.2.neurons.0.b": 0.0',
            '"layers.2.neurons.0.b": 0.0, "layers.2.neurons.0.b": 1.0',
        ),
        "duplicate key 'layers.2.neurons.0.b'",
    ),
}


@pytest.mark.parametrize("problem", list(BAD_FILES))
def test_a_bad_file_raises_value_error_and_leaves_the_model_unchanged(saved, problem):
    corrupt, message = BAD_FILES[problem]
    text = corrupt(saved.read_text())
    assert text != saved.read_text()
    saved.write_text(text, encoding="latin-1" if problem == "not UTF-8" else "utf-8")
    target = model(seed=5)
    before = snapshot(target)
    with pytest.raises(ValueError, match=message):
        target.load(saved)
    assert snapshot(target) == before


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        model().load(tmp_path / "absent.json")


def test_load_state_dict_checks_everything_before_changing_anything():
    target = model(seed=5)
    before = snapshot(target)
    state = model(seed=6).state_dict()
    state["layers.2.neurons.0.b"] = float("inf")  # the last entry: all others are valid
    with pytest.raises(ValueError, match="'layers.2.neurons.0.b' is not finite"):
        target.load_state_dict(state)
    assert snapshot(target) == before
