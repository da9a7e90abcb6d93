"""The package as shipped: its public surface, its version, and the wheel.

Sources of truth: pyproject.toml (the version is read from
``autograd_scalar.__version__``, one place), and a fresh virtual environment
into which only the built wheel is installed.
"""

import importlib
import sys

import pytest

import autograd_scalar as ag

SUBMODULES = ["nn", "optim", "data", "viz"]


@pytest.mark.parametrize("name", SUBMODULES)
def test_submodules_are_attributes_of_the_package(name):
    """`import autograd_scalar as ag; ag.nn` works without importing ag.nn first."""
    assert getattr(ag, name) is importlib.import_module(f"autograd_scalar.{name}")


@pytest.mark.parametrize("name", ["tape", "explore"])
def test_optional_submodules_are_attributes_or_a_clear_attribute_error(name):
    """A submodule not in this version reads as a missing attribute, never an ImportError."""
    try:
        module = getattr(ag, name)
    except AttributeError as error:
        assert f"autograd_scalar.{name} is not part of this version" in str(error)
    else:
        assert module is sys.modules[f"autograd_scalar.{name}"]


def test_an_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ag.nope  # noqa: B018
