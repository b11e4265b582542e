"""A minimal signal: the view's way to tell the app about picks and hovers without importing Qt.

``view.picked.connect(slot)``: ``slot(row)`` is called with the row clicked (-1: background).
A Qt signal can be connected directly too: anything with an ``emit`` method gets ``emit(row)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    """Callbacks called in connection order with the arguments of :meth:`emit`."""

    def __init__(self) -> None:
        self._slots: list[Any] = []

    def connect(self, slot: Callable[..., Any] | Any) -> None:
        """Call ``slot`` (a callable, or an object with ``emit``, such as a Qt signal) on every emit."""
        if not callable(slot) and not hasattr(slot, "emit"):
            raise TypeError(f"cannot connect {slot!r}: it is neither callable nor has an emit method")
        self._slots.append(slot)

    def disconnect(self, slot: Callable[..., Any] | Any) -> None:
        """Stop calling ``slot``; ValueError if it was not connected."""
        self._slots.remove(slot)

    def emit(self, *args: Any) -> None:
        """Call every connected slot with ``args``."""
        for slot in list(self._slots):
            if hasattr(slot, "emit"):  # a Qt signal, or another Signal: forward
                slot.emit(*args)
            else:
                slot(*args)
