"""Colouring cells by labels, numbers or given colours, with legends (no OpenGL needed)."""

from __future__ import annotations

import numpy as np
import pytest

from brainview.render.colors import (
    MISSING_COLOR, MISSING_LABEL, NEUROTRANSMITTER_COLORS, QUALITATIVE, category_color, color_by, hex_to_rgba,
)


def test_categories_get_colours_largest_first(connectome_factory):
    labels = ["b", "a", "a", "c", "a", "b", ""]
    c = connectome_factory(7, cell_class=labels)
    mapping = color_by(c, "class")  # selector alias for cell_class
    assert mapping.field == "cell_class" and mapping.kind == "categorical"
    assert [label for label, _ in mapping.legend] == ["a", "b", "c", MISSING_LABEL]
    colors = dict(mapping.legend)
    assert colors["a"] == QUALITATIVE[0] and colors["b"] == QUALITATIVE[1]
    for row, label in enumerate(labels):
        assert tuple(mapping.rgba[row]) == pytest.approx(colors[label or MISSING_LABEL])
    assert tuple(mapping.rgba[6]) == pytest.approx(MISSING_COLOR)


def test_many_categories_stay_distinct():
    colors = np.array([category_color(i)[:3] for i in range(200)])
    assert np.all((colors >= 0) & (colors <= 1))
    neighbours = np.linalg.norm(np.diff(colors, axis=0), axis=1)
    assert neighbours.min() > 0.05
    assert len({tuple(np.round(c, 3)) for c in colors}) == 200


def test_neurotransmitters_always_get_their_own_colours(connectome_factory):
    c = connectome_factory(4, nt=["GABA", "ACh", "ACh", "DA"])
    mapping = color_by(c, "neurotransmitter")
    assert dict(mapping.legend) == {nt: NEUROTRANSMITTER_COLORS[nt] for nt in ("ACh", "GABA", "DA")}
    assert tuple(mapping.rgba[0]) == pytest.approx(NEUROTRANSMITTER_COLORS["GABA"])


def test_a_palette_fixes_some_labels_and_the_rest_get_defaults(connectome_factory):
    c = connectome_factory(3, cell_type=["x", "y", "y"])
    mapping = color_by(c, "cell_type", palette={"x": (1.0, 0.0, 0.0)})
    assert tuple(mapping.rgba[0]) == (1.0, 0.0, 0.0, 1.0)
    assert tuple(mapping.rgba[1]) == pytest.approx(QUALITATIVE[0])
    with pytest.raises(ValueError, match="3 or 4 numbers"):
        color_by(c, "cell_type", palette={"x": (2.0, 0.0, 0.0)})


def test_subsystems_use_the_rule_file_colours(worm):
    from brainview.connectome.subsystems import rules_for

    mapping = color_by(worm, "subsystem")
    expected = {label: hex_to_rgba(code) for label, code in rules_for("celegans").colours.items()}
    for label, rgba in mapping.legend:
        assert rgba == pytest.approx(expected[label])


def test_numbers_follow_the_colormap_and_nan_is_missing(connectome_factory):
    from vispy.color import get_colormap

    c = connectome_factory(5)
    rates = np.array([0.0, 10.0, 5.0, np.nan, 20.0])
    mapping = color_by(c, rates, colormap="viridis")
    assert mapping.kind == "numeric"
    expected = get_colormap("viridis").map(np.array([0.0, 0.5, 0.25, 0.0, 1.0], np.float32))
    finite = np.isfinite(rates)
    assert mapping.rgba[finite] == pytest.approx(np.asarray(expected)[finite], abs=1e-6)
    assert tuple(mapping.rgba[3]) == pytest.approx(MISSING_COLOR)
    assert [label for label, _ in mapping.legend] == ["0", "5", "10", "15", "20", MISSING_LABEL]
    clipped = color_by(c, rates, clim=(0.0, 10.0))
    assert clipped.rgba[4] == pytest.approx(clipped.rgba[1])


def test_numeric_columns_labels_and_colours_given_directly(connectome_factory):
    c = connectome_factory(3, radius=np.array([1.0, 2.0, 3.0], np.float32))
    assert color_by(c, "radius").kind == "numeric"
    assert color_by(c, np.array(["p", "q", "p"], dtype=object)).legend[0][0] == "p"
    direct = color_by(c, np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    assert direct.kind == "direct" and direct.legend == ()
    assert direct.rgba[:, 3] == pytest.approx(1.0)


def test_bad_colour_requests_say_what_is_wrong(connectome_factory):
    c = connectome_factory(3)
    with pytest.raises(KeyError, match="no column 'colour' to colour by; columns are"):
        color_by(c, "colour")
    with pytest.raises(ValueError, match=r"one value per cell \(3\)"):
        color_by(c, np.arange(4.0))
