"""Which shipped subsystem rule set fits a dataset whose file does not say what animal it is.

A neuPrint export looks the same for the hemibrain and for the male nerve cord (MANC); only its
type names tell them apart. :func:`best_fitting_rules` classifies the cells with each candidate
rule set and keeps the one whose groups claim the most cells, if it claims enough to be
meaningful. A dataset no candidate fits keeps empty subsystem labels, and its metadata says which
rule sets were tried, so ``brainview info`` and the app can say so instead of drawing grey.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brainview.connectome.connectome import Connectome
from brainview.connectome.subsystems import SubsystemRules, apply_subsystems, classify, rules_for

MINIMUM_SHARE = 0.05
"""The least share of cells a rule set's groups must claim to count as fitting a dataset."""


def claimed_share(connectome: Connectome, rules: SubsystemRules) -> float:
    """The share of ``connectome``'s cells (0 to 1) that one of the groups of ``rules`` claims."""
    if connectome.n == 0:
        return 0.0
    default_code = len(rules.groups)  # classify gives unclaimed cells the default, coded last
    return float(np.count_nonzero(classify(connectome, rules).codes != default_code)) / connectome.n


def best_fitting_rules(
    connectome: Connectome, candidates: Sequence[str], minimum_share: float = MINIMUM_SHARE
) -> tuple[SubsystemRules | None, dict[str, float]]:
    """The shipped rule set among ``candidates`` whose groups claim the most cells.

    Parameters
    ----------
    connectome : Connectome
        The cells to classify.
    candidates : sequence of str
        Names of shipped rule sets (``"hemibrain"``, ``"manc"``), in order of preference on ties.
    minimum_share : float
        The least share of cells (0 to 1) the best set must claim; below it none fits.

    Returns
    -------
    (SubsystemRules or None, dict of str to float)
        The best set (None when none claims ``minimum_share``), and each candidate's share.
    """
    loaded = {name: rules_for(name) for name in candidates}
    shares = {name: claimed_share(connectome, rules) for name, rules in loaded.items()}
    best = max(candidates, key=shares.__getitem__)  # the first of equals
    return (loaded[best] if shares[best] >= minimum_share else None), shares


def apply_best_fitting(connectome: Connectome, candidates: Sequence[str]) -> Connectome:
    """``connectome`` classified with the best-fitting of ``candidates``, or marked as fitting none.

    When one fits, ``meta["subsystem_rules"]`` names it (as :func:`apply_subsystems` records);
    when none does, ``meta["subsystem_rules_tried"]`` lists each candidate with the share of
    cells it would have claimed, for messages such as "no rule set fits".
    """
    rules, shares = best_fitting_rules(connectome, candidates)
    if rules is not None:
        return apply_subsystems(connectome, rules)
    connectome.meta["subsystem_rules_tried"] = ", ".join(f"{name} ({share:.0%})" for name, share in shares.items())
    return connectome
