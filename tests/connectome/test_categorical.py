import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from brainview.connectome import Categorical
from brainview.connectome.categorical import MISSING


def test_from_values_sorts_categories_and_marks_missing():
    column = Categorical.from_values(["b", None, "a", "", float("nan"), "b"])
    assert column.categories == ("a", "b")
    assert column.codes.tolist() == [1, MISSING, 0, MISSING, MISSING, 1]
    assert column.to_strings().tolist() == ["b", "", "a", "", "", "b"]
    assert column[0] == "b" and column[1] == ""


def test_counts_largest_first_and_mask():
    column = Categorical.from_values(["x", "y", "y", "z", "y", None])
    assert column.counts() == {"y": 3, "x": 1, "z": 1}
    assert column.mask(["x", "z"]).tolist() == [True, False, False, True, False, False]
    assert column.mask("y").sum() == 3


def test_take_drops_unused_categories():
    column = Categorical.from_values(["a", "b", "c", "b"])
    sub = column.take(np.array([1, 3]))
    assert sub.categories == ("b",)
    assert sub.to_strings().tolist() == ["b", "b"]


def test_out_of_range_codes_are_rejected():
    with pytest.raises(ValueError, match="codes must lie"):
        Categorical(np.array([0, 2]), ("a", "b"))


@given(st.lists(st.one_of(st.none(), st.sampled_from(["AVA", "AVB", "ASH", ""])), max_size=40))
def test_round_trip_of_labels(labels):
    column = Categorical.from_values(labels)
    expected = ["" if v is None else v for v in labels]
    assert column.to_strings().tolist() == expected


def test_comparing_with_a_label_gives_a_boolean_mask():
    column = Categorical.from_values(["AVA", "AVB", None, "AVA"])
    assert (column == "AVA").tolist() == [True, False, False, True]
    assert (column != "AVA").tolist() == [False, True, True, False]
    assert ("AVA" == column).tolist() == [True, False, False, True]
    assert (column == "").tolist() == [False, False, True, False]  # "" is how a missing label reads
    assert (column == "ASH").tolist() == [False] * 4
    assert column.isin(["AVB", ""]).tolist() == [False, True, True, False]


def test_comparing_with_a_column_of_labels_goes_row_by_row():
    column = Categorical.from_values(["a", "b", None])
    other = Categorical.from_values(["a", "c", None])
    assert (column == other).tolist() == [True, False, True]
    assert (column == np.array(["a", "b", "x"], dtype=object)).tolist() == [True, True, False]
    assert (np.array(["a", "b", "x"]) == column).tolist() == [True, True, False]
    assert (column != ["b", "b", None]).tolist() == [True, False, False]
    with pytest.raises(ValueError, match=r"column of 3 labels with a list of shape \(2,\).*isin"):
        column == ["a", "b"]  # noqa: B015


def test_whole_column_equality_is_equals_and_columns_are_unhashable():
    column = Categorical.from_values(["a", "b"])
    assert column.equals(Categorical(np.array([1, 0]), ("b", "a")))
    assert not column.equals(Categorical.from_values(["a", "a"]))
    with pytest.raises(TypeError, match="unhashable"):
        hash(column)
    assert "2 rows" in repr(column) and "'a', 'b'" in repr(column)


def test_a_mask_from_a_connectome_column_selects_cells(tiny):
    mask = tiny["cell_type"] == "T1"
    assert mask.dtype == bool and np.flatnonzero(mask).tolist() == [2, 3]
    assert tiny.subset(mask).names.tolist() == ["N2", "N3"]
    assert tiny.subset(tiny["nt"] == "GABA").names.tolist() == ["N5"]
    with pytest.raises(ValueError, match=r"one entry per cell \(6\)"):
        tiny.subset(mask[:4])


def test_labels_are_kept_exactly_and_long_ones_cost_no_fixed_width_copy():
    import tracemalloc

    column = Categorical.from_values(["a\x00", "a", "b", "a\x00"])
    assert column.categories == ("a", "a\x00", "b") and column.codes.tolist() == [1, 0, 2, 1]
    labels = ["x" * 140_000] + [f"t{i}" for i in range(2000)]
    tracemalloc.start()
    Categorical.from_values(labels)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50e6  # a fixed-width copy would take 2,001 x 140,000 x 4 bytes = 1.1 GB
