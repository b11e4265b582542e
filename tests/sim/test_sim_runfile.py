"""Protocols, the brainview-run file and the connectome digest."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from brainview.connectome import Connectome
from brainview.connectome.digest import connectome_digest
from brainview.connectome.io.errors import FormatError
from brainview.connectome.selectors import SelectorError
from brainview.sim import LesionMode, ShiuParams, StimulusKind
from brainview.sim.protocol import LesionSpec, Protocol, StimulusSpec, prepare, run_protocol
from brainview.sim.runfile import SCHEMA, DatasetInfo, read_run, write_run


@pytest.fixture
def network(connectome_factory):
    rng = np.random.default_rng(0)
    pre, post = rng.integers(0, 40, 500), rng.integers(0, 40, 500)
    edges = [(int(a), int(b), float(rng.integers(1, 30)), 1 if rng.random() < 0.8 else -1)
             for a, b in zip(pre, post) if a != b]
    return connectome_factory(40, edges=edges, gap_edges=[(1, 2, 1.0)])


PROTOCOL = Protocol(
    duration_ms=60.0,
    stimuli=(
        StimulusSpec("N0,N1,N2,N3"),
        StimulusSpec("type:T3", StimulusKind.POISSON, 300.0, 10.0, 40.0),
        StimulusSpec("N9", StimulusKind.CURRENT, 12.0),
    ),
    lesions=(LesionSpec("type:T5", LesionMode.ABLATE, 30.0), LesionSpec("N20", LesionMode.SILENCE, 0.0)),
    probes=("N4,N5",),
    rates_by="cell_type",
    rate_bin_ms=5.0,
)


def test_protocol_runs_trials_reproducibly(network):
    one = run_protocol(network, PROTOCOL, seed=4, trials=3)
    again = run_protocol(network, PROTOCOL, seed=4, trials=3, workers=1)
    assert [t.spike_steps.size for t in one.trials] == [t.spike_steps.size for t in again.trials]
    for a, b in zip(one.trials, again.trials):
        np.testing.assert_array_equal(a.spike_cells, b.spike_cells)
    assert one.trials[0].spike_steps.size > 20
    assert not np.array_equal(one.trials[0].spike_cells, one.trials[1].spike_cells)
    trial = one.trials[0]
    assert trial.probe_mV.shape == (600, 2) and trial.rates_Hz.shape == (12, len(one.rate_labels))
    ablated = network.select(cell_type="T5")
    assert not np.any(np.isin(trial.spike_cells[trial.spike_steps >= 300], ablated))
    assert 20 not in trial.spike_cells
    log = [(e.step, e.action, e.target) for e in trial.log]
    assert log == [
        (0, "poisson on", "name:N0,N1,N2,N3"), (0, "current on", "name:N9"), (0, "silence", "name:N20"),
        (100, "poisson on", "type:T3"), (300, "ablate", "type:T5"), (400, "poisson off", "type:T3"),
    ]


def test_run_file_round_trip(network, tmp_path):
    result = run_protocol(network, PROTOCOL, ShiuParams(w_syn_mV=0.3), seed=2, trials=2)
    info = DatasetInfo("somewhere/net.h5", "fixture", connectome_digest(network), "sha256", network.ids)
    path = write_run(tmp_path / "run.h5", result, info)
    record = read_run(path)
    assert record.params == ShiuParams(w_syn_mV=0.3)
    assert record.protocol == PROTOCOL
    assert record.config["dataset_digest"] == connectome_digest(network)
    assert record.config["seed"] == 2 and record.config["trials"] == 2 and record.config["dt_ms"] == 0.1
    np.testing.assert_array_equal(record.cell_ids, network.ids)
    for index, trial in enumerate(result.trials):
        mine = record.spikes["trial"] == index
        np.testing.assert_array_equal(record.spikes["step"][mine], trial.spike_steps)
        np.testing.assert_array_equal(record.spikes["neuron"][mine], trial.spike_cells)
        np.testing.assert_allclose(record.probe_voltage_mV[index], trial.probe_mV, rtol=1e-6)
        np.testing.assert_allclose(record.rates_Hz[index], trial.rates_Hz, rtol=1e-6)
    np.testing.assert_array_equal(record.probe_neurons, network.select(name=["N4", "N5"]))
    assert record.rate_labels == result.rate_labels
    assert record.log["action"][:3] == ["poisson on", "current on", "silence"]
    with h5py.File(path) as f:
        assert f.attrs["format"] == "brainview-run" and f.attrs["format_version"] == 1
        assert all(spec.path in f for spec in SCHEMA)
    # the run can be repeated from the file alone
    rerun = run_protocol(network, record.protocol, record.params, record.config["dt_ms"], record.config["seed"], 2)
    np.testing.assert_array_equal(rerun.trials[1].spike_cells, result.trials[1].spike_cells)


def test_failed_write_leaves_no_file(network, tmp_path, monkeypatch):
    result = run_protocol(network, Protocol(10.0), trials=1)
    info = DatasetInfo("x", "x", "0", "sha256", network.ids)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("brainview.sim.runfile._write_config", broken)
    with pytest.raises(OSError, match="disk full"):
        write_run(tmp_path / "run.h5", result, info)
    assert list(tmp_path.iterdir()) == []


def test_read_run_rejects_other_files(tmp_path, network):
    with pytest.raises(FormatError, match="not a readable HDF5"):
        (tmp_path / "text.h5").write_text("hello")
        read_run(tmp_path / "text.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.attrs["format"] = "brainview-connectome"
    with pytest.raises(FormatError, match="not a brainview run file"):
        read_run(tmp_path / "other.h5")


@pytest.mark.parametrize(
    ("protocol", "error", "message"),
    [
        (Protocol(0.0), ValueError, "duration must be positive"),
        (Protocol(10.0, lesions=(LesionSpec("N1", time_ms=10.0),)), ValueError, "not before the end"),
        (Protocol(10.0, lesions=(LesionSpec("N1", time_ms=2.55),)), ValueError, "whole steps"),
        (Protocol(10.0, stimuli=(StimulusSpec("type:NOPE"),)), SelectorError, "matches no cell"),
        (Protocol(10.0, stimuli=(StimulusSpec("N1", value=-3.0),)), ValueError, "rate must be zero or more"),
        (Protocol(10.0, stimuli=(StimulusSpec("N1", start_ms=5.0, stop_ms=2.0),)), ValueError, "before it starts"),
        (Protocol(10.0, stimuli=(StimulusSpec("N1", stop_ms=10.1),)), ValueError, r"end of the run \(10 ms\)"),
        (Protocol(10.0, probes=("bogus:x",)), SelectorError, "unknown selector field"),
        (Protocol(10.0, rates_by="radius"), ValueError, "cannot group rates"),
    ],
)
def test_prepare_rejects_bad_protocols(network, protocol, error, message):
    with pytest.raises(error, match=message):
        prepare(network, protocol, ShiuParams(), 0.1)


def test_prepare_orders_events_and_allows_a_stop_at_the_end(network):
    plan = prepare(network, Protocol(
        10.0, stimuli=(StimulusSpec("N1", start_ms=2.0, stop_ms=10.0),), lesions=(LesionSpec("N2", time_ms=1.0),),
    ), ShiuParams(), 0.1)
    assert [(e.step, e.action) for e in plan.events] == [(10, "lesion"), (20, "on"), (100, "off")]


def test_digest_depends_on_contents_not_on_coding(network):
    digest = connectome_digest(network)
    assert len(digest) == 64 and digest == connectome_digest(network)
    renamed = Connectome(dict(network.columns), network.position, network.chemical, network.gap, {"name": "other"})
    assert connectome_digest(renamed) == digest  # meta is provenance, not content
    column = network["cell_type"]
    recoded = type(column)(len(column.categories) - 1 - column.codes, column.categories[::-1])
    assert connectome_digest(network.with_columns(cell_type=recoded)) == digest
    assert connectome_digest(network.with_columns(cell_type=["X"] * network.n)) != digest
    assert connectome_digest(network.subset(np.arange(39))) != digest
    weights = network.chemical.weight.copy()
    weights[0] += 1
    changed = Connectome(dict(network.columns), network.position,
                         type(network.chemical)(network.chemical.indptr, network.chemical.indices, weights,
                                                network.chemical.sign), network.gap, dict(network.meta))
    assert connectome_digest(changed) != digest


# -- hostile run files: nothing outside the file, every error a FormatError naming it ----------
@pytest.fixture
def run_path(network, tmp_path):
    result = run_protocol(network, PROTOCOL, seed=1, trials=1)
    info = DatasetInfo("net.h5", "fixture", connectome_digest(network), "sha256", network.ids)
    return write_run(tmp_path / "run.h5", result, info)


def _replace(path, name, data=None, **options):
    with h5py.File(path, "a") as f:
        del f[name]
        f.create_dataset(name, data=data, **options)


def _refused(path, match):
    with pytest.raises(FormatError, match=match) as caught:
        read_run(path)
    assert caught.value.path == str(path)


def test_run_file_external_link_is_refused(run_path, tmp_path):
    with h5py.File(tmp_path / "ids.h5", "w") as f:
        f["id"] = np.arange(40, dtype=np.int64)
    with h5py.File(run_path, "a") as f:
        del f["cells/id"]
        f["cells/id"] = h5py.ExternalLink(str(tmp_path / "ids.h5"), "/id")
    _refused(run_path, "external link")


def test_run_file_external_storage_is_refused(run_path, tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"root:x:0:0:" * 40)
    _replace(run_path, "cells/id", shape=(40,), dtype="i8", external=[(str(secret), 0, 320)])
    _refused(run_path, "external storage")


def test_run_file_soft_link_is_refused(run_path):
    with h5py.File(run_path, "a") as f:
        f["extra"] = h5py.SoftLink("/extra")
    _refused(run_path, "soft link")


def test_run_file_spike_arrays_must_agree(run_path):
    with h5py.File(run_path, "a") as f:
        step = f["spikes/step"][()]
    _replace(run_path, "spikes/step", step[:-1])
    _refused(run_path, "spikes/step")


def test_run_file_spike_cells_must_be_cells_of_the_run(run_path):
    with h5py.File(run_path, "a") as f:
        neuron = f["spikes/neuron"][()].astype(np.int64)
    neuron[0] = 2**32 + 3  # read as int32 this was cell 3
    _replace(run_path, "spikes/neuron", neuron)
    _refused(run_path, "spikes/neuron")


def test_run_file_voltage_shape_is_checked_against_the_configuration(run_path):
    with h5py.File(run_path, "a") as f:
        voltage = f["probes/voltage_mV"][()]
    _replace(run_path, "probes/voltage_mV", voltage[:, :-1])
    _refused(run_path, "probes/voltage_mV")


@pytest.mark.parametrize("value", [np.array([1, 1]), "1", np.nan])
def test_run_file_bad_format_version(run_path, value):
    with h5py.File(run_path, "a") as f:
        f.attrs["format_version"] = value
    _refused(run_path, "format_version")


def test_run_file_unknown_stimulus_kind(run_path):
    _replace(run_path, "config/stimuli/kind", np.array(["bogus"] * 3, dtype=object), dtype=h5py.string_dtype())
    _refused(run_path, "bogus")


def test_run_file_missing_configuration_is_named(run_path):
    with h5py.File(run_path, "a") as f:
        del f["config"].attrs["rate_bin_ms"]
    _refused(run_path, "rate_bin_ms")


def test_run_file_corrupt_bytes_are_a_format_error(run_path):
    data = bytearray(run_path.read_bytes())
    for at in range(200, len(data), 97):
        data[at] ^= 0x55
    run_path.write_bytes(bytes(data))
    _refused(run_path, None)
