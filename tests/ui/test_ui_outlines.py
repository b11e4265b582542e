"""Outlines in the app: the worm's body, the FlyWire neuropils of a (fake) installed fafbseg.

The 3D-view tests need OpenGL (Xvfb) and skip without it; the inspector's words do not.
"""

from __future__ import annotations

import numpy as np
import pytest

import brainview
import fake_fafbseg
from brainview.ui.inspector import describe_cell, position_origin
from brainview.ui.outlines import ON_DARK, ON_LIGHT, Outlines, fill_neuropil_menu, is_fly, outline_rgb


def lit_pixels(view) -> int:
    rgb = view.render()[..., :3].astype(int)
    return int(np.count_nonzero(np.abs(rgb - rgb[0, 0]).sum(axis=2) > 6))


@pytest.mark.gl
def test_the_worm_is_drawn_in_its_body_outline_which_the_view_menu_toggles(open_gl_window):
    win = open_gl_window()
    try:
        outlines, view = win.view.outlines, win.view.view
        assert outlines.body is not None and outlines.body_visible  # on by default for the worm
        assert not outlines.neuropils and not outlines.hint.isVisible()
        win.menuBar().actions()[3].menu().aboutToShow.emit()  # the View menu refreshes its entries
        action = win.body_outline_action
        assert action.isEnabled() and action.isChecked()
        with_body = lit_pixels(view)
        assert (view.render()[..., 3] == 255).all()  # a saved picture stays opaque under the outline
        action.setChecked(False)
        assert not outlines.body_visible
        without_body = lit_pixels(view)
        assert with_body > 2 * without_body  # the outline covers far more than the cells alone
        action.setChecked(True)
        assert lit_pixels(view) == with_body
        row = win.session.connectome.index_of("VA6")
        view.set_view("fit", rows=[row])
        assert view.pick(*view.project([row])[0]) == row  # clicks reach the cells through the outline
    finally:
        win.close()


@pytest.mark.gl
def test_fly_neuropils_from_fafbseg_each_toggled(tmp_path, monkeypatch, open_gl_window):
    fake_fafbseg.install(monkeypatch, tmp_path / "site")
    folder = fake_fafbseg.codex_folder(tmp_path / "codex")
    win = open_gl_window(folder)
    try:
        outlines, view = win.view.outlines, win.view.view
        assert sorted(outlines.neuropils) == ["AL_L", "AL_R", "GNG"]
        assert outlines.body is None
        assert outlines.hint.isVisible() and "4 of 7 cells have no measured position" in outlines.hint.text()
        menu = win.neuropil_menu
        fill_neuropil_menu(menu, outlines)
        entries = {a.text(): a for a in menu.actions() if a.text()}
        assert list(entries) == ["Show all", "Hide all", "AL_L", "AL_R", "GNG"]
        assert all(entries[name].isChecked() for name in outlines.neuropils)
        shown = lit_pixels(view)
        entries["GNG"].setChecked(False)
        assert not outlines.neuropil_visible("GNG") and outlines.neuropil_visible("AL_L")
        assert lit_pixels(view) < shown
        entries["Hide all"].trigger()
        assert not any(outlines.neuropil_visible(name) for name in outlines.neuropils)
        fill_neuropil_menu(menu, outlines)
        assert not any(a.isChecked() for a in menu.actions() if a.isCheckable())
        row = int(np.flatnonzero(win.session.connectome.ids == 11)[0])
        win.session.select(row)
        table = {win.inspector.table.item(i, 0).text(): win.inspector.table.item(i, 1).text()
                 for i in range(win.inspector.table.rowCount())}
        assert table["position"] == "placed in AL_L mesh (not measured)"
    finally:
        win.close()


@pytest.mark.gl
def test_without_fafbseg_the_view_says_once_how_to_install_it(tmp_path, monkeypatch, open_gl_window):
    monkeypatch.setattr("brainview.connectome.neuropils.find_neuropil_archive", lambda: None)
    monkeypatch.setattr(Outlines, "hint_shown", False)
    folder = fake_fafbseg.codex_folder(tmp_path / "codex")
    win = open_gl_window(folder)
    try:
        outlines = win.view.outlines
        assert not outlines.neuropils
        assert outlines.hint.isVisible() and "pip install fafbseg" in outlines.hint.text()
        fill_neuropil_menu(win.neuropil_menu, outlines)
        (note,) = win.neuropil_menu.actions()
        assert "pip install fafbseg" in note.text() and not note.isEnabled()
        outlines.set_connectome(win.session.connectome)  # the same dataset again: no second hint
        assert not outlines.hint.isVisible() and "pip install fafbseg" in outlines.unavailable
    finally:
        win.close()


def test_the_inspector_says_where_a_position_comes_from(tmp_path, monkeypatch):
    worm = brainview.load_default()
    assert position_origin(worm, worm.index_of("ALML")) == "measured"
    muscle = int(np.flatnonzero(worm["position_source"].to_strings() == "estimated")[0])
    assert position_origin(worm, muscle) == "estimated (not measured)"
    fake_fafbseg.install(monkeypatch, tmp_path / "site")
    fly = brainview.load(fake_fafbseg.codex_folder(tmp_path / "codex"))
    rows = {int(i): r for r, i in enumerate(fly.ids)}
    described = dict(describe_cell(fly, rows[13]))
    assert described["position"] == "placed in GNG mesh (not measured)"
    assert "position source" not in described  # said once, in words
    assert position_origin(fly, rows[16]) == "placed among its synaptic partners (not measured)"


def test_outlines_stand_out_from_dark_and_light_backgrounds():
    assert outline_rgb((0.035, 0.04, 0.055, 1.0)) == ON_DARK
    assert outline_rgb((0.80, 0.83, 0.88)) == ON_LIGHT


def test_neuropils_go_only_where_cells_are_in_the_flywire_frame(tmp_path, monkeypatch):
    from brainview.connectome.examples.mushroom_body import mushroom_body

    assert not is_fly(brainview.load_default())
    assert not is_fly(mushroom_body())  # a schematic in FlyWire's orientation, not its frame
    monkeypatch.setattr("brainview.connectome.neuropils.find_neuropil_archive", lambda: None)
    laid_out = brainview.load(fake_fafbseg.codex_folder(tmp_path / "codex"))
    assert not is_fly(laid_out)  # a computed layout
    monkeypatch.undo()
    fake_fafbseg.install(monkeypatch, tmp_path / "site")
    assert is_fly(brainview.load(tmp_path / "codex"))  # placed in the FlyWire frame


@pytest.mark.gl
def test_the_outline_follows_a_theme_switch(open_gl_window):
    from brainview.ui.outlines import outline_rgb

    win = open_gl_window()
    try:
        body = win.view.outlines.body
        dark = tuple(body.shared_program["u_color"])[:3]
        win.appearance.set_theme("light")
        light = tuple(body.shared_program["u_color"])[:3]
        assert light != dark
        assert np.allclose(light, outline_rgb(win.view.view.canvas.bgcolor.rgba))
    finally:
        win.close()
