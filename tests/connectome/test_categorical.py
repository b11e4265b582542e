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
