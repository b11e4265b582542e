"""``brainview render``: a PNG from the command line, and clear errors when it cannot draw."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from brainview.cli import main
from brainview.cli.render import parse_size


def test_sizes_are_parsed_and_checked():
    assert parse_size("1600x1000") == (1600, 1000)
    assert parse_size(" 640 X 480 ") == (640, 480)
    for bad in ("1600", "axb", "0x100", "100000x10"):
        with pytest.raises(ValueError, match="--size"):
            parse_size(bad)


def test_user_errors_exit_1_before_any_drawing(capsys, tmp_path, empty):
    from brainview.connectome.io import write_native

    out = tmp_path / "shot.png"
    assert main(["render", "--out", str(out), "--size", "big"]) == 1
    assert "--size must look like 1600x1000" in capsys.readouterr().err
    assert main(["render", "--out", str(out), "--select", "type:NOPE"]) == 1
    assert "matches no cell" in capsys.readouterr().err
    assert main(["render", "--out", str(out), "--view", "fit"]) == 1
    assert "--view fit needs --select" in capsys.readouterr().err
    path = write_native(empty, tmp_path / "empty.h5")
    assert main(["render", str(path), "--out", str(out)]) == 1
    assert "has no cells; there is nothing to render" in capsys.readouterr().err
    assert not out.exists()


def _run_cli(tmp_path, *args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import sys; from brainview.cli import main; sys.exit(main(sys.argv[1:]))",
         "render", "--out", str(tmp_path / "x.png"), "--size", "64x64", *args],
        capture_output=True, text=True, env=environment, timeout=120,
    )


def test_no_opengl_is_a_clear_message_not_a_crash(tmp_path):
    # without a display Qt would abort the process; brainview must refuse first, in words
    no_display = _run_cli(tmp_path, "--backend", "qt")
    assert no_display.returncode == 1
    assert "cannot render: no display (DISPLAY is not set" in no_display.stderr
    stale = _run_cli(tmp_path, "--backend", "qt", DISPLAY=":4321")
    assert stale.returncode == 1 and "its X server is gone" in stale.stderr
    offscreen = _run_cli(tmp_path, "--backend", "qt", QT_QPA_PLATFORM="offscreen")
    assert offscreen.returncode == 1
    assert "Qt's 'offscreen' platform has no OpenGL" in offscreen.stderr
    broken_egl = _run_cli(tmp_path, "--backend", "egl", EGL_PLATFORM="no-such-platform")
    assert broken_egl.returncode == 1
    assert "cannot render: vispy's egl backend could not start" in broken_egl.stderr
    assert "Traceback" not in no_display.stderr + stale.stderr + offscreen.stderr + broken_egl.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.gl
def test_render_writes_a_png_of_the_default_dataset(gl_backend, worm, tmp_path, capsys):
    out = tmp_path / "worm.png"
    code = main(["render", "--out", str(out), "--size", "400x240", "--color-by", "nt", "--select", "type:AVA",
                 "--view", "top", "--edges", "100", "--legend"])
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert f"wrote {out} (400x240, {worm.n} cells, top view)" in printed
    assert "ACh" in printed and "GABA" in printed
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 400
    assert int.from_bytes(data[20:24], "big") > 240  # --legend adds its strip under the picture
    assert len(data) > 2000  # not a blank image (blank ones compress to a few hundred bytes)


@pytest.mark.gl
def test_the_legend_is_drawn_under_the_picture_and_still_printed(gl_backend, tmp_path, capsys):
    from PySide6.QtGui import QImage

    from brainview.ui.picture import LINE_PX, MARGIN_PX, strip_height

    plain, legend = tmp_path / "plain.png", tmp_path / "legend.png"
    assert main(["render", "--out", str(plain), "--size", "640x200", "--color-by", "nt"]) == 0
    assert main(["render", "--out", str(legend), "--size", "640x200", "--color-by", "nt", "--legend"]) == 0
    printed = capsys.readouterr().out
    assert "ACh" in printed and "GABA" in printed
    with_strip, without = QImage(str(legend)), QImage(str(plain))
    assert (without.width(), without.height()) == (640, 200)
    # the neurotransmitters fit on one line at 640 pixels, then the dataset's name
    assert (with_strip.width(), with_strip.height()) == (640, 200 + strip_height(2))
    assert strip_height(2) == 2 * MARGIN_PX + 2 * LINE_PX
    assert with_strip.copy(0, 0, 640, 200) == without.copy(0, 0, 640, 200)  # the same view above the strip
    swatch = with_strip.pixelColor(MARGIN_PX + 6, 200 + MARGIN_PX + LINE_PX // 2)  # the first entry's disc
    assert swatch.red() > 200 and swatch.blue() < 100  # ACh's orange, the largest group
