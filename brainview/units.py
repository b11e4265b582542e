"""Numbers with their units, as people type them: ``"500 ms"``, ``"0.5 s"``, ``"150Hz"``.

The command line and :meth:`brainview.sim.Simulation.run` read durations through
:func:`parse_duration_ms`, so that ``--duration 1s`` and ``sim.run("1 s")`` accept the same
spellings. Like :mod:`brainview.errors`, this module imports nothing of brainview's (and nothing
slow), so every layer and the CLI's start-up may use it.
"""

from __future__ import annotations

import math
import re

from brainview.errors import ParameterError

MS_PER_UNIT = {"s": 1000.0, "ms": 1.0, "us": 1e-3, "µs": 1e-3}
"""Milliseconds in one of each time unit a duration may be written in."""

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def parse_duration_ms(text: str, what: str = "duration") -> float:
    """Milliseconds in ``"1s"``, ``"250 ms"``, ``"0.1ms"`` or ``"50us"``.

    Parameters
    ----------
    text : str
        A number followed by one of the units of :data:`MS_PER_UNIT` (blanks allowed).
    what : str
        What the duration is, for the error message ("--dt", "the lesion time").

    Returns
    -------
    float
        The duration in milliseconds (not checked for sign).

    Raises
    ------
    ParameterError
        If ``text`` is not a number with a time unit; the message repeats it.
    """
    match = re.fullmatch(rf"\s*({_NUMBER})\s*(s|ms|us|µs)\s*", text) if isinstance(text, str) else None
    if match is None:
        raise ParameterError(f"{what} {text!r} is not a time: write a number and a unit, e.g. 1s, 250ms, 0.1ms")
    return float(match.group(1)) * MS_PER_UNIT[match.group(2)]


def parse_number(text: str, unit: str, what: str) -> float:
    """A finite number, optionally followed by ``unit`` (``"150"``, ``"150Hz"``, case-insensitive).

    Raises
    ------
    ParameterError
        If ``text`` is not such a number; the message names ``what`` and repeats ``text``.
    """
    match = re.fullmatch(rf"\s*({_NUMBER})\s*(?:{unit})?\s*", text, flags=re.IGNORECASE)
    if match is None or not math.isfinite(float(match.group(1))):
        raise ParameterError(f"{what}: {text!r} is not a number of {unit}")
    return float(match.group(1))
