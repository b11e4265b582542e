"""Model parameters a dataset recommends in its metadata."""

from __future__ import annotations

import pytest

import brainview
from brainview.cli import main
from brainview.errors import ParameterError
from brainview.sim.params import recommended_params


def test_none_recommended():
    assert recommended_params({}) == {} and recommended_params({"recommended_params": " "}) == {}


def test_several_recommended():
    meta = {"recommended_params": "w_syn_mV=0.7, g_gap_per_ms = 0.002"}
    assert recommended_params(meta) == {"w_syn_mV": 0.7, "g_gap_per_ms": 0.002}


@pytest.mark.parametrize(("text", "message"), [
    ("w_syn_mV", "write NAME=VALUE"),
    ("w_syn_mV=fast", "write NAME=VALUE"),
    ("w_syn_mV=inf", "write NAME=VALUE"),
    ("weight=0.3", "unknown model parameter.*weight"),
    ("t_mbr_ms=-1", "t_mbr_ms must be positive"),
])
def test_bad_recommendations_name_the_dataset(text, message):
    with pytest.raises(ParameterError, match=f"worm.h5: recommended_params.*{message}"):
        recommended_params({"recommended_params": text}, "worm.h5")


def test_the_worm_recommends_its_weight_with_the_evidence(capsys):
    worm = brainview.load_default()
    assert recommended_params(worm.meta) == {"w_syn_mV": 0.275}
    assert "Randi et al. (2023)" in worm.meta["recommended_params_note"]
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "recommended model parameters: w_syn_mV 0.275" in out and "bench_worm_atlas.py" in out
