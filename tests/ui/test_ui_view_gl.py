"""The app's 3D view under a real OpenGL context (Xvfb): it marks lesions, selection, hiding.

Skipped where no OpenGL context can be created (no display, Qt's offscreen platform).
"""

import numpy as np
import pytest


pytestmark = pytest.mark.gl
pytest.importorskip("brainview.sim")
pytest.importorskip("brainview.render")


def test_the_view_marks_lesions_selection_and_hidden_cells(qtbot, gl_window):
    from brainview.render import FLAG_HIDDEN, FLAG_LESIONED, FLAG_SELECTED

    window = gl_window
    view = window.view.view
    session = window.session
    worm = session.connectome
    ava = session.tree.leaf_of(worm.index_of("AVAL"))
    window.browser.set_lesion(ava.key, "ablate")
    assert np.all(view.flags()[ava.rows] & FLAG_LESIONED)
    assert np.count_nonzero(view.flags() & FLAG_LESIONED) == ava.count
    session.undo()
    assert not np.any(view.flags() & FLAG_LESIONED)
    session.select(worm.index_of("ALML"))
    assert np.flatnonzero(view.flags() & FLAG_SELECTED).tolist() == [worm.index_of("ALML")]
    session.set_hidden(ava.rows, True)
    assert np.all(view.flags()[ava.rows] & FLAG_HIDDEN)


def test_lesioned_cells_look_different_and_spikes_glow(qtbot, gl_window):
    window = gl_window
    view = window.view.view
    session = window.session
    worm = session.connectome
    row = worm.index_of("AVAL")
    view.set_view("fit", rows=[row])  # close up, so the cell covers many pixels
    x, y = np.round(view.project([row])[0]).astype(int)
    scale = view.canvas.pixel_scale

    def patch():
        image = view.render()[..., :3].astype(float)
        cy, cx = int(y * scale), int(x * scale)
        return image[max(cy - 6, 0):cy + 7, max(cx - 6, 0):cx + 7]

    before = patch()
    session.lesion(session.tree.leaf_of(row).target(), "silence")
    after = patch()
    assert np.abs(after - before).mean() > 5
    uploaded = view.uploaded_bytes
    window.stimuli.selector.setText("ALML,ALMR,AVM")
    window.stimuli.drive_button.click()
    window.controls.play_action.trigger()
    qtbot.waitUntil(lambda: view.uploaded_bytes > uploaded, timeout=20_000)


def test_the_view_is_live_while_playing_and_draws_every_cell_when_paused(qtbot, gl_window):
    from brainview.ui.view3d import LIVE_REST_MS

    window = gl_window
    panel = window.view
    window.stimuli.selector.setText("ALML,ALMR,AVM")
    window.stimuli.drive_button.click()
    window.controls.play_action.trigger()
    qtbot.waitUntil(lambda: panel.view.live, timeout=20_000)
    qtbot.waitUntil(lambda: panel.frame_s > 0, timeout=20_000)  # frames are timed by the window's repaints
    window.controls.play_action.trigger()
    qtbot.waitUntil(lambda: not panel.view.live, timeout=20 * LIVE_REST_MS)


def test_the_view_has_a_native_window_of_its_own_and_shows_in_screenshots(qtbot, gl_window):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtGui import QImage

    window = gl_window
    panel = window.view
    assert panel.testAttribute(Qt.WidgetAttribute.WA_NativeWindow)
    assert panel.internalWinId() not in (0, window.internalWinId())
    canvas = panel.view.native
    corner = canvas.mapTo(window, QPoint(0, 0))
    shot = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    ratio = shot.devicePixelRatio()
    pixels = np.frombuffer(shot.constBits(), np.uint8).reshape(shot.height(), shot.bytesPerLine())
    pixels = pixels[:, :3 * shot.width()].reshape(shot.height(), shot.width(), 3).astype(int)
    top, left = int(corner.y() * ratio), int(corner.x() * ratio)
    shown = pixels[top:top + int(canvas.height() * ratio), left:left + int(canvas.width() * ratio)]
    background = np.round(np.asarray(panel.view.settings.background[:3]) * 255)
    differing = np.count_nonzero(np.abs(shown - background).sum(axis=-1) > 40)
    assert 500 < differing < 0.5 * shown.shape[0] * shown.shape[1]  # the worm's cells on the dark background


def test_the_legend_lists_every_entry_and_wraps_instead_of_cutting(qtbot, gl_window):
    panel = gl_window.view
    text = panel.legend.text()
    for label in ("non-neuronal", "motor", "sensory", "steering", "learning"):
        assert label in text
    assert panel.legend.wordWrap()
    assert panel.legend.heightForWidth(150) > panel.legend.heightForWidth(1500) > 0
    panel.colour_box.setCurrentIndex(panel.colour_box.findText("cell type"))
    types = panel.view.legend()
    assert len(types) > 100 and all(label in panel.legend.text() for label, _ in types)  # none cut
    qtbot.waitUntil(lambda: panel.legend_area.verticalScrollBar().maximum() > 0, timeout=5_000)  # it scrolls
    assert panel.legend_area.height() <= panel.legend_area.maximumHeight()


def test_save_picture_writes_the_view_at_twice_its_size_with_the_legend_and_time(qtbot, gl_window, tmp_path,
                                                                                 monkeypatch):
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QDialog

    from brainview.ui.output_dialog import OutputDialog
    from brainview.ui.picture import PICTURE_SCALE

    window = gl_window
    panel = window.view
    window.stimuli.selector.setText("ALML,ALMR,AVM")
    window.stimuli.drive_button.click()
    window.controls.step_action.trigger()
    qtbot.waitUntil(lambda: panel.clock_ms > 0, timeout=20_000)
    asked = []

    def answer(dialog):  # the user keeps the size proposed and names a file without a suffix
        asked.append((dialog.path_edit.text(), dialog.presets.currentText()))
        dialog.path_edit.setText(str(tmp_path / "shot"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(OutputDialog, "exec", answer)
    action = next(a for a in window.actions() if a.text() == "Save &picture...")
    assert action.shortcut().toString() == "Ctrl+Shift+P"
    action.trigger()
    width, height = panel.view.canvas.size
    assert asked and asked[0][0].endswith(f"_t{panel.clock_ms / 1000:.3f}s.png")
    assert asked[0][1] == f"2 x the view ({2 * width} x {2 * height})"
    written = tmp_path / "shot.png"  # the suffix is added
    image = QImage(str(written))
    # the size chosen is the whole picture's: the view, then the caption strip, inside it
    assert (image.width(), image.height()) == (PICTURE_SCALE * width, PICTURE_SCALE * height)
    assert window.statusBar().currentMessage() == f"Picture saved: {written}"
    assert panel.view.canvas.size == (width, height)  # drawn at twice the size, the widget untouched

    monkeypatch.setattr("brainview.ui.output_dialog.ask_output",
                        lambda *args, **kwargs: (tmp_path / "hd.png", (1280, 720), None))
    action.trigger()
    assert QImage(str(tmp_path / "hd.png")).size().toTuple() == (1280, 720)

    monkeypatch.setattr("brainview.ui.output_dialog.ask_output",
                        lambda *args, **kwargs: (tmp_path / "no-such-folder" / "x.png", (320, 200), None))
    action.trigger()
    assert window.error_box is not None and "no-such-folder/x.png" in window.error_box.text()
