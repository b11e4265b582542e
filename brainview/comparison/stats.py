"""Statistics of control-versus-lesion experiments over independent trials.

The input is a long table of firing rates, one row per (condition, trial, readout)::

    condition  trial  readout   rate_Hz
    control        0  motor        48.1
    control        1  motor        51.7
    AVA-lesion     0  motor         0.0
    ...

Trials of different conditions are independent samples (each trial is a fresh simulation with
its own seed), so every comparison is a two-sample, unpaired one. :func:`summarise` compares
each condition with the control, readout by readout:

* the difference of the mean rates, with a bootstrap confidence interval (BCa; both samples
  resampled independently);
* Cliff's delta, a rank effect size that does not assume normal rates (silenced cells give
  many ties at 0 Hz);
* a two-sided test over trials: an exact permutation test of the difference of means when the
  trials allow at most :data:`EXACT_RELABELLINGS` relabellings (up to 8 against 8), else the
  Mann-Whitney U test with its tie-corrected normal approximation (which a random-permutation p
  could not replace: its floor, 1 / resamples, would keep a large screen's q-values above 0.05);
* Benjamini-Hochberg q-values over every row of the summary, since a lesion screen makes many
  comparisons at once.

:func:`rank` orders a summary for a screen: the most convincing effects first.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import math
import operator
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from brainview.errors import ParameterError

__all__ = [
    "RATE_COLUMNS",
    "SUMMARY_COLUMNS",
    "benjamini_hochberg",
    "cliffs_delta",
    "rank",
    "summarise",
]

RATE_COLUMNS = ("condition", "trial", "readout", "rate_Hz")
"""The columns :func:`summarise` reads from its long-format input."""

EXACT_RELABELLINGS = 20_000
"""Most relabellings of the trials for which the exact permutation test is used (8 vs 8: 12,870)."""

SUMMARY_COLUMNS = (
    "readout",
    "condition",
    "trials",
    "control_mean_Hz",
    "mean_Hz",
    "diff_Hz",
    "ci_low_Hz",
    "ci_high_Hz",
    "effect_size",
    "p",
    "q",
)
"""The columns of :func:`summarise`'s result, in order."""


def cliffs_delta(x: np.ndarray, y: np.ndarray) -> float:
    """Cliff's delta of ``x`` against ``y``: P(x > y) - P(x < y) over all pairs.

    Parameters
    ----------
    x, y : array_like
        Two non-empty samples (1-D).

    Returns
    -------
    float
        In [-1, 1]: 1 when every value of ``x`` exceeds every value of ``y``, -1 for the
        reverse, 0 when the two are identical.
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.sort(np.asarray(y, dtype=float).ravel())
    if x.size == 0 or y.size == 0:
        raise ParameterError(f"Cliff's delta needs two non-empty samples, got sizes {x.size} and {y.size}")
    # Counting through the sorted y costs O(n log m) rather than the n*m pairwise matrix,
    # which matters for screens with thousands of trials.
    below = np.searchsorted(y, x, side="left").sum()  # pairs with y < x
    above = (y.size - np.searchsorted(y, x, side="right")).sum()  # pairs with y > x
    return float((below - above) / (x.size * y.size))


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values (adjusted p-values) of a 1-D array of p-values.

    A thin wrapper of :func:`scipy.stats.false_discovery_control` that also accepts an empty
    array.
    """
    p = np.asarray(p, dtype=float).ravel()
    if p.size == 0:
        return p.copy()
    if not np.all((p >= 0) & (p <= 1)):
        raise ParameterError(f"p-values must lie in [0, 1], got {p[~((p >= 0) & (p <= 1))][:3].tolist()}")
    return stats.false_discovery_control(p, method="bh")


def summarise(
    rates: pd.DataFrame,
    control: str,
    seed: int = 0,
    confidence: float = 0.95,
    n_resamples: int = 9999,
) -> pd.DataFrame:
    """Compare every condition with the control, readout by readout.

    Parameters
    ----------
    rates : pandas.DataFrame
        Long format with columns ``condition``, ``trial``, ``readout`` and ``rate_Hz``: one row
        per trial, condition and readout. Other columns are ignored.
    control : str
        The condition the others are compared with.
    seed : int
        Seeds the bootstrap. Each (readout, condition) gets its own generator derived from
        ``seed`` and the two names, so a result does not depend on the row order of ``rates``
        or on which other conditions are in it.
    confidence : float
        Confidence level of the interval, in (0, 1).
    n_resamples : int
        Bootstrap resamples per comparison.

    Returns
    -------
    pandas.DataFrame
        Exactly :data:`SUMMARY_COLUMNS`; one row per readout (in order of first appearance) and
        condition other than the control (in order of first appearance). ``trials`` counts the
        condition's trials; ``diff_Hz`` is ``mean_Hz - control_mean_Hz`` and ``ci_low_Hz``,
        ``ci_high_Hz`` bound it; ``effect_size`` is Cliff's delta of the condition against the
        control; ``p`` is the two-sided p-value of the test in the module docstring (1.0 when every value is equal);
        ``q`` the Benjamini-Hochberg q-value over all rows.

    Raises
    ------
    ParameterError
        For missing columns, an unknown control, a duplicated trial, a condition (or control)
        with fewer than 2 trials for a readout, non-finite rates, or bad ``confidence`` /
        ``n_resamples``.
    """
    frame = _validated(rates, control)
    seed = _as_int(seed, "seed")
    n_resamples = _as_int(n_resamples, "n_resamples")
    if n_resamples < 1:
        raise ParameterError(f"n_resamples should be at least 1, was {n_resamples}")
    if not 0.0 < float(confidence) < 1.0:
        raise ParameterError(f"confidence should lie strictly between 0 and 1, was {confidence}")

    readouts = pd.unique(frame["readout"])
    conditions = [c for c in pd.unique(frame["condition"]) if c != control]
    # Sorting by trial fixes the order of each sample, so the bootstrap (which indexes into the
    # samples) and even the floating-point sums do not depend on the input's row order.
    ordered = frame.sort_values("trial", kind="stable")
    samples = {
        key: group.to_numpy(dtype=float)
        for key, group in ordered.groupby(["readout", "condition"], sort=False)["rate_Hz"]
    }

    rows = []
    for readout in readouts:
        y = _sample(samples, readout, control, is_control=True)
        for condition in conditions:
            x = _sample(samples, readout, condition, is_control=False)
            rng = np.random.default_rng(_derived_seed(seed, readout, condition))
            low, high = _difference_interval(x, y, float(confidence), n_resamples, rng)
            rows.append(
                {
                    "readout": readout,
                    "condition": condition,
                    "trials": x.size,
                    "control_mean_Hz": y.mean(),
                    "mean_Hz": x.mean(),
                    "diff_Hz": x.mean() - y.mean(),
                    "ci_low_Hz": low,
                    "ci_high_Hz": high,
                    "effect_size": cliffs_delta(x, y),
                    "p": _p_value(x, y),
                }
            )
    summary = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS[:-1]))
    summary["trials"] = summary["trials"].astype(np.int64)
    for column in SUMMARY_COLUMNS[3:-1]:
        summary[column] = summary[column].astype(float)
    summary["q"] = benjamini_hochberg(summary["p"].to_numpy())
    return summary[list(SUMMARY_COLUMNS)]


def rank(summary: pd.DataFrame) -> pd.DataFrame:
    """A copy of a summary ordered for a lesion screen, with a ``rank`` column (1..n) first.

    Rows are sorted by ``q``, then ``p``, then by descending ``|diff_Hz|`` (so among equally
    significant conditions the larger effect comes first); ties keep their order. Missing
    values sort last. The index is reset.
    """
    missing = [c for c in ("q", "p", "diff_Hz") if c not in summary.columns]
    if missing:
        raise ParameterError(f"a summary to rank needs the columns {missing}; it has {list(summary.columns)}")
    q = summary["q"].to_numpy(dtype=float)
    p = summary["p"].to_numpy(dtype=float)
    size = np.abs(summary["diff_Hz"].to_numpy(dtype=float))
    # np.lexsort is stable and sorts by its last key first; NaN goes to the end.
    order = np.lexsort((-size, p, q))
    ranked = summary.drop(columns=["rank"], errors="ignore").iloc[order].reset_index(drop=True)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1, dtype=np.int64))
    return ranked


def _validated(rates: pd.DataFrame, control: str) -> pd.DataFrame:
    """The four columns of ``rates`` with float rates, after checking what can be wrong."""
    if not isinstance(rates, pd.DataFrame):
        raise ParameterError(f"rates should be a pandas DataFrame, was {type(rates).__name__}")
    missing = [c for c in RATE_COLUMNS if c not in rates.columns]
    if missing:
        raise ParameterError(f"rates lacks the columns {missing}; it has {list(rates.columns)}")
    frame = rates[list(RATE_COLUMNS)].reset_index(drop=True)
    if frame.empty:
        raise ParameterError("rates has no rows")
    for column in ("condition", "trial", "readout"):
        if frame[column].isna().any():
            raise ParameterError(f"rates has missing values in column {column!r} (row {_first(frame[column].isna())})")
    try:
        values = frame["rate_Hz"].to_numpy(dtype=float)
    except (TypeError, ValueError) as error:
        raise ParameterError(f"rate_Hz should hold numbers: {error}") from None
    bad = ~np.isfinite(values)
    if bad.any():
        row = frame.iloc[int(np.flatnonzero(bad)[0])]
        raise ParameterError(
            f"rate_Hz should be finite, was {values[bad][0]} for condition {row['condition']!r}, "
            f"trial {row['trial']}, readout {row['readout']!r} ({int(bad.sum())} such rows)"
        )
    frame["rate_Hz"] = values
    conditions = pd.unique(frame["condition"])
    if control not in conditions:
        raise ParameterError(f"the control {control!r} is not a condition of rates; they are {list(conditions)}")
    duplicated = frame.duplicated(["readout", "condition", "trial"])
    if duplicated.any():
        row = frame.iloc[_first(duplicated)]
        raise ParameterError(
            f"rates has more than one row for condition {row['condition']!r}, trial {row['trial']}, "
            f"readout {row['readout']!r}"
        )
    return frame


def _first(mask: pd.Series) -> int:
    return int(np.flatnonzero(mask.to_numpy())[0])


def _as_int(value: int, name: str) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise ParameterError(f"{name} should be an integer, was {value!r}") from None


def _sample(samples: dict, readout, condition, *, is_control: bool) -> np.ndarray:
    """The rates of one (readout, condition), at least 2 of them."""
    values = samples.get((readout, condition))
    which = "control" if is_control else "condition"
    if values is None:
        raise ParameterError(f"the {which} {condition!r} has no trials for readout {readout!r}")
    if values.size < 2:
        raise ParameterError(
            f"the {which} {condition!r} has {values.size} trial for readout {readout!r}; "
            "a comparison needs at least 2"
        )
    return values


def _derived_seed(seed: int, readout, condition) -> int:
    """A 128-bit seed from the user's seed and the two names, the same in every process.

    ``hash()`` of a string changes between processes (PYTHONHASHSEED), so it cannot be used.
    """
    key = json.dumps([seed, str(readout), str(condition)]).encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:16], "little")


def _mean_difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


@functools.cache
def rng_keyword() -> str:
    """``rng`` from scipy 1.15 on; ``random_state`` before (pyproject allows scipy 1.11)."""
    return "rng" if "rng" in inspect.signature(stats.bootstrap).parameters else "random_state"


def _difference_interval(
    x: np.ndarray, y: np.ndarray, confidence: float, n_resamples: int, rng: np.random.Generator
) -> tuple[float, float]:
    """A bootstrap interval of mean(x) - mean(y), x and y resampled independently."""
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        # Every resample has the same difference; the bootstrap would only warn about it.
        diff = float(x.mean() - y.mean())
        return diff, diff
    with warnings.catch_warnings():
        # BCa's jackknife degenerates for some samples (e.g. one constant and one with a
        # single outlier); scipy then warns and returns NaN, and we fall back below.
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.bootstrap(
            (x, y),
            _mean_difference,
            n_resamples=n_resamples,
            confidence_level=confidence,
            method="BCa",
            vectorized=True,
            **{rng_keyword(): rng},
        )
        low, high = result.confidence_interval
        if not (np.isfinite(low) and np.isfinite(high)):
            # The percentile interval of the same resamples: no new draws needed.
            result = stats.bootstrap(
                (x, y),
                _mean_difference,
                n_resamples=0,
                confidence_level=confidence,
                method="percentile",
                vectorized=True,
                bootstrap_result=result,
                **{rng_keyword(): rng},
            )
            low, high = result.confidence_interval
    return float(low), float(high)


def _p_value(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided p of a difference between x and y; 1.0 when every value of both samples is equal.

    Few trials: the exact permutation test of the difference of means, the statistic the summary
    reports, exact with the many ties of silenced cells (0 Hz), where Mann-Whitney's normal
    approximation is anti-conservative. More trials: Mann-Whitney U, tie-corrected, whose normal
    approximation is good there and whose p is not bounded below by a number of resamples.
    """
    if np.all(x == x[0]) and np.all(y == x[0]):
        return 1.0
    if math.comb(x.size + y.size, x.size) <= EXACT_RELABELLINGS:
        result = stats.permutation_test(
            (x, y), _mean_difference, permutation_type="independent", vectorized=True,
            n_resamples=np.inf, alternative="two-sided",
        )
        return float(result.pvalue)
    return float(stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic").pvalue)
