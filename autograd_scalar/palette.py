"""The colours of every picture: one colour code per meaning, the same in every view.

The explorer, the network view and the PNG plots of ``demo`` all read them
here, so a class is the same colour on the heat map, the points and the
decision-boundary plot, and no two meanings on one screen share a colour:

* classes: orange for class 0 (label -1 or 0), blue for class 1 (label +1),
  then green, purple, red, grey for more classes;
* a weight's sign (network view edges): teal w > 0, magenta w < 0, the
  width growing with |w|;
* a misclassified point: a black ring; the chosen point: a yellow ring;
* a dead ReLU unit: grey, crossed out;
* curves: the loss a solid slate line, the accuracy a dashed one; on held-out
  test points the same lines in brick red (test points are drawn hollow).

Example:
    >>> CLASSES[0], CLASSES[1]
    ('#e8833e', '#1f6fb4')
    >>> sorted(set(CLASSES) & {POSITIVE, NEGATIVE, WRONG, DEAD, CURVE, TEST_CURVE})
    []
"""

__all__ = [
    "CLASSES",
    "POSITIVE",
    "NEGATIVE",
    "WRONG",
    "CHOSEN",
    "DEAD",
    "CURVE",
    "TEST_CURVE",
    "DIVERGED",
    "PLOT",
    "CURSOR",
    "MUTED",
    "HEAT",
    "as_json",
]

CLASSES = ("#e8833e", "#1f6fb4", "#4ca050", "#9c50b6", "#c83c5a", "#787878")
POSITIVE, NEGATIVE = "#00897b", "#c2185b"
WRONG, CHOSEN = "#000000", "#ffd600"
DEAD = "#9e9e9e"
CURVE = "#37474f"
TEST_CURVE = "#b5452a"
DIVERGED = "#d0d0d0"  # a heat-map cell whose output is not finite: no class
PLOT, CURSOR, MUTED = "#ffffff", "#263238", "#78909c"  # a plot's ground, the step cursor, a note
# The heat maps' ramp: a class colour mixed with white by weight, growing with
# certainty. One output: LEAST + SPAN * |tanh(out)|; several: SOFTMAX * p(top class);
# a neuron's map: NEURON * |tanh(a)|.
HEAT = {"least": 0.1, "span": 0.42, "softmax": 0.5, "neuron": 0.75}


def as_json() -> dict:
    """The palette for a page's script."""
    return {
        "classes": list(CLASSES),
        "positive": POSITIVE,
        "negative": NEGATIVE,
        "wrong": WRONG,
        "chosen": CHOSEN,
        "dead": DEAD,
        "curve": CURVE,
        "testCurve": TEST_CURVE,
        "diverged": DIVERGED,
        "plot": PLOT,
        "cursor": CURSOR,
        "muted": MUTED,
        "heat": dict(HEAT),
    }
