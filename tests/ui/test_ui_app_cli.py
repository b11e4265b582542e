"""``brainview [PATH]`` refuses a path that does not exist before opening any window."""

from brainview.ui.app import build_parser, main


def test_a_missing_path_is_an_error_with_a_message(tmp_path, capsys):
    missing = tmp_path / "nowhere.h5"
    assert main([str(missing)]) == 1
    assert "nowhere.h5: no such file or folder" in capsys.readouterr().err


def test_the_app_takes_a_path_and_a_settings_file():
    args = build_parser().parse_args(["data.h5", "--settings", "s.ini"])
    assert (args.path, args.settings, args.reset_settings) == ("data.h5", "s.ini", False)
