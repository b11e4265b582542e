"""The embedded default dataset (assets/celegans_hermaphrodite.h5) and the script that builds it."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brainview
from brainview.connectome.subsystems import classify, rules_for

REPO_ROOT = Path(__file__).resolve().parents[2]


def _load_build_script():
    spec = importlib.util.spec_from_file_location("build_celegans", REPO_ROOT / "scripts" / "build_celegans.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script runs
    spec.loader.exec_module(module)
    return module


build_celegans = _load_build_script()


@pytest.fixture(scope="module")
def worm():
    return brainview.load_default()


def _neuron_rows(worm) -> np.ndarray:
    return worm.select(kind="neuron")


def test_the_302_neurons_and_their_118_classes(worm):
    neurons = _neuron_rows(worm)
    assert neurons.size == 302
    assert np.unique(worm.names[neurons]).size == 302
    assert np.unique(worm.strings("cell_type")[neurons]).size == 118  # White et al. 1986
    assert np.array_equal(worm.ids, np.arange(worm.n))


def test_chemical_connectome_among_neurons_matches_cook_2019(worm):
    among = worm.chemical.take(_neuron_rows(worm))
    assert among.n_connections == 3709
    assert int(np.sum(among.pre == among.indices)) == 38
    assert among.total_weight == 20965


def test_edge_table_names_are_normalised(worm):
    names = set(worm.names)
    assert {"VA1", "VA12", "DB1", "AS11", "VD13"} <= names
    assert not any(re.fullmatch(r"(AS|DA|DB|DD|VA|VB|VC|VD)0\d", name) for name in names)
    # VA01 -> VA1 in the edge table: VA1 must have its Cook et al. partners.
    va1 = worm.index_of("VA1")
    assert worm.chemical.out_degree()[va1] > 0 and worm.chemical.in_degree()[va1] > 0


def test_every_neuron_is_connected(worm):
    degree = worm.chemical.out_degree() + worm.chemical.in_degree() + worm.gap.out_degree()
    assert np.all(degree[_neuron_rows(worm)] > 0)


def test_thirty_one_gabaergic_neurons_make_inhibitory_synapses(worm):
    wang = worm.strings("nt_wang2024")
    gabaergic = np.array(["GABA" in label and "uptake" not in label for label in wang])
    assert gabaergic.sum() == 31
    assert np.array_equal(gabaergic, worm.columns["nt"].mask("GABA"))
    pre = worm.chemical.pre
    assert np.all(worm.chemical.sign[gabaergic[pre]] == -1)
    assert np.all(worm.chemical.sign[~gabaergic[pre]] == 1)


def test_gap_junctions_are_symmetric_section_counts(worm):
    assert worm.gap.is_symmetric()
    assert np.all(worm.gap.weight >= 1) and np.all(worm.gap.weight == np.round(worm.gap.weight))


def test_muscles_and_end_organs_are_rows_with_neuron_partners(worm):
    kinds = worm.columns["kind"].counts()
    assert set(kinds) == {"neuron", "muscle", "glia", "end_organ"}
    assert worm.select(cell_class="body wall muscle").size == 95
    assert worm.select(kind="glia").size == 10
    is_neuron = worm.columns["kind"].mask("neuron")
    partners = [worm.chemical, worm.chemical.transposed, worm.gap]
    for row in np.flatnonzero(~is_neuron):
        touched = np.concatenate([csr.indices[csr.row(row)] for csr in partners])
        assert is_neuron[touched].any(), worm.names[row]


def test_cell_type_side_and_labels(worm):
    def value(column, name):
        return worm.strings(column)[worm.index_of(name)]

    expected_type = {"ADAL": "ADA", "VA12": "VA", "IL1DL": "IL1", "RMED": "RME", "AVDL": "AVD", "AVL": "AVL",
                     "SABD": "SAB", "pm3VL": "pm3", "dBWML7": "dBWM", "CEPshVR": "CEPsh"}
    assert {name: value("cell_type", name) for name in expected_type} == expected_type
    assert [value("side", n) for n in ("ADAL", "ADAR", "AVL", "IL1VR", "vBWML3", "hyp")] == [
        "left", "right", "none", "right", "left", "none"]
    assert value("cell_class", "ALML") == "sensory" and value("cell_class", "M3L") == "pharyngeal"
    assert value("region", "M3L") == "pharynx" and value("region", "VD5") == "ventral cord"
    assert value("region", "AVAL") == "head" and value("region", "PLML") == "tail"
    assert value("nt", "RICL") == "OA" and value("nt", "NSML") == "5HT"
    assert value("lineage", "ADAL") == "AB plapaaaapp"
    assert worm.strings("nt")[worm.select(kind="muscle")].tolist() == [""] * worm.select(kind="muscle").size


def test_positions_are_measured_for_neurons_and_estimated_otherwise(worm):
    source = worm.columns["position_source"]
    assert np.array_equal(source.mask("measured"), worm.columns["kind"].mask("neuron"))
    assert np.all(np.isfinite(worm.position))
    assert worm.positions_measured and "estimated" in worm.meta["positions"]
    neurons = worm.position[_neuron_rows(worm)]
    low, high = neurons.min(axis=0) - 30, neurons.max(axis=0) + 30
    assert np.all((worm.position >= low) & (worm.position <= high))
    for number in (3, 12, 20):  # quadrants: dorsal above ventral, left (+x) beside right
        point = {q: worm.position[worm.index_of(f"{q}{number}")] for q in ("dBWML", "dBWMR", "vBWML", "vBWMR")}
        assert point["dBWML"][2] > point["vBWML"][2] and point["dBWMR"][2] > point["vBWMR"][2]
        assert point["dBWML"][0] > point["dBWMR"][0] and point["vBWML"][0] > point["vBWMR"][0]
    assert worm.position[worm.index_of("dBWML2"), 1] < worm.position[worm.index_of("dBWML20"), 1]
    assert np.all(worm.columns["radius"] > 0)


def test_metadata_names_source_licence_and_units(worm):
    for key in ("name", "species", "citation", "license", "source", "units", "frame", "positions"):
        assert worm.meta.get(key), key
    assert "Cook" in worm.meta["citation"] and "CC BY 4.0" in worm.meta["license"]


def test_subsystem_column_follows_the_shipped_rules(worm):
    assert worm.strings("subsystem").tolist() == classify(worm, rules_for("celegans")).to_strings().tolist()
    sub = dict(zip(worm.names, worm.strings("subsystem")))
    assert [sub[n] for n in ("AVAL", "NSML", "CEPDL", "AIYL", "ASHL", "VA1", "dBWML1", "ADAL")] == [
        "steering", "steering", "steering", "learning", "sensory", "motor", "non-neuronal", "other"]
    assert worm.meta["subsystem_rules"] == "celegans"


# -- the build script ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, expected",
    [("VA01", "VA1"), ("VA12", "VA12"), ("DB07", "DB7"), ("AS10", "AS10"), ("ADAL", "ADAL"), ("dBWML1", "dBWML1")],
)
def test_normalise_name(name, expected):
    assert build_celegans.normalise_name(name) == expected


def test_non_neuron_names_outside_the_known_families_are_rejected():
    with pytest.raises(ValueError, match="neither a neuron nor a known end organ"):
        build_celegans.non_neuron_labels("XYZ")


def test_rebuilding_from_the_shared_data_reproduces_the_asset(shared_data, tmp_path, worm):
    output = tmp_path / "worm.h5"
    assert build_celegans.main([str(shared_data / "celegans"), "--output", str(output)]) == 0
    assert brainview.load(output).equals(worm)


def test_asset_agrees_with_the_source_tables(shared_data, worm):
    folder = shared_data / "celegans"
    table = pd.read_csv(folder / "celegans_herm_neurons.csv")
    rows = [worm.index_of(name) for name in table["name"]]
    assert np.allclose(worm.position[rows], table[["soma_x", "soma_y", "soma_z"]].to_numpy(), atol=1e-3)
    assert worm.strings("nt_wang2024")[rows].tolist() == table["neurotransmitter_wang2024"].tolist()
    neuron_names = set(table["name"])
    in_tables = set()
    for csv in ("celegans_cook2019_herm_chemical_edges.csv", "celegans_cook2019_herm_gapjn_symmetric_edges.csv"):
        edges = pd.read_csv(folder / csv)
        for column in ("pre", "post"):
            edges[column] = edges[column].str.replace(r"^(AS|DA|DB|DD|VA|VB|VC|VD)0(\d)$", r"\1\2", regex=True)
        in_tables |= set(edges["pre"]) | set(edges["post"])
        with_neuron = edges["pre"].isin(neuron_names) | edges["post"].isin(neuron_names)
        expected_cells = set(edges[with_neuron]["pre"]) | set(edges[with_neuron]["post"])
        assert expected_cells <= set(worm.names)
    assert neuron_names <= in_tables  # every neuron has synapses in Cook 2019 ...
    degree = worm.chemical.out_degree() + worm.chemical.in_degree() + worm.gap.out_degree()
    assert np.all(degree[[worm.index_of(n) for n in neuron_names]] > 0)  # ... and is connected here
