"""The one error type every reader raises for bad input."""

from __future__ import annotations

from os import PathLike

from brainview.errors import BrainviewError


class FormatError(BrainviewError, ValueError):
    """Input that a reader cannot accept, located as precisely as the format allows.

    Parameters
    ----------
    path : path-like
        The offending file.
    problem : str
        What is wrong, in words ("expected a number, got 'abc'").
    line : int, optional
        1-based line number in a text file (the header is line 1).
    column : str, optional
        The column (or HDF5 dataset) the problem is in.
    """

    def __init__(
        self, path: str | PathLike, problem: str, line: int | None = None, column: str | None = None
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.line = line
        self.column = column
        where = self.path + (f", line {line}" if line is not None else "")
        where += f", column '{column}'" if column is not None else ""
        super().__init__(f"{where}: {problem}")
