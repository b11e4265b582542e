"""``brainview simulate``: a run file and a summary, or one clear error line and no file."""

from __future__ import annotations

import numpy as np
import pytest

from brainview.cli import main
from brainview.cli.simulate import parse_duration_ms, parse_lesion, parse_stimulus
from brainview.connectome.io import write_native
from brainview.sim import LesionMode
from brainview.sim.runfile import read_run


@pytest.fixture
def network_file(tmp_path, connectome_factory):
    rng = np.random.default_rng(1)
    pre, post = rng.integers(0, 30, 300), rng.integers(0, 30, 300)
    edges = [(int(a), int(b), float(rng.integers(1, 30)), 1) for a, b in zip(pre, post) if a != b]
    return write_native(connectome_factory(30, edges=edges), tmp_path / "net.h5")


def test_simulate_writes_a_run_file_with_the_configuration(network_file, tmp_path, capsys):
    out = tmp_path / "run.h5"
    code = main([
        "simulate", str(network_file), "--duration", "100ms", "--dt", "0.1ms", "--seed", "7",
        "--stim", "N0,N1,N2@200", "--stim", "type:T4", "--current", "N9@12mV",
        "--lesion", "type:T3@50ms:ablate", "--lesion", "name:N20", "--probe", "N5",
        "--trials", "2", "--bin", "5ms", "--param", "w_syn_mV=0.3", "--out", str(out),
    ])
    printed = capsys.readouterr().out
    assert code == 0
    assert "simulated 0.1 s x 2 trials of 30 cells" in printed and "spikes:" in printed and "real time" in printed
    record = read_run(out)
    assert record.config["seed"] == 7 and record.config["trials"] == 2 and record.params.w_syn_mV == 0.3
    assert record.config["dataset_path"] == str(network_file.resolve())
    assert [(s.selector, s.kind.value, s.value) for s in record.protocol.stimuli] == [
        ("N0,N1,N2", "poisson", 200.0), ("type:T4", "poisson", None), ("N9", "current", 12.0),
    ]
    assert [(l.selector, l.mode, l.time_ms) for l in record.protocol.lesions] == [
        ("type:T3", LesionMode.ABLATE, 50.0), ("name:N20", LesionMode.SILENCE, 0.0),
    ]
    assert record.probe_voltage_mV.shape == (2, 1000, 1) and record.rates_Hz.shape[:2] == (2, 20)
    assert record.spikes["step"].size > 10
    assert f"spikes: {record.spikes['step'].size:,}" in printed


def test_simulate_runs_the_embedded_worm_by_default(tmp_path, capsys):
    out = tmp_path / "worm.h5"
    assert main(["simulate", "--duration", "50ms", "--stim", "class:sensory", "--lesion", "type:AVA@20ms",
                 "--out", str(out)]) == 0
    record = read_run(out)
    assert record.config["n_cells"] == 449 and record.spikes["step"].size > 0


def test_more_threads_give_the_same_run(tmp_path, connectome_factory):
    rng = np.random.default_rng(2)
    pre, post = rng.integers(0, 300, 25_000), rng.integers(0, 300, 25_000)
    edges = [(int(a), int(b), float(rng.integers(1, 10)), 1) for a, b in zip(pre, post) if a != b]
    network = write_native(connectome_factory(300, edges=edges), tmp_path / "net.h5")
    spikes = []
    for threads in ("1", "2"):
        out = tmp_path / f"run{threads}.h5"
        assert main(["simulate", str(network), "--duration", "30ms", "--stim", "kind:neuron@40", "--threads", threads,
                     "--out", str(out)]) == 0
        spikes.append(read_run(out).spikes)
    assert spikes[0]["step"].size > 1000  # 25,000 connections: the threaded kernel runs with --threads 2
    np.testing.assert_array_equal(spikes[1]["step"], spikes[0]["step"])
    np.testing.assert_array_equal(spikes[1]["neuron"], spikes[0]["neuron"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--stim", "type:NOPE"], "matches no cell"),
        (["--stim", "name:"], "names no value"),
        (["--lesion", "nonsense:AVA"], "unknown selector field"),
        (["--duration", "0s"], "--duration must be positive"),
        (["--duration=-5ms"], "--duration must be positive"),
        (["--duration", "5"], "is not a time"),
        (["--dt", "0ms"], "--dt must be positive"),
        (["--dt", "0.25ms"], "does not divide the synaptic delay"),
        (["--lesion", "N1@2s"], "not before the end of the run"),
        (["--stim", "N1@fast"], "is not a number of Hz"),
        (["--current", "N1"], "give the amplitude"),
        (["--param", "w_syn=3"], "unknown model parameter"),
        (["--trials", "0"], "--trials must be at least 1"),
        (["--threads", "0"], "--threads must be at least 1"),
    ],
)
def test_bad_input_fails_cleanly_without_a_file(network_file, tmp_path, capsys, options, message):
    out = tmp_path / "run.h5"
    code = main(["simulate", str(network_file), "--duration", "100ms", *options, "--out", str(out)])
    error = capsys.readouterr().err
    assert code == 1
    assert message in error and error.startswith("brainview: error: ") and error.count("\n") == 1
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["net.h5"]


def test_missing_input_and_wrong_suffix_fail(tmp_path, capsys):
    assert main(["simulate", str(tmp_path / "absent.h5"), "--out", str(tmp_path / "r.h5")]) == 1
    assert main(["simulate", "--out", str(tmp_path / "r.txt")]) == 1
    assert "must end in .h5" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_option_parsers():
    assert parse_duration_ms("1s") == 1000.0 and parse_duration_ms("250ms") == 250.0
    assert parse_duration_ms("0.1ms") == pytest.approx(0.1) and parse_duration_ms("50us") == pytest.approx(0.05)
    stimulus = parse_stimulus("type:AVA@150Hz")
    assert (stimulus.selector, stimulus.value) == ("type:AVA", 150.0)
    assert parse_stimulus("ALML,ALMR").value is None
    lesion = parse_lesion("id:720575940622486057@0.5s:ablate")
    assert (lesion.selector, lesion.time_ms, lesion.mode) == ("id:720575940622486057", 500.0, LesionMode.ABLATE)
    assert parse_lesion("class:DAN").mode is LesionMode.SILENCE


def test_every_command_that_reads_a_dataset_takes_rules(tmp_path, capsys):
    from brainview.cli import main

    out = tmp_path / "run.h5"
    assert main(["simulate", "--rules", "celegans", "--stim", "subsystem:steering", "--duration", "5ms",
                 "--out", str(out)]) == 0
    assert out.exists()
    capsys.readouterr()
    assert main(["simulate", "--rules", "nosuch", "--duration", "5ms", "--out", str(out)]) == 1
    assert "nosuch" in capsys.readouterr().err
    for command in ("render", "compare", "screen", "condition"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--rules NAME|FILE" in capsys.readouterr().out
