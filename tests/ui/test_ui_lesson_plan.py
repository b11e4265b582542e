"""The worm lessons as their files say: they fit the default dataset, name real cells, and what
their texts claim is what the engine does with their own parameters."""

import numpy as np
import pytest

import brainview
from brainview.connectome.selectors import resolve
from brainview.ui.lesson import FIRST_LESSON, shipped_lesson, shipped_lessons

TOUCH = shipped_lesson(FIRST_LESSON)
TAIL = shipped_lesson("celegans-2-posterior-touch")


@pytest.fixture(scope="module")
def worm():
    return brainview.load_default()


def test_the_worm_lessons_fit_the_default_dataset(worm):
    assert TOUCH.missing_in(worm) == [] and TAIL.missing_in(worm) == []
    assert set(worm.names[resolve(worm, "ALML,ALMR,AVM")]) == {"ALML", "ALMR", "AVM"}
    assert set(worm.names[resolve(worm, "type:AVA,AVD")]) == {"AVAL", "AVAR", "AVDL", "AVDR"}
    assert set(worm.names[resolve(worm, "type:PVC")]) == {"PVCL", "PVCR"}


def test_the_touch_lesson_does_not_fit_a_dataset_without_those_cells(tiny):
    missing = TOUCH.missing_in(tiny)
    assert "ALML,ALMR,AVM" in missing and "type:AVA,AVD" in missing


def test_every_shipped_lesson_reads_and_the_steps_drive_then_lesion():
    assert all(entry.lesson is not None for entry in shipped_lessons())
    assert len(shipped_lessons()) >= 5
    steps = TOUCH.steps
    assert steps[0].stimuli and steps[0].play
    assert [(c.selector, c.mode) for c in steps[1].lesions] == [("type:AVA,AVD", "silence")]


def rates_hz(worm, spikes, selector, duration_ms):
    rows = resolve(worm, selector)
    return np.isin(spikes, rows).sum() / rows.size / (duration_ms / 1000)


def run(worm, lesson, stimuli, lesions, seed=3, duration_ms=1000):
    from brainview.sim import ShiuParams, Simulation

    sim = Simulation(worm, ShiuParams(**dict(lesson.model)), seed=seed)
    for selector, rate_hz, _ in stimuli:
        sim.stimulate(selector, rate_hz)
    for selector, mode, _ in lesions:
        sim.lesion(selector, mode)
    sim.run(duration_ms=duration_ms)
    return sim.spikes.arrays()[1]


def test_what_the_touch_lesson_says_is_what_the_engine_does(worm):
    """The lesson's claims, checked on the engine with the lesson's own parameters."""
    assert run(worm, TOUCH, (), (), duration_ms=300).size == 0  # silent until driven
    (drive,) = TOUCH.steps[0].stimuli
    (lesion,) = TOUCH.steps[1].lesions
    cells = run(worm, TOUCH, [drive], ())
    assert rates_hz(worm, cells, "type:AVA,AVD", 1000) > 30
    assert rates_hz(worm, cells, "type:VA,DA", 1000) > 10
    cells = run(worm, TOUCH, [drive], [lesion])
    assert rates_hz(worm, cells, "type:AVA,AVD", 1000) == 0
    assert rates_hz(worm, cells, "type:VA,DA", 1000) < 1
    assert rates_hz(worm, cells, drive.selector, 1000) > 100  # the receptors keep firing


def test_what_the_tail_touch_lesson_says_is_what_the_engine_does(worm):
    (drive,) = TAIL.steps[0].stimuli
    (silence_pvc,) = TAIL.steps[1].lesions
    lift, silence_avb = TAIL.steps[2].lesions
    assert (silence_pvc.selector, silence_pvc.mode, lift.mode, silence_avb.selector) == \
        ("type:PVC", "silence", "lift", "type:AVB")
    for seed in (3, 7):
        intact = run(worm, TAIL, [drive], (), seed=seed)
        assert 70 < rates_hz(worm, intact, "type:PVC", 1000) < 130  # "about a hundred"
        assert 50 < rates_hz(worm, intact, "type:AVB", 1000) < 100  # "about seventy"
        assert 1 < rates_hz(worm, intact, "type:VB,DB", 1000) < 15  # "a few spikes a second"
        assert rates_hz(worm, intact, "type:AVA,AVD", 1000) > 50  # "AVA/AVD fire too"
        no_pvc = run(worm, TAIL, [drive], [silence_pvc], seed=seed)
        assert rates_hz(worm, no_pvc, "type:AVB", 1000) == 0 and rates_hz(worm, no_pvc, "type:VB,DB", 1000) == 0
        ratio = rates_hz(worm, no_pvc, "type:AVA,AVD", 1000) / rates_hz(worm, intact, "type:AVA,AVD", 1000)
        assert 0.1 < ratio < 0.45  # "down to about a quarter"
        assert rates_hz(worm, no_pvc, drive.selector, 1000) > 100
        no_avb = run(worm, TAIL, [drive], [silence_avb], seed=seed)
        assert rates_hz(worm, no_avb, "type:PVC", 1000) > 70 and rates_hz(worm, no_avb, "type:VB,DB", 1000) > 1
