"""Fixtures of the app's tests: a Qt platform that works without a display, isolated settings."""

from __future__ import annotations

import os

import pytest

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    # No screen: widgets still work on Qt's offscreen platform (without OpenGL; the 3D view
    # then shows its fallback and GL tests skip).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_app_data():
    """QStandardPaths' test mode: the app's data folder (the last experiment) is not the user's."""
    from PySide6.QtCore import QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    yield
    QStandardPaths.setTestModeEnabled(False)


@pytest.fixture
def app_settings(tmp_path):
    """Settings in a temporary INI file, so tests never touch the user's settings."""
    from brainview.ui.settings import AppSettings

    return AppSettings.at(tmp_path / "brainview.ini")


@pytest.fixture
def sent():
    """A list that collects the commands a session sends, in place of a worker."""
    return []


@pytest.fixture
def worm_session(qtbot, sent):
    """A session on the default dataset whose commands land in ``sent``."""
    import brainview
    from brainview.ui.session import Session

    return Session(brainview.load_default(), sent.append)


class FakeClock:
    """A wall clock (seconds) that moves only when a test sets ``now``; readable from any thread."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def fake_clock():
    """A :class:`FakeClock` to inject where code takes ``clock=time.monotonic``."""
    return FakeClock()


@pytest.fixture
def window(qtbot, tmp_path):
    """The main window on the embedded worm, shown, its engine ready (modules may define their own)."""
    from brainview.ui.app import create_window

    win = create_window(None, tmp_path / "settings.ini")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine_ready, timeout=120_000)
    yield win
    win.close()


@pytest.fixture
def open_gl_window(qtbot, tmp_path):
    """``open_gl_window(path=None)``: the main window on ``path`` (the embedded worm by default)
    with a working 3D view, shown, its engine ready; the test is skipped where no OpenGL
    context can be made. Windows still open at the end are closed."""
    from brainview.ui.app import create_window
    from brainview.ui.view3d import opengl_problem

    opened = []

    def open_window(path=None):
        problem = opengl_problem()
        if problem:
            pytest.skip(f"no OpenGL here: {problem}")
        win = create_window(path, tmp_path / "settings.ini")
        qtbot.addWidget(win)
        opened.append(win)
        win.show()
        qtbot.waitUntil(lambda: win.engine_ready, timeout=120_000)
        if win.view.view is None:
            pytest.skip(f"the 3D view could not start: {win.view.problem}")
        return win

    yield open_window
    for win in opened:
        if win.isVisible():
            win.close()


@pytest.fixture
def gl_window(open_gl_window):
    """:func:`window` with a working 3D view: skipped where no OpenGL context can be made."""
    return open_gl_window()
