"""The worker protocol without Qt: commands validate, the pacer follows the wall clock."""

import numpy as np
import pytest

from brainview.ui.commands import ApplyLesion, ApplyStimulus, Pacer, Pacing, Step


def test_commands_reject_bad_values_and_repeat_them():
    with pytest.raises(ValueError, match="0 ms"):
        Step(0)
    with pytest.raises(ValueError, match="'burn'"):
        ApplyLesion("k", "x", np.array([1]), "burn")
    with pytest.raises(ValueError, match="-5"):
        ApplyStimulus("k", "x", np.array([1]), -5)
    with pytest.raises(ValueError, match="'warp'"):
        Pacing("warp")
    with pytest.raises(ValueError, match="0.5"):
        Pacing("slow", 0.5)


def test_lesion_rows_are_sorted_unique_and_serials_increase():
    first = ApplyLesion("k", "x", [3, 1, 3])
    second = ApplyLesion("k", "x", [2])
    assert first.rows.tolist() == [1, 3]
    assert second.serial > first.serial


def test_pacing_factors_and_labels():
    assert Pacing("flat").target_factor is None
    assert Pacing("realtime").target_factor == 1.0
    assert Pacing("slow", 10).target_factor == pytest.approx(0.1)
    assert Pacing("slow", 100).label == "100x slower"


def test_flat_out_always_runs_a_full_chunk(fake_clock):
    pacer = Pacer(Pacing("flat"), max_chunk_ms=5.0, clock=fake_clock)
    pacer.restart(0.0)
    assert pacer.next_chunk_ms(123.0) == 5.0
    assert pacer.wait_s(123.0, 0.1) == 0.0


def test_real_time_runs_what_the_wall_clock_allows(fake_clock):
    clock = fake_clock
    pacer = Pacer(Pacing("realtime"), max_chunk_ms=5.0, clock=clock)
    pacer.restart(0.0)
    assert pacer.next_chunk_ms(0.0) == 0.0
    clock.now += 0.002  # 2 ms of wall time: 2 ms of simulated time are due
    assert pacer.next_chunk_ms(0.0) == pytest.approx(2.0)
    assert pacer.next_chunk_ms(2.0) == pytest.approx(0.0)
    assert pacer.wait_s(2.0, 0.1) == pytest.approx(0.0001)
    clock.now += 1.0  # far behind: never more than one chunk at a time
    assert pacer.next_chunk_ms(2.0) == 5.0


def test_slow_pacing_runs_ten_times_slower(fake_clock):
    clock = fake_clock
    pacer = Pacer(Pacing("slow", 10), max_chunk_ms=5.0, clock=clock)
    pacer.restart(50.0)
    clock.now += 0.01
    assert pacer.next_chunk_ms(50.0) == pytest.approx(1.0)
    pacer.set_pacing(Pacing("realtime"), 51.0)
    clock.now += 0.001
    assert pacer.next_chunk_ms(51.0) == pytest.approx(1.0)
