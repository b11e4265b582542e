"""``brainview subsystems``: the groups with counts and the cell-type diversity per region (issue 14)."""

from __future__ import annotations

import json
import shutil

import pytest

from brainview.cli import main
from brainview.connectome.io import write_native

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_subsystems_json_on_the_worm(capsys):
    assert main(["subsystems", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["subsystem_rules"] == "celegans"
    groups = {g["label"]: g for g in document["groups"]}
    assert groups["steering"]["colour"] == "#d62728" and sum(g["cells"] for g in groups.values()) == 449
    regions = {r["region"]: r for r in document["regions"]}
    assert set(regions) == {"head", "midbody", "ventral cord", "pharynx", "tail"}
    assert set(regions["head"]) == {"region", "neurons", "cell_types", "types_per_1000", "dominant_subsystem"}
    assert sum(r["neurons"] for r in regions.values()) == 302
    cord = regions["ventral cord"]
    assert cord["dominant_subsystem"] == "motor"
    assert cord["types_per_1000"] == pytest.approx(1000 * cord["cell_types"] / cord["neurons"], abs=1e-3)


def test_subsystems_text_lists_groups_and_regions(capsys):
    assert main(["subsystems"]) == 0
    out = capsys.readouterr().out
    assert "subsystems (rules: celegans):" in out and "cell-type diversity per region" in out
    assert "  ventral cord" in out and "motor" in out


def test_subsystems_plot_writes_a_png(tmp_path, capsys):
    out = tmp_path / "diversity.png"
    assert main(["subsystems", "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG_MAGIC and out.stat().st_size > 10_000
    assert f"wrote {out}" in capsys.readouterr().out


def test_subsystems_rules_and_a_dataset_no_rule_set_fits(connectome_factory, tmp_path, capsys):
    path = tmp_path / "small.h5"
    write_native(connectome_factory(6, region=["A", "A", "A.B", "B", "B", "B"]), path)
    assert main(["subsystems", str(path)]) == 0
    out = capsys.readouterr().out
    assert "no rule set fits this dataset" in out and "cell-type diversity per region" in out
    assert main(["subsystems", str(path), "--rules", "celegans", "--json", "--plot", str(tmp_path / "a.png")]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["subsystem_rules"] == "celegans"
    assert {r["region"]: (r["neurons"], r["cell_types"]) for r in document["regions"]} == {"A": (3, 2), "B": (3, 2)}
    assert (tmp_path / "a.png").read_bytes()[:8] == PNG_MAGIC


def test_subsystems_bad_options_are_one_line_errors(tmp_path, capsys):
    assert main(["subsystems", "--plot", str(tmp_path / "figure.jpg")]) == 1
    assert "must end in .png" in capsys.readouterr().err
    assert main(["subsystems", "--min-neurons", "0"]) == 1
    assert "--min-neurons must be at least 1, was 0" in capsys.readouterr().err


def test_subsystems_help_documents_region_and_cell_type(capsys):
    with pytest.raises(SystemExit):
        main(["subsystems", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "main neuropil, the first one listed in the neurons table's \"group\"" in text
    assert "the Codex cell type" in text and "--rules NAME|FILE" in text


def test_subsystems_on_the_real_flywire_annotations(shared_data, tmp_path, capsys):
    folder = tmp_path / "flywire_v783"
    folder.mkdir()
    for name in ("neurons.csv.gz", "classification.csv.gz", "consolidated_cell_types.csv.gz"):
        shutil.copy(shared_data / "flywire_v783" / name, folder / name)
    (folder / "connections.csv").write_text("pre_root_id,post_root_id,neuropil,syn_count,nt_type\n")
    plot = tmp_path / "flywire_diversity.png"
    assert main(["subsystems", str(folder), "--json", "--plot", str(plot)]) == 0
    regions = {r["region"]: r for r in json.loads(capsys.readouterr().out)["regions"]}
    per_1000 = {name: regions[name]["types_per_1000"] for name in ("GNG", "PRW", "FLA", "MB_CA", "ME")}
    print("\nFlyWire v783 types per 1,000 neurons:", per_1000)
    assert min(per_1000[r] for r in ("GNG", "PRW", "FLA")) > 20 * max(per_1000["MB_CA"], per_1000["ME"])
    assert plot.read_bytes()[:8] == PNG_MAGIC
