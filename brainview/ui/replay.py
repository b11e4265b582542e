"""Replaying a run file in the window: the moment chosen on the timeline, shown as a snapshot.

A :class:`Replay` holds a :class:`~brainview.experiment.recording.Recording` and a current time.
Each time the time changes (the timeline dragged, or playing at a speed) it builds one
:class:`~brainview.ui.commands.Snapshot` of a new generation holding the spikes of the trace
window before that time, the traced groups' rates binned from them and the markers of the
interventions in it, and hands it to the 3D view and the traces exactly as a live snapshot is
handed (they start afresh at a new generation): so the view glows with the spikes of the last
moments and the traces show the window that ends at the chosen time. Replay generations are
negative, so they never meet the live run's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from brainview.experiment.recording import Recording
from brainview.ui.commands import Change, Snapshot

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
"""Replay speeds offered: simulated seconds per wall second."""

RATE_BIN_MS = 10.0
"""Bins of the replayed group rates (those of the live traces)."""

TICK_MS = 33
"""Time between two replayed frames while playing (30 a second at most)."""


def replay_snapshot(recording: Recording, t_ms: float, window_ms: float, labels: tuple[str, ...],
                    rows: tuple[np.ndarray, ...], generation: int, running: bool = False) -> Snapshot:
    """The snapshot that shows ``recording`` at ``t_ms``: its last ``window_ms`` (see the module notes)."""
    start = max(t_ms - window_ms, 0.0)
    cells, times = recording.spikes_between(start, t_ms)
    ends, rates = recording.group_rates_Hz(rows, RATE_BIN_MS, t_ms, start)
    changes = tuple(Change(m.t_ms, m.kind, m.label, 0, round(m.t_ms / recording.dt_ms))
                    for m in recording.markers if start <= m.t_ms <= t_ms)
    return Snapshot(
        generation=generation, t_ms=float(t_ms), spike_rows=cells, spike_t_ms=times, rate_t_ms=ends,
        rates_hz=rates, group_labels=labels, probe_rows=np.zeros(0, np.int64), probe_t_ms=np.zeros(0),
        probe_mV=np.zeros((0, 0)), real_time_factor=0.0, running=running, changes=changes,
    )


class Replay(QObject):
    """Shows a recording at a time of the user's choosing; plays it at a speed.

    Parameters
    ----------
    recording : Recording
        What to replay (its cells checked against the open dataset by the caller).
    show : callable
        ``show(snapshot)`` hands a snapshot to the view and the traces.
    groups : callable
        Returns ``(labels, rows)`` of the traced groups now.
    window_ms : callable
        Returns the traces' window now, ms.

    Signals
    -------
    moved(float)
        The time shown changed (ms).
    playing(bool)
        Playback started or stopped.
    """

    moved = Signal(float)
    playing = Signal(bool)

    def __init__(self, recording: Recording, show: Callable[[Snapshot], None],
                 groups: Callable[[], tuple[tuple[str, ...], tuple[np.ndarray, ...]]],
                 window_ms: Callable[[], float], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.recording = recording
        self.show = show
        self.groups = groups
        self.window_ms = window_ms
        self.t_ms = 0.0
        self.speed = 1.0
        self.generation = -2
        self._timer = QTimer(self, interval=TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._last_tick = 0.0

    @property
    def is_playing(self) -> bool:
        """True while the replay advances by itself."""
        return self._timer.isActive()

    def seek(self, t_ms: float, moving: bool = False) -> None:
        """Show the recording at ``t_ms`` (clipped to the run). ``moving``: more moments follow
        at once (a drag), so a big connectome's view may draw its sample, as while it plays."""
        self.t_ms = float(min(max(t_ms, 0.0), self.recording.duration_ms))
        self.generation -= 1
        labels, rows = self.groups()
        self.show(replay_snapshot(self.recording, self.t_ms, self.window_ms(), labels, rows, self.generation,
                                  self.is_playing or moving))
        self.moved.emit(self.t_ms)

    def set_speed(self, speed: float) -> None:
        """Play at ``speed`` simulated seconds per wall second."""
        if not speed > 0:
            raise ValueError(f"a replay speed must be above 0, was {speed}")
        self.speed = float(speed)

    def play(self, on: bool = True) -> None:
        """Start (or stop) playing from the time shown; at the end it starts from 0 again."""
        if on == self.is_playing:
            return
        if on:
            if self.t_ms >= self.recording.duration_ms:
                self.t_ms = 0.0
            self._last_tick = time.monotonic()
            self._timer.start()
        else:
            self._timer.stop()
        self.playing.emit(on)

    def _tick(self) -> None:
        now = time.monotonic()
        step_ms = (now - self._last_tick) * 1000.0 * self.speed
        self._last_tick = now
        t_ms = self.t_ms + step_ms
        if t_ms >= self.recording.duration_ms:
            self.play(False)
        self.seek(t_ms)

    def close(self) -> None:
        """Stop playing."""
        self.play(False)
