"""brainview.comparison.stats against slow references, known effects and its error messages."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import warnings

import numpy as np
from scipy import stats
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brainview.comparison.stats import (
    SUMMARY_COLUMNS,
    benjamini_hochberg,
    cliffs_delta,
    rank,
    summarise,
)
from brainview.errors import ParameterError

# --- slow, obviously correct references --------------------------------------------------


def naive_cliffs_delta(x, y) -> float:
    greater = sum(1 for a in x for b in y if a > b)
    less = sum(1 for a in x for b in y if a < b)
    return (greater - less) / (len(x) * len(y))


def naive_bh(p) -> np.ndarray:
    """The textbook step-up: q_(i) = min over j >= i of m p_(j) / j, at most 1."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p)
    q_sorted = [min(1.0, min(m * p[order[j]] / (j + 1) for j in range(i, m))) for i in range(m)]
    q = np.empty(m)
    q[order] = q_sorted
    return q


def naive_exact_permutation_p(x, y) -> float:
    """Two-sided exact p of mean(x) - mean(y) by enumerating every relabelling of the pooled trials.

    Two-sided as twice the smaller one-sided p (capped at 1), the definition scipy uses.
    """
    pooled = np.concatenate([x, y])
    n, total = len(x), len(x) + len(y)
    observed = np.mean(x) - np.mean(y)
    diffs = []
    for index in itertools.combinations(range(total), n):
        chosen = np.zeros(total, bool)
        chosen[list(index)] = True
        diffs.append(pooled[chosen].mean() - pooled[~chosen].mean())
    diffs = np.array(diffs)
    tolerance = 1e-12 * max(1.0, abs(observed))
    greater = np.mean(diffs >= observed - tolerance)
    less = np.mean(diffs <= observed + tolerance)
    return min(1.0, 2 * min(greater, less))


def long_frame(samples: dict[str, np.ndarray], readout: str = "motor") -> pd.DataFrame:
    rows = [
        (condition, trial, readout, float(value))
        for condition, values in samples.items()
        for trial, value in enumerate(values)
    ]
    return pd.DataFrame(rows, columns=["condition", "trial", "readout", "rate_Hz"])


# --- helpers against the references -------------------------------------------------------

finite = st.floats(-100, 100, allow_nan=False, width=32)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=1, max_size=12), st.lists(finite, min_size=1, max_size=12))
def test_cliffs_delta_matches_the_double_loop(x, y):
    assert cliffs_delta(x, y) == pytest.approx(naive_cliffs_delta(x, y), abs=1e-12)
    assert cliffs_delta(y, x) == pytest.approx(-cliffs_delta(x, y), abs=1e-12)


def test_cliffs_delta_extremes():
    assert cliffs_delta([5, 6], [1, 2, 3]) == 1.0
    assert cliffs_delta([1, 2, 3], [5, 6]) == -1.0
    assert cliffs_delta([1, 2, 2], [1, 2, 2]) == 0.0
    with pytest.raises(ParameterError, match="non-empty"):
        cliffs_delta([], [1.0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30))
def test_benjamini_hochberg_matches_the_step_up_formula(p):
    np.testing.assert_allclose(benjamini_hochberg(p), naive_bh(p), rtol=1e-12, atol=1e-15)


def test_benjamini_hochberg_of_nothing_and_bad_p():
    assert benjamini_hochberg([]).size == 0
    with pytest.raises(ParameterError, match=r"\[0, 1\]"):
        benjamini_hochberg([0.5, 1.5])


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_p_is_the_exact_two_sided_permutation_p(data):
    # With fewer relabellings than resamples the test is exact: it must agree with the full
    # enumeration, which checks two-sidedness and which sample is which (ties included).
    n = data.draw(st.integers(2, 5))
    m = data.draw(st.integers(2, 5))
    values = data.draw(st.lists(st.integers(0, 20), min_size=n + m, max_size=n + m))
    x, y = np.array(values[:n], float), np.array(values[n:], float)
    summary = summarise(long_frame({"control": y, "lesion": x}), "control", n_resamples=999)
    expected = 1.0 if np.ptp(values) == 0 else naive_exact_permutation_p(x, y)
    assert summary["p"].iloc[0] == pytest.approx(expected, rel=1e-9)
    assert summary["effect_size"].iloc[0] == pytest.approx(naive_cliffs_delta(x, y))


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_summary_q_is_bh_over_every_row(n_readouts, n_conditions, seed):
    rng = np.random.default_rng(seed)
    rows = [
        (condition, trial, f"r{r}", rng.normal(50 - 2 * c, 5))
        for c, condition in enumerate(["control", *(f"c{i}" for i in range(n_conditions))])
        for trial in range(6)
        for r in range(n_readouts)
    ]
    rates = pd.DataFrame(rows, columns=["condition", "trial", "readout", "rate_Hz"])
    summary = summarise(rates, "control", n_resamples=99)
    assert len(summary) == n_readouts * n_conditions
    np.testing.assert_allclose(summary["q"], naive_bh(summary["p"]), rtol=1e-12)
    means = rates.groupby(["readout", "condition"])["rate_Hz"].mean()
    for row in summary.itertuples():
        assert row.mean_Hz == pytest.approx(means[row.readout, row.condition])
        assert row.control_mean_Hz == pytest.approx(means[row.readout, "control"])
        assert row.diff_Hz == pytest.approx(row.mean_Hz - row.control_mean_Hz)
        assert row.ci_low_Hz <= row.ci_high_Hz


# --- known effects ------------------------------------------------------------------------


def test_a_silenced_readout_is_a_clear_negative_effect():
    control = np.random.default_rng(3).normal(50, 5, 10)
    rates = long_frame({"control": control, "silenced": np.zeros(10)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing leaks from the bootstrap or the test
        row = summarise(rates, "control").iloc[0]
    assert row["trials"] == 10
    assert row["p"] < 0.001 and row["q"] < 0.05
    assert row["effect_size"] == -1.0
    assert row["diff_Hz"] == pytest.approx(-control.mean())
    assert row["ci_high_Hz"] < 0
    assert row["ci_low_Hz"] < -50 < row["ci_high_Hz"] + 1.0  # around the true difference, -50
    assert row["ci_high_Hz"] - row["ci_low_Hz"] < 12  # about 4 standard errors (5 / sqrt 10)


def test_a_large_sample_interval_has_the_normal_width():
    rng = np.random.default_rng(5)
    rates = long_frame({"control": rng.normal(50, 5, 40), "lesion": rng.normal(40, 5, 40)})
    wide = summarise(rates, "control", confidence=0.95, n_resamples=4999).iloc[0]
    narrow = summarise(rates, "control", confidence=0.5, n_resamples=4999).iloc[0]
    standard_error = np.sqrt(2 * 25 / 40)
    assert wide["ci_high_Hz"] - wide["ci_low_Hz"] == pytest.approx(2 * 1.96 * standard_error, rel=0.2)
    assert narrow["ci_high_Hz"] - narrow["ci_low_Hz"] == pytest.approx(2 * 0.674 * standard_error, rel=0.25)
    assert wide["ci_low_Hz"] < narrow["ci_low_Hz"] < wide["diff_Hz"] < narrow["ci_high_Hz"] < wide["ci_high_Hz"]


def test_a_null_condition_is_rarely_significant_and_the_interval_covers_zero():
    positives = covered = 0
    runs = 200
    for seed in range(runs):
        rng = np.random.default_rng(1000 + seed)
        rates = long_frame({"control": rng.normal(50, 5, 10), "null": rng.normal(50, 5, 10)})
        row = summarise(rates, "control", seed=seed, n_resamples=999).iloc[0]
        positives += row["p"] < 0.05
        covered += row["ci_low_Hz"] <= 0.0 <= row["ci_high_Hz"]
    assert positives / runs <= 0.10
    assert covered / runs >= 0.85


# --- shape, order and reproducibility -----------------------------------------------------


def screen(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [
        (condition, trial, readout, max(0.0, rng.normal(mean, 5)))
        for condition, mean in (("zeta", 30), ("control", 50), ("alpha", 50), ("mid", 45))
        for trial in range(8)
        for readout in ("sensory", "motor", "inter")
    ]
    return pd.DataFrame(rows, columns=["condition", "trial", "readout", "rate_Hz"])


def test_columns_and_row_order_follow_first_appearance():
    summary = summarise(screen(), "control", n_resamples=199)
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert list(summary["readout"]) == ["sensory"] * 3 + ["motor"] * 3 + ["inter"] * 3
    assert list(summary["condition"]) == ["zeta", "alpha", "mid"] * 3
    assert summary["trials"].dtype.kind == "i" and set(summary["trials"]) == {8}
    assert summary.index.tolist() == list(range(9))


def test_the_same_seed_gives_the_same_frame_and_row_order_does_not_matter():
    rates = screen()
    first = summarise(rates, "control", seed=7, n_resamples=199)
    pd.testing.assert_frame_equal(first, summarise(rates, "control", seed=7, n_resamples=199))
    # Shuffled rows change only the order of first appearance, not a single value.
    shuffled = rates.sample(frac=1.0, random_state=11).reset_index(drop=True)
    again = summarise(shuffled, "control", seed=7, n_resamples=199)
    key = ["readout", "condition"]
    pd.testing.assert_frame_equal(
        first.sort_values(key).reset_index(drop=True), again.sort_values(key).reset_index(drop=True)
    )
    # Another seed moves the bootstrap interval, nothing else.
    other = summarise(rates, "control", seed=8, n_resamples=199)
    assert not np.array_equal(other["ci_low_Hz"], first["ci_low_Hz"])
    resampled = ["ci_low_Hz", "ci_high_Hz"]
    pd.testing.assert_frame_equal(other.drop(columns=resampled), first.drop(columns=resampled))


def test_a_comparison_does_not_depend_on_the_other_conditions():
    rates = screen()
    alone = summarise(rates[rates["condition"].isin(["control", "mid"])], "control", n_resamples=199)
    together = summarise(rates, "control", n_resamples=199)
    columns = ["readout", "condition", "diff_Hz", "ci_low_Hz", "ci_high_Hz", "p"]
    mid = together[together["condition"] == "mid"].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone[columns], mid[columns])


def test_the_bootstrap_seed_is_the_same_in_another_process():
    # String hashes differ between processes unless PYTHONHASHSEED is fixed; ours must not.
    code = (
        "import numpy as np, pandas as pd; from brainview.comparison.stats import summarise;"
        "rng = np.random.default_rng(0);"
        "r = pd.DataFrame({'condition': ['c'] * 6 + ['l'] * 6, 'trial': list(range(6)) * 2,"
        " 'readout': 'm', 'rate_Hz': rng.normal(50, 5, 12)});"
        "print(repr(float(summarise(r, 'c', seed=3, n_resamples=199)['ci_low_Hz'].iloc[0])))"
    )
    rng = np.random.default_rng(0)
    rates = pd.DataFrame(
        {
            "condition": ["c"] * 6 + ["l"] * 6,
            "trial": list(range(6)) * 2,
            "readout": "m",
            "rate_Hz": rng.normal(50, 5, 12),
        }
    )
    here = float(summarise(rates, "c", seed=3, n_resamples=199)["ci_low_Hz"].iloc[0])
    hash_seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    there = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
    ).stdout.strip()
    assert there == repr(here)


# --- degenerate samples -------------------------------------------------------------------


def test_constant_samples():
    rates = long_frame({"control": [4.0, 4.0, 4.0], "same": [4.0, 4.0], "silent": [0.0, 0.0, 0.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summary = summarise(rates, "control").set_index("condition")
    same, silent = summary.loc["same"], summary.loc["silent"]
    assert (same["diff_Hz"], same["ci_low_Hz"], same["ci_high_Hz"]) == (0.0, 0.0, 0.0)
    assert same["effect_size"] == 0.0 and same["p"] == 1.0
    assert (silent["diff_Hz"], silent["ci_low_Hz"], silent["ci_high_Hz"]) == (-4.0, -4.0, -4.0)
    assert silent["effect_size"] == -1.0 and 0 < silent["p"] < 1


def test_a_degenerate_bca_interval_falls_back_to_percentile():
    # With a single resample BCa cannot estimate its bias and gives NaN.
    rates = long_frame({"control": [5.0, 6.0, 7.0, 9.0], "lesion": [0.0, 1.0, 2.0, 3.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        row = summarise(rates, "control", n_resamples=1).iloc[0]
    assert np.isfinite(row["ci_low_Hz"]) and row["ci_low_Hz"] == row["ci_high_Hz"]


def test_only_a_control_gives_an_empty_summary():
    summary = summarise(long_frame({"control": [1.0, 2.0]}), "control")
    assert summary.empty and tuple(summary.columns) == SUMMARY_COLUMNS


# --- validation ---------------------------------------------------------------------------


def valid() -> pd.DataFrame:
    return long_frame({"control": [1.0, 2.0, 3.0], "lesion": [0.0, 1.0, 0.5]})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.drop(columns=["trial"]), r"lacks the columns \['trial'\]"),
        (lambda r: r.iloc[:0], "no rows"),
        (
            lambda r: r.assign(rate_Hz=[1.0, np.nan, 3.0, 0.0, 1.0, 0.5]),
            "finite, was nan for condition 'control', trial 1",
        ),
        (lambda r: r.assign(rate_Hz=[1.0, 2.0, np.inf, 0.0, 1.0, 0.5]), "finite, was inf"),
        (lambda r: r.assign(rate_Hz=["a"] * 6), "numbers"),
        (lambda r: r.iloc[:4], "'lesion' has 1 trial for readout 'motor'"),
        (lambda r: r.iloc[[0, 3, 4, 5]], "control 'control' has 1 trial"),
        (lambda r: pd.concat([r, r.iloc[[3]]]), "more than one row for condition 'lesion', trial 0"),
        (
            lambda r: pd.concat([r, r[r.condition == "lesion"].assign(readout="other")]),
            "control 'control' has no trials for readout 'other'",
        ),
        (
            lambda r: pd.concat([r, r[r.condition == "control"].assign(readout="other")]),
            "condition 'lesion' has no trials for readout 'other'",
        ),
        (lambda r: r.assign(condition=["control"] * 3 + [None] * 3), "missing values in column 'condition'"),
    ],
)
def test_bad_rates_say_what_is_wrong(change, message):
    with pytest.raises(ParameterError, match=message):
        summarise(change(valid()), "control")


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(ParameterError, match="control 'sham' is not a condition"):
        summarise(valid(), "sham")
    with pytest.raises(ParameterError, match="confidence"):
        summarise(valid(), "control", confidence=1.0)
    with pytest.raises(ParameterError, match="n_resamples should be at least 1, was 0"):
        summarise(valid(), "control", n_resamples=0)
    with pytest.raises(ParameterError, match="seed should be an integer"):
        summarise(valid(), "control", seed=1.5)
    with pytest.raises(ParameterError, match="DataFrame"):
        summarise(valid().to_dict(), "control")


# --- rank ---------------------------------------------------------------------------------


def test_rank_sorts_by_q_then_p_then_effect_size_and_numbers_the_rows():
    summary = pd.DataFrame(
        {
            "condition": list("abcdef"),
            "diff_Hz": [1.0, -5.0, 2.0, 3.0, -3.0, 9.0],
            "p": [0.01, 0.01, 0.01, 0.001, 0.01, np.nan],
            "q": [0.02, 0.02, 0.02, 0.02, 0.01, np.nan],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    ranked = rank(summary)
    assert list(ranked["condition"]) == ["e", "d", "b", "c", "a", "f"]
    assert list(ranked.columns) == ["rank", "condition", "diff_Hz", "p", "q"]
    assert list(ranked["rank"]) == [1, 2, 3, 4, 5, 6]
    assert list(summary["condition"]) == list("abcdef")  # a copy
    assert list(rank(ranked)["condition"]) == list(ranked["condition"])  # ranking again is harmless


def test_rank_keeps_ties_in_order():
    summary = pd.DataFrame({"condition": list("xyz"), "diff_Hz": [-2.0, 2.0, 2.0], "p": [0.5] * 3, "q": [0.5] * 3})
    assert list(rank(summary)["condition"]) == ["x", "y", "z"]
    with pytest.raises(ParameterError, match="needs the columns"):
        rank(summary.drop(columns=["q"]))


def test_many_trials_use_mann_whitney_and_reach_the_small_p_of_a_clear_effect():
    rng = np.random.default_rng(4)
    control, lesion = rng.normal(50, 5, 20), rng.normal(20, 5, 20)
    summary = summarise(long_frame({"control": control, "lesion": lesion}), "control", n_resamples=199)
    expected = stats.mannwhitneyu(lesion, control, alternative="two-sided", method="asymptotic").pvalue
    assert summary["p"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert summary["p"].iloc[0] < 1e-6  # no floor at 1 / resamples: a large screen's q can pass
