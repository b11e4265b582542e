"""``brainview paths``: shortest synaptic paths between selections, and n-hop neighbourhoods (issue 14)."""

from __future__ import annotations

import json

import pytest

from brainview.cli import main
from brainview.connectome.io import write_native

TOUCH, BACKWARD = "ALML,ALMR,AVM", "type:VA,DA"


def test_paths_text_on_the_worm(capsys):
    assert main(["paths", "--from", TOUCH, "--to", BACKWARD, "--min-synapses", "5", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "from ALML,ALMR,AVM (3 cells) to type:VA,DA (21 cells), links of at least 5 synapses:",
        "shortest path: 3 hops; 252 path(s) of that length, the best 2 (weakest link strongest first):",
        "  AVM (sensory) -[13]-> AVBL (steering) -[14]-> AVAR (steering) -[20]-> DA8 (motor)",
        "  AVM (sensory) -[13]-> AVBL (steering) -[14]-> AVAR (steering) -[13]-> VA11 (motor)",
    ]


def test_paths_json_on_the_worm(capsys):
    assert main(["paths", "--from", "ALML,ALMR", "--to", BACKWARD, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["hops"] == 2 and document["n_paths"] == 29 and len(document["paths"]) == 10
    assert document["from"] == {"selector": "ALML,ALMR", "cells": 2} and document["to"]["cells"] == 21
    first = document["paths"][0]
    assert [c["name"] for c in first["cells"]] == ["ALML", "AVEL", "VA1"]
    assert first["synapses"] == [3, 12] and first["weakest_link"] == 3 and first["total_synapses"] == 15
    assert set(first["cells"][1]) == {"row", "name", "cell_type", "subsystem"}
    assert first["cells"][1]["subsystem"] == "steering"


def test_no_path_within_max_hops(connectome_factory, tmp_path, capsys):
    path = tmp_path / "chain.h5"
    write_native(connectome_factory(6, [(0, 1, 2, 1), (1, 2, 2, 1), (2, 3, 2, 1)]), path)
    assert main(["paths", str(path), "--from", "N0", "--to", "N3", "--max-hops", "2"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "no path within 2 hops"
    assert main(["paths", str(path), "--from", "N0", "--to", "N3", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["hops"] == 3 and [c["row"] for c in document["paths"][0]["cells"]] == [0, 1, 2, 3]
    assert main(["paths", str(path), "--from", "N3", "--to", "N0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hops"] is None


def test_hops_neighbourhood_per_subsystem(capsys):
    assert main(["paths", "--from", TOUCH, "--hops", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "downstream of ALML,ALMR,AVM (3 cells), cells first reached at each hop:"
    assert lines[1].split() == ["subsystem", "hop", "1", "hop", "2", "total"]
    assert lines[-1].split() == ["all", "38", "243", "281"]
    assert main(["paths", "--from", TOUCH, "--hops", "2", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["per_hop"][0]["steering"] == 15 and sum(document["per_hop"][0].values()) == 38
    assert sum(document["total"].values()) == 281


@pytest.mark.parametrize(("argv", "message"), [
    (["--from", "NOSUCHCELL", "--to", BACKWARD], "--from 'NOSUCHCELL': selector 'name:NOSUCHCELL' matches no cell"),
    (["--from", TOUCH, "--to", "type:NOPE"], "--to 'type:NOPE':"),
    (["--from", TOUCH, "--to", BACKWARD, "--max-hops", "-1"], "--max-hops must be at least 0, was -1"),
    (["--from", TOUCH, "--hops", "-2"], "--hops must be at least 0, was -2"),
    (["--from", TOUCH, "--to", BACKWARD, "--limit", "0"], "--limit must be at least 1, was 0"),
    (["--from", TOUCH, "--to", BACKWARD, "--min-synapses", "0"], "--min-synapses must be more than 0, was 0"),
    (["--from", TOUCH], "give --to SELECTOR for paths, or --hops N"),
    (["--from", TOUCH, "--to", BACKWARD, "--hops", "2"], "leave out --to"),
])
def test_bad_options_are_one_line_errors(argv, message, capsys):
    assert main(["paths", *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("brainview: error: ") and message in err and err.count("\n") == 1
