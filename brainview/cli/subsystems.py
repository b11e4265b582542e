"""``brainview subsystems [PATH] [--rules NAME|FILE] [--json] [--plot OUT.png]``: groups and diversity.

Prints the subsystem groups with their cell counts, then the cell-type diversity table of
:func:`brainview.connectome.diversity.region_diversity`: per region its neurons, distinct cell
types, types per 1,000 neurons and dominant subsystem. ``--plot`` draws that table as the
diversity figure: types per 1,000 neurons against neurons, both axes logarithmic, each region
coloured by its dominant subsystem with the rule file's colours.

Figures are made with :class:`matplotlib.figure.Figure` on the Agg canvas, never ``pyplot``.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.cli._common import add_rules_option, load_connectome, no_rules_line, visible
from brainview.connectome.diversity import notable_regions

DPI = 120
"""Resolution of the PNG."""

FALLBACK_COLOURS = (
    "#d62728", "#1f77b4", "#9467bd", "#2ca02c", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
)
"""Colours of subsystems whose rule file cannot be read, in label order."""

NO_SUBSYSTEM_COLOUR = "#9e9e9e"

EPILOG = """\
How the figures are counted:
  region      the first label of the cell's region, split at "." (FlyWire Codex: the neuron's main
              neuropil, the first one listed in the neurons table's "group", so "MB_CA.MB_ML" counts
              as MB_CA; Codex's placeholders NO_CONS and UNASGD are skipped). A region without
              dots (the worm's "head", "ventral cord") is taken whole.
  cell type   the cell_type column (FlyWire Codex: the Codex cell type, the consolidated
              primary_type where there is one). Neurons without a cell type count as neurons but
              add no type.
  neurons     cells of kind "neuron" only (the worm's muscles and glia are left out).
  dominant    the subsystem most of the region's neurons belong to (ties: the first group of the
              rule file).
"""


def add_parser(subparsers, help_text: str) -> None:
    parser = subparsers.add_parser(
        "subsystems", help=help_text, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(
            "List the subsystem groups with their cell counts, and per region the neurons, distinct cell types, "
            "cell types per 1,000 neurons and dominant subsystem (the cell-type diversity figure: steering "
            "regions hold many types of a few cells each, learning regions many copies of a few types).", 79),
    )
    parser.add_argument("path", nargs="?", help="file or folder to read (default: the embedded C. elegans)")
    add_rules_option(parser)
    parser.add_argument("--json", action="store_true", help="print the groups and the per-region table as JSON")
    parser.add_argument("--plot", metavar="OUT.png", help="write the diversity figure as a PNG")
    parser.add_argument("--min-neurons", type=int, default=1, metavar="N",
                        help="leave out regions with fewer than N neurons (default 1: every region)")


def run(args: argparse.Namespace) -> int:
    from brainview.connectome.diversity import region_diversity
    from brainview.errors import ParameterError

    if args.min_neurons < 1:
        raise ParameterError(f"--min-neurons must be at least 1, was {args.min_neurons}")
    if args.plot and Path(args.plot).suffix.lower() != ".png":
        raise ParameterError(f"--plot writes a PNG: the file name must end in .png, got {args.plot!r}")
    connectome = load_connectome(args.path, rules=args.rules)
    table = region_diversity(connectome, min_neurons=args.min_neurons)
    colours = subsystem_colours(connectome, args.rules)
    groups = group_counts(connectome, colours)
    name = connectome.meta.get("name", "") or (Path(args.path).name if args.path else "")
    if args.plot:
        from brainview.connectome.io.atomic_files import writing

        with writing(args.plot):
            plot_diversity(table, colours, args.plot, title=name)
    if args.json:
        print(json.dumps(as_json(name, connectome.meta.get("subsystem_rules") or None, groups, table), indent=2))
    else:
        print(visible(format_text(name, connectome, groups, table)))
    if args.plot and not args.json:
        print(f"wrote {args.plot}")
    return 0


def subsystem_colours(connectome, rules: str | None = None) -> dict[str, str]:
    """``#rrggbb`` per subsystem label: the rule file's colours, else a fixed palette.

    The rule set is ``rules`` (what ``--rules`` named) or the one the dataset records; a data
    file's metadata opens only a shipped rule set or a ``.toml`` file.
    """
    from brainview.connectome.subsystems import RuleFileError, resolve_rules
    from brainview.errors import UnknownNameError

    recorded = rules or connectome.meta.get("subsystem_rules") or ""
    colours: dict[str, str] = {}
    if recorded and (rules or recorded.endswith(".toml") or not any(c in recorded for c in "/\\")):
        try:
            colours = dict(resolve_rules(recorded).colours)
        except (OSError, RuleFileError, UnknownNameError):
            colours = {}
    spare = iter(c for c in FALLBACK_COLOURS if c not in colours.values())
    for label in connectome["subsystem"].categories:
        if label not in colours:
            colours[label] = next(spare, NO_SUBSYSTEM_COLOUR)
    return colours


def group_counts(connectome, colours: dict[str, str]) -> list[dict]:
    """Each subsystem label (in rule-file order where known) with its colour and cell count."""
    counts = connectome["subsystem"].counts()
    order = [label for label in colours if label in counts] + [label for label in counts if label not in colours]
    return [{"label": label, "colour": colours.get(label, NO_SUBSYSTEM_COLOUR), "cells": counts[label]}
            for label in order]


def as_json(name: str, rules: str | None, groups: list[dict], table: pd.DataFrame) -> dict:
    """The JSON document: the dataset, its rules, the groups and one object per region."""
    regions = [
        {
            "region": str(row.region),
            "neurons": int(row.neurons),
            "cell_types": int(row.cell_types),
            "types_per_1000": round(float(row.types_per_1000), 3),
            "dominant_subsystem": str(row.dominant_subsystem),
        }
        for row in table.itertuples(index=False)
    ]
    return {"name": name, "subsystem_rules": rules, "groups": groups, "regions": regions}


def format_text(name: str, connectome, groups: list[dict], table: pd.DataFrame) -> str:
    """The groups and the per-region table as aligned text."""
    rules = connectome.meta.get("subsystem_rules")
    lines = [f"{name or 'connectome'}: {connectome.n:,} cells"]
    missing = no_rules_line(connectome)
    if missing:
        lines.append(f"  {missing}")
    else:
        lines.append(f"subsystems (rules: {rules or 'from the file'}):")
        width = max(len(g["label"]) for g in groups)
        lines.extend(f"  {g['label']:<{width}}  {g['cells']:>9,}" for g in groups)
    if table.empty:
        lines.append("no neuron has a region: no diversity table")
        return "\n".join(lines)
    lines.append("")
    lines.append("cell-type diversity per region (most types per 1,000 neurons first):")
    width = max(6, max(len(r) for r in table["region"]))
    lines.append(f"  {'region':<{width}}  {'neurons':>9}  {'types':>7}  {'per 1,000':>9}  dominant subsystem")
    for row in table.itertuples(index=False):
        lines.append(
            f"  {row.region:<{width}}  {row.neurons:>9,}  {row.cell_types:>7,}  {row.types_per_1000:>9.1f}"
            f"  {row.dominant_subsystem or '-'}"
        )
    return "\n".join(lines)


_OFFSETS = ((5, 3, "left"), (5, -11, "left"), (-5, 3, "right"), (-5, -11, "right"), (0, 8, "center"),
            (0, -16, "center"))
"""Label positions tried around a dot (points right and up, horizontal alignment)."""


def _label_regions(axes, rows: pd.DataFrame, order: list[str]) -> None:
    """Name the regions of ``order`` beside their dots, skipping a name that would overlap a
    dot, the legend or a name already drawn (tried at each of :data:`_OFFSETS` in turn)."""
    from matplotlib.transforms import Bbox

    axes.figure.canvas.draw()  # places the legend ("best") and fixes the transforms
    renderer = axes.figure.canvas.get_renderer()
    where = {row.region: (row.neurons, row.types_per_1000) for row in rows.itertuples(index=False)}
    radius = 3.0 * axes.figure.dpi / 72.0  # a dot's radius in pixels, a little less
    centres = axes.transData.transform(np.array(list(where.values()), float))
    placed = [Bbox.from_extents(x - radius, y - radius, x + radius, y + radius) for x, y in centres]
    legend = axes.get_legend()
    if legend is not None:
        placed.append(legend.get_window_extent(renderer))
    for region in order:
        if region not in where:
            continue
        for dx, dy, align in _OFFSETS:
            text = axes.annotate(region, where[region], xytext=(dx, dy), textcoords="offset points", ha=align,
                                 fontsize=8, zorder=4)
            box = text.get_window_extent(renderer).expanded(1.05, 1.1)
            if not any(box.overlaps(other) for other in placed):
                placed.append(box)
                break
            text.remove()


def plot_diversity(table: pd.DataFrame, colours: dict[str, str], path, title: str = "") -> Path:
    """Write the diversity figure: types per 1,000 neurons against neurons, log-log.

    Regions without a typed neuron (0 types) cannot sit on a log axis and are counted in the
    caption instead. Two dashed lines frame the possible values: one type per neuron (1,000 per
    1,000, the top) and a single type for the whole region (1,000 / neurons, the bottom).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    drawn = table[table["cell_types"] > 0]
    figure = Figure(figsize=(8.0, 6.0), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_xscale("log")
    axes.set_yscale("log")
    if drawn.empty:
        axes.text(0.5, 0.5, "no region has a typed neuron", ha="center", va="center", transform=axes.transAxes)
    else:
        for label in dict.fromkeys(list(colours) + list(drawn["dominant_subsystem"])):
            rows = drawn[drawn["dominant_subsystem"] == label]
            if rows.empty:
                continue
            axes.scatter(rows["neurons"], rows["types_per_1000"], s=46, color=colours.get(label, NO_SUBSYSTEM_COLOUR),
                         edgecolor="black", linewidth=0.5, label=label or "no subsystem", zorder=3)
        lo = max(0.5, float(drawn["neurons"].min()) / 1.6)
        hi = float(drawn["neurons"].max()) * 1.6
        bottom = float(drawn["types_per_1000"].min()) / 3.0
        x = np.geomspace(lo, hi, 50)
        axes.plot(x, np.full_like(x, 1000.0), "--", color="0.55", linewidth=0.8, zorder=1,
                  label="bound: every neuron its own type")
        axes.plot(x, 1000.0 / x, ":", color="0.55", linewidth=0.9, zorder=1, label="bound: one type for the region")
        axes.set_xlim(lo, hi)
        axes.set_ylim(bottom, 2500.0)
        axes.legend(title="dominant subsystem", fontsize=8, title_fontsize=8, loc="best", framealpha=0.9)
        _label_regions(axes, drawn, notable_regions(table))
    axes.set_xlabel("neurons in the region")
    axes.set_ylabel("distinct cell types per 1,000 neurons")
    axes.grid(True, which="major", color="0.92", zorder=0)
    heading = "Cell-type diversity per region" + (f": {title}" if title else "")
    figure.suptitle(heading, fontsize=11)
    left_out = len(table) - len(drawn)
    caption = "Each dot is a region, coloured by the subsystem most of its neurons belong to (brainview subsystems --help)."
    if left_out:
        caption += f" {left_out} region(s) with no typed neuron not drawn."
    axes.set_title(caption, fontsize=7, color="0.35", wrap=True)
    path = Path(path)
    figure.savefig(path, dpi=DPI, format="png")
    return path
