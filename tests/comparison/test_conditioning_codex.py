"""The conditioning protocol on a FlyWire Codex download, unchanged: the mushroom-body example
written out in Codex's table layout (there is no real FlyWire wiring on this machine), read back
by the Codex reader, conditions as the example itself does."""

from __future__ import annotations

import csv
import gzip

import numpy as np
import pytest

import brainview
from brainview.comparison.conditioning import Conditioning, run_conditioning
from brainview.comparison.design import Lesion
from brainview.connectome.examples.mushroom_body import mushroom_body, odour_rows, random_odour
from brainview.experiment.cells import cells_from_selector
from brainview.experiment.model import CellSet
from brainview.sim.plasticity import PlasticityRule

CODEX_NT = {"ACh": "ACH", "Glu": "GLUT", "GABA": "GABA", "DA": "DA", "5HT": "SER", "OA": "OCT"}
ROOT = 720575940600000000
REWARD = "type:" + ",".join(f"PAM{i:02d}" for i in range(1, 16))


def write_codex(body, folder):
    """``body`` as a Codex download: neurons, classification and connections tables."""
    folder.mkdir()
    ids = ROOT + body.ids
    strings = {key: body.strings(key) for key in ("cell_type", "cell_class", "super_class", "region", "side", "nt")}
    with open(folder / "neurons.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["root_id", "group", "nt_type", "nt_type_score"])
        for i in range(body.n):
            writer.writerow([ids[i], strings["region"][i], CODEX_NT[strings["nt"][i]], 0.9])
    with open(folder / "classification.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["root_id", "flow", "super_class", "class", "sub_class", "cell_type", "hemibrain_type",
                         "hemilineage", "side", "nerve"])
        for i in range(body.n):
            writer.writerow([ids[i], "intrinsic", strings["super_class"][i], strings["cell_class"][i], "",
                             strings["cell_type"][i], "", "", strings["side"][i], ""])
    chemical = body.chemical
    with gzip.open(folder / "connections.csv.gz", "wt", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["pre_root_id", "post_root_id", "neuropil", "syn_count", "nt_type"])
        for pre, post, count in zip(chemical.pre, chemical.indices, chemical.weight):
            writer.writerow([ids[pre], ids[post], strings["region"][post], int(count), CODEX_NT[strings["nt"][pre]]])
    return folder


def conditioning(connectome, lesions=()):
    select = lambda text: cells_from_selector(connectome, text)  # noqa: E731
    odours = [CellSet(f"odour:{name}", name, odour_rows(connectome, random_odour(connectome, seed=seed)))
              for name, seed in (("A", 1), ("B", 5))]
    rule = PlasticityRule(pre="class:Kenyon_Cell", post="class:MBON", modulators="class:DAN")
    return Conditioning(connectome, *odours, select(REWARD), select("class:MBON"), rule,
                        tuple(Lesion(select(t)) for t in lesions), pairings=3, trials=4, seed=0)


@pytest.fixture(scope="module")
def codex_body(tmp_path_factory):
    body = mushroom_body(seed=0)
    return body, brainview.load(write_codex(body, tmp_path_factory.mktemp("codex") / "flywire"))


def test_the_codex_download_holds_the_example_and_gets_the_flywire_rules(codex_body):
    body, codex = codex_body
    assert codex.n == body.n and codex.meta["subsystem_rules"] == "flywire"
    assert np.array_equal(codex.chemical.weight, body.chemical.weight)
    assert np.array_equal(codex.chemical.sign, body.chemical.sign)
    for key in ("cell_type", "cell_class", "subsystem"):
        assert np.array_equal(codex.strings(key), body.strings(key))


def test_conditioning_a_codex_download_learns_as_the_example_does(codex_body):
    body, codex = codex_body
    on_codex, on_body = run_conditioning(conditioning(codex)), run_conditioning(conditioning(body))
    assert on_codex.learning_index == pytest.approx(on_body.learning_index)
    assert on_codex.ci_high < 0  # odour A's MBON response fell
    untaught = run_conditioning(conditioning(codex, lesions=("class:DAN",)))
    assert untaught.ci_low <= 0 <= untaught.ci_high
