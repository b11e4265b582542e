"""``brainview [PATH]`` refuses a path that does not exist before opening any window."""

from brainview.ui.app import build_parser, main


def test_a_missing_path_is_an_error_with_a_message(tmp_path, capsys):
    missing = tmp_path / "nowhere.h5"
    assert main([str(missing)]) == 1
    assert "nowhere.h5: no such file or folder" in capsys.readouterr().err


def test_the_app_takes_a_path_and_a_settings_file():
    args = build_parser().parse_args(["data.h5", "--settings", "s.ini"])
    assert (args.path, args.settings, args.reset_settings) == ("data.h5", "s.ini", False)


def test_without_a_display_the_app_says_how_to_run_and_exits_1(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-m", "brainview", "--settings", str(tmp_path / "s.ini")],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "no display" in result.stderr and "xvfb-run -a brainview" in result.stderr
    assert "xcb-cursor" not in result.stderr and result.stderr.count("\n") == 1
