"""neuPrint flat exports: traced-neurons + traced-total-connections."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

import brainview
from brainview.cli import main
from brainview.connectome.io import FormatError
from brainview.connectome.io.neuprint import read_neuprint

NEURONS = """bodyId,type,instance
200,ADL01a,ADL01a_pct(ADL01)_R
100,KCg-m,KCg-m_R
300,KCg-m,KCg-m_R
400,,
"""
CONNECTIONS = """bodyId_pre,bodyId_post,weight
100,200,12
200,100,3
300,200,5
400,300,1
"""


@pytest.fixture
def export(tmp_path: Path) -> Path:
    (tmp_path / "traced-neurons.csv").write_text(NEURONS)
    (tmp_path / "traced-total-connections.csv.gz").write_bytes(gzip.compress(CONNECTIONS.encode()))
    return tmp_path


def test_neuprint_folder(export):
    c = brainview.load(export)
    assert list(c.ids) == [200, 100, 300, 400]  # file order
    assert list(c.names) == ["ADL01a_pct(ADL01)_R", "KCg-m_R_100", "KCg-m_R_300", "400"]
    assert list(c.strings("cell_type")) == ["ADL01a", "KCg-m", "KCg-m", ""]
    assert list(c.strings("side")) == ["right", "right", "right", ""]
    assert list(c.strings("nt")) == ["unknown"] * 4
    assert c.chemical.total_weight == 21 and np.all(c.chemical.sign == 1)
    row = c.chemical.row(1)  # body 100 -> body 200 (row 0)
    assert list(c.chemical.indices[row]) == [0] and list(c.chemical.weight[row]) == [12]
    assert c.meta["positions"] == "layout:spectral" and c.meta["units"] == "synapse counts"
    assert "neuPrint" in c.meta["source"] and c.meta["species"] == "Drosophila melanogaster"


def test_neuprint_optional_transmitter_region_and_side(export):
    (export / "traced-neurons.csv").write_text(
        "bodyId,type,instance,predictedNt,roi,somaSide\n"
        "200,ADL01a,ADL01a_R,gaba,AL(R),R\n100,KC,KC_R,acetylcholine,MB(R),L\n300,KC,,glutamate,,\n400,,,,,\n"
    )
    c = brainview.load(export / "traced-total-connections.csv.gz")
    assert list(c.strings("nt")) == ["GABA", "ACh", "Glu", "unknown"]
    assert list(c.strings("region")) == ["AL(R)", "MB(R)", "", ""]
    assert list(c.strings("side")) == ["right", "left", "", ""]
    signs = {(int(i), int(j)): int(s) for i, j, s in zip(c.chemical.pre, c.chemical.indices, c.chemical.sign)}
    assert signs == {(1, 0): 1, (0, 1): -1, (2, 0): -1, (3, 2): 1}


def test_neuprint_errors(export):
    connections = export / "traced-total-connections.csv.gz"
    connections.write_bytes(gzip.compress((CONNECTIONS + "100,999,2\n").encode()))
    with pytest.raises(FormatError, match="unknown neuron id 999 \\(not in traced-neurons.csv\\)") as info:
        read_neuprint(export)
    assert (info.value.line, info.value.column) == (6, "bodyId_post")
    connections.write_bytes(gzip.compress(CONNECTIONS.replace("100,200,12", "100,200,many").encode()))
    with pytest.raises(FormatError, match="expected an integer, got 'many'") as info:
        read_neuprint(export)
    assert (info.value.line, info.value.column) == (2, "weight")
    connections.write_bytes(gzip.compress(CONNECTIONS.replace("weight", "count").encode()))
    with pytest.raises(FormatError, match="missing column 'weight'.*'count'"):
        read_neuprint(export)
    connections.write_bytes(gzip.compress(b""))
    with pytest.raises(FormatError, match="the file is empty"):
        read_neuprint(export)


def test_neuprint_neuron_table_problems(export):
    neurons = export / "traced-neurons.csv"
    neurons.write_text(NEURONS + "100,KCg-m,KCg-m_R\n")
    with pytest.raises(FormatError, match="bodyId 100 appears twice") as info:
        read_neuprint(export)
    assert info.value.line == 6
    neurons.write_text("bodyId,type,instance\n")
    with pytest.raises(FormatError, match="no neurons"):
        read_neuprint(export)
    neurons.unlink()
    with pytest.raises(FormatError, match="expected traced-neurons.csv"):
        read_neuprint(export)


def test_cli_info_on_bad_neuprint_export(export, capsys):
    (export / "traced-total-connections.csv.gz").write_bytes(gzip.compress(b"bodyId_pre,bodyId_post\n1,2\n"))
    assert main(["info", str(export)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing column 'weight'" in err[0]


# -- hostile input (found by fuzzing, tests/connectome/io/test_fuzz_text_readers.py) ------------
@pytest.mark.parametrize("weight", ["-7", "9200000000000000000"])
def test_neuprint_weights_out_of_range(export, weight):
    connections = export / "traced-total-connections.csv.gz"
    connections.write_bytes(gzip.compress(CONNECTIONS.replace("200,100,3", f"200,100,{weight}").encode()))
    with pytest.raises(FormatError, match="expected an integer from 0 to 16777216") as info:
        brainview.load(export)
    assert (info.value.path, info.value.line, info.value.column) == (str(connections), 3, "weight")


def test_neuprint_invalid_utf8_in_a_neuron_row(export):
    neurons = export / "traced-neurons.csv"
    neurons.write_bytes(NEURONS.encode().replace(b"KCg-m_R\n300", b"KCg-m_R\xc3\n300"))
    with pytest.raises(FormatError, match="not UTF-8") as info:
        brainview.load(export)
    assert (info.value.path, info.value.line) == (str(neurons), 3)
