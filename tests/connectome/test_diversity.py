"""Cell-type diversity per region (issue 14): distinct cell types per 1,000 neurons."""

from __future__ import annotations

import numpy as np
import pytest

from brainview.connectome import Categorical, Connectome, SynapseCSR
from brainview.connectome.diversity import COLUMNS, main_region, region_diversity, region_rows

# Twelve cells. Region GNG (from "GNG", "GNG.PRW", "GNG.SMP"): five neurons of types a, a, b, c
# and one untyped, plus a muscle (not counted); ME: four neurons, all type t; PRW: one neuron
# without a type; NO_CONS and "" are no region.
REGION = ["GNG", "GNG.PRW", "GNG.SMP", "GNG", "GNG", "GNG", "ME", "ME.LO", "ME", "ME", "PRW", "NO_CONS"]
KIND = ["neuron"] * 5 + ["muscle"] + ["neuron"] * 6
TYPE = ["a", "a", "b", "c", "", "z", "t", "t", "t", "t", "", "q"]
SUBSYSTEM = ["steering", "steering", "steering", "other", "other", "steering",
             "visual", "visual", "visual", "learning", "steering", "other"]


def _connectome(**overrides) -> Connectome:
    columns = {"id": np.arange(12, dtype=np.int64), "region": REGION, "kind": KIND, "cell_type": TYPE,
               "subsystem": SUBSYSTEM}
    columns.update(overrides)
    n = len(columns["id"])
    return Connectome(columns, np.zeros((n, 3)), SynapseCSR.empty(n), None, {})


def test_region_diversity_counts_known_numbers():
    table = region_diversity(_connectome())
    assert tuple(table.columns) == COLUMNS
    rows = {row.region: row for row in table.itertuples(index=False)}
    assert set(rows) == {"GNG", "ME", "PRW"}
    gng, me, prw = rows["GNG"], rows["ME"], rows["PRW"]
    assert (gng.neurons, gng.cell_types, gng.dominant_subsystem) == (5, 3, "steering")
    assert gng.types_per_1000 == pytest.approx(600.0)
    assert (me.neurons, me.cell_types, me.dominant_subsystem) == (4, 1, "visual")
    assert me.types_per_1000 == pytest.approx(250.0)
    assert (prw.neurons, prw.cell_types, prw.types_per_1000) == (1, 0, 0.0)
    assert list(table["region"]) == ["GNG", "ME", "PRW"]  # most types per 1,000 first


def test_region_rows_are_the_neurons_each_region_counts():
    c = _connectome()
    table = region_diversity(c).set_index("region")
    assert region_rows(c, "GNG").tolist() == [0, 1, 2, 3, 4]  # not the muscle (5)
    assert region_rows(c, "ME").tolist() == [6, 7, 8, 9] and region_rows(c, "PRW").tolist() == [10]
    for region, row in table.iterrows():
        assert region_rows(c, region).size == row["neurons"]
    assert region_rows(c, "NO_CONS").size == 0 and region_rows(c, "nowhere").size == 0


def test_region_diversity_min_neurons_and_ties():
    assert list(region_diversity(_connectome(), min_neurons=2)["region"]) == ["GNG", "ME"]
    # Two visual and two learning neurons in ME: the tie goes to the label listed first.
    tied = SUBSYSTEM[:8] + ["learning", "learning"] + SUBSYSTEM[10:]
    subsystem = Categorical.from_values(tied)
    order = ("learning", "other", "steering", "visual")
    assert subsystem.categories == order
    table = region_diversity(_connectome(subsystem=subsystem))
    assert table.set_index("region").loc["ME", "dominant_subsystem"] == "learning"


def test_region_diversity_without_subsystems_or_regions():
    bare = _connectome(subsystem=Categorical.filled(12))
    assert set(region_diversity(bare)["dominant_subsystem"]) == {""}
    empty = region_diversity(_connectome(region=Categorical.filled(12)))
    assert empty.empty and tuple(empty.columns) == COLUMNS


def test_main_region_is_the_first_listed_neuropil():
    column = Categorical.from_values(["MB_CA.MB_ML", "MB_CA", "PRW.SMP", "NO_CONS", "UNASGD", "", "head",
                                      "UNASGD.ME"])
    assert list(main_region(column).to_strings()) == ["MB_CA", "MB_CA", "PRW", "", "", "", "head", "ME"]


def test_region_diversity_on_the_worm():
    import brainview

    worm = brainview.load_default()
    table = region_diversity(worm)
    assert table["neurons"].sum() == 302  # neurons only: no muscles or glia
    assert table.set_index("region").loc["ventral cord", "dominant_subsystem"] == "motor"


def test_real_flywire_steering_regions_hold_many_more_types_per_neuron(shared_data):
    """GNG, PRW and FLA: hundreds of Codex cell types per 1,000 neurons; MB_CA and ME: a handful."""
    from brainview.connectome.io.codex import read_codex_annotations
    from brainview.connectome.subsystems import apply_subsystems, rules_for

    columns = read_codex_annotations(shared_data / "flywire_v783")
    n = len(columns["id"])
    fly = apply_subsystems(Connectome(columns, np.zeros((n, 3)), SynapseCSR.empty(n), None, {}), rules_for("flywire"))
    table = region_diversity(fly).set_index("region")
    print("\nFlyWire v783 cell types per 1,000 neurons:")
    print(table.loc[["GNG", "PRW", "FLA", "MB_CA", "ME"]].to_string())
    steering = table.loc[["GNG", "PRW", "FLA"]]
    learning_and_visual = table.loc[["MB_CA", "ME"]]
    assert steering["types_per_1000"].min() > 200  # hundreds
    assert learning_and_visual["types_per_1000"].max() < 10  # a handful
    assert steering["types_per_1000"].min() > 20 * learning_and_visual["types_per_1000"].max()
    assert set(steering["dominant_subsystem"]) == {"steering"}
    assert table.loc["MB_CA", "dominant_subsystem"] == "learning" and table.loc["ME", "dominant_subsystem"] == "visual"
    # Every neuron counts in one region but those whose group is only a Codex placeholder.
    assert table["neurons"].sum() == n - int(np.isin(columns["region"].to_strings(), ["NO_CONS", "UNASGD"]).sum())
