"""The first-run lesson as data: it fits the default dataset and names real cells."""

import numpy as np

import brainview
from brainview.connectome.selectors import resolve
from brainview.ui.lesson import LESSONS, TOUCH_CIRCUIT


def test_touch_lesson_fits_the_default_dataset():
    worm = brainview.load_default()
    assert TOUCH_CIRCUIT.missing_in(worm) == []
    assert set(worm.names[resolve(worm, "ALML,ALMR,AVM")]) == {"ALML", "ALMR", "AVM"}
    assert set(worm.names[resolve(worm, "type:AVA,AVD")]) == {"AVAL", "AVAR", "AVDL", "AVDR"}


def test_touch_lesson_does_not_fit_a_dataset_without_those_cells(tiny):
    missing = TOUCH_CIRCUIT.missing_in(tiny)
    assert "ALML,ALMR,AVM" in missing and "type:AVA,AVD" in missing


def test_lesson_steps_drive_then_lesion():
    steps = TOUCH_CIRCUIT.steps
    assert steps[0].stimuli and steps[0].play
    assert steps[1].lesions == (("type:AVA,AVD", "silence"),)
    assert TOUCH_CIRCUIT in LESSONS


def rates_hz(worm, spikes, selector, duration_ms):
    rows = resolve(worm, selector)
    return np.isin(spikes, rows).sum() / rows.size / (duration_ms / 1000)


def test_what_the_touch_lesson_says_is_what_the_engine_does():
    """The lesson's claims, checked on the engine with the lesson's own parameters."""
    from brainview.sim import ShiuParams, Simulation

    worm = brainview.load_default()
    params = ShiuParams(**dict(TOUCH_CIRCUIT.model))
    quiet = Simulation(worm, params, seed=3)
    quiet.run(duration_ms=300)
    assert quiet.spikes.arrays()[1].size == 0  # silent until driven
    (drive, rate), = TOUCH_CIRCUIT.steps[0].stimuli
    (lesion, mode), = TOUCH_CIRCUIT.steps[1].lesions
    intact = Simulation(worm, params, seed=3)
    intact.stimulate(drive, rate)
    intact.run(duration_ms=1000)
    cells = intact.spikes.arrays()[1]
    assert rates_hz(worm, cells, "type:AVA,AVD", 1000) > 30
    assert rates_hz(worm, cells, "type:VA,DA", 1000) > 10
    lesioned = Simulation(worm, params, seed=3)
    lesioned.stimulate(drive, rate)
    lesioned.lesion(lesion, mode)
    lesioned.run(duration_ms=1000)
    cells = lesioned.spikes.arrays()[1]
    assert rates_hz(worm, cells, "type:AVA,AVD", 1000) == 0
    assert rates_hz(worm, cells, "type:VA,DA", 1000) < 1
    assert rates_hz(worm, cells, drive, 1000) > 100  # the receptors keep firing
