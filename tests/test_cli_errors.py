"""The command line: bad input is one line naming what is wrong; a bug says it is one.

No input of any kind may make ``brainview`` print a Python traceback unless ``--debug`` asks.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainview.cli import INTERNAL_ERROR, main
from brainview.connectome.io import write_native


def test_an_internal_error_is_reported_as_a_bug_without_a_traceback(monkeypatch, capsys):
    import brainview.cli.info

    def broken(connectome):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(brainview.cli.info, "summarise", broken)
    assert main(["info"]) == INTERNAL_ERROR
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError: division by zero" in err and "--debug" in err
    assert "Traceback" not in err
    for argv in (["--debug", "info"], ["info", "--debug"]):
        with pytest.raises(ZeroDivisionError):
            main(argv)


def test_a_value_error_from_a_bug_is_not_mistaken_for_bad_input(monkeypatch, capsys):
    import brainview.cli.info

    monkeypatch.setattr(brainview.cli.info, "summarise", lambda c: int("not a number"))
    assert main(["info"]) == INTERNAL_ERROR
    assert "internal error: ValueError" in capsys.readouterr().err


def test_bad_input_exits_1_with_one_line(tmp_path, capsys):
    bad = tmp_path / "edges.csv"
    bad.write_text("pre,post,weight\n1,2,lots\n")
    assert main(["info", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("brainview: error: ") and str(bad) in err


def test_a_bad_option_value_is_a_user_error(capsys):
    assert main(["simulate", "--duration=-1s", "--out", "x.h5"]) == 1
    assert "--duration" in capsys.readouterr().err


def test_info_shows_control_characters_from_the_file_escaped(tiny, tmp_path, capsys):
    hostile = tiny.with_columns()
    hostile.meta["name"] = "worm\x1b]0;pwned\x07\x1b[2J"
    hostile.meta["citation"] = "right-to-left \u202e override"
    path = write_native(hostile, tmp_path / "hostile.h5")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "worm\\x1b]0;pwned\\x07\\x1b[2J" in out and "\\u202e" in out


def test_the_console_script_prints_no_traceback_for_a_broken_file(tmp_path):
    broken = tmp_path / "broken.h5"
    broken.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(range(256)) * 4)
    result = subprocess.run(
        [sys.executable, "-m", "brainview", "info", str(broken)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and str(broken) in result.stderr


SUFFIXES = (".h5", ".csv", ".csv.gz", ".graphml", ".gexf", ".graphml.gz")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=600), suffix=st.sampled_from(SUFFIXES), command=st.sampled_from(["info", "convert"]))
def test_no_file_makes_the_cli_report_an_internal_error(tmp_path_factory, content, suffix, command):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"input{suffix}"
    path.write_bytes(content)
    argv = ["info", str(path)] if command == "info" else ["convert", str(path), str(folder / "out.h5")]
    with pytest.MonkeyPatch.context() as patch:
        errors = []
        patch.setattr("brainview.cli.sys.stderr", _Collect(errors))
        patch.setattr("brainview.cli._common.sys.stderr", _Collect(errors))
        code = main(argv)
    text = "".join(errors)
    assert code in (0, 1), text
    assert "internal error" not in text


class _Collect:
    def __init__(self, into):
        self.into = into

    def write(self, text):
        self.into.append(text)

    def flush(self):
        pass

    def isatty(self):
        return False
