"""Choosing the shipped rule set that fits a neuPrint export: the hemibrain or the male nerve cord."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

import brainview
from brainview.cli import main
from brainview.connectome import Connectome
from brainview.connectome.categorical import Categorical
from brainview.connectome.rule_fit import best_fitting_rules, claimed_share
from brainview.connectome.subsystems import classify, rules_for
from brainview.connectome.synapses import SynapseCSR

HEMIBRAIN = """bodyId,type,instance
1,KCg-m,KCg-m_R
2,MBON01,MBON01(y5B'2a)_R
3,PAM01_a,PAM01_a(y5)_L
4,PPL101,PPL101(y1pedc)_R
5,Giant_Fiber,Giant_Fiber_R
6,LC4,LC4_R
7,ORN_DA1,ORN_DA1_R
8,DNa02,DNa02_R
9,EPG,EPG(PB08)_L1
10,,
"""
MANC = """bodyId,type,instance,class,predictedNt
1,DNp01,DNp01_R,descending neuron,acetylcholine
2,TTMn,TTMn_R,motor neuron,acetylcholine
3,IN03A001,IN03A001_T1_L,intrinsic neuron,gaba
4,SNta02,SNta02_T1_L,sensory neuron,acetylcholine
5,MNwm35,MNwm35_T2_R,motor neuron,glutamate
6,AN05B006,AN05B006_L,ascending neuron,acetylcholine
7,EN00B001,EN00B001_T2_M,efferent neuron,octopamine
8,DNa02,DNa02_R,descending neuron,acetylcholine
"""


def export(folder: Path, neurons: str) -> Path:
    (folder / "traced-neurons.csv").write_text(neurons)
    ids = [int(line.split(",")[0]) for line in neurons.splitlines()[1:]]
    rows = "".join(f"{a},{b},2\n" for a, b in zip(ids, ids[1:] + ids[:1]))
    (folder / "traced-total-connections.csv.gz").write_bytes(gzip.compress(f"bodyId_pre,bodyId_post,weight\n{rows}".encode()))
    return folder


def test_a_hemibrain_export_gets_the_hemibrain_rules(tmp_path):
    c = brainview.load(export(tmp_path, HEMIBRAIN))
    assert c.meta["subsystem_rules"] == "hemibrain"
    assert list(c.strings("subsystem")) == [
        "learning", "learning", "steering", "steering", "steering", "visual", "sensory", "motor", "other", "other"]


def test_a_manc_export_gets_the_manc_rules(tmp_path):
    c = brainview.load(export(tmp_path, MANC))
    assert c.meta["subsystem_rules"] == "manc"
    assert list(c.strings("subsystem")) == [
        "steering", "steering", "other", "sensory", "motor", "other", "steering", "motor"]


def test_an_export_no_rule_set_fits_says_what_was_tried(tmp_path, capsys):
    folder = export(tmp_path, "bodyId,type\n1,foo\n2,bar\n3,baz\n")
    c = brainview.load(folder)
    assert "subsystem_rules" not in c.meta and not c["subsystem"].counts()
    assert c.meta["subsystem_rules_tried"] == "hemibrain (0%), manc (0%)"
    assert main(["info", str(folder)]) == 0
    assert "no rule set fits this dataset (tried: hemibrain (0%), manc (0%))" in capsys.readouterr().out


def test_rules_given_by_the_user_win_over_the_fit(tmp_path):
    c = brainview.load(export(tmp_path, HEMIBRAIN), rules="manc")
    assert c.meta["subsystem_rules"] == "manc"


def test_best_fit_needs_the_minimum_share_and_prefers_the_first_of_equals():
    n = 20
    cell_type = Categorical.from_values(["KCg-m"] + [""] * (n - 1))  # 5 % claimed by the hemibrain rules
    empty = Categorical.filled(n)
    columns = {"id": np.arange(n), "name": Categorical.from_values([str(i) for i in range(n)]),
               "cell_type": cell_type, "cell_class": empty}
    c = Connectome(columns, np.zeros((n, 3)), SynapseCSR.empty(n), None, {})
    assert claimed_share(c, rules_for("hemibrain")) == pytest.approx(0.05)
    rules, shares = best_fitting_rules(c, ("hemibrain", "manc"))
    assert rules.title == rules_for("hemibrain").title and shares == {"hemibrain": 0.05, "manc": 0.0}
    assert best_fitting_rules(c, ("hemibrain", "manc"), minimum_share=0.06)[0] is None
    assert best_fitting_rules(c, ("manc", "manc"))[0] is None


def test_hemibrain_rules_on_flywire_hemibrain_types_agree_with_the_flywire_rules(shared_data):
    """FlyWire's ``hemibrain_type`` column names 29,848 neurons as the hemibrain does."""
    import pandas as pd

    from brainview.connectome.io.codex import read_codex_annotations

    columns = read_codex_annotations(shared_data / "flywire_v783")
    n = len(columns["id"])
    fly = Connectome(columns, np.zeros((n, 3)), SynapseCSR.empty(n), None, {})
    table = pd.read_csv(shared_data / "flywire_v783" / "classification.csv.gz", usecols=["root_id", "hemibrain_type"])
    hemibrain_type = pd.Series(table.hemibrain_type.to_numpy(), index=table.root_id).reindex(fly.ids).fillna("")
    typed = hemibrain_type.to_numpy() != ""
    empty = Categorical.filled(n)
    as_hemibrain = fly.with_columns(cell_type=Categorical.from_values(hemibrain_type.to_numpy()),
                                    cell_class=empty, super_class=empty, region=empty)
    flywire = classify(fly, rules_for("flywire")).to_strings()[typed]
    hemibrain = classify(as_hemibrain, rules_for("hemibrain")).to_strings()[typed]
    assert typed.sum() == 29_848
    assert np.mean(flywire == hemibrain) > 0.93

    def agreement(label):
        return np.mean(hemibrain[flywire == label] == label)

    print(f"\nhemibrain rules vs FlyWire rules on {typed.sum():,} neurons: "
          + ", ".join(f"{g} {agreement(g):.0%}" for g in ("steering", "learning", "visual", "sensory", "motor")))
    assert agreement("learning") == 1.0 and agreement("visual") > 0.9
    # FlyWire's steering also takes neurons by predicted transmitter and by main neuropil (GNG,
    # PRW, FLA), which type names cannot say; the cells the hemibrain rules call steering are
    # steering in FlyWire too.
    precision = np.mean(flywire[hemibrain == "steering"] == "steering")
    print(f"hemibrain steering that FlyWire calls steering: {precision:.0%}")
    assert precision > 0.9
