"""Model parameters a dataset recommends: used when it opens, offered in the toolbar with the defaults."""

from __future__ import annotations

import brainview
from brainview.connectome.io import write_native
from brainview.sim import ShiuParams
from brainview.ui.commands import Pacing
from brainview.ui.controls import SimulationControls
from brainview.ui.session import Session, dataset_recommendation


def recommending(text: str):
    worm = brainview.load_default()
    worm.meta.update(recommended_params=text, recommended_params_note="measured in a test")
    return worm


def test_a_new_experiment_starts_from_the_recommendation(qtbot, sent):
    session = Session(recommending("w_syn_mV=0.7"), sent.append)
    assert session.experiment.params == {"w_syn_mV": 0.7}


def test_a_recommendation_that_cannot_be_used_is_reported_and_the_defaults_used(qtbot, sent):
    worm = recommending("w_syn_mV=fast")
    assert Session(worm, sent.append).experiment.params == {}
    recommended, problem = dataset_recommendation(worm)
    assert recommended == {} and "recommended_params" in problem and "C. elegans" in problem


def test_the_toolbar_offers_the_recommendation_and_the_model_defaults(qtbot):
    controls = SimulationControls(Pacing("flat"))
    emitted = []
    controls.modelChanged.connect(emitted.append)
    assert not controls.recommended_action.isEnabled()
    controls.show_recommendation({"w_syn_mV": 0.7}, "measured in a test")
    assert controls.recommended_action.isEnabled() and "w_syn_mV 0.7" in controls.recommended_action.text()
    assert "recommends w_syn_mV 0.7: measured in a test" in controls.w_syn.toolTip()
    controls.recommended_action.trigger()
    controls.defaults_action.trigger()
    assert emitted == [(("w_syn_mV", 0.7),), tuple(ShiuParams().to_dict().items())]
    controls.show_recommendation({})
    assert not controls.recommended_action.isEnabled() and "recommends" not in controls.w_syn.toolTip()


def test_opening_a_dataset_applies_its_recommendation_and_the_defaults_come_back(qtbot, window, tmp_path):
    path = write_native(recommending("w_syn_mV=0.7"), tmp_path / "worm.h5")
    window.open_path(path)
    qtbot.waitUntil(lambda: window.load_job is None and window.engine_ready, timeout=120_000)
    assert window.controls.w_syn.value() == 0.7
    assert window.session.experiment.params == {"w_syn_mV": 0.7}
    window.controls.defaults_action.trigger()
    qtbot.waitUntil(lambda: window.controls.w_syn.value() == ShiuParams().w_syn_mV, timeout=10_000)
    assert window.session.experiment.params["w_syn_mV"] == ShiuParams().w_syn_mV
    window.controls.recommended_action.trigger()
    qtbot.waitUntil(lambda: window.session.experiment.params["w_syn_mV"] == 0.7, timeout=10_000)
