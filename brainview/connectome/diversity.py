"""Cell-type diversity per region: distinct cell types per 1,000 neurons, and what dominates.

The steering subsystem's regions hold many bespoke cell types of a few cells each, learning
regions many copies of a few types (Byrnes 2022; Chen and Macosko 2026). :func:`region_diversity`
puts a number on it for every region of a connectome:

* **region**: the first label of the cell's ``region`` column, split at ``"."``. FlyWire's Codex
  neurons table lists a neuron's main input/output neuropils in its ``group`` (``"MB_CA.MB_ML"``),
  so this is its main neuropil (``"MB_CA"``); a region without dots (the worm's ``"head"``)
  is taken whole. Codex's placeholders :data:`NO_REGION` (no connections, not assigned) are
  skipped, so ``"UNASGD.ME"`` counts as ME and a neuron with only ``"NO_CONS"``, or without a
  region, belongs to none.
* **cell types**: distinct labels of ``cell_type`` (FlyWire: the Codex cell type, the
  consolidated ``primary_type`` where there is one) among the region's neurons. Neurons without
  a cell type count as neurons but add no type, so a region's figure is a lower bound when some
  of its neurons are untyped.
* only cells of kind ``neuron`` are counted (the worm's muscles and glia are not).
* **dominant subsystem**: the ``subsystem`` label most of the region's neurons carry (ties go
  to the label that comes first in the rule file); "" when its cells have none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from brainview.connectome.categorical import MISSING, Categorical
from brainview.connectome.connectome import Connectome

COLUMNS = ("region", "neurons", "cell_types", "types_per_1000", "dominant_subsystem")
"""The columns of :func:`region_diversity`'s table, in order."""

LABELLED = 6
"""How many of the most and of the least diverse regions a figure names (besides every region
the steering or learning subsystem dominates, and the largest ones)."""

NO_REGION = frozenset({"NO_CONS", "UNASGD"})
"""Codex ``group`` labels that name no neuropil: a neuron without connections, or unassigned."""


def main_region(column: Categorical) -> Categorical:
    """The first ``"."``-separated label of each cell's region (``"PRW.SMP"`` -> ``"PRW"``).

    :data:`NO_REGION` placeholders are skipped (``"UNASGD.ME"`` -> ``"ME"``); a label of
    placeholders only, or an empty one, becomes missing.
    """
    firsts = [next((part for part in parts if part not in NO_REGION), "")
              for parts in ([p.strip() for p in label.split(".")] for label in column.categories)]
    return _relabel(column, firsts)


def region_rows(connectome: Connectome, region: str) -> np.ndarray:
    """The rows of the neurons :func:`region_diversity` counts in ``region`` (empty for an unknown one)."""
    main = main_region(connectome["region"])
    if region not in main.categories:
        return np.zeros(0, np.int64)
    keep = connectome["kind"].mask("neuron") & (main.codes == main.categories.index(region))
    return np.flatnonzero(keep).astype(np.int64)


def region_diversity(connectome: Connectome, min_neurons: int = 1) -> pd.DataFrame:
    """Neurons, distinct cell types, types per 1,000 neurons and dominant subsystem per region.

    Parameters
    ----------
    connectome : Connectome
        Any connectome; the ``region``, ``cell_type``, ``kind`` and ``subsystem`` columns are
        used as the module docstring describes.
    min_neurons : int
        Regions with fewer neurons than this are left out (a region of one neuron has 1,000
        types per 1,000 neurons, which says little).

    Returns
    -------
    pandas.DataFrame
        One row per region, columns :data:`COLUMNS`: ``region`` (str), ``neurons`` (int),
        ``cell_types`` (int), ``types_per_1000`` (float, ``1000 * cell_types / neurons``) and
        ``dominant_subsystem`` (str). Sorted by ``types_per_1000``, highest first, then by
        region name. Empty (with these columns) when no neuron has a region.
    """
    neuron = connectome["kind"].mask("neuron")
    region = main_region(connectome["region"])
    keep = neuron & (region.codes != MISSING)
    region_code = region.codes[keep]
    if region_code.size == 0:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in zip(COLUMNS, (str, int, int, float, str))})
    n_regions = len(region.categories)
    neurons = np.bincount(region_code, minlength=n_regions)

    type_code = connectome["cell_type"].codes[keep]
    typed = type_code != MISSING
    pairs = np.unique(np.stack([region_code[typed], type_code[typed]]), axis=1)
    cell_types = np.bincount(pairs[0], minlength=n_regions)

    subsystem = connectome["subsystem"]
    sub_code = subsystem.codes[keep]
    labelled = sub_code != MISSING
    n_subsystems = len(subsystem.categories)
    dominant = [""] * n_regions
    if n_subsystems and labelled.any():
        tally = np.zeros((n_regions, n_subsystems), np.int64)
        np.add.at(tally, (region_code[labelled], sub_code[labelled]), 1)
        best = tally.argmax(axis=1)  # the first of equal counts: rule-file order
        dominant = [subsystem.categories[b] if tally[r, b] else "" for r, b in enumerate(best)]

    table = pd.DataFrame({
        "region": list(region.categories),
        "neurons": neurons.astype(np.int64),
        "cell_types": cell_types.astype(np.int64),
        "types_per_1000": 1000.0 * cell_types / np.maximum(neurons, 1),
        "dominant_subsystem": dominant,
    })
    table = table[table["neurons"] >= max(int(min_neurons), 1)]
    table = table.sort_values(["types_per_1000", "region"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)


def notable_regions(table: pd.DataFrame, count: int = LABELLED) -> list[str]:
    """Regions the figure names, most important first: every region of a small table; else
    those the steering or learning subsystem dominates, the largest, and the most and least
    diverse of at least 30 neurons."""
    drawn = table[table["cell_types"] > 0]
    if len(drawn) <= 15:
        return list(drawn["region"])
    sizable = drawn[drawn["neurons"] >= 30]
    names = list(drawn[drawn["dominant_subsystem"].isin(["steering", "learning"])]["region"])
    names += list(drawn.nlargest(count // 2, "neurons")["region"])
    names += list(sizable.tail(count // 2)["region"]) + list(sizable.head(count // 2)["region"])
    return list(dict.fromkeys(names))


def _relabel(column: Categorical, labels: list[str]) -> Categorical:
    """``column`` with category ``k`` renamed ``labels[k]`` (equal names merged, "" missing)."""
    names = sorted({label for label in labels if label})
    index = {name: code for code, name in enumerate(names)}
    remap = np.array([index.get(label, MISSING) for label in labels] + [MISSING], np.int32)
    return Categorical.from_codes_compact(remap[column.codes], tuple(names))
