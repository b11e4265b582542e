"""What a finished comparison leaves in its folder: tables, figures and a short text report."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.comparison.design import CONTROL, Comparison
from brainview.comparison.results import slug
from brainview.connectome.io.atomic import atomic_output

RASTERS_SHOWN = 12
"""Rasters drawn at most: the control and the first conditions of the summary (a screen's top ranks)."""

Q_SIGNIFICANT = 0.05


def write_outputs(result) -> list[Path]:
    """Write trials.csv, summary.csv, rates.png, rasters/*.png and report.txt into ``result.out``."""
    from brainview.comparison.plots import plot_raster, plot_rates
    from brainview.comparison.trials import readout_layout

    out = Path(result.out)
    comparison = result.comparison
    written = [_csv(result.rates, out / "trials.csv"), _csv(result.summary, out / "summary.csv")]
    written.append(plot_rates(result.summary, result.rates, CONTROL, out / "rates.png"))
    (out / "rasters").mkdir(exist_ok=True)
    shown = [CONTROL] + list(dict.fromkeys(result.summary["condition"]))[: RASTERS_SHOWN - 1]
    layout = readout_layout(comparison)
    for name in shown:
        condition = result.conditions[name]
        written.append(plot_raster(
            out / "rasters" / f"{slug(name)}.png", f"{name}: trial 0", condition.raster_ms, condition.raster_rows,
            layout, comparison.duration_ms,
        ))
    with atomic_output(out / "report.txt") as temporary:
        temporary.write_text(format_report(result) + "\n", encoding="utf-8")
    written.append(out / "report.txt")
    return written


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    with atomic_output(path) as temporary:
        frame.to_csv(temporary, index=False, float_format="%.6g")
    return path


def describe(comparison: Comparison) -> list[str]:
    """The design in a few lines: dataset, trials, stimuli, readouts, conditions."""
    lines = [
        f"dataset: {comparison.dataset.name or 'embedded'} ({comparison.connectome.n:,} cells), "
        f"{comparison.trials} trials per condition of {comparison.duration_ms:g} ms, dt {comparison.dt_ms:g} ms, "
        f"seed {comparison.seed}"
        + (f", parameters {', '.join(f'{k}={v:g}' for k, v in comparison.params.items())}" if comparison.params else ""),
        "stimuli: " + ("; ".join(d.text for d in comparison.stimuli) or "none"),
        "readouts: " + "; ".join(f"{r.label} ({r.rows.size} cells)" for r in comparison.readouts)
        + (f", counted from {comparison.readout_from_ms:g} ms" if comparison.readout_from_ms else ""),
    ]
    if len(comparison.conditions) <= 20:
        lines += [f"condition {c.name!r}: " + "; ".join(l.text for l in c.lesions) for c in comparison.conditions]
    else:
        lines.append(f"{len(comparison.conditions)} lesion conditions")
    return lines


def format_report(result, rows_shown: int = 30) -> str:
    """The design, the method, and the summary table (a screen's top ``rows_shown`` rows)."""
    summary = result.summary
    n = len(summary)
    significant = int(np.sum(summary["q"] < Q_SIGNIFICANT))
    lines = ["brainview comparison", *describe(result.comparison), ""]
    lines.append(
        "Each lesion condition against the control, per readout: the difference of mean rates "
        "(condition - control) with a 95 % bootstrap confidence interval (BCa; trials resampled "
        "within each condition), Cliff's delta as effect size (-1: every lesioned trial below every "
        "control trial), a two-sided test over trials (the exact permutation test of the difference "
        "of means up to 8 trials against 8, Mann-Whitney U beyond), and Benjamini-Hochberg "
        f"q-values over all {n} comparisons."
    )
    lines.append("")
    table = summary.head(rows_shown)
    header = f"{'readout':<24} {'condition':<28} {'control Hz':>10} {'mean Hz':>9} {'diff Hz [95% CI]':>26} {'delta':>6} {'p':>9} {'q':>9}"
    lines.append(header)
    for row in table.itertuples():
        interval = f"{row.diff_Hz:+.2f} [{row.ci_low_Hz:+.2f}, {row.ci_high_Hz:+.2f}]"
        lines.append(
            f"{_cut(row.readout, 24):<24} {_cut(row.condition, 28):<28} {row.control_mean_Hz:>10.2f} "
            f"{row.mean_Hz:>9.2f} {interval:>26} {row.effect_size:>+6.2f} {row.p:>9.2g} {row.q:>9.2g}"
        )
    if n > rows_shown:
        lines.append(f"... {n - rows_shown} more rows in summary.csv")
    lines += ["", f"significant at q < {Q_SIGNIFICANT}: {significant} of {n} comparisons; "
                  f"ran in {result.wall_s:.1f} s"]
    floor = smallest_p(result.comparison.trials)
    if floor >= Q_SIGNIFICANT:
        lines.append(
            f"note: with {result.comparison.trials} trials per condition the smallest p a comparison can reach is "
            f"{floor:.2g}, so none can be significant; use at least {_trials_for(Q_SIGNIFICANT)} trials"
        )
    return "\n".join(lines)


def smallest_p(trials: int) -> float:
    """The smallest two-sided p of the exact permutation test with ``trials`` against ``trials``
    (every lesioned trial beyond every control trial); 0 where Mann-Whitney's approximation is used."""
    from brainview.comparison.stats import EXACT_RELABELLINGS

    relabellings = math.comb(2 * trials, trials)
    return 2.0 / relabellings if relabellings <= EXACT_RELABELLINGS else 0.0


def _trials_for(level: float) -> int:
    trials = 2
    while smallest_p(trials) >= level:
        trials += 1
    return trials


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "~"
