"""Connectome queries off the GUI thread, the newest one's answer reported.

A shortest path or a neighbourhood at fly scale walks millions of connections (hundreds of
milliseconds, more for a wide selection): :class:`QueryRunner` runs each request in a thread of
its own and reports through queued signals only, tagged with the request's serial number, so a
panel shows the answer to the last question asked and drops the others.
"""

from __future__ import annotations

import itertools
import threading
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from brainview.errors import BrainviewError


class QueryRunner(QObject):
    """Runs queries in background threads.

    Signals
    -------
    finished(int, object)
        A query's serial number and its result.
    failed(int, str)
        A query's serial number and what went wrong, in words: a bad selector or parameter's
        own message, else the error's type and message.
    """

    finished = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._serials = itertools.count(1)
        self.latest = 0
        """Serial number of the last query submitted."""

    def submit(self, query: Callable[[], object]) -> int:
        """Start ``query()`` in a thread of its own; returns its serial number."""
        serial = next(self._serials)
        self.latest = serial
        # A daemon thread: a query still running when the app quits must not keep it alive.
        threading.Thread(target=self._run, args=(serial, query), name=f"brainview-query-{serial}", daemon=True).start()
        return serial

    def drop_pending(self) -> None:
        """Report no answer to the queries submitted so far (another dataset is open)."""
        self.latest = next(self._serials)

    def _run(self, serial: int, query: Callable[[], object]) -> None:
        try:
            result = query()
        except BrainviewError as error:
            self._report(self.failed, serial, str(error))
        except Exception as error:  # noqa: BLE001 (shown in the panel; an escape would end the thread silently)
            traceback.print_exc()
            self._report(self.failed, serial, f"{type(error).__name__}: {error}")
        else:
            self._report(self.finished, serial, result)

    def _report(self, signal, serial: int, value) -> None:
        try:
            signal.emit(serial, value)
        except RuntimeError:  # the runner was deleted with its panel while the query ran
            pass
