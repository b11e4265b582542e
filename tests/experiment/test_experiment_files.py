"""Experiment files: round trips through tmp_path, the dataset checked by digest, bad files refused."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainview.connectome.digest import connectome_digest
from brainview.connectome.io import FormatError, write_native
from brainview.experiment import (
    CellSet, DatasetChangedError, DatasetNotFoundError, DatasetRef, Experiment, read_experiment,
    write_experiment,
)
from brainview.experiment.cells import cell, cells_from_selector
from brainview.experiment.files import SCHEMA_VERSION
from brainview.sim.plasticity import PlasticityRule


@pytest.fixture
def saved(tiny, tmp_path):
    """An experiment with something in every field, on a native copy of ``tiny``."""
    dataset = write_native(tiny, tmp_path / "tiny.h5")
    from brainview import load

    connectome = load(dataset)
    experiment = Experiment(connectome, DatasetRef(str(dataset), connectome_digest(connectome), "tiny"),
                            params={"w_syn_mV": 1.5}, dt_ms=0.1, seed=7)
    t0 = CellSet("cell_type=T0", "T0", [0, 1])
    lesson = CellSet("lesson:pair", "pair", [2, 5])
    experiment.set_lesion(t0, "ablate")
    experiment.set_lesion(cells_from_selector(connectome, "N4"), "silence")
    experiment.set_stimulus(lesson, 220.0)
    experiment.set_stimulus(cell(connectome, 3), 90.0, on=False)
    experiment.set_group(t0)
    experiment.set_group(lesson)
    experiment.set_probes([4, 2])
    experiment.set_view(color_by="nt", selected=3, camera={"azimuth": 30.0, "distance": 400.0},
                        colours={"cell_type=T0": "#ff8800"}, hidden=[5])
    experiment.record(0, "stimulus", "lesson:pair", experiment.stimuli["lesson:pair"])
    experiment.record(1200, "lesion", "cell_type=T0", experiment.lesions["cell_type=T0"])
    experiment.record(2000, "lesion", "cell_type=T0", None)
    experiment.set_plasticity(PlasticityRule("type:T0", "type:T1", "type:T2", eta_mV=0.01, w_max_mV=2.0), "cell_type")
    return experiment, write_experiment(experiment, tmp_path / "exp.toml")


def _same(a: Experiment, b: Experiment) -> None:
    assert a.dataset == b.dataset and a.params == b.params and a.dt_ms == b.dt_ms and a.seed == b.seed
    assert a.lesions == b.lesions and a.stimuli == b.stimuli and a.groups == b.groups
    assert list(a.groups) == list(b.groups) and a.probes == b.probes and a.view == b.view
    assert a.log == b.log
    assert (a.plasticity, a.plasticity_by) == (b.plasticity, b.plasticity_by)


def test_save_and_open_give_the_same_state_in_every_field(saved):
    experiment, path = saved
    again = read_experiment(path)
    _same(experiment, again)
    document = tomllib.loads(path.read_text())
    assert document["schema"] == "brainview-experiment" and document["schema_version"] == SCHEMA_VERSION
    # Sets named by their key carry no ids; the lesson's group does.
    assert "ids" not in document["lesions"][0] and document["stimuli"][0]["ids"] == [1020, 1050]


def test_the_embedded_dataset_is_found_without_a_path(tmp_path):
    import brainview

    worm = brainview.load_default()
    experiment = Experiment(worm, DatasetRef(None, connectome_digest(worm), "worm"))
    experiment.set_lesion(cells_from_selector(worm, "type:AVA"), "silence")
    again = read_experiment(write_experiment(experiment, tmp_path / "worm.toml"))
    assert again.dataset.path is None and again.lesions == experiment.lesions


def test_a_moved_dataset_is_found_beside_the_file_or_reported(saved, tmp_path):
    experiment, path = saved
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (tmp_path / "tiny.h5").rename(moved / "tiny.h5")
    with pytest.raises(DatasetNotFoundError, match="exp.toml: its dataset .*tiny.h5 is missing") as error:
        read_experiment(path)
    assert error.value.dataset.digest == experiment.dataset.digest
    chosen = read_experiment(path, dataset_path=moved / "tiny.h5")
    assert chosen.dataset.path == str((moved / "tiny.h5").resolve()) and chosen.lesions == experiment.lesions
    beside = path.parent / "again"
    beside.mkdir()
    (moved / "tiny.h5").rename(beside / "tiny.h5")
    (beside / "exp.toml").write_text(path.read_text())
    assert read_experiment(beside / "exp.toml").lesions == experiment.lesions


def test_a_changed_dataset_is_refused_with_its_digest(saved, connectome_factory, tmp_path):
    experiment, path = saved
    write_native(connectome_factory(6, seed=99), tmp_path / "tiny.h5")
    with pytest.raises(DatasetChangedError, match="is not the dataset this experiment was made on"):
        read_experiment(path)


@pytest.mark.parametrize("text, message", [
    ("", "not a brainview experiment"),
    ("schema = 'something-else'\n", "not a brainview experiment"),
    ("schema = 'brainview-experiment'\nschema_version = 99\n", "newer than this brainview reads"),
    ("schema = 'brainview-experiment'\nschema_version = 'one'\n", "must be a whole number"),
    ("schema = 'brainview-experiment'\nschema_version = 1\n", r"\[dataset\] must be a table"),
    ("schema = 'brainview-experiment\n", "not valid TOML"),
])
def test_foreign_truncated_and_newer_files_name_the_file(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(FormatError, match=message) as error:
        read_experiment(path)
    assert error.value.path == str(path)


def test_a_failed_save_leaves_the_old_file(saved, monkeypatch):
    experiment, path = saved
    before = path.read_bytes()
    import brainview.experiment.files as files

    def broken(document):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.tomli_w, "dumps", broken)
    with pytest.raises(OSError):
        write_experiment(experiment, path)
    assert path.read_bytes() == before and sorted(p.name for p in path.parent.iterdir() if p.suffix == ".part") == []


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mutated_experiment_file_opens_or_names_the_file(saved, data):
    experiment, path = saved
    text = path.read_text()
    lines = text.split("\n")
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(lines) - 1))
        choice = data.draw(st.sampled_from(["delete", "duplicate", "value"]))
        if choice == "delete":
            del lines[at]
        elif choice == "duplicate":
            lines.insert(at, lines[at])
        elif "=" in lines[at]:
            key = lines[at].split("=")[0]
            value = data.draw(st.sampled_from(["-1", "1e400", "nan", "'x'", "[]", "{}", "true", "99999999999999999999",
                                               "'cell_type=nothing'", "'subsystem=(unlabelled)'", "0"]))
            lines[at] = f"{key}= {value}"
    mutated = path.with_name("mutated.toml")
    mutated.write_text("\n".join(lines))
    try:
        read_experiment(mutated)
    except FormatError as error:
        assert error.path == str(mutated)


def test_a_subsystem_group_reopens_on_its_cells_whatever_rules_apply_then(tmp_path):
    """A group the user made in the app (their own rules) is written with its cells' ids."""
    import numpy as np

    import brainview
    from brainview.connectome.categorical import Categorical
    from brainview.experiment.cells import cells_from_key
    from brainview.experiment.files import parse_experiment

    worm = brainview.load_default()
    own = worm.with_columns(subsystem=Categorical.from_values(np.where(worm.strings("cell_type") == "AVA", "escape", "")))
    group = cells_from_key(own, "subsystem=escape", "escape")
    experiment = Experiment(own, DatasetRef(None, connectome_digest(worm), "worm"))
    experiment.set_lesion(group, "silence")
    path = write_experiment(experiment, tmp_path / "worm.toml")
    document = tomllib.loads(path.read_text())
    assert sorted(document["lesions"][0]["ids"]) == sorted(int(i) for i in worm.ids[group.rows])
    again = parse_experiment(document, worm, experiment.dataset, path)  # the shipped rules: no "escape"
    assert [lesion.cells.rows.tolist() for lesion in again.lesions.values()] == [group.rows.tolist()]


@pytest.mark.parametrize(("table", "message"), [
    ('pre = "type:T0"\npost = "type:T1"', "model.plasticity.modulators must be a selector"),
    ('pre = "type:T0"\npost = "type:T1"\nmodulators = "type:T2"\neta_mV = "fast"', "eta_mV must be a finite number"),
    ('pre = "type:T0"\npost = "type:T1"\nmodulators = "type:T2"\nrate = 1', "unknown key 'rate' in \\[model.plasticity\\]"),
])
def test_a_bad_plasticity_table_names_the_file(saved, table, message):
    experiment, path = saved
    text = path.read_text()
    start = text.index("[model.plasticity]")
    end = text.index("\n[", start + 1)
    path.write_text(text[:start] + "[model.plasticity]\n" + table + "\n" + text[end:])
    with pytest.raises(FormatError, match=f"exp.toml.*{message}"):
        read_experiment(path)
