"""The browser's hierarchy: subsystem > class > type, counts, lookups and search."""

import numpy as np

from brainview.ui.celltree import UNLABELLED, CellTree


def worm_like(factory):
    return factory(
        8,
        subsystem=["steering", "steering", "steering", "motor", "motor", "motor", "", "steering"],
        cell_class=["inter", "inter", "sensory", "motor", "motor", "motor", "", "inter"],
        cell_type=["AVA", "AVA", "ALM", "VA", "VA", "DA", "", "AVD"],
        name=["AVAL", "AVAR", "ALML", "VA1", "VA2", "DA1", "hyp", "AVDL"],
    )


def test_tree_groups_counts_and_orders_largest_first(connectome_factory):
    tree = CellTree.build(worm_like(connectome_factory))
    assert tree.levels == ("subsystem", "cell_class", "cell_type")
    top = [(n.label, n.count) for n in tree.root.children]
    assert top == [("steering", 4), ("motor", 3), (UNLABELLED, 1)]
    steering = tree.root.children[0]
    assert [(n.label, n.count) for n in steering.children] == [("inter", 3), ("sensory", 1)]
    inter = steering.children[0]
    assert [(n.label, n.rows.tolist()) for n in inter.children] == [("AVA", [0, 1]), ("AVD", [7])]
    assert inter.children[0].key == "subsystem=steering/cell_class=inter/cell_type=AVA"
    assert sum(leaf.count for leaf in tree.leaves) == 8


def test_lookups_by_key_and_by_cell(connectome_factory):
    tree = CellTree.build(worm_like(connectome_factory))
    node = tree.find("subsystem=motor/cell_class=motor/cell_type=VA")
    assert node.rows.tolist() == [3, 4]
    assert tree.leaf_of(4) is node
    assert [a.label for a in tree.ancestors(node)] == ["motor", "motor"]
    target = node.target()
    assert target.key == node.key and target.rows.tolist() == [3, 4]


def test_search_matches_labels_and_cell_names(connectome_factory):
    tree = CellTree.build(worm_like(connectome_factory))
    hits = {n.label for n in tree.nodes() if tree.matches(n, "avd")}
    assert hits == {"AVD"}
    by_name = {n.label for n in tree.nodes() if tree.matches(n, "ALML")}
    assert by_name == {"ALM"}


def test_unlabelled_columns_are_skipped(connectome_factory):
    tree = CellTree.build(connectome_factory(6))  # only cell types are set
    assert tree.levels == ("cell_type",)
    assert [n.label for n in tree.root.children] == ["T0", "T1", "T2"]
    assert np.array_equal(tree.leaf_index, [0, 0, 1, 1, 2, 2])


def test_default_dataset_tree_holds_every_cell():
    import brainview

    worm = brainview.load_default()
    tree = CellTree.build(worm)
    assert sum(n.count for n in tree.root.children) == worm.n
    ava = tree.leaf_of(worm.index_of("AVAL"))
    assert ava.label == "AVA" and set(worm.names[ava.rows]) == {"AVAL", "AVAR"}


def test_marked_counts_add_up_the_tree(connectome_factory):
    tree = CellTree.build(worm_like(connectome_factory))
    marked = np.zeros(8, bool)
    marked[[0, 3, 4]] = True  # AVAL, VA1, VA2
    counts = dict(zip((n.key for n in tree.node_list), tree.marked_counts(marked)))
    assert counts["subsystem=steering"] == 1
    assert counts["subsystem=steering/cell_class=inter/cell_type=AVA"] == 1
    assert counts["subsystem=motor"] == 2 and counts["subsystem=motor/cell_class=motor/cell_type=DA"] == 0
    naive = {n.key: int(marked[n.rows].sum()) for n in tree.nodes()}
    assert counts == naive
