"""Shipped shader files, the view's signals and the import rules of brainview.render (no OpenGL)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from brainview.render.shaders import SHADER_FILES, shader_source, vertex_and_fragment
from brainview.render.signals import Signal


def test_every_shader_is_shipped_and_uses_the_transform_hooks():
    for name in SHADER_FILES:
        text = shader_source(name)
        assert "void main()" in text
        # the kept frame's copy is a plain program (a quad in device coordinates), not a visual
        if name.endswith(".vert.glsl") and not name.startswith("frame_copy."):
            assert "$visual_to_framebuffer(" in text and "$framebuffer_to_render(" in text
        else:
            assert text.startswith("#version 120")
    vertex, fragment = vertex_and_fragment("neurons")
    assert "gl_PointSize" in vertex and "gl_FragDepth" in fragment
    with pytest.raises(ValueError, match="unknown shader"):
        shader_source("../pyproject.toml")


def test_flag_bits_agree_between_python_and_glsl():
    from brainview.render.visuals import FLAG_DIMMED, FLAG_HIDDEN, FLAG_LESIONED, FLAG_SELECTED

    vertex = shader_source("neurons.vert.glsl")
    bits = {int(float(v)) for v in re.findall(r"bit\(flags, ([0-9.]+)\)", vertex)}
    assert bits == {FLAG_SELECTED, FLAG_LESIONED, FLAG_HIDDEN, FLAG_DIMMED}


def test_signals_call_slots_and_forward_to_emitters():
    received, forwarded = [], []

    class QtLikeSignal:
        def emit(self, *args):
            forwarded.append(args)

    signal, qt_like = Signal(), QtLikeSignal()
    signal.connect(received.append)
    signal.connect(qt_like)
    signal.emit(7)
    signal.disconnect(received.append)
    signal.emit(-1)
    assert received == [7] and forwarded == [(7,), (-1,)]
    with pytest.raises(TypeError, match="neither callable"):
        signal.connect(42)


def test_importing_the_renderer_loads_no_qt_and_creates_no_app():
    code = (
        "import sys, brainview.render, brainview.render.view, brainview.cli.render\n"
        "from vispy.app import _default_app\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'PyQt'))], 'Qt imported'\n"
        "assert _default_app.default_app is None, 'a vispy app was created at import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
