"""What a brainview-run file holds, in counts: for ``brainview info RUN.h5`` and notebooks.

:func:`summarise_run` reduces a :class:`~brainview.sim.runfile.RunRecord` to plain values
(duration, trials, spikes, the most active cells and groups, the interventions);
:func:`format_run_text` lays them out for a terminal.
"""

from __future__ import annotations

import numpy as np

from brainview.sim.runfile import FORMAT, RunRecord

TOP = 10
"""How many cells and groups the summary lists."""


def summarise_run(record: RunRecord, top: int = TOP) -> dict:
    """Every count ``brainview info`` reports for a run, as plain Python values."""
    config = record.config
    trials = int(config["trials"])
    n_steps = int(config["n_steps"])
    dt_ms = _number(config.get("dt_ms"), record.protocol.duration_ms / max(n_steps, 1))
    duration_s = n_steps * dt_ms * 1e-3
    n = int(record.cell_ids.size)
    neuron = record.spikes["neuron"]
    counts = np.bincount(neuron, minlength=n) if n else np.zeros(0, np.int64)
    seconds = duration_s * trials
    rate = (lambda spikes, cells=1: float(spikes) / (cells * seconds) if seconds and cells else 0.0)
    labels = {key: column.to_strings() for key, column in record.cells.items()}
    order = np.argsort(-counts, kind="stable")[: top]
    cells = []
    for row in order[counts[order] > 0]:
        entry = {"row": int(row), "id": int(record.cell_ids[row])}
        entry.update({key: str(values[row]) for key, values in labels.items()})
        entry.update({"spikes": int(counts[row]), "rate_Hz": rate(counts[row])})
        cells.append(entry)
    return {
        "format": FORMAT,
        "dataset": {"name": config.get("dataset_name", ""), "path": config.get("dataset_path", ""),
                    "digest": config.get("dataset_digest", ""), "digest_name": config.get("digest_name", "")},
        "model": config.get("model", ""),
        "duration_ms": duration_s * 1e3,
        "dt_ms": dt_ms,
        "trials": trials,
        "seed": config.get("seed"),
        "cells": n,
        "spikes": int(neuron.size),
        "spikes_per_trial": np.bincount(record.spikes["trial"], minlength=trials).tolist(),
        "active_cells": int(np.count_nonzero(counts)),
        "mean_rate_Hz": rate(neuron.size, n),
        "most_active_cells": cells,
        "most_active_groups": _groups(record, top),
        "subsystems": _by_label(labels.get("subsystem"), counts, rate),
        "probes": int(record.probe_neurons.size),
        "interventions": _interventions(record),
        "wall_s": _number(config.get("wall_s"), 0.0),
    }


def _number(value: object, default: float) -> float:
    """A configuration value as a finite float, else ``default`` (a file may hold anything)."""
    if isinstance(value, int | float | np.number) and not isinstance(value, bool) and np.isfinite(value):
        return float(value)
    return default


def _groups(record: RunRecord, top: int) -> dict:
    """The rate groups (labels of column ``rates_by``) by their mean rate per cell over the run."""
    rates = record.rates_Hz
    if not record.rate_labels or rates.size == 0:
        return {"by": record.protocol.rates_by or "", "groups": []}
    mean = rates.mean(axis=(0, 1))
    order = np.argsort(-mean, kind="stable")[:top]
    return {"by": record.protocol.rates_by or "", "groups": [
        {"label": record.rate_labels[g], "cells": int(record.rate_sizes[g]), "rate_Hz": float(mean[g])}
        for g in order
    ]}


def _by_label(labels: np.ndarray | None, counts: np.ndarray, rate) -> list[dict]:
    if labels is None:
        return []
    out = []
    for label in sorted(set(labels.tolist()) - {""}):
        mine = labels == label
        out.append({"label": label, "cells": int(mine.sum()), "spikes": int(counts[mine].sum()),
                    "rate_Hz": rate(counts[mine].sum(), int(mine.sum()))})
    return sorted(out, key=lambda e: -e["rate_Hz"])


def _interventions(record: RunRecord) -> list[dict]:
    """The logged changes, once each, with the trials that made them."""
    log = record.log
    seen: dict[tuple, dict] = {}
    for k in range(len(log["action"])):
        key = (float(log["time_ms"][k]), log["action"][k], log["target"][k], int(log["cells"][k]), log["detail"][k])
        entry = seen.setdefault(key, {"time_ms": key[0], "action": key[1], "target": key[2], "cells": key[3],
                                      "detail": key[4], "trials": []})
        entry["trials"].append(int(log["trial"][k]))
    return sorted(seen.values(), key=lambda e: (e["time_ms"], e["action"], e["target"]))


def format_run_text(summary: dict) -> str:
    """The summary as a human-readable report."""
    dataset = summary["dataset"]
    trials = summary["trials"]
    lines = [
        f"brainview run of {dataset['name'] or 'a connectome'}"
        + (f" ({dataset['digest_name']} {dataset['digest'][:12]})" if dataset["digest"] else ""),
        f"  {summary['duration_ms']:g} ms x {trials} trial{'s' if trials != 1 else ''}, dt {summary['dt_ms']:g} ms, "
        f"seed {summary['seed']}, {summary['cells']:,} cells",
        f"  spikes: {summary['spikes']:,}  active cells: {summary['active_cells']:,}  "
        f"mean rate: {summary['mean_rate_Hz']:.3g} Hz",
    ]
    if summary["most_active_cells"]:
        lines.append("  most active cells:")
        for cell in summary["most_active_cells"]:
            label = cell.get("name") or f"id {cell['id']}"
            kind = f" ({cell['cell_type']})" if cell.get("cell_type") else ""
            lines.append(f"    {label}{kind}: {cell['spikes']:,} spikes, {cell['rate_Hz']:.3g} Hz")
    groups = summary["most_active_groups"]
    if groups["groups"]:
        lines.append(f"  most active groups (by {groups['by']}):")
        lines.extend(f"    {g['label'] or '(none)'} ({g['cells']:,} cells): {g['rate_Hz']:.3g} Hz"
                     for g in groups["groups"])
    if summary["subsystems"]:
        lines.append("  subsystems: " + ", ".join(f"{s['label']} {s['rate_Hz']:.3g} Hz" for s in summary["subsystems"]))
    if summary["probes"]:
        lines.append(f"  probed cells: {summary['probes']:,}")
    lines.append("  interventions:" if summary["interventions"] else "  interventions: none")
    for entry in summary["interventions"]:
        detail = f" {entry['detail']}" if entry["detail"] else ""
        plural = "s" if len(entry["trials"]) > 1 else ""
        which = "" if len(entry["trials"]) == trials else f" (trial{plural} {', '.join(map(str, entry['trials']))})"
        lines.append(f"    {entry['time_ms']:g} ms  {entry['action']} {entry['target']} ({entry['cells']:,} cells)"
                     f"{detail}{which}")
    return "\n".join(lines)
