"""The ``[model.plasticity]`` table of experiment files: a plastic run's rule as plain values.

::

    [model.plasticity]
    pre = "class:Kenyon_Cell"        # selectors of the plastic connections' two ends
    post = "class:MBON"
    modulators = "class:DAN"         # the teachers: their spikes depress what they gate
    tau_e_ms = 200.0                 # optional, as PlasticityRule's defaults
    eta_mV = 0.001
    w_min_mV = 0.0
    w_max_mV = 2.0                   # optional; absent: twice the largest starting weight
    by = "compartment"               # the column the weights are shown summed by

Only rules whose cells are given by selectors and gated as the connectome says can be written:
they are the rules the app's Learning panel and ``brainview condition`` make.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from brainview.errors import ParameterError
from brainview.sim.plasticity import PlasticityRule

KEYS = {"pre", "post", "modulators", "tau_e_ms", "eta_mV", "w_min_mV", "w_max_mV", "by"}
"""The keys the table may hold."""


def plasticity_table(rule: PlasticityRule, by: str) -> dict:
    """The table of ``rule`` (weights shown summed by ``by``).

    Raises
    ------
    ParameterError
        For a rule whose cells are rows rather than selectors, or with an explicit gating.
    """
    ends = {"pre": rule.pre, "post": rule.post, "modulators": rule.modulators}
    if not all(isinstance(value, str) for value in ends.values()) or rule.gating != "connectome":
        raise ParameterError("only a plasticity rule of selectors, gated as the connectome says, can be saved")
    table = {**ends, "tau_e_ms": float(rule.tau_e_ms), "eta_mV": float(rule.eta_mV),
             "w_min_mV": float(rule.w_min_mV), "by": by}
    if rule.w_max_mV is not None:
        table["w_max_mV"] = float(rule.w_max_mV)
    return table


def parse_plasticity(table: object, fail: Callable[[str, str | None], Exception]) -> tuple[PlasticityRule, str]:
    """(rule, by) of a ``[model.plasticity]`` table; ``fail(problem, key)`` makes the error to raise."""
    if not isinstance(table, dict):
        raise fail("model.plasticity must be a table", None)
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise fail(f"unknown key {unknown[0]!r} in [model.plasticity]; the keys there are {', '.join(sorted(KEYS))}",
                   unknown[0])
    values: dict = {}
    for key in ("pre", "post", "modulators"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise fail(f"model.plasticity.{key} must be a selector such as \"class:MBON\", was {table.get(key)!r}",
                       key)
        values[key] = table[key]
    for key in ("tau_e_ms", "eta_mV", "w_min_mV", "w_max_mV"):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise fail(f"model.plasticity.{key} must be a finite number, was {value!r}", key)
            values[key] = float(value)
    by = table.get("by", "cell_type")
    if not isinstance(by, str) or not by:
        raise fail(f"model.plasticity.by must name a column, was {by!r}", "by")
    return PlasticityRule(**values), by
