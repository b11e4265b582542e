"""Choosing vispy's window backend and making sure an OpenGL context can be created.

On a desktop the view is a Qt widget (vispy's PySide6 backend). Without a display, for
``brainview render`` on a server, vispy's EGL backend draws off screen with Mesa's surfaceless
platform. Where neither works (no display and no EGL, or Qt's "offscreen" platform, which has
no OpenGL), :class:`GLUnavailableError` says so in words instead of crashing: Qt aborts the
process when it has no display, so that case is detected before Qt is touched.

vispy can use one backend per process; once one is chosen, later canvases use it too.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

BACKENDS = ("auto", "qt", "egl")
"""What a caller may ask for; "qt" means vispy's PySide6 backend."""

_VISPY_NAMES = {"qt": "pyside6", "egl": "egl"}
_QT_PLATFORMS_WITHOUT_GL = ("offscreen", "minimal")
_QT_PLATFORMS_NEEDING_A_DISPLAY = ("", "xcb", "wayland", "wayland-egl")  # "" is Qt's default, xcb on Linux


class GLUnavailableError(RuntimeError):
    """No OpenGL context can be created here; the message says why and what to try."""


def display_available() -> bool:
    """Whether a window system is reachable (checked before Qt, which aborts without one)."""
    if not sys.platform.startswith("linux"):
        return True  # Windows and macOS always have a window system
    if os.environ.get("WAYLAND_DISPLAY"):
        return True
    display = os.environ.get("DISPLAY", "")
    local = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display)
    if local:  # a local X server listens on a socket; a stale DISPLAY has none
        return Path(f"/tmp/.X11-unix/X{local.group(1)}").exists()
    return bool(display)


def window_system_missing() -> bool:
    """True when Qt would need a display (its default or a windowed platform) and none is reachable:
    Qt would abort the process, so callers say so first."""
    return _qt_platform() in _QT_PLATFORMS_NEEDING_A_DISPLAY and not display_available()


def _qt_platform() -> str:
    """The Qt platform plugin in use or requested ("" when Qt would pick its default)."""
    gui = sys.modules.get("PySide6.QtGui")
    if gui is not None and gui.QGuiApplication.instance() is not None:
        return gui.QGuiApplication.platformName()
    return os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]


def _chosen_backend() -> str | None:
    """The backend vispy already uses in this process, in our names, or None."""
    from vispy.app import _default_app

    app = _default_app.default_app
    if app is None:
        return None
    name = app.backend_name.lower()
    return "egl" if "egl" in name else "qt" if ("qt" in name or "pyside" in name) else name


def choose_backend(requested: str = "auto") -> str:
    """Pick "qt" or "egl" and tell vispy to use it.

    Parameters
    ----------
    requested : str
        "auto" (Qt when a Qt application exists or a display is available, EGL otherwise),
        "qt" or "egl".

    Raises
    ------
    GLUnavailableError
        When the requested backend cannot work here.
    """
    if requested not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {requested!r}")
    current = _chosen_backend()
    if current is not None:
        if requested not in ("auto", current):
            raise GLUnavailableError(f"this process already draws with vispy's {current} backend, not {requested}")
        return current
    platform = _qt_platform()
    qt_running = "PySide6.QtGui" in sys.modules and sys.modules["PySide6.QtGui"].QGuiApplication.instance() is not None
    backend = requested
    if backend == "auto":
        backend = "qt" if qt_running or (display_available() and platform not in _QT_PLATFORMS_WITHOUT_GL) else "egl"
    if backend == "qt":
        if platform in _QT_PLATFORMS_WITHOUT_GL:
            raise GLUnavailableError(
                f"Qt's '{platform}' platform has no OpenGL; run under a display or "
                "'xvfb-run -a', or draw with the EGL backend"
            )
        if not qt_running and platform in _QT_PLATFORMS_NEEDING_A_DISPLAY and not display_available():
            raise GLUnavailableError(
                "no display (DISPLAY is not set or its X server is gone), so Qt cannot open an OpenGL window; "
                "run under 'xvfb-run -a', or draw off screen with the EGL backend"
            )
    if backend == "egl" and sys.platform.startswith("linux"):
        # without a display, Mesa's EGL needs to be told to draw without any window system
        os.environ.setdefault("EGL_PLATFORM", "surfaceless")
    import vispy

    try:
        vispy.use(app=_VISPY_NAMES[backend])
    except Exception as error:  # vispy reports a missing library or driver as RuntimeError/ImportError
        hint = "install Mesa's EGL (libegl1) or run under 'xvfb-run -a'" if backend == "egl" else "check the display"
        reason = " ".join(str(error).split())
        raise GLUnavailableError(f"vispy's {backend} backend could not start ({reason}); {hint}") from None
    return backend


SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "software rasterizer", "swiftshader", "gdi generic")
"""Words in ``GL_RENDERER`` that name a renderer running on the CPU (lower case)."""


def is_software_renderer(renderer: str) -> bool:
    """Whether the ``GL_RENDERER`` string ``renderer`` names a CPU rasteriser (Mesa's llvmpipe...)."""
    renderer = renderer.lower()
    return any(name in renderer for name in SOFTWARE_RENDERERS)


def renderer_name(canvas) -> str:
    """The ``GL_RENDERER`` string of ``canvas``'s context ("" if the driver gives none)."""
    from vispy.gloo import gl

    canvas.set_current()
    return str(gl.glGetParameter(gl.GL_RENDERER) or "")


def check_context(canvas) -> str:
    """The OpenGL version string of ``canvas``'s context; GLUnavailableError if it has none."""
    from vispy.gloo import gl

    try:
        canvas.set_current()
        version = gl.glGetParameter(gl.GL_VERSION)
    except Exception as error:  # any driver failure means the same to the user: no OpenGL here
        raise GLUnavailableError(f"an OpenGL context could not be made current ({error})") from None
    if not version:
        raise GLUnavailableError("the OpenGL context reports no version: it was not created")
    return str(version)
