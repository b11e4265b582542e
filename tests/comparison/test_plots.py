"""brainview.comparison.plots: the PNGs exist, have a sensible size, and show what they should."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from brainview.comparison.plots import DPI, format_q, plot_raster, plot_rates
from brainview.comparison.stats import rank, summarise
from brainview.errors import ParameterError


def rates_frame(conditions: list[str], readouts: list[str], trials: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [
        (condition, trial, readout, max(0.0, rng.normal(50.0 - 0.8 * index, 5.0)))
        for index, condition in enumerate(conditions)
        for trial in range(trials)
        for readout in readouts
    ]
    return pd.DataFrame(rows, columns=["condition", "trial", "readout", "rate_Hz"])


def image(path) -> np.ndarray:
    pixels = imread(path)
    assert pixels.ndim == 3 and pixels.shape[2] in (3, 4)
    return pixels[..., :3]


def assert_not_blank(pixels: np.ndarray) -> None:
    # A drawn figure has dark ink (axes, text, dots) on a light background.
    assert pixels.min() < 0.3 and pixels.max() > 0.9
    assert (pixels.mean(axis=2) < 0.5).mean() > 0.002


def test_rates_figure(tmp_path):
    rates = rates_frame(["control", "AVA lesion", "a condition with a rather long name indeed"], ["motor", "sensory"])
    summary = summarise(rates, "control", n_resamples=199)
    path = plot_rates(summary, rates, "control", tmp_path / "rates.png")
    assert path == tmp_path / "rates.png" and path.stat().st_size > 5_000
    pixels = image(path)
    height, width = pixels.shape[:2]
    assert 300 < height < 1500 and 600 < width < 3000  # two panels side by side at 120 dpi
    assert_not_blank(pixels)


def test_rates_figure_shows_the_dots(tmp_path):
    # The same figure with the lesion's rates far away from the control's: its dots move, so
    # the pixels differ; a figure drawing no data would not change.
    low = rates_frame(["control", "lesion"], ["motor"])
    high = low.copy()
    high.loc[high["condition"] == "lesion", "rate_Hz"] += 40.0
    pictures = []
    for name, rates in (("low", low), ("high", high)):
        summary = summarise(rates, "control", n_resamples=199)
        pictures.append(image(plot_rates(summary, rates, "control", tmp_path / f"{name}.png")))
    assert pictures[0].shape == pictures[1].shape
    assert np.abs(pictures[0] - pictures[1]).max() > 0.5


def test_a_screen_of_fifty_conditions_shows_the_twenty_best(tmp_path):
    conditions = ["control", *(f"silence cell type number {i:02d} of the screen" for i in range(50))]
    rates = rates_frame(conditions, ["motor", "sensory", "inter", "pharynx", "head"], trials=4)
    summary = rank(summarise(rates, "control", n_resamples=99))
    path = plot_rates(summary, rates, "control", tmp_path / "screen.png")
    pixels = image(path)
    height, width = pixels.shape[:2]
    # 4 columns of 21 conditions, 2 rows: wide but bounded.
    assert 600 < height < 2500 and 2000 < width < 6000
    assert_not_blank(pixels)


def test_q_labels():
    assert format_q(0.1234) == "q=0.12"
    assert format_q(0.0031) == "q=0.003"
    assert format_q(0.00002) == "q<1e-4"
    assert format_q(float("nan")) == "q=n/a"


def test_bad_plot_input_says_what_is_wrong(tmp_path):
    rates = rates_frame(["control", "lesion"], ["motor"])
    summary = summarise(rates, "control", n_resamples=99)
    with pytest.raises(ParameterError, match="summary lacks the columns"):
        plot_rates(summary.drop(columns=["q"]), rates, "control", tmp_path / "x.png")
    with pytest.raises(ParameterError, match="control 'sham'"):
        plot_rates(summary, rates, "sham", tmp_path / "x.png")
    with pytest.raises(ParameterError, match="one entry per spike"):
        plot_raster(tmp_path / "r.png", "t", np.zeros(3), np.zeros(2, int), [], 100.0)
    with pytest.raises(ParameterError, match="duration_ms"):
        plot_raster(tmp_path / "r.png", "t", np.zeros(0), np.zeros(0, int), [], 0.0)


GROUPS = [("sensory", 0, 20), ("inter", 20, 50), ("motor", 50, 80)]


def test_raster_with_and_without_spikes(tmp_path):
    rng = np.random.default_rng(1)
    times_ms = rng.uniform(0, 1000, 4000)
    rows = rng.integers(0, 80, 4000)
    full = plot_raster(tmp_path / "full.png", "trial 0", times_ms, rows, GROUPS, 1000.0)
    empty = plot_raster(tmp_path / "empty.png", "trial 0", np.array([]), np.array([], dtype=int), GROUPS, 1000.0)
    spikes, axes_only = image(full), image(empty)
    assert spikes.shape == axes_only.shape
    height, width = spikes.shape[:2]
    assert 0.8 * 5 * DPI < height < 1.2 * 5 * DPI and 0.8 * 9 * DPI < width < 1.2 * 9 * DPI
    assert_not_blank(axes_only)  # axes, labels and the title are still drawn
    dark_full = spikes.mean(axis=2) < 0.4
    dark_empty = axes_only.mean(axis=2) < 0.4
    assert dark_full.sum() > dark_empty.sum() + 2000  # the dots
    # The alternating bands: a vertical line through the plot crosses the light tint and white.
    column = axes_only[:, width // 2]
    tint = np.all(np.abs(column - np.array([0xEE, 0xF2, 0xF7]) / 255) < 0.02, axis=1)
    white = np.all(column > 0.99, axis=1)
    assert tint.sum() > 0.3 * height and white.sum() > 0.2 * height


def test_raster_row_zero_is_at_the_top(tmp_path):
    times_ms = np.linspace(10, 990, 400)
    top = image(plot_raster(tmp_path / "top.png", "t", times_ms, np.zeros(400, int), [("a", 0, 40)], 1000.0))
    bottom = image(plot_raster(tmp_path / "bottom.png", "t", times_ms, np.full(400, 39), [("a", 0, 40)], 1000.0))
    # The image rows where each raster has ink the other lacks: row 0's spikes lie above row 39's.
    only_top = np.flatnonzero((top.mean(axis=2) < bottom.mean(axis=2) - 0.3).any(axis=1))
    only_bottom = np.flatnonzero((bottom.mean(axis=2) < top.mean(axis=2) - 0.3).any(axis=1))
    assert only_top.size and only_bottom.size
    assert only_top.max() < only_bottom.min()


def test_plots_leave_pyplot_and_the_backend_alone(tmp_path):
    # matplotlib.get_backend() itself imports pyplot, so read the raw setting instead.
    code = (
        "import sys, matplotlib, numpy as np;"
        "raw = lambda: dict.__getitem__(matplotlib.rcParams, 'backend'); before = raw();"
        "from brainview.comparison.plots import plot_raster;"
        f"plot_raster({str(tmp_path / 'r.png')!r}, 't', np.array([1.0]), np.array([0]), [], 10.0);"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported';"
        "assert raw() == before, (before, raw())"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
