"""Where a key sits in a TOML text: the line numbers that file errors name.

``tomllib`` returns plain dicts without positions, so the readers of brainview's TOML files
(comparison files, subsystem rule files) find the line of a problem by scanning the text: the
``index``-th ``[[table]]`` (or ``[table]``) header, then the first ``key =`` after it, also as
the key of an inline table (``{ key = ... }``). The scan is a heuristic for error messages, not
a parser: a key that cannot be found gives the line of its table.

This module imports nothing of brainview, so every layer may use it.
"""

from __future__ import annotations

import re

_ANY_HEADER = re.compile(r"^\s*\[\[?\s*[A-Za-z0-9_.\-]+\s*\]\]?\s*(#.*)?$")


def header_lines(lines: list[str], table: str) -> list[int]:
    """0-based indices of the lines that open ``[table]`` or ``[[table]]``, in file order."""
    header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(#.*)?$")
    return [i for i, text in enumerate(lines) if header.match(text)]


def key_pattern(key: str) -> re.Pattern[str]:
    """Matches ``key =`` at the start of a line (bare or quoted) or inside an inline table."""
    return re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=|[{{,]\s*[\"']?{re.escape(key)}[\"']?\s*=")


def find_line(lines: list[str], table: str = "", index: int | None = None, key: str | None = None) -> int | None:
    """The 1-based line of ``key`` in the ``index``-th ``[[table]]`` (or in ``[table]``).

    Parameters
    ----------
    lines : list of str
        The file's text, split into lines.
    table : str
        The table's name; "" for the top level (before the first header).
    index : int, optional
        Which ``[[table]]`` (0-based); the first when None or past the last.
    key : str, optional
        The key to find; None gives the line of the table's header.

    Returns
    -------
    int or None
        The key's line; the header's line when the key is not in that table; None for a
        key not found at the top level.
    """
    start = 0
    if table:
        hits = header_lines(lines, table)
        if index is not None and index < len(hits):
            start = hits[index]
        elif hits:
            start = hits[0]
    if key is not None:
        pattern = key_pattern(key)
        for i in range(start, len(lines)):
            if i > start and _ANY_HEADER.match(lines[i]):
                break  # the next table: the key is not in this one
            if pattern.search(lines[i]):
                return i + 1
    return start + 1 if table else None
