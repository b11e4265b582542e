"""Branches of a live run: which are kept, how they are numbered, and finding one."""

import pytest

from brainview.errors import ParameterError
from brainview.experiment.branches import BranchBook


def test_a_branch_is_kept_when_it_ran_past_its_fork_point():
    book = BranchBook()
    first = book.fork("run one", end_ms=400.0, at_ms=150.0)
    assert (first.number, first.parent, first.fork_ms, first.end_ms) == (1, None, 0.0, 400.0)
    assert (book.current, book.parent, book.fork_ms) == (2, 1, 150.0)
    # Rewound again before branch 2 ran past 150 ms: nothing of its own, not kept, its number reused.
    assert book.fork("run two", end_ms=150.0, at_ms=100.0) is None
    assert (book.current, book.parent, book.fork_ms) == (2, 1, 100.0)
    second = book.fork("run two", end_ms=300.0, at_ms=250.0)
    assert (second.number, second.parent, second.fork_ms) == (2, 1, 100.0)
    assert [b.number for b in book.kept] == [1, 2] and book.find(2) is second
    assert (book.current, book.parent) == (3, 2)


def test_bad_forks_and_unknown_branches_are_refused():
    book = BranchBook()
    with pytest.raises(ParameterError, match="reached 100 ms only"):
        book.fork("run", end_ms=100.0, at_ms=200.0)
    with pytest.raises(ParameterError, match=r"no branch 4 kept \(kept: none\)"):
        book.find(4)
    assert book.fork(None, end_ms=100.0, at_ms=50.0) is None and book.kept == []
