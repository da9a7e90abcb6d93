"""The tape: record a scalar program once, replay it over a whole batch.

``tape.record(fn, example)`` runs ``fn`` once on Values, keeps the graph it
builds as a Wengert list of the table's ops, and returns a :class:`Tape` whose
``value_and_grad(rows)`` runs that list forward and backward over numpy arrays,
one row per example: the same derivative rules as ``backward``, at array speed.
"""

from .text import Tape, TapeError, record

__all__ = ["record", "Tape", "TapeError"]

# Tracebacks name the error by its public path: autograd_scalar.tape.TapeError.
TapeError.__module__ = __name__
