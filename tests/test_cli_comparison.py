"""``brainview compare``, ``screen`` and ``experiment``: results folders, resumed screens, clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from brainview.cli import main
from brainview.comparison.stats import SUMMARY_COLUMNS

TOUCH = ["--stim", "ALML,ALMR,AVM@150", "--param", "w_syn_mV=1.4", "--duration", "200ms", "--trials", "4", "--serial"]


def test_compare_writes_the_summary_of_each_lesion_against_the_control(tmp_path, capsys):
    out = tmp_path / "touch"
    code = main(["compare", *TOUCH, "--readout", "type:AVA,AVD", "--readout", "ALML,ALMR,AVM",
                 "--lesion", "type:AVA,AVD", "--lesion", "type:AVB,PVC:ablate", "--out", str(out)])
    assert code == 0
    summary = pd.read_csv(out / "summary.csv")
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert set(summary.condition) == {"silence AVA,AVD", "ablate AVB,PVC"} and len(summary) == 4
    silenced = summary[(summary.condition == "silence AVA,AVD") & (summary.readout == "AVA,AVD")].iloc[0]
    assert silenced.mean_Hz == 0 and silenced.control_mean_Hz > 50 and silenced.trials == 4
    printed = capsys.readouterr().out
    assert "silence AVA,AVD" in printed and "summary.csv" in printed
    assert len(pd.read_csv(out / "trials.csv")) == 3 * 4 * 2


def test_a_screen_ranks_its_conditions_and_a_rerun_skips_what_is_done(tmp_path, capsys, monkeypatch):
    args = ["screen", *TOUCH, "--readout", "type:VA,DA", "--silence-each", "cell_type",
            "--within", "type:AVA,AVD,AVB,PVC,AVE", "--out", str(tmp_path)]
    import brainview.comparison.execute as execute

    real, calls = execute.run_trial, []

    def interrupt_after_two_conditions(*a):
        if len(calls) == 2 * 4:
            raise KeyboardInterrupt
        calls.append(a[1])
        return real(*a)

    monkeypatch.setattr(execute, "run_trial", interrupt_after_two_conditions)
    assert main(args) == 130
    assert "Run the same command again" in capsys.readouterr().err
    assert len(list((tmp_path / "conditions").glob("*.h5"))) == 2

    calls.clear()
    monkeypatch.setattr(execute, "run_trial", lambda *a: calls.append(a[1]) or real(*a))
    assert main(args) == 0
    assert len(calls) == 4 * 4  # four of the six conditions (control + five types) were left
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(summary.columns) == ["rank", *SUMMARY_COLUMNS]
    assert list(summary["rank"]) == [1, 2, 3, 4, 5]
    assert summary.q.is_monotonic_increasing
    assert summary.condition.iloc[0] in {"silence AVA", "silence AVD"}


def test_experiment_runs_a_file_written_by_a_comparison(tmp_path):
    first = tmp_path / "first"
    assert main(["compare", *TOUCH, "--readout", "type:VA,DA", "--lesion", "type:AVA", "--out", str(first)]) == 0
    again = tmp_path / "again"
    assert main(["experiment", str(first / "experiment.toml"), "--serial", "--out", str(again)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(first / "trials.csv"), pd.read_csv(again / "trials.csv"))


@pytest.mark.parametrize("argv, words", [
    (["compare", "--lesion", "type:AVA", "--out", "x"], "--readout"),
    (["compare", "--readout", "type:VA", "--out", "x"], "--lesion"),
    (["compare", "--readout", "type:VA", "--lesion", "type:AVA", "--trials", "0", "--out", "x"], "--trials"),
    (["compare", "--readout", "type:NOPE", "--lesion", "type:AVA", "--out", "x"], "--readout 'type:NOPE'"),
    (["compare", "--readout", "type:VA", "--lesion", "type:NOPE", "--out", "x"], "--lesion 'type:NOPE'"),
    (["compare", "--readout", "type:VA", "--lesion", "type:AVA", "--lesion", "type:AVA", "--out", "x"], "twice"),
    (["compare", "--readout", "type:VA", "--lesion", "type:AVA", "--param", "w=1", "--out", "x"], "parameter(s) w"),
    (["compare", "--readout", "type:VA", "--lesion", "type:AVA", "--scheduler", "nowhere", "--out", "x"], "nowhere"),
    (["screen", "--readout", "type:VA", "--silence-each", "colour", "--within", "type:AVA", "--serial", "--out", "x"],
     "colour"),
    (["experiment", "missing.toml", "--out", "x"], "missing.toml"),
])
def test_bad_options_are_one_line_naming_the_option(tmp_path, monkeypatch, capsys, argv, words):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("brainview: error:") and words in err and "Traceback" not in err
