"""Reader for the Allen mouse mesoscale connectome in long format (Oh et al. 2014).

The table has one row per non-zero entry of the paper's ipsilateral and contralateral
region-by-region matrices: ``source, target, hemisphere, W, PValue``. Injections were made in
the right hemisphere, so ``ipsi`` rows project from a right-hemisphere region to the same side
and ``contra`` rows to the left. Like the paper, we assume the brain is symmetric and mirror
every projection for left-hemisphere sources, so each region appears once per side.

Cells are regions (``kind = "region"``), named ``<acronym>_R`` / ``<acronym>_L``; the
connection weight is ``W`` (normalised connection strength, not a synapse count), all
excitatory because the data say nothing about transmitters. There are no region positions, so
brainview computes a layout and marks it as such.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.connectome import Connectome, SynapseCSR
from brainview.connectome.io import FormatError
from brainview.connectome.layout import complete_positions

COLUMNS = ("source", "target", "hemisphere", "W")
SIDES = ("R", "L")


def parse_oh2014(table: pd.DataFrame, path: Path) -> Connectome:
    """Build the region connectome from the long table (already read from ``path``)."""
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise FormatError(path, f"missing column {missing[0]!r}; found {list(table.columns)}", line=1)
    weight = pd.to_numeric(table["W"], errors="coerce").to_numpy()
    bad = np.flatnonzero(~np.isfinite(weight))
    if bad.size:
        row = int(bad[0])
        raise FormatError(path, f"expected a number, got {table['W'].iloc[row]!r}", line=row + 2, column="W")
    hemisphere = table["hemisphere"].astype(str).to_numpy()
    unknown = np.flatnonzero(~np.isin(hemisphere, ["ipsi", "contra"]))
    if unknown.size:
        row = int(unknown[0])
        raise FormatError(
            path, f"expected 'ipsi' or 'contra', got {hemisphere[row]!r}", line=row + 2, column="hemisphere"
        )
    regions = np.unique(np.concatenate([table["source"].astype(str), table["target"].astype(str)]))
    source = np.searchsorted(regions, table["source"].astype(str).to_numpy())
    target = np.searchsorted(regions, table["target"].astype(str).to_numpy())
    k = regions.size
    crossed = (hemisphere == "contra").astype(np.int64)
    # Row r of side s is cell s * k + r; right sources as measured, left sources mirrored.
    pre = np.concatenate([source, source + k])
    post = np.concatenate([target + crossed * k, target + (1 - crossed) * k])
    count = np.concatenate([weight, weight])
    n = 2 * k
    chemical = SynapseCSR.from_edges(pre, post, count, n, np.ones(pre.size, np.int8))
    meta = {
        "name": "Allen mouse mesoscale connectome (Oh et al. 2014)",
        "species": "Mus musculus",
        "citation": "Oh SW et al. (2014) A mesoscale connectome of the mouse brain. Nature 508:207-214",
        "source": f"oh2014 long table ({path.name})",
        "units": "normalised connection strength W (not synapse counts)",
    }
    position = complete_positions(None, chemical, None, meta)
    side = np.repeat(np.array(["right", "left"], dtype=object), k)
    acronym = np.concatenate([regions, regions]).astype(object)
    columns = {
        "id": np.arange(n, dtype=np.int64),
        "name": acronym + np.repeat(np.array(["_R", "_L"], dtype=object), k),
        "kind": np.full(n, "region", dtype=object),
        "cell_type": acronym,
        "region": acronym,
        "side": side,
        "nt": np.full(n, "unknown", dtype=object),
    }
    return Connectome(columns, position, chemical, None, meta)


def read_oh2014(path: str | os.PathLike, progress=None) -> Connectome:
    """Read ``oh2014_connections_long.csv[.gz]``; see the module docstring for the model."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise FormatError(path, "the file is empty")
    try:
        table = pd.read_csv(path, dtype={"source": str, "target": str, "hemisphere": str})
    except pd.errors.EmptyDataError:
        raise FormatError(path, "the file is empty") from None
    if progress is not None:
        progress(0.5, "building the region connectome")
    connectome = parse_oh2014(table, path)
    if progress is not None:
        progress(1.0, "done")
    return connectome
