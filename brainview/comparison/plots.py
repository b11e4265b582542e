"""PNG figures of a comparison: the rates of every condition, and spike rasters.

Figures are made with :class:`matplotlib.figure.Figure` and drawn by the Agg canvas directly,
never through ``pyplot``: pyplot keeps global state (a current figure, a backend chosen at
first use) that a library must not touch, and it would fail in a headless worker whose
default backend wants a display.
"""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from brainview.comparison.stats import RATE_COLUMNS, SUMMARY_COLUMNS, rank
from brainview.errors import ParameterError

__all__ = ["DPI", "MAX_CONDITIONS", "format_q", "plot_raster", "plot_rates"]

DPI = 120
"""Resolution of every PNG written here."""

MAX_CONDITIONS = 20
"""At most this many conditions besides the control are drawn per readout (the lowest q)."""

MAX_COLUMNS = 4
"""Panels per row of :func:`plot_rates`."""

SIGNIFICANT_Q = 0.05
"""Conditions with a q-value below this are drawn in the highlight colour."""

_CONTROL_COLOUR = "0.35"
_COLOUR = "tab:blue"
_SIGNIFICANT_COLOUR = "tab:red"
_BANDS = ("#eef2f7", "#ffffff")
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


def format_q(q: float) -> str:
    """A q-value as a short label: ``q=0.12``, ``q=0.003``, ``q<1e-4``."""
    if not np.isfinite(q):
        return "q=n/a"
    if q < 1e-4:
        return "q<1e-4"
    if q < 0.01:
        return f"q={q:.1g}"
    return f"q={q:.2f}"


def plot_rates(
    summary: pd.DataFrame,
    rates: pd.DataFrame,
    control: str,
    path: str | os.PathLike,
    *,
    max_conditions: int = MAX_CONDITIONS,
) -> Path:
    """Draw each readout's rates by condition and write them as a PNG.

    One panel per readout, in a grid of at most :data:`MAX_COLUMNS` columns. Along x, the
    control comes first, then the other conditions; each trial's rate is a dot (with a
    deterministic horizontal jitter), the condition's mean a horizontal bar with its bootstrap
    interval (the difference interval of ``summary`` moved onto the condition's mean), and the
    condition's q-value is written above it.

    Parameters
    ----------
    summary : pandas.DataFrame
        The result of :func:`brainview.comparison.stats.summarise` on ``rates``.
    rates : pandas.DataFrame
        Long-format rates (``condition``, ``trial``, ``readout``, ``rate_Hz``).
    control : str
        The control condition.
    path : str or os.PathLike
        Where the PNG goes (its folder must exist).
    max_conditions : int
        With more conditions than this, each panel shows only the control and the
        ``max_conditions`` with the lowest q for that readout (ranked as
        :func:`~brainview.comparison.stats.rank` does), and the title says so.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    missing = [c for c in SUMMARY_COLUMNS if c not in summary.columns]
    if missing:
        raise ParameterError(f"the summary lacks the columns {missing}")
    missing = [c for c in RATE_COLUMNS if c not in rates.columns]
    if missing:
        raise ParameterError(f"rates lacks the columns {missing}")
    if control not in set(rates["condition"]):
        raise ParameterError(f"the control {control!r} is not a condition of rates")
    if max_conditions < 1:
        raise ParameterError(f"max_conditions should be at least 1, was {max_conditions}")

    readouts = list(pd.unique(summary["readout"])) or list(
        pd.unique(rates.loc[rates["condition"] == control, "readout"])
    )
    n_conditions = summary["condition"].nunique()
    shown = min(n_conditions, max_conditions)
    n_columns = max(1, min(MAX_COLUMNS, len(readouts)))
    n_rows = max(1, math.ceil(len(readouts) / n_columns))
    n_x = 1 + shown
    rotated = n_x > 6
    # Widths grow with the number of conditions so dots and labels keep their spacing.
    panel_w = max(3.2, 0.9 + 0.34 * n_x)
    panel_h = 3.6 + (1.3 if rotated else 0.5)
    figure = Figure(figsize=(n_columns * panel_w, n_rows * panel_h + 0.5), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)

    title = "Mean rate per cell in each trial, by condition" + (f" (control: {control})" if control != "control" else "")
    if n_conditions > shown:
        title += f": the {shown} of {n_conditions} conditions with the lowest q per readout"
    figure.suptitle(f"{title}; red: q < {SIGNIFICANT_Q:g}", fontsize=10)

    for index, readout in enumerate(readouts):
        axes = figure.add_subplot(n_rows, n_columns, index + 1)
        rows = summary[summary["readout"] == readout]
        if len(rows) > shown:
            rows = rank(rows).iloc[:shown]
        _rates_panel(axes, readout, rows, rates[rates["readout"] == readout], control, rotated)

    path = Path(path)
    figure.savefig(path, dpi=DPI, format="png")
    return path


def _rates_panel(axes, readout, rows: pd.DataFrame, rates: pd.DataFrame, control: str, rotated: bool) -> None:
    """One readout: the control at x = 0, the conditions of ``rows`` after it."""
    names = [control, *rows["condition"].tolist()]
    values = [rates.loc[rates["condition"] == name, "rate_Hz"].to_numpy(dtype=float) for name in names]
    top = blended_transform_factory(axes.transData, axes.transAxes)
    for x, sample in enumerate(values):
        if x == 0:
            colour, mean, interval, q = _CONTROL_COLOUR, (sample.mean() if sample.size else np.nan), None, None
        else:
            row = rows.iloc[x - 1]
            q = float(row["q"])
            colour = _SIGNIFICANT_COLOUR if q < SIGNIFICANT_Q else _COLOUR
            mean = float(row["mean_Hz"])
            # The interval of the difference moved onto the mean: the spread that matters is
            # that of the comparison, not of the condition on its own.
            interval = (mean + row["ci_low_Hz"] - row["diff_Hz"], mean + row["ci_high_Hz"] - row["diff_Hz"])
        axes.plot(x + _jitter(sample.size), sample, "o", ms=3.0, color=colour, alpha=0.6, mec="none")
        if np.isfinite(mean):
            axes.hlines(mean, x - 0.32, x + 0.32, color=colour, lw=2.0)
        if interval is not None and np.all(np.isfinite(interval)):
            axes.vlines(x, interval[0], interval[1], color=colour, lw=1.2)
        if q is not None:
            axes.text(
                x, 1.01, format_q(q), transform=top, fontsize=7, color=colour, clip_on=False,
                ha="center", va="bottom", rotation=90 if rotated else 0,
            )
    axes.set_xlim(-0.6, len(names) - 0.4)
    axes.set_xticks(range(len(names)))
    if rotated:
        axes.set_xticklabels(
            [_shortened(n) for n in names], rotation=60, ha="right", rotation_mode="anchor", fontsize=7
        )
    else:
        axes.set_xticklabels([_wrapped(n) for n in names], fontsize=8)
    axes.get_xticklabels()[0].set_fontweight("bold")
    low, high = axes.get_ylim()
    axes.set_ylim(min(0.0, low), high if high > 0 else 1.0)
    axes.set_ylabel("rate (Hz)")
    axes.set_title(str(readout), fontsize=9, pad=46 if rotated else 14)
    axes.grid(axis="y", color="0.9", lw=0.6)
    axes.set_axisbelow(True)


def _jitter(n: int, width: float = 0.44) -> np.ndarray:
    """Horizontal offsets for ``n`` dots: a golden-ratio sequence, evenly spread and the same every run."""
    return ((np.arange(n) * _GOLDEN) % 1.0 - 0.5) * width


def _wrapped(name: object, width: int = 14, lines: int = 3) -> str:
    parts = textwrap.wrap(str(name), width, break_long_words=True) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1] + "…"
    return "\n".join(parts)


def _shortened(name: object, limit: int = 28) -> str:
    """A long name cut in the middle, where two similar names usually differ least."""
    text = str(name)
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


def plot_raster(
    path: str | os.PathLike,
    title: str,
    times_ms: np.ndarray,
    rows: np.ndarray,
    groups: list[tuple[str, int, int]],
    duration_ms: float,
) -> Path:
    """Draw a spike raster and write it as a PNG.

    Parameters
    ----------
    path : str or os.PathLike
        Where the PNG goes (its folder must exist).
    title : str
        The figure's title.
    times_ms, rows : numpy.ndarray
        One entry per spike: its time (ms) and its row (0 is drawn at the top).
    groups : list of (label, start_row, stop_row)
        Bands of rows ``start_row <= row < stop_row``, drawn on alternating light backgrounds
        and labelled on the left (a label that would overlap the one above it is left out).
    duration_ms : float
        The x axis runs from 0 to this.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    times_ms = np.asarray(times_ms, dtype=float).ravel()
    rows = np.asarray(rows).ravel()
    if times_ms.shape != rows.shape:
        raise ParameterError(f"times_ms and rows should have one entry per spike, had {times_ms.size} and {rows.size}")
    if not (np.isfinite(duration_ms) and duration_ms > 0):
        raise ParameterError(f"duration_ms should be a positive number, was {duration_ms}")
    if rows.size and (not np.issubdtype(rows.dtype, np.integer) and not np.all(rows == np.round(rows))):
        raise ParameterError("rows should be whole numbers")
    if rows.size and rows.min() < 0:
        raise ParameterError(f"rows should be at least 0, had {rows.min()}")
    for label, start, stop in groups:
        if not 0 <= start <= stop:
            raise ParameterError(f"group {label!r} should have 0 <= start_row <= stop_row, had {start}, {stop}")

    n_rows = max([1, int(rows.max()) + 1 if rows.size else 0, *(int(stop) for _, _, stop in groups)])
    figure = Figure(figsize=(9.0, 5.0), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for index, (_, start, stop) in enumerate(groups):
        axes.axhspan(start - 0.5, stop - 0.5, color=_BANDS[index % 2], lw=0, zorder=0)
    axes.set_xlim(0.0, float(duration_ms))
    axes.set_ylim(n_rows - 0.5, -0.5)  # row 0 at the top

    # A tick mark about one row tall, but never vanishing (many rows) nor a blob (few rows).
    row_px = 4.0 * DPI / n_rows
    size_pt = float(np.clip(row_px * 72.0 / DPI, 1.0, 6.0))
    axes.plot(times_ms, rows, "|", ms=size_pt, mew=max(0.5, size_pt / 4), color="black", zorder=2)

    centres, labels = _band_labels(groups, n_rows, row_px)
    axes.set_yticks(centres)
    axes.set_yticklabels(labels, fontsize=8)
    axes.tick_params(axis="y", length=0)
    axes.set_xlabel("time (ms)")
    axes.set_title(title, fontsize=10)

    path = Path(path)
    figure.savefig(path, dpi=DPI, format="png")
    return path


def _band_labels(groups, n_rows: int, row_px: float, label_px: float = 11.0) -> tuple[list[float], list[str]]:
    """The centres and labels of the groups, leaving out those closer than a label's height."""
    centres: list[float] = []
    labels: list[str] = []
    for label, start, stop in groups:
        if stop <= start:
            continue
        centre = (start + stop - 1) / 2.0
        if centres and abs(centre - centres[-1]) * row_px < label_px:
            continue
        centres.append(centre)
        labels.append(_shortened(label, 24))
    return centres, labels
