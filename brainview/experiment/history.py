"""Undo and redo of an experiment's lesion and stimulus changes, without Qt.

Each :class:`Change` holds the entry before and after, so undo puts the old entry back and redo
the new one; both go through the experiment's own setter, so observers hear about them as
about any change. A new change after an undo drops what could have been redone, as in every
editor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Apply = Callable[[str, str, object], None]
"""``apply(table, key, entry)``: put ``entry`` (None: nothing) under ``key`` in ``table``."""


@dataclass(frozen=True)
class Change:
    """One undoable change: ``text`` for menus, and ``table[key]`` from ``old`` to ``new``."""

    text: str
    table: str
    key: str
    old: object
    new: object


class History:
    """The changes done (undoable) and undone (redoable), newest last."""

    def __init__(self) -> None:
        self.done: list[Change] = []
        self.undone: list[Change] = []

    def record(self, change: Change) -> None:
        """Remember ``change`` (the caller applies it); nothing is redoable after a new change."""
        self.done.append(change)
        self.undone.clear()

    def undo(self, apply: Apply) -> Change | None:
        """Put back the entry before the last change; None when there is nothing to undo."""
        if not self.done:
            return None
        change = self.done.pop()
        self.undone.append(change)
        apply(change.table, change.key, change.old)
        return change

    def redo(self, apply: Apply) -> Change | None:
        """Apply again the change last undone; None when there is nothing to redo."""
        if not self.undone:
            return None
        change = self.undone.pop()
        self.done.append(change)
        apply(change.table, change.key, change.new)
        return change

    def clear(self) -> None:
        """Forget every change (a rewound run: what was done after the fork point is gone, and
        undoing what came before it would act on a past the branch shares with another)."""
        self.done.clear()
        self.undone.clear()

    @property
    def undo_text(self) -> str:
        """What Undo would take back ("" when nothing)."""
        return self.done[-1].text if self.done else ""

    @property
    def redo_text(self) -> str:
        """What Redo would do again ("" when nothing)."""
        return self.undone[-1].text if self.undone else ""
