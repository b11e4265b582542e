"""``brainview info [PATH] [--rules NAME|FILE] [--json]``: what a connectome (or a brainview-run file) holds, in counts.

The subsystems are listed with the rule set that made them (``meta["subsystem_rules"]``); a
dataset no rule set fits says so in one line instead of listing nothing.

A brainview-run file (an HDF5 file whose root attribute ``format`` is ``brainview-run``) is
summarised as a run: duration, trials, spikes, the most active cells and groups, the
interventions (:mod:`brainview.experiment.run_summary`).
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from brainview.cli._common import add_rules_option, load_connectome, no_rules_message, visible
from brainview.connectome import Connectome
from brainview.connectome.neuropils import PARTNERS_SOURCE, STRANDED_SOURCE

TOP = 15
"""How many labels of each column the text report lists."""


def add_parser(subparsers, help_text: str) -> None:
    parser = subparsers.add_parser(
        "info", help=help_text, description="Summarise a connectome (the default dataset when PATH is omitted), "
                                            "or a brainview-run file.",
    )
    parser.add_argument("path", nargs="?",
                        help="file or folder to read, or a brainview-run file (default: the embedded C. elegans)")
    add_rules_option(parser)
    parser.add_argument("--json", action="store_true", help="print the full summary as JSON")


def summarise(connectome: Connectome) -> dict:
    """Every count the info command reports, as plain Python values."""
    from brainview.sim.params import recommended_params

    chemical = connectome.chemical
    summary = {
        "name": connectome.meta.get("name", ""),
        "species": connectome.meta.get("species", ""),
        "citation": connectome.meta.get("citation", ""),
        "license": connectome.meta.get("license", ""),
        "positions": connectome.meta.get("positions", "measured"),
        "placement": placement(connectome),
        "subsystem_rules": connectome.meta.get("subsystem_rules") or None,
        "subsystem_rules_tried": connectome.meta.get("subsystem_rules_tried") or None,
        "recommended_params": recommended_params(connectome.meta, connectome.meta.get("name", "the dataset")),
        "recommended_params_note": connectome.meta.get("recommended_params_note", ""),
        "cells": connectome.n,
        "kinds": connectome["kind"].counts(),
        "chemical": {
            "connections": chemical.n_connections,
            "synapses": float(chemical.total_weight),
            "excitatory_connections": int(np.count_nonzero(chemical.sign > 0)),
            "inhibitory_connections": int(np.count_nonzero(chemical.sign < 0)),
            "self_connections": int(np.count_nonzero(chemical.pre == chemical.indices)),
        },
        "gap_junctions": None if connectome.gap is None else {
            "pairs": connectome.gap.n_pairs,
            "weight": connectome.gap.pair_weight,
        },
    }
    for key in ("cell_type", "cell_class", "super_class", "region", "subsystem", "nt", "side"):
        counts = connectome[key].counts()
        summary[key] = {"distinct": len(counts), "labelled": int(sum(counts.values())), "counts": counts}
    return summary


def placement(connectome: Connectome) -> dict | None:
    """How many cells were placed in which neuropil meshes (``position_source``), or None.

    ``{"meshes_from": ..., "in_meshes": cells, "meshes": {neuropil: cells}, "among_partners":
    cells}``; or ``{"note": ...}`` alone when meshes were wanted but missing (no fafbseg).
    """
    note = connectome.meta.get("positions_note", "")
    if "position_source" not in connectome.columns:
        return {"note": note} if note else None
    counts = connectome["position_source"].counts()
    meshes = {label[: -len(" mesh")]: count for label, count in counts.items() if label.endswith(" mesh")}
    if not meshes:
        return {"note": note} if note else None
    return {
        "meshes_from": connectome.meta.get("positions_meshes", ""),
        "in_meshes": int(sum(meshes.values())),
        "meshes": meshes,
        "among_partners": int(counts.get(PARTNERS_SOURCE, 0)),
        "without_neuropil_or_partners": int(counts.get(STRANDED_SOURCE, 0)),
    }


def format_text(summary: dict) -> str:
    """The summary as an aligned, human-readable report."""
    lines = [
        f"{summary['name'] or 'connectome'}" + (f" ({summary['species']})" if summary["species"] else ""),
        f"  cells: {summary['cells']:,}  ({_inline(summary['kinds'])})",
        f"  chemical connections: {summary['chemical']['connections']:,}"
        f"  synapses: {summary['chemical']['synapses']:,.0f}"
        f"  (excitatory {summary['chemical']['excitatory_connections']:,},"
        f" inhibitory {summary['chemical']['inhibitory_connections']:,})",
    ]
    gap = summary["gap_junctions"]
    lines.append(f"  gap junctions: {gap['pairs']:,} pairs, weight {gap['weight']:,.0f}" if gap else "  gap junctions: none")
    lines.append(f"  positions: {summary['positions']}")
    placed = summary.get("placement")
    if placed and "meshes" in placed:
        shown = dict(list(placed["meshes"].items())[:TOP])
        more = f", ... {len(placed['meshes']) - TOP} more" if len(placed["meshes"]) > TOP else ""
        lines.append(f"    placed, not measured: {placed['in_meshes']:,} cells inside {len(placed['meshes'])} neuropil "
                     f"meshes (from {placed['meshes_from']}); {placed['among_partners']:,} among their partners, "
                     f"{placed['without_neuropil_or_partners']:,} around the others (no neuropil, no partners)")
        lines.append(f"    {_inline(shown)}{more}")
    elif placed:
        lines.append(f"    {placed['note']}")
    titles = {
        "cell_type": "cell types", "cell_class": "classes", "super_class": "super classes",
        "region": "regions", "subsystem": "subsystems", "nt": "neurotransmitters", "side": "sides",
    }
    for key, title in titles.items():
        entry = summary[key]
        if key == "subsystem" and summary.get("subsystem_rules"):
            title = f"subsystems (rules: {summary['subsystem_rules']})"
        if not entry["distinct"]:
            if key == "subsystem" and not summary.get("subsystem_rules"):
                lines.append(f"  {no_rules_message(summary.get('subsystem_rules_tried') or '')}")
            continue
        shown = dict(list(entry["counts"].items())[:TOP])
        more = f", ... {entry['distinct'] - TOP} more" if entry["distinct"] > TOP else ""
        lines.append(f"  {title}: {entry['distinct']:,} ({entry['labelled']:,} cells labelled)")
        lines.append(f"    {_inline(shown)}{more}")
    if summary["recommended_params"]:
        shown = ", ".join(f"{name} {value:g}" for name, value in summary["recommended_params"].items())
        lines.append(f"  recommended model parameters: {shown}")
        if summary["recommended_params_note"]:
            lines.append(f"    {summary['recommended_params_note']}")
    if summary["citation"]:
        lines.append(f"  citation: {summary['citation']}")
    if summary["license"]:
        lines.append(f"  license: {summary['license']}")
    return "\n".join(lines)


def _inline(counts: dict) -> str:
    return ", ".join(f"{label} {count:,}" for label, count in counts.items())


def run(args: argparse.Namespace) -> int:
    if args.path and _is_run_file(args.path):
        from brainview.experiment.run_summary import format_run_text, summarise_run
        from brainview.sim.runfile import read_run

        summary = summarise_run(read_run(args.path))
        print(json.dumps(summary, indent=2) if args.json else visible(format_run_text(summary)))
        return 0
    summary = summarise(load_connectome(args.path, rules=args.rules))
    # JSON escapes control characters itself; the text report shows them escaped.
    print(json.dumps(summary, indent=2) if args.json else visible(format_text(summary)))
    return 0


def _is_run_file(path: str) -> bool:
    """A brainview-run file, told by its root attribute (anything unreadable is left to the readers)."""
    from pathlib import Path

    from brainview.connectome.io.errors import FormatError
    from brainview.connectome.io.hdf5 import open_hdf5

    path = Path(path)
    if not path.is_file() or path.suffix.lower() not in (".h5", ".hdf5"):
        return False
    try:
        with open_hdf5(path) as h5, h5.errors():
            return h5.attribute("/", "format", "scalar", default="") == "brainview-run"
    except FormatError:
        return False
