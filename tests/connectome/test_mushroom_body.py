"""The synthetic mushroom body example (brainview.connectome.examples.mushroom_body, issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

import brainview
from brainview.cli import main
from brainview.connectome.examples import EXAMPLES, builder
from brainview.connectome.examples import mushroom_body as mb
from brainview.connectome.selectors import Selector
from brainview.errors import ParameterError, UnknownNameError


@pytest.fixture(scope="module")
def body():
    return mb.mushroom_body(seed=0)


def rows_of_class(connectome, cell_class):
    return connectome.select(cell_class=cell_class)


def compartments(connectome, row) -> set[str]:
    label = connectome.strings("compartment")[row]
    return set(label.split(".")) if label else set()


def targets(connectome, row) -> np.ndarray:
    chemical = connectome.chemical
    return chemical.indices[chemical.indptr[row]:chemical.indptr[row + 1]]


def test_the_same_seed_builds_the_same_network():
    assert mb.mushroom_body(seed=3, n_kc=300).equals(mb.mushroom_body(seed=3, n_kc=300))
    assert not mb.mushroom_body(seed=3, n_kc=300).equals(mb.mushroom_body(seed=4, n_kc=300))


def test_cells_per_class_and_kc_types(body):
    counts = body["cell_class"].counts()
    assert counts == {"Kenyon_Cell": 2000, "ALPN": 116, "MBON": 30, "DAN": 159}
    kc_types = body.strings("cell_type")[rows_of_class(body, "Kenyon_Cell")]
    share = {t: float(np.mean(kc_types == t)) for t in np.unique(kc_types)}
    gamma = share["KCg-m"]
    alpha_beta = share["KCab"]
    prime = share["KCapbp-m"] + share["KCapbp-ap1"] + share["KCapbp-ap2"]
    assert gamma == pytest.approx(0.47, abs=0.01)
    assert alpha_beta == pytest.approx(0.33, abs=0.01)
    assert prime == pytest.approx(0.20, abs=0.01)
    assert set(body.strings("nt")[rows_of_class(body, "Kenyon_Cell")]) == {"ACh"}
    assert set(body.strings("nt")[rows_of_class(body, "DAN")]) == {"DA"}
    assert set(body.strings("super_class")) == {"central"}
    small = mb.mushroom_body(seed=0, n_kc=500)
    assert small["cell_class"].counts()["Kenyon_Cell"] == 500


def test_every_compartment_has_mbons_and_dans(body):
    for compartment in mb.COMPARTMENTS:
        rows = mb.compartment_rows(body, compartment.label)
        classes = set(body.strings("cell_class")[rows])
        assert {"MBON", "DAN", "Kenyon_Cell"} <= classes, compartment.label
    types = body.strings("cell_type")
    for row in rows_of_class(body, "DAN"):
        where = compartments(body, row)
        if types[row].startswith("PPL1"):
            assert where <= {"y1", "y2", "a'1", "a'2", "a'3", "a2", "a3"}, types[row]
        else:  # PAM: the horizontal lobe and alpha1 (Aso et al. 2014)
            assert where <= {"y3", "y4", "y5", "B'1", "B'2", "B1", "B2", "a1"}, types[row]


def test_each_kc_samples_five_to_eight_pns_six_on_average(body):
    pns = np.zeros(body.n, bool)
    pns[rows_of_class(body, "ALPN")] = True
    chemical = body.chemical
    kcs = rows_of_class(body, "Kenyon_Cell")
    inputs = np.bincount(chemical.indices[pns[chemical.pre]], minlength=body.n)[kcs]
    assert inputs.min() >= 5 and inputs.max() <= 8
    assert inputs.mean() == pytest.approx(6.2, abs=0.15)
    # Random sampling: every glomerulus feeds some KCs, none feeds them all.
    fed = np.zeros(body.n, int)
    np.add.at(fed, chemical.pre[np.isin(chemical.indices, kcs)], 1)
    assert (fed[pns] > 0).all() and (fed[pns] < kcs.size // 4).all()


def test_kcs_synapse_onto_the_mbons_of_their_lobes(body):
    mbons = rows_of_class(body, "MBON")
    types = body.strings("cell_type")
    lobe = {"KCg-m": "γ", "KCab": "α/β", "KCapbp-m": "α'/β'", "KCapbp-ap1": "α'/β'", "KCapbp-ap2": "α'/β'"}
    for row in rows_of_class(body, "Kenyon_Cell")[::97]:
        passes = set(mb.KC_CLASS_COMPARTMENTS[lobe[types[row]]])
        assert compartments(body, row) == passes
        expected = {int(m) for m in mbons if compartments(body, m) & passes}
        assert set(targets(body, row).tolist()) == expected


def test_every_dan_synapses_onto_mbons_of_its_own_compartments_only(body):
    classes = body.strings("cell_class")
    for row in rows_of_class(body, "DAN"):
        post = targets(body, row)
        assert post.size > 0
        assert set(classes[post]) == {"MBON"}
        for mbon in post:
            assert compartments(body, mbon) & compartments(body, row)
        everyone = {int(m) for m in rows_of_class(body, "MBON") if compartments(body, m) & compartments(body, row)}
        assert set(post.tolist()) == everyone


@pytest.mark.parametrize("text, cell_class", [
    ("class:Kenyon_Cell", "Kenyon_Cell"), ("class:MBON", "MBON"), ("class:DAN", "DAN"), ("class:ALPN", "ALPN"),
    ("type:PAM*", "DAN"), ("type:PPL101", "DAN"), ("type:MBON11", "MBON"), ("type:KCg-m", "Kenyon_Cell"),
    ("type:DA1_lPN", "ALPN"), ("type:DM6_adPN", "ALPN"),
])
def test_flywire_selectors_resolve(body, text, cell_class):
    rows = Selector.parse(text).resolve(body)
    assert rows.size > 0
    assert set(body.strings("cell_class")[rows]) == {cell_class}


def test_pam_types_and_subsystems(body):
    pam = body.strings("cell_type")[Selector.parse("type:PAM*").resolve(body)]
    assert set(pam) == {f"PAM{i:02d}" for i in range(1, 16)}
    subsystem = body.strings("subsystem")
    assert set(subsystem[rows_of_class(body, "Kenyon_Cell")]) == {"learning"}
    assert set(subsystem[rows_of_class(body, "MBON")]) == {"learning"}
    assert set(subsystem[rows_of_class(body, "DAN")]) == {"steering"}
    assert body.meta["subsystem_rules"] == "flywire"


def test_meta_says_the_wiring_is_synthetic_and_cites_its_sources(body):
    meta = body.meta
    assert "synthetic" in meta["name"] and "synthetic" in meta["note"]
    assert meta["species"] == "Drosophila melanogaster"
    for source in ("eLife 3:e04577", "Nature 497:113", "Neuron 88:985"):
        assert source in meta["citation"]
    assert meta["license"].startswith("MIT")
    assert meta["positions"].startswith("schematic")  # anatomically placed, in FlyWire's orientation


def test_positions_lay_out_the_circuit(body):
    position = body.position
    centre = {c: position[rows_of_class(body, c)].mean(axis=0) for c in ("ALPN", "Kenyon_Cell", "MBON", "DAN")}
    assert (position[:, 0] <= 0).all()  # the right hemisphere: FlyWire's x points to the fly's left
    assert centre["ALPN"][2] < centre["Kenyon_Cell"][2]  # antennal lobe anterior of the calyx
    assert centre["Kenyon_Cell"][1] < centre["ALPN"][1]  # KC somata dorsal (y is ventral)

    def at(compartment, axis):
        rows = np.intersect1d(mb.compartment_rows(body, compartment), rows_of_class(body, "MBON"))
        return position[rows, axis].mean()

    assert at("a3", 1) < at("a1", 1)  # the vertical lobe rises dorsally from the heel
    assert at("y5", 0) > at("y1", 0)  # the medial lobe runs to the midline: gamma5 nearest


def test_odours_are_sets_of_glomeruli(body):
    assert len(mb.glomeruli(body)) == 51
    assert "DA1" in mb.glomeruli(body) and "VA1v" in mb.glomeruli(body)
    rows = mb.odour_rows(body, "DA1")
    assert set(body.strings("cell_type")[rows]) == {"DA1_lPN"} and rows.size == 7
    odour = mb.random_odour(body, seed=5)
    assert odour == mb.random_odour(body, seed=5) and len(odour) == mb.ODOUR_GLOMERULI
    assert set(body.strings("cell_class")[mb.odour_rows(body, odour)]) == {"ALPN"}
    with pytest.raises(UnknownNameError, match="DA1"):
        mb.odour_rows(body, "DA9")
    with pytest.raises(ParameterError):
        mb.random_odour(body, n_glomeruli=0)
    with pytest.raises(UnknownNameError, match="compartments are"):
        mb.compartment_rows(body, "g1")


@pytest.mark.parametrize("kwargs", [{"seed": -1}, {"seed": 1.5}, {"n_kc": 4}, {"n_kc": True}])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ParameterError):
        mb.mushroom_body(**kwargs)


def test_cli_writes_a_file_that_reads_back_equal(tmp_path, capsys):
    path = tmp_path / "mb.h5"
    assert main(["example", "mushroom-body", "--out", str(path), "--seed", "2", "--kcs", "400"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "400 Kenyon_Cell" in out and "synthetic" in out
    loaded = brainview.load(path)
    assert loaded.equals(mb.mushroom_body(seed=2, n_kc=400))
    assert "synthetic" in loaded.meta["note"]
    assert builder("mushroom-body") is mb.mushroom_body and "mushroom-body" in EXAMPLES


def test_cli_refuses_an_unknown_example_and_output(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["example", "antennal-lobe", "--out", str(tmp_path / "x.h5")])
    assert main(["example", "mushroom-body", "--out", str(tmp_path / "x.txt")]) == 1
    assert "must end in .h5" in capsys.readouterr().err
    assert not (tmp_path / "x.txt").exists()


def test_an_odour_drives_a_sparse_set_of_kcs_and_the_mbons(body):
    pytest.importorskip("numba")
    from brainview.sim import Simulation

    kcs, mbons = rows_of_class(body, "Kenyon_Cell"), rows_of_class(body, "MBON")
    chemical = body.chemical
    active_fraction = []
    for seed in range(4):
        odour = mb.odour_rows(body, mb.random_odour(body, seed=seed))
        sim = Simulation(body, seed=seed)
        sim.stimulate(odour, 150)
        sim.run("200 ms")
        spikes = sim.spikes.counts()
        driven = np.zeros(body.n, bool)
        driven[odour] = True
        inputs = np.bincount(chemical.indices[driven[chemical.pre]], minlength=body.n)
        fired = spikes[kcs] > 0
        assert not fired[inputs[kcs] <= 1].any()  # one PN never makes a KC fire
        assert fired[inputs[kcs] >= 4].mean() > 0.9  # four nearly always do
        assert (spikes[mbons] > 0).any()
        assert spikes[rows_of_class(body, "DAN")].sum() == 0  # nothing drives the teachers
        active_fraction.append(fired.mean())
    assert 0.03 <= np.mean(active_fraction) <= 0.12  # sparse coding: about 5-10 % (Honegger et al. 2011)


def test_names_are_flywires(body, shared_data):
    """Every (type, class) pair and every neuropil label is one FlyWire v783 uses."""
    pd = pytest.importorskip("pandas")
    flywire = shared_data / "flywire_v783"
    classes = pd.read_csv(flywire / "classification.csv.gz", usecols=["root_id", "class"])
    types = pd.read_csv(flywire / "consolidated_cell_types.csv.gz", usecols=["root_id", "primary_type"])
    groups = pd.read_csv(flywire / "neurons.csv.gz", usecols=["root_id", "group"])
    table = classes.merge(types, on="root_id")
    known = set(zip(table["primary_type"], table["class"]))
    ours = set(zip(body.strings("cell_type"), body.strings("cell_class")))
    assert ours <= known, sorted(ours - known)
    assert set(body.strings("region")) <= set(groups["group"].dropna())
