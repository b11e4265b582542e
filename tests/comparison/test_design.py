"""Comparison designs are checked when made; trial streams are stable and independent."""

from __future__ import annotations

import pytest

from brainview.comparison import CONTROL, Condition, Lesion, trial_stream
from brainview.errors import ParameterError
from tests.comparison.conftest import DRIVEN, cells, relay_comparison


@pytest.mark.parametrize("change, message", [
    ({"trials": 0}, "at least 2"),
    ({"trials": 1}, "at least 2"),
    ({"duration_ms": 0.0}, "duration must be positive"),
    ({"duration_ms": 0.15}, "whole steps"),
    ({"seed": -1}, "seed"),
])
def test_a_design_that_cannot_run_is_refused_when_made(relay, change, message):
    with pytest.raises(ParameterError, match=message):
        relay_comparison(relay, **{k: v for k, v in change.items() if k in ("trials", "duration_ms", "seed")})


def test_conditions_need_lesions_and_distinct_names(relay):
    a = cells(relay, "A", DRIVEN)
    with pytest.raises(ParameterError, match="no lesion"):
        relay_comparison(relay, conditions=(Condition("empty", ()),))
    with pytest.raises(ParameterError, match="unique"):
        relay_comparison(relay, conditions=(Condition("x", (Lesion(a),)), Condition("x", (Lesion(a),))))
    with pytest.raises(ParameterError, match="unique"):
        relay_comparison(relay, conditions=(Condition(CONTROL, (Lesion(a),)),))
    with pytest.raises(ParameterError, match="not before the end"):
        relay_comparison(relay, conditions=(Condition("late", (Lesion(a, time_ms=200.0),)),))


def test_unknown_model_parameters_are_named(relay):
    comparison = relay_comparison(relay)
    with pytest.raises(ParameterError, match="unknown model parameter 'w_syn'"):
        type(comparison)(relay, comparison.dataset, comparison.stimuli, comparison.readouts,
                         comparison.conditions, params={"w_syn": 1.0})


def test_trial_streams_depend_on_condition_and_trial_only():
    assert trial_stream("control", 0) == trial_stream("control", 0)
    streams = {trial_stream(c, t) for c in ("control", "silence A", "silence C") for t in range(50)}
    assert len(streams) == 150
    assert all(0 <= s < 2**63 for s in streams)


def test_fingerprints_tell_designs_and_lesions_apart(relay):
    base = relay_comparison(relay)
    assert base.fingerprint == relay_comparison(relay).fingerprint
    assert base.fingerprint != relay_comparison(relay, trials=7).fingerprint
    assert base.fingerprint != relay_comparison(relay, seed=1).fingerprint
    a = cells(relay, "A", DRIVEN)
    assert Condition("x", (Lesion(a),)).fingerprint != Condition("x", (Lesion(a, "ablate"),)).fingerprint


def test_readouts_need_distinct_labels(relay):
    comparison = relay_comparison(relay)
    with pytest.raises(ParameterError, match="two readouts are called 'A'"):
        type(comparison)(relay, comparison.dataset, comparison.stimuli, comparison.readouts[:1] * 2,
                         comparison.conditions)
