"""Conditioning on the synthetic mushroom body: learning with the teachers, none without them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from brainview.cli import main
from brainview.comparison.conditioning import Conditioning, run_conditioning
from brainview.comparison.design import Lesion
from brainview.connectome.examples.mushroom_body import mushroom_body, odour_rows, random_odour
from brainview.errors import ParameterError
from brainview.experiment.cells import cells_from_selector
from brainview.experiment.model import CellSet
from brainview.sim.plasticity import PlasticityRule

REWARD = "type:" + ",".join(f"PAM{i:02d}" for i in range(1, 16))


@pytest.fixture(scope="module")
def body():
    return mushroom_body(seed=0)


def conditioning(body, lesions=(), trials=10, seed=0, **changes):
    odour = {name: CellSet(f"odour:{name}", name, odour_rows(body, random_odour(body, seed=s)))
             for name, s in (("A", 1), ("B", 5))}
    select = lambda text: cells_from_selector(body, text)  # noqa: E731
    rule = PlasticityRule(pre="class:Kenyon_Cell", post="class:MBON", modulators="class:DAN", **changes)
    return Conditioning(body, odour["A"], odour["B"], select(REWARD), select("class:MBON"), rule,
                        tuple(Lesion(select(t)) for t in lesions), pairings=3, trials=trials, seed=seed)


def test_pairing_with_reward_depresses_the_paired_odour_and_silenced_teachers_teach_nothing(body):
    learned = run_conditioning(conditioning(body))
    assert learned.learning_index < 0 and learned.ci_high < 0
    rates = learned.to_dict()["readout_Hz"]
    fall = {odour: 1 - rates["post"][odour] / rates["pre"][odour] for odour in "AB"}
    assert fall["A"] > 0.3  # the paired odour's response fell
    assert fall["B"] < fall["A"] / 3  # the unpaired one's, through the Kenyon cells they share, much less
    untaught = run_conditioning(conditioning(body, lesions=("class:DAN",)))
    assert untaught.ci_low <= 0 <= untaught.ci_high
    # Silenced teachers change no weight, and each odour repeats its trains: the tests agree.
    rates = untaught.to_dict()["readout_Hz"]
    assert rates["post"] == rates["pre"]


def test_a_run_is_reproducible_by_its_seed(body):
    first = run_conditioning(conditioning(body, trials=2, seed=4))
    again = run_conditioning(conditioning(body, trials=2, seed=4))
    other = run_conditioning(conditioning(body, trials=2, seed=5))
    np.testing.assert_array_equal(first.index, again.index)
    assert not np.array_equal(first.index, other.index)


def test_a_readout_the_odours_do_not_reach_is_refused(body):
    with pytest.raises(ParameterError, match="does not respond to odour A"):
        run_conditioning(Conditioning(
            body, *(cells_from_selector(body, s) for s in ("type:DA1_lPN", "type:DL5_adPN", REWARD, "type:PPL101")),
            PlasticityRule(pre="class:Kenyon_Cell", post="class:MBON", modulators="class:DAN"), trials=2,
        ))


@pytest.fixture(scope="module")
def body_file(body, tmp_path_factory):
    from brainview.connectome.io import write_native

    path = tmp_path_factory.mktemp("mb") / "mb.h5"
    write_native(body, path)
    return path


def odour_selector(body, seed):
    return "type:" + ",".join(sorted({body["cell_type"][r] for r in odour_rows(body, random_odour(body, seed=seed))}))


def test_the_command_prints_the_learning_index_as_json(body, body_file, capsys):
    argv = ["condition", str(body_file), "--odour-a", odour_selector(body, 1), "--odour-b", odour_selector(body, 5),
            "--reward", REWARD, "--readout", "class:MBON", "--trials", "3", "--json"]
    assert main(argv) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures) >= {"learning_index", "ci_low", "ci_high", "readout_Hz", "per_trial_index"}
    assert figures["trials"] == 3 and len(figures["per_trial_index"]) == 3
    assert figures["learning_index"] == pytest.approx(np.mean(figures["per_trial_index"]))


@pytest.mark.parametrize("extra, words", [
    (["--plastic", "class:MBON:class:Kenyon_Cell"], "no chemical synapse goes from"),
    (["--modulators", "class:MBON"], "reach no plastic synapse"),
    (["--tau-e=-5ms"], "tau_e_ms"),
    (["--plastic", "nothing"], "PRE:POST"),
    (["--trials", "1"], "--trials"),
])
def test_bad_specifications_say_what_is_missing(body, body_file, capsys, extra, words):
    argv = ["condition", str(body_file), "--odour-a", odour_selector(body, 1), "--odour-b", odour_selector(body, 5),
            "--reward", REWARD, "--readout", "class:MBON", *extra]
    assert main(argv) == 1
    assert words in capsys.readouterr().err


def test_the_protocol_runs_unchanged_on_the_larval_connectome(shared_data):
    """Winding et al. 2023's larva (the paired-neuron subset in ../shared/data): KC, MBON, MBIN,
    opened by its own reader as a user would, with its annotations as cell classes."""
    import brainview

    larva = brainview.load(shared_data / "larva_subset_bgm" / "maggot_subset_edgelist.csv.gz")
    assert larva.meta["subsystem_rules"] == "larva"
    select = lambda text: cells_from_selector(larva, text)  # noqa: E731
    pns = select("class:uPN").rows
    odours = CellSet("odour:A", "A", pns[::2]), CellSet("odour:B", "B", pns[1::2])
    rule = PlasticityRule(pre="class:KC", post="class:MBON", modulators="class:MBIN", eta_mV=0.01)

    def run(lesions):
        return run_conditioning(Conditioning(
            larva, *odours, select("class:MBIN"), select("class:MBON"), rule,
            tuple(Lesion(select(t)) for t in lesions), trials=2, params={"w_syn_mV": 1.0},
        ))

    taught, untaught = run(()), run(("class:MBIN",))
    assert np.isfinite(taught.learning_index) and taught.learning_index != untaught.learning_index
    # The larva's MBINs get input from the network, so they also fire (and teach) in the tests.
    assert abs(untaught.learning_index) < 0.05
