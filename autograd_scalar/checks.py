"""Argument validators shared by the package: one message style, one place.

Each validator returns the checked value (converted where it says so) or
raises with a message that names the argument (``what``) and quotes what was
given. ``bool`` is refused wherever a number is wanted: ``True`` as a layer
size or a learning rate is a mistake, not a 1.

* :func:`real` -- any real number, as a float; ``TypeError`` otherwise (the
  engine's rule for Value data).
* :func:`count` -- an int in a range (``>= at_least``, optionally ``<= at_most``);
  ``ValueError`` otherwise.
* :func:`real_in` -- a finite real number in a range, as a float; ``ValueError``
  otherwise.

This module imports nothing from the package, so every module may use it.
"""

from __future__ import annotations

import math
import numbers
from typing import Optional

__all__ = ["real", "count", "real_in"]


def real(x, what: str) -> float:
    """``float(x)`` for a real number, else a ``TypeError`` naming ``what``.

    Example:
        >>> real(3, "data")
        3.0
        >>> real("3", "data")
        Traceback (most recent call last):
        ...
        TypeError: data must be a real number (int or float), got str: '3'
    """
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"{what} must be a real number (int or float), got {type(x).__name__}: {x!r}")


def count(n, what: str, at_least: int = 1, at_most: Optional[int] = None) -> int:
    """``n`` if it is an int with ``at_least <= n <= at_most`` (no upper bound by default).

    Raises ``ValueError`` naming ``what`` otherwise (also for bools and floats);
    numpy's integers are ints here.

    Example:
        >>> count(3, "steps")
        3
        >>> count(2.5, "steps")
        Traceback (most recent call last):
        ...
        ValueError: steps must be an int >= 1, got 2.5
        >>> count(0, "--seed", 1, 9)
        Traceback (most recent call last):
        ...
        ValueError: --seed must be an int in [1, 9], got 0
    """
    if (
        isinstance(n, bool)
        or not isinstance(n, numbers.Integral)
        or int(n) < at_least
        or (at_most is not None and int(n) > at_most)
    ):
        wanted = f">= {at_least}" if at_most is None else f"in [{at_least}, {at_most}]"
        raise ValueError(f"{what} must be an int {wanted}, got {n!r}")
    return int(n)


def real_in(
    x,
    what: str,
    low: float = 0,
    high: float = math.inf,
    high_open: bool = False,
    low_open: bool = False,
) -> float:
    """``float(x)`` if ``x`` is a finite real number with ``low <= x <= high``.

    ``high_open=True`` excludes ``high`` itself (``low <= x < high``), and
    ``low_open=True`` excludes ``low`` (``Adam``'s ``eps > 0``). Raises
    ``ValueError`` naming ``what`` otherwise (also for bools, NaN and inf).

    Example:
        >>> real_in(0.9, "betas[0]", high=1, high_open=True)
        0.9
        >>> real_in(-0.1, "noise")
        Traceback (most recent call last):
        ...
        ValueError: noise must be a finite number >= 0, got -0.1
        >>> real_in(1.0, "betas[1]", high=1, high_open=True)
        Traceback (most recent call last):
        ...
        ValueError: betas[1] must be a finite number >= 0 and < 1, got 1.0
    """
    if (
        isinstance(x, bool)
        or not isinstance(x, numbers.Real)
        or not math.isfinite(x)
        or not low <= float(x) <= high
        or (high_open and x == high)
        or (low_open and x == low)
    ):
        bound = "" if high == math.inf else f" and {'<' if high_open else '<='} {high}"
        raise ValueError(
            f"{what} must be a finite number {'>' if low_open else '>='} {low}{bound}, got {x!r}"
        )
    return float(x)


def is_number(text: str) -> bool:
    """Whether ``float(text)`` reads ``text`` (``"2"``, ``"-1e3"``, ``"nan"``).

    Example:
        >>> is_number("-1e3"), is_number("x1")
        (True, False)
    """
    try:
        float(text)
    except ValueError:
        return False
    return True
