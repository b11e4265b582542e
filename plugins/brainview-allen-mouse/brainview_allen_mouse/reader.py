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

Bad input of any kind (not UTF-8, not CSV, a missing column or region, a ``W`` that is not a
number from 0 to float32's largest, also once repeated rows are summed) raises
:class:`~brainview.connectome.io.FormatError` naming the file and, where it can, the line.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.connectome import Connectome, SynapseCSR
from brainview.connectome.io import FormatError
from brainview.connectome.layout import complete_positions

COLUMNS = ("source", "target", "hemisphere", "W")
SIDES = ("R", "L")
FLOAT32_MAX = float(np.finfo(np.float32).max)


def _shown(value: object, limit: int = 60) -> str:
    """``repr`` of a value for a message, cut to about ``limit`` characters."""
    text = str(value)
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text)} characters)"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:300]


def parse_oh2014(table: pd.DataFrame, path: Path) -> Connectome:
    """Build the region connectome from the long table (already read from ``path``)."""
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        found = ", ".join(_shown(c, 30) for c in list(table.columns)[:12])
        raise FormatError(path, f"missing column {missing[0]!r}; found {found}", line=1)
    text = table["W"].astype(str)
    weight = pd.to_numeric(text.where(text.str.len() < 400, "x"), errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(weight))
    if bad.size:
        row = int(bad[0])
        raise FormatError(path, f"expected a number, got {_shown(table['W'].iloc[row])}", line=row + 2, column="W")
    bad = np.flatnonzero((weight < 0) | (weight > FLOAT32_MAX))
    if bad.size:
        row = int(bad[0])
        raise FormatError(path, f"expected a number from 0 to {FLOAT32_MAX:g}, got {_shown(table['W'].iloc[row])}",
                          line=row + 2, column="W")
    for column in ("source", "target"):
        empty = np.flatnonzero(table[column].astype(str).str.strip() == "")
        if empty.size:
            raise FormatError(path, "expected a region acronym, got an empty value", line=int(empty[0]) + 2, column=column)
    hemisphere = table["hemisphere"].astype(str).to_numpy()
    unknown = np.flatnonzero(~np.isin(hemisphere, ["ipsi", "contra"]))
    if unknown.size:
        row = int(unknown[0])
        raise FormatError(
            path, f"expected 'ipsi' or 'contra', got {_shown(hemisphere[row])}", line=row + 2, column="hemisphere"
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
    try:
        chemical = SynapseCSR.from_edges(pre, post, count, n, np.ones(pre.size, np.int8))
    except ValueError as error:  # repeated rows of one projection whose summed W overflows float32
        running = pd.Series(weight).groupby([source, target, crossed]).cumsum().to_numpy()
        over = np.flatnonzero(running > FLOAT32_MAX)
        line = int(over[0]) + 2 if over.size else None
        raise FormatError(path, f"the W of this projection, summed over its rows, is too large: {_first_line(str(error))}",
                          line=line, column="W") from None
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
    try:
        return Connectome(columns, position, chemical, None, meta)
    except ValueError as error:
        raise FormatError(path, f"not a valid connectome: {_first_line(str(error))}") from None


def read_oh2014(path: str | os.PathLike, progress=None) -> Connectome:
    """Read ``oh2014_connections_long.csv[.gz]``; see the module docstring for the model."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise FormatError(path, "the file is empty")
    try:
        # Every column as text, "" where empty: values are checked (and converted) above.
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise FormatError(path, "the file is empty") from None
    except UnicodeDecodeError:
        raise FormatError(path, "not UTF-8 text", line=_first_line_not_utf8(path)) from None
    except (OSError, EOFError, zlib.error) as error:
        raise FormatError(path, f"cannot read the file: {_first_line(str(error)) or type(error).__name__}") from None
    except (pd.errors.ParserError, ValueError) as error:
        message = _first_line(str(error))
        found = re.search(r"line (\d+)", message)
        raise FormatError(path, f"cannot parse the file as CSV: {message}",
                          line=int(found.group(1)) if found else None) from None
    if progress is not None:
        progress(0.5, "building the region connectome")
    connectome = parse_oh2014(table, path)
    if progress is not None:
        progress(1.0, "done")
    return connectome


def _first_line_not_utf8(path: Path) -> int | None:
    """The 1-based line of the first bytes that are not UTF-8, or None (the error path only)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            for number, line in enumerate(f, 1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return number
    except (OSError, EOFError, zlib.error):
        return None
    return None
