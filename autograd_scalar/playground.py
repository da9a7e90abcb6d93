"""Your own set-up: choose the data, the network, the loss and the optimizer; train; replay.

:func:`run` is what ``autograd-scalar demo`` calls when any option beyond
micrograd's recipe is given (``--dataset``, ``--noise``, ``--hidden``,
``--activation``, ``--loss``, ``--optimizer``, ``--lr``, ``--l2``,
``--batch``, ``--data``, ``--test-fraction``). It trains with the package's one loop
(:func:`autograd_scalar.train.fit`) and writes the training explorer
``training.html`` (:mod:`autograd_scalar.explore`), which holds the loss and
accuracy curves, the decision boundary and the network at every recorded step.

The task follows the data. Two classes: one output, labels ±1 and the hinge
loss (micrograd's demo). More classes (a CSV file, ``blobs``): one output per
class and the mean cross-entropy. A regression set (``curve``: one input,
``surface``: two; see ``data.Dataset.loss``): one output and the squared error,
with no accuracy (the page shows the fitted curve or surface and the losses). ``loss`` picks another of
:data:`~autograd_scalar.nn.LOSSES`. Either way the loss is the batch mean of
the per-point terms plus ``l2``·Σθ², so a minibatch (``batch``) gives the
batch-averaged gradient. ``sgd`` decays its learning rate linearly to a tenth
over the run (micrograd's schedule); ``adam`` keeps it constant.
"""

from __future__ import annotations

from pathlib import Path

from .explore import Recorder
from .train import Result, Settings, build, fit, load_problem, model_accuracy, split

__all__ = ["Settings", "run", "load_problem", "build", "SNAPSHOTS", "split"]

#: The explorer keeps about this many snapshots, whatever the number of steps.
SNAPSHOTS = 100


def run(settings: Settings, out="out") -> Result:
    """Load or make the data, train, and write ``training.html`` into ``out``.

    All inputs are checked (the CSV file completely) before the directory is
    created or any file written; Ctrl-C during training keeps what was
    trained and still writes the page.
    """
    X, labels, classes = load_problem(settings)
    fraction = settings.test_fraction
    if fraction is None:
        fraction = 0.0 if settings.data is not None else 0.2
    (X, labels), test = split(X, labels, fraction, settings.seed)
    model, optimizer, loss = build(settings, classes)
    recorder = Recorder(
        model,
        X,
        labels,
        every=max(1, settings.steps // SNAPSHOTS),
        loss=loss,
        test=test if test[0] else None,
    )
    out = Path(out)
    result = Result()
    try:
        fit(
            model,
            X,
            labels,
            loss,
            optimizer,
            settings.steps,
            settings.l2,
            settings.batch,
            settings.seed,
            settings.engine,
            callbacks=(recorder.record,),
            result=result,
        )
    except KeyboardInterrupt:
        result.interrupted = True
        result.accuracy = None if loss == "squared" else model_accuracy(model, X, labels)
    # The page's train button goes on as the run did, at the rate it ended with
    # (sgd's schedule decays it), three figures shown.
    recorder.training = {
        "optimizer": settings.optimizer,
        "lr": float(f"{optimizer.lr:.3g}"),
        "l2": settings.l2,
        "batch": settings.batch,
    }
    out.mkdir(parents=True, exist_ok=True)
    title = f"Training explorer: {settings.data or settings.dataset}"
    result.files.append(recorder.save(out / "training.html", title=title))
    return result
