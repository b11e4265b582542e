"""The larval connectome of Winding et al. 2023: an edge list with its meta_data.csv annotations."""

from __future__ import annotations

from pathlib import Path

import pytest

import brainview
from brainview.cli import main
from brainview.connectome.io import FormatError
from brainview.connectome.io.larva import read_larva

EDGES = "11,22,3\n22,33,1\n33,11,2\n44,11,5\n55,44,1\n"
NODES = "node_id,pair,hemisphere\n11,0,L\n22,1,R\n33,2,L\n44,3,R\n55,4,L\n"
META = (
    ",name,class1,merge_class,simple_group,hemisphere,lineage,other\n"
    "11,KC #0,KC,KC-1claw,KCs,L,MBNB A,x\n"
    "22,MBON-a1,MBON,MBON-app,MBONs,R,unk,y\n"
    "33,DAN-d1,MBIN,MBIN-DAN,MBINs,L,unk,z\n"
    "44,IPC-1,RGN,RGN-IPC,RGNs,R,unk,z\n"
    "99,not in the edges,sens,sens-ORN,sensories,C,unk,z\n"
)


def write_larva(folder: Path, meta: str = META, name: str = "maggot_x") -> Path:
    (folder / f"{name}_edgelist.csv").write_text(EDGES)
    (folder / f"{name}_nodes.csv").write_text(NODES)
    (folder / "meta_data.csv").write_text(meta)
    return folder / f"{name}_edgelist.csv"


def test_annotations_become_columns_and_the_larva_rules_apply(tmp_path):
    c = brainview.load(write_larva(tmp_path))
    assert c.meta["subsystem_rules"] == "larva"
    assert list(c.ids) == [11, 22, 33, 44, 55]
    assert list(c.strings("cell_class")) == ["KC", "MBON", "MBIN", "RGN", ""]
    assert list(c.strings("cell_type")) == ["KC-1claw", "MBON-app", "MBIN-DAN", "RGN-IPC", ""]
    assert list(c.strings("super_class")) == ["KCs", "MBONs", "MBINs", "RGNs", ""]
    assert list(c.strings("side")) == ["left", "right", "left", "right", "left"]
    # The teachers (MBIN) and the neurosecretory cells (RGN) are steering; KC and MBON learn.
    assert list(c.strings("subsystem")) == ["learning", "learning", "steering", "steering", "other"]
    assert list(c.names) == ["KC #0 11", "MBON-a1 22", "DAN-d1 33", "IPC-1 44", "55"]
    assert "Winding" in c.meta["citation"] and c.chemical.total_weight == 12


def test_folder_opens_like_its_edge_list(tmp_path):
    write_larva(tmp_path)
    assert list(brainview.load(tmp_path).strings("subsystem")) == list(
        brainview.load(tmp_path / "maggot_x_edgelist.csv").strings("subsystem"))


def test_any_edge_list_name_with_the_larva_reader(tmp_path):
    path = write_larva(tmp_path, name="brain")
    assert brainview.load(path).meta.get("subsystem_rules") is None  # a plain edge list by its name
    assert brainview.load(path, reader="larva").meta["subsystem_rules"] == "larva"


def test_missing_annotation_table_is_named(tmp_path):
    path = write_larva(tmp_path)
    (tmp_path / "meta_data.csv").unlink()
    with pytest.raises(FormatError, match=r"maggot_x_edgelist\.csv.*meta_data\.csv"):
        read_larva(path)


@pytest.mark.parametrize(("meta", "message"), [
    (META.replace(",name,", "skid,name,", 1), r"meta_data\.csv, line 1: expected the skeleton ids in an unnamed first"),
    (META.replace("22,MBON", "11,MBON", 1), r"meta_data\.csv, line 3.*skeleton id 11 appears twice"),
    (META.replace("33,DAN", "3x,DAN", 1), r"meta_data\.csv, line 4"),
    (META.replace("class1,", "klass,", 1), r"meta_data\.csv.*class1"),
])
def test_bad_annotation_tables_name_file_and_line(tmp_path, meta, message):
    with pytest.raises(FormatError, match=message):
        read_larva(write_larva(tmp_path, meta))


def test_info_lists_the_larva_groups(tmp_path, capsys):
    assert main(["info", str(write_larva(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "subsystems (rules: larva)" in out and "steering 2" in out and "learning 2" in out


def test_real_larva_subset_gets_its_types_and_groups(shared_data):
    c = brainview.load(shared_data / "larva_subset_bgm" / "maggot_subset_edgelist.csv.gz")
    assert c.n == 1240 and c.meta["subsystem_rules"] == "larva"
    classes = c["cell_class"].counts()
    assert classes["KC"] == 30 and classes["MBON"] == 48 and classes["MBIN"] == 28 and classes["RGN"] == 48
    groups = c["subsystem"].counts()
    # 48 + 2 ring-gland neurons, 28 MBINs, 40 + 6 dSEZ, 6 A00c (class1 counts of meta_data.csv).
    assert groups["steering"] == 130 and groups["motor"] == 26 and groups["sensory"] == 72
    assert sum(groups.values()) == 1240
