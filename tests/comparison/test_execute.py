"""Running comparisons: known effects found, null lesions not, results folders resumable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brainview.comparison import CONTROL, run_comparison
from brainview.comparison.results import ResultFolder, read_condition
from brainview.comparison.stats import SUMMARY_COLUMNS
from brainview.errors import ParameterError
from tests.comparison.conftest import relay_comparison


def test_a_lesion_of_the_only_input_is_significant_and_a_lesion_of_nothing_rarely(relay):
    false_positives = 0
    for seed in range(20):
        summary = run_comparison(relay_comparison(relay, seed=seed, trials=8), scheduler="serial").summary
        relay_row = summary[(summary.readout == "B") & (summary.condition == "silence A")].iloc[0]
        assert relay_row.q < 0.05 and relay_row.mean_Hz == 0 and relay_row.effect_size == -1
        assert relay_row.ci_high_Hz < 0
        null = summary[(summary.readout == "B") & (summary.condition == "silence C")].iloc[0]
        false_positives += int(null.p < 0.05)
    assert false_positives <= 2  # at most 10 % of 20 seeds at the 5 % level


def test_the_result_holds_every_trial_and_the_summary_columns(relay):
    comparison = relay_comparison(relay)
    result = run_comparison(comparison, scheduler="serial")
    assert tuple(result.summary.columns) == SUMMARY_COLUMNS
    assert list(result.summary.condition) == ["silence A", "silence A", "silence C", "silence C"] or \
        set(result.summary.condition) == {"silence A", "silence C"}
    assert len(result.rates) == 3 * comparison.trials * 2
    control = result.rates[(result.rates.condition == CONTROL) & (result.rates.readout == "B")]
    row = result.summary[(result.summary.readout == "B") & (result.summary.condition == "silence C")].iloc[0]
    assert row.control_mean_Hz == pytest.approx(control.rate_Hz.mean())


def test_a_results_folder_holds_tables_figures_and_one_file_per_condition(relay, tmp_path):
    result = run_comparison(relay_comparison(relay), out=tmp_path / "out", scheduler="serial")
    out = tmp_path / "out"
    for name in ("summary.csv", "trials.csv", "rates.png", "report.txt", "experiment.toml"):
        assert (out / name).stat().st_size > 0
    assert len(list((out / "conditions").glob("*.h5"))) == 3
    assert len(list((out / "rasters").glob("*.png"))) == 3
    summary = pd.read_csv(out / "summary.csv")
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    np.testing.assert_allclose(summary.q, result.summary.q, rtol=1e-5)
    assert "Benjamini-Hochberg" in (out / "report.txt").read_text()
    assert not list(out.rglob("*.part*")) and not [p for p in out.rglob("*") if p.name.startswith(".")]


def test_an_interrupted_run_keeps_finished_conditions_and_a_rerun_skips_them(relay, tmp_path, monkeypatch):
    comparison = relay_comparison(relay)
    whole = run_comparison(comparison, scheduler="serial")

    def stop_after_first(condition):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_comparison(comparison, out=tmp_path, scheduler="serial", on_condition=stop_after_first)
    files = list((tmp_path / "conditions").glob("*.h5"))
    assert len(files) == 1  # the control, complete and readable
    assert read_condition(files[0], comparison).rates_Hz.shape == (comparison.trials, 2)
    assert not (tmp_path / "summary.csv").exists()
    written = files[0].stat().st_mtime_ns

    ran = []
    from brainview.comparison import execute

    real = execute.run_trial
    monkeypatch.setattr(execute, "run_trial", lambda *a: ran.append(a[1:]) or real(*a))
    resumed = run_comparison(comparison, out=tmp_path, scheduler="serial")
    assert {name for name, _ in ran} == {"silence A", "silence C"}  # the control was not run again
    assert files[0].stat().st_mtime_ns == written
    pd.testing.assert_frame_equal(resumed.rates, whole.rates)
    pd.testing.assert_frame_equal(resumed.summary, whole.summary)


def test_a_folder_of_another_comparison_is_refused(relay, tmp_path):
    run_comparison(relay_comparison(relay, trials=3), out=tmp_path, scheduler="serial")
    with pytest.raises(ParameterError, match="another comparison"):
        run_comparison(relay_comparison(relay, trials=4), out=tmp_path, scheduler="serial")
    with pytest.raises(ParameterError, match="is a file"):
        ResultFolder(tmp_path / "summary.csv", relay_comparison(relay))


def test_a_damaged_condition_file_is_an_error_naming_it(relay, tmp_path):
    comparison = relay_comparison(relay)
    run_comparison(comparison, out=tmp_path, scheduler="serial")
    victim = sorted((tmp_path / "conditions").glob("*.h5"))[0]
    victim.write_bytes(victim.read_bytes()[:200])
    with pytest.raises(Exception, match=victim.name) as error:
        run_comparison(comparison, out=tmp_path, scheduler="serial")
    assert "brainview" in type(error.value).__module__


def test_an_unknown_scheduler_is_an_error(relay):
    with pytest.raises(ParameterError, match="tcp://HOST:PORT"):
        run_comparison(relay_comparison(relay), scheduler="somewhere")


def test_progress_says_trials_done_of_the_total_and_the_time_left(relay):
    reports = []
    run_comparison(relay_comparison(relay, trials=2), scheduler="serial", progress=lambda f, m: reports.append((f, m)))
    assert [f for f, _ in reports] == pytest.approx([i / 6 for i in range(1, 7)])
    assert reports[0][1].startswith("1/6 trials, ") and reports[-1][1] == "6/6 trials, 0 s left"


def test_the_report_says_when_too_few_trials_can_never_be_significant(relay):
    from brainview.comparison.report import format_report, smallest_p

    assert smallest_p(3) == pytest.approx(0.1) and smallest_p(4) == pytest.approx(2 / 70) and smallest_p(20) == 0
    few = run_comparison(relay_comparison(relay, trials=3), scheduler="serial")
    assert "smallest p a comparison can reach is 0.1" in format_report(few) and "at least 4 trials" in format_report(few)
    enough = run_comparison(relay_comparison(relay, trials=4), scheduler="serial")
    assert "smallest p" not in format_report(enough)
