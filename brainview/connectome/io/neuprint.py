"""neuPrint flat exports (hemibrain, MANC, ...): traced neurons and their total connections.

``traced-neurons.csv``
    ``bodyId`` (int), ``type``, ``instance`` (e.g. "ADL01a_pct(ADL01)_R"). Optional columns used
    when present: a transmitter (``predictedNt``, ``consensusNt``, ``ntType``, ``neurotransmitter``
    or ``nt``), a region (``roi``, ``primaryRoi`` or ``region``), a side (``somaSide`` or ``side``),
    ``class`` and ``superclass``.
``traced-total-connections.csv``
    ``bodyId_pre``, ``bodyId_post``, ``weight`` (synapse count).

Both may be gzip-compressed. Cell names are the instance where it is unique (else
``instance_bodyId``), the side comes from ``somaSide`` or the instance's ``_L``/``_R`` suffix.
Without a transmitter column every neuron's transmitter is ``unknown`` and every connection
excitatory (+1); with one, GABA and glutamate connections are inhibitory, as in the fly.
neuPrint exports carry no soma positions here, so cells are laid out
(:mod:`brainview.connectome.layout`). A ``weight`` must be a whole number from 0 to
:data:`~brainview.connectome.io._columns.MAX_COUNT`.

The export does not say which dataset it holds, so the subsystem rules are chosen by fit: the
shipped ``hemibrain`` and ``manc`` rule sets (keyed on their type names and, for MANC, its
``class`` column) both classify the cells and the one claiming more of them is applied
(:mod:`brainview.connectome.rule_fit`); when neither claims 5 %, the cells get no subsystem and
``meta["subsystem_rules_tried"]`` says what was tried.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from brainview.connectome.categorical import MISSING, Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.io import Progress
from brainview.connectome.io._columns import (
    MAX_COUNT,
    Field,
    first_duplicate_row,
    index_in,
    map_labels,
    readable_names,
)
from brainview.connectome.io._tables import Table, read_table
from brainview.connectome.io._text_files import one_line
from brainview.connectome.io.errors import FormatError
from brainview.connectome.layout import complete_positions
from brainview.connectome.neurotransmitters import FLY_INHIBITORY, canonical_nt
from brainview.connectome.rule_fit import apply_best_fitting
from brainview.connectome.synapses import SynapseCSR

NEURON_FIELDS = (
    Field("bodyId", "int"),
    Field("type", "text", required=False),
    Field("instance", "text", required=False),
    Field("nt", "text", ("predictedNt", "consensusNt", "ntType", "neurotransmitter"), required=False),
    Field("region", "text", ("roi", "primaryRoi"), required=False),
    Field("side", "text", ("somaSide",), required=False),
    Field("class", "text", required=False),
    Field("superclass", "text", ("super_class",), required=False),
)
CONNECTION_FIELDS = (
    Field("bodyId_pre", "int"), Field("bodyId_post", "int"), Field("weight", "int", minimum=0, maximum=MAX_COUNT),
)

SUBSYSTEM_RULES = ("hemibrain", "manc")
"""The shipped rule sets a neuPrint export may fit; the one claiming the most cells is applied."""

_SIDES = {"l": "left", "r": "right", "left": "left", "right": "right", "m": "center", "center": "center"}


def find_files(path: Path) -> tuple[Path, Path]:
    """(traced-neurons, traced-total-connections) for a folder or the connections file."""
    folder = path if path.is_dir() else path.parent
    found = {}
    for stem in ("traced-neurons", "traced-total-connections"):
        for suffix in (".csv", ".csv.gz"):
            if (folder / f"{stem}{suffix}").is_file():
                found[stem] = folder / f"{stem}{suffix}"
                break
    connections = found.get("traced-total-connections") if path.is_dir() else path
    if connections is None:
        raise FormatError(path, "no traced-total-connections.csv(.gz) in this folder")
    if "traced-neurons" not in found:
        raise FormatError(connections, "expected traced-neurons.csv(.gz) beside it (the neuron list)")
    return found["traced-neurons"], connections


def read_neuprint(path: str | os.PathLike, progress: Progress | None = None) -> Connectome:
    """Read a neuPrint export: a folder, or its ``traced-total-connections.csv[.gz]``.

    Raises
    ------
    FormatError
        For a missing file or column, a non-numeric id or weight, a repeated bodyId, or an
        edge to a bodyId that traced-neurons does not list, naming file, line and column.
    """
    path = Path(path)
    report = progress or (lambda fraction, message: None)
    neurons_path, connections_path = find_files(path)
    report(0.0, f"reading {neurons_path.name}")
    neurons = read_table(neurons_path, NEURON_FIELDS)
    report(0.2, f"reading {connections_path.name}")
    connections = read_table(connections_path, CONNECTION_FIELDS)
    report(0.6, "building the synapse table")
    columns = parse_neurons(neurons)
    chemical = parse_connections(connections, columns["id"], columns["nt"], neurons_path.name)
    meta = {
        "name": f"neuPrint ({connections_path.parent.name})",
        "species": "Drosophila melanogaster",
        "source": "neuPrint flat export (traced-neurons + traced-total-connections)",
        "units": "synapse counts",
    }
    report(0.8, "laying out neurons")
    position = complete_positions(None, chemical, None, meta)
    try:
        connectome = Connectome(columns, position, chemical, None, meta)
    except ValueError as error:  # what the data model refuses and the checks above let through
        raise FormatError(neurons_path, f"not a valid connectome: {one_line(str(error))}") from None
    report(0.95, "choosing the subsystem rules")
    connectome = apply_best_fitting(connectome, SUBSYSTEM_RULES)
    report(1.0, "done")
    return connectome


def parse_neurons(neurons: Table) -> dict:
    """Connectome columns from the traced-neurons table, rows in file order."""
    if neurons.n_rows == 0:
        raise FormatError(neurons.path, "no neurons: the file has a header but no rows")
    ids = neurons["bodyId"]
    repeat = first_duplicate_row(ids)
    if repeat is not None:
        raise neurons.error(f"bodyId {ids[repeat]} appears twice", repeat, "bodyId")
    n = ids.size
    empty = Categorical.filled(n)
    instance = neurons.columns.get("instance", empty)
    cell_type = neurons.columns.get("type", empty)
    side = _sides(neurons.columns.get("side", empty), instance)
    base = np.where(instance.codes != MISSING, instance.to_strings(), cell_type.to_strings())
    if "nt" in neurons:
        nt = map_labels(neurons["nt"], canonical_nt)
        nt = Categorical.from_values(np.where(nt.codes == MISSING, "unknown", nt.to_strings()))
    else:
        nt = Categorical.filled(n, "unknown")
    return {
        "id": ids,
        "name": Categorical.from_values(readable_names(base, ids)),
        "kind": Categorical.filled(n, "neuron"),
        "cell_type": cell_type,
        "cell_class": neurons.columns.get("class", empty),
        "super_class": neurons.columns.get("superclass", empty),
        "region": neurons.columns.get("region", empty),
        "side": side,
        "nt": nt,
        "instance": instance,
    }


def _sides(side: Categorical, instance: Categorical) -> Categorical:
    """left/right/center from a side column, else from an instance suffix such as "_R"."""
    from_column = np.array([_SIDES.get(c.strip().lower(), c) for c in side.categories] + [""], dtype=object)
    suffix = np.array(
        [_SIDES.get(c.rsplit("_", 1)[-1].lower(), "") if "_" in c else "" for c in instance.categories] + [""],
        dtype=object,
    )
    labels = np.where(side.codes != MISSING, from_column[side.codes], suffix[instance.codes])
    return Categorical.from_values(labels)


def parse_connections(connections: Table, ids: np.ndarray, nt: Categorical, neurons_name: str) -> SynapseCSR:
    """Connections onto the rows of ``ids``; signs from the presynaptic transmitter ``nt``."""
    ends = [index_in(ids, connections[name]) for name in ("bodyId_pre", "bodyId_post")]
    bad = [(int(np.flatnonzero(e < 0)[0]), name) for e, name in zip(ends, ("bodyId_pre", "bodyId_post")) if (e < 0).any()]
    if bad:
        row, name = min(bad)
        raise connections.error(
            f"edge to an unknown neuron id {connections[name][row]} (not in {neurons_name})", row, name
        )
    inhibitory = np.isin(nt.to_strings(), list(FLY_INHIBITORY))
    sign = np.where(inhibitory[ends[0]], -1, 1).astype(np.int8)
    try:  # weights are at most MAX_COUNT, so no pair's sum overflows: this is the last line of defence
        return SynapseCSR.from_edges(ends[0], ends[1], connections["weight"], ids.size, sign)
    except ValueError as error:
        raise connections.error(f"invalid connections: {one_line(str(error))}", field="weight") from None
