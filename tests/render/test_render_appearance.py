"""Sizes, flags, the moving sample and the default view (no OpenGL needed)."""

from __future__ import annotations

import numpy as np
import pytest

from brainview.render.appearance import as_mask, default_color_field, moving_sample, radii_by, with_flag
from brainview.render.frames import FLY, WORM, default_preset


def test_radii_from_the_column_a_constant_or_numbers(connectome_factory):
    c = connectome_factory(4, radius=np.array([1.0, np.nan, 2.0, -1.0], np.float32))
    assert radii_by(c, "radius").tolist() == [1.0, 1.0, 2.0, 1.0]
    assert radii_by(c, 3.0).tolist() == [3.0] * 4
    by_rate = radii_by(c, np.array([0.0, 1.0, 4.0, np.nan]))
    assert by_rate[0] == pytest.approx(0.5) and by_rate[2] == pytest.approx(2.5)  # median radius 1
    assert by_rate[1] == pytest.approx(0.5 + 2.0 * 0.5) and by_rate[3] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="one number per cell"):
        radii_by(c, "name")
    with pytest.raises(ValueError, match="positive"):
        radii_by(c, 0.0)


def test_flags_from_masks_or_rows():
    flags = with_flag(np.zeros(5, np.uint8), 2, [1, 3])
    assert flags.tolist() == [0, 2, 0, 2, 0]
    flags = with_flag(flags | 1, 2, np.array([True, False, False, False, False]))
    assert flags.tolist() == [3, 1, 1, 1, 1]
    with pytest.raises(ValueError, match="one entry per cell"):
        as_mask(np.ones(4, bool), 5)
    with pytest.raises(ValueError, match=r"rows must lie in \[0, 4\]"):
        as_mask([7], 5)


def test_the_moving_sample_keeps_marked_cells_and_is_fixed():
    marked = np.zeros(1000, bool)
    marked[[5, 999]] = True
    sample = moving_sample(marked, 100)
    assert sample.size == 100 and {5, 999} <= set(sample.tolist())
    assert np.array_equal(sample, moving_sample(marked, 100))
    assert moving_sample(marked, 1000) is None


def test_default_colour_field_and_view(worm, connectome_factory):
    assert default_color_field(worm) == "subsystem"
    assert default_color_field(connectome_factory(3)) == "nt"
    assert default_preset(WORM, worm.position) == "side"
    brain = np.random.default_rng(0).normal(size=(500, 3)) * [300.0, 150.0, 100.0]
    assert default_preset(FLY, brain) == "front"
    assert default_preset(FLY, np.zeros((0, 3))) == "front"
