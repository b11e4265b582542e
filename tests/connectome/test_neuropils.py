"""Cells without a position placed inside their neuropil's mesh, from a fake installed fafbseg."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import brainview
import fake_fafbseg
from brainview.cli import main
from brainview.connectome import Categorical
from brainview.connectome.io.errors import FormatError
from brainview.connectome.meshes.inside import MeshInterior
from brainview.connectome.neuropils import (
    PARTNERS_SOURCE, STRANDED_SOURCE, find_neuropil_archive, load_neuropil_meshes, main_neuropil,
    place_in_neuropils, read_neuropil_archive,
)


@pytest.fixture
def fafbseg(monkeypatch, tmp_path):
    return fake_fafbseg.install(monkeypatch, tmp_path / "site")


@pytest.fixture
def no_fafbseg(monkeypatch):
    """As on a machine without fafbseg, even where it is installed."""
    monkeypatch.setattr("brainview.connectome.neuropils.find_neuropil_archive", lambda: None)


def inside_box(points, name):
    low, high = (np.array(corner) for corner in fake_fafbseg.BOXES_UM[name])
    return np.all((points >= low) & (points <= high), axis=1)


def test_the_archive_is_found_where_the_package_is_without_importing_it(fafbseg):
    import sys

    assert find_neuropil_archive() == fafbseg
    meshes = load_neuropil_meshes()
    assert "fafbseg" not in sys.modules
    assert sorted(meshes.meshes) == sorted(fake_fafbseg.BOXES_UM)  # the __MACOSX forks are skipped
    low, high = fake_fafbseg.BOXES_UM["GNG"]
    np.testing.assert_allclose(meshes.meshes["GNG"].vertices.min(axis=0), low)  # nanometres -> micrometres
    np.testing.assert_allclose(meshes.meshes["GNG"].vertices.max(axis=0), high)


@pytest.mark.parametrize("group, side, expected", [
    ("AL.LH", "left", "AL_L"), ("AL", "right", "AL_R"), ("GNG", "center", "GNG"), ("GNG.SAD", "left", "GNG"),
    ("LH", "left", None), ("AL", "", None), ("", "left", None), ("NO_CONS", "right", None),
])
def test_main_neuropil_is_the_first_group_with_the_soma_side(group, side, expected):
    assert main_neuropil(group, side, fake_fafbseg.BOXES_UM) == expected


def test_codex_cells_without_coordinates_are_placed_inside_their_main_neuropil(fafbseg, tmp_path):
    c = brainview.load(fake_fafbseg.codex_folder(tmp_path / "codex"))
    rows = {int(i): r for r, i in enumerate(c.ids)}
    for root_id, name in fake_fafbseg.PLACED.items():
        assert inside_box(c.position[[rows[root_id]]], name).all(), (root_id, name, c.position[rows[root_id]])
        assert c["position_source"][rows[root_id]] == f"{name} mesh"
    assert c["position_source"][rows[15]] == PARTNERS_SOURCE  # NO_CONS, but wired to cell 11
    assert c["position_source"][rows[16]] == PARTNERS_SOURCE  # LH has no mesh here
    assert c["position_source"][rows[17]] == STRANDED_SOURCE
    np.testing.assert_allclose(c.position[rows[16]], c.position[rows[13]], atol=2.0)  # its only partner
    assert c.meta["positions"].startswith("placed:") and "not measured" in c.meta["positions"]
    assert c.meta["positions_placed"] == "4"
    assert "3 FlyWire neuropil meshes" in c.meta["positions_meshes"]
    again = brainview.load(tmp_path / "codex")
    np.testing.assert_array_equal(again.position, c.position)  # seeded: the same places every time


def test_placement_survives_the_native_format(fafbseg, tmp_path):
    from brainview.connectome.io import read_native, write_native

    c = brainview.load(fake_fafbseg.codex_folder(tmp_path / "codex"))
    back = read_native(write_native(c, tmp_path / "fly.h5"))
    assert back["position_source"].counts() == c["position_source"].counts()
    assert back.meta["positions"] == c.meta["positions"]


def test_without_fafbseg_the_layout_stays_and_says_how_to_get_the_meshes(no_fafbseg, tmp_path):
    c = brainview.load(fake_fafbseg.codex_folder(tmp_path / "codex"))
    assert c.meta["positions"] == "layout:spectral"
    assert "pip install fafbseg" in c.meta["positions_note"]
    assert "position_source" not in c.columns


def test_many_cells_fill_a_mesh_uniformly(fafbseg):
    meshes = load_neuropil_meshes()
    n = 4000
    region = Categorical.from_values(["GNG"] * n)
    side = Categorical.from_values(["center"] * n)
    position, source = place_in_neuropils(None, region, side, meshes, seed=3)
    assert inside_box(position, "GNG").all()
    assert source.counts() == {"GNG mesh": n}
    low, high = (np.array(corner) for corner in fake_fafbseg.BOXES_UM["GNG"])
    np.testing.assert_allclose(position.mean(axis=0), (low + high) / 2, atol=1.5)  # uniform: the box's centre
    measured = np.full((n, 3), np.nan)
    measured[0] = (1.0, 2.0, 3.0)
    kept, source = place_in_neuropils(measured, region, side, meshes, seed=3)
    np.testing.assert_array_equal(kept[0], (1.0, 2.0, 3.0))  # measured rows stay
    assert source[0] == ""


def test_info_says_how_many_cells_were_placed_and_in_which_meshes(fafbseg, tmp_path, capsys):
    folder = fake_fafbseg.codex_folder(tmp_path / "codex")
    assert main(["info", str(folder)]) == 0
    text = capsys.readouterr().out
    assert "placed, not measured: 4 cells inside 3 neuropil meshes" in text
    assert "GNG 2, AL_L 1, AL_R 1" in text
    assert "2 among their partners, 1 around the others" in text
    assert main(["info", str(folder), "--json"]) == 0
    placement = json.loads(capsys.readouterr().out)["placement"]
    assert placement["meshes"] == {"GNG": 2, "AL_L": 1, "AL_R": 1} and placement["in_meshes"] == 4


def test_info_without_fafbseg_says_so(no_fafbseg, tmp_path, capsys):
    assert main(["info", str(fake_fafbseg.codex_folder(tmp_path / "codex"))]) == 0
    assert "no neuropil meshes: install fafbseg (pip install fafbseg)" in capsys.readouterr().out


def test_a_damaged_archive_is_a_format_error_naming_it_and_the_member(tmp_path):
    bad = tmp_path / "JFRC2NP.surf.fw.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(FormatError, match="JFRC2NP.surf.fw.zip.*not a readable zip"):
        read_neuropil_archive(bad)
    with zipfile.ZipFile(bad, "w") as zipped:
        zipped.writestr("AL_L.ply", b"ply\nformat ascii 1.0\nelement vertex 1\nend_header\n")
    with pytest.raises(FormatError, match="AL_L.ply"):
        read_neuropil_archive(bad)


def test_point_in_mesh_agrees_with_the_box_and_an_open_mesh_has_no_inside():
    cube = fake_fafbseg.box((0, 0, 0), (2, 3, 5), "cube")
    points = np.random.default_rng(0).uniform(-1, 6, (5000, 3))
    np.testing.assert_array_equal(MeshInterior(cube).contains(points), inside_box_of(points, (0, 0, 0), (2, 3, 5)))
    flat = fake_fafbseg.box((0, 0, 0), (2, 3, 0), "flat")
    with pytest.raises(ValueError, match="flat encloses no volume"):
        MeshInterior(flat).sample(10, np.random.default_rng(0))


def inside_box_of(points, low, high):
    return np.all((points > np.array(low)) & (points < np.array(high)), axis=1)


def test_the_view_placement_says_the_cells_were_placed(fafbseg, tmp_path):
    from brainview.render.placement import place_cells

    c = brainview.load(fake_fafbseg.codex_folder(tmp_path / "codex"))
    (message,) = place_cells(c).messages
    assert message.startswith("4 of 7 cells have no measured position") and "fafbseg" in message
    assert place_cells(brainview.load_default()).messages == ()
