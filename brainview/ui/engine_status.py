"""What the window says while the simulation engine is prepared, and a Play pressed meanwhile.

On a fresh install the first build compiles the engine's numba kernels (seconds; later launches
load them from numba's on-disk cache in a fraction of one). The worker builds off the GUI
thread and reports each build (``preparing``, ``warmedUp``, ``ready``, ``errored``);
:class:`EngineStatus` shows it in a status-bar label with the elapsed time, and holds a press of
Play made before the engine is ready, or before any dataset is open, until it is: no press is
lost, and the button never says Pause while nothing runs.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel

TICK_MS = 250
"""The elapsed time of a build is shown anew this often."""

SHOW_AFTER_S = 0.25
"""A build quicker than this is not announced (a cached engine rebuilt for a new weight would
only flicker), unless Play waits for it."""

COMPILING_AFTER_S = 1.0
"""A warm-up still running after this long is compiling: from numba's cache it takes ~0.2 s."""

READY_SHOWN_MS = 6000
"""How long "ready" stays in the status bar."""

ENTRY_KERNELS = ("run_steps", "run_busy_steps", "catch_up")
"""The engine's cached numba entry points (every other cached kernel is inlined into them)."""


def warm_up_engine() -> bool:
    """Run the single-thread engine paths of whole-count networks on tiny ones, compiling what
    numba's cache lacks.

    Returns
    -------
    bool
        True if numba compiled a kernel (its cache was cold or stale), False if it loaded all.
    """
    from brainview.sim.prepare import compile_engine

    before = _compiled_count()
    # Whole synapse counts only, and no busy steps: a weighted matrix's variant and the busy
    # steps compile when first needed, and a first launch on the worm should not wait for them
    # (brainview prepare compiles them all).
    compile_engine(fractional=False, busy=False)
    return _compiled_count() > before


def _compiled_count() -> int:
    """How many times this process compiled an entry kernel because numba's cache had no copy."""
    from brainview.sim import kernels

    total = 0
    for name in ENTRY_KERNELS:
        stats = getattr(getattr(kernels, name), "stats", None)  # none without the JIT (NUMBA_DISABLE_JIT)
        total += sum(stats.cache_misses.values()) if stats is not None else 0
    return total


class EngineStatus(QObject):
    """The state of the window's engine, shown in :attr:`label`, and a Play held until it is ready.

    Parameters
    ----------
    controls : SimulationControls
        The transport controls: their Play shows a held press; Step, Reset and the weight stay
        disabled until a dataset's worker exists (the worker queues them while it builds).
    parent : QObject, optional
        Owner.

    Signals
    -------
    playRequested()
        The engine became ready with a Play held: the window sends it now.
    """

    playRequested = Signal()

    def __init__(self, controls, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controls = controls
        self.label = QLabel()
        self.label.setObjectName("engineStatus")
        self.worker = None
        self.state = "waiting"  # for a dataset; then "preparing", "ready" or "failed" (a build error)
        self.pending = False
        self._started = time.monotonic()
        self._compiled: bool | None = None  # None while the warm-up runs
        self._tick = QTimer(self, interval=TICK_MS)
        self._tick.timeout.connect(self._show)
        self._fade = QTimer(self, singleShot=True, interval=READY_SHOWN_MS)
        self._fade.timeout.connect(self.label.clear)
        self._enable_transport(False)

    @property
    def ready(self) -> bool:
        """The current worker's engine is built and compiled."""
        return self.state == "ready"

    def attach(self, worker) -> None:
        """Follow ``worker``, a new worker about to start (connect before it starts)."""
        self.worker, self.state, self._started, self._compiled = worker, "preparing", time.monotonic(), None
        worker.preparing.connect(self._on_preparing)
        worker.warmedUp.connect(self._on_warmed_up)
        worker.ready.connect(self._on_ready)
        worker.errored.connect(self._on_errored)
        self._enable_transport(True)
        self.controls.set_pending(self.pending)  # a new dataset starts paused, unless Play waits
        self._fade.stop()
        self.label.clear()
        self._tick.start()
        self._show()

    def hold(self, on: bool) -> bool:
        """Take a press of Play (``on``) or Pause; True if held or cancelled here, False to send it on."""
        if on and self.state in ("waiting", "preparing"):
            self.pending = True
        elif not on and self.pending:
            self.pending = False
        else:
            if on and self.state == "ready":
                self._fade.stop()
                self.label.clear()  # "ready ... Press Space to play" is over once it plays
            return False
        self.controls.set_pending(self.pending)
        if not self.pending:
            self.label.clear()
        self._show()
        return True

    def load_failed(self) -> None:
        """The dataset could not be read: a Play waiting for a first dataset is dropped."""
        if self.worker is None and self.pending:
            self.hold(False)

    def _enable_transport(self, enabled: bool) -> None:
        for widget in (self.controls.step_action, self.controls.reset_action, self.controls.w_syn):
            widget.setEnabled(enabled)

    @Slot(float)
    def _on_preparing(self, started: float) -> None:
        if self.sender() is not self.worker:
            return  # a late signal of a dataset that was closed
        self.state, self._started, self._compiled = "preparing", started, None
        self._fade.stop()
        self._tick.start()
        self._show()

    @Slot(bool)
    def _on_warmed_up(self, compiled: bool) -> None:
        if self.sender() is self.worker:
            self._compiled = compiled
            self._show()

    @Slot(str)
    def _on_ready(self, description: str) -> None:
        if self.sender() is not self.worker:
            return
        seconds = time.monotonic() - self._started
        self.state = "ready"
        self._tick.stop()
        what = "compiled and ready" if self._compiled else "ready"
        then = "Playing." if self.pending else "" if self.controls.running else "Press Space to play."
        self.label.setText(f"Simulation engine {what} in {seconds:.1f} s ({description}). {then}".rstrip())
        self._fade.start()
        if self.pending:
            self.pending = False
            self.playRequested.emit()

    @Slot(str, str)
    def _on_errored(self, message: str, details: str) -> None:
        if self.sender() is not self.worker or self.state != "preparing":
            return  # an error of a run: the window reports it
        self.state = "failed"  # a press of Play goes to the worker, which says why it cannot
        self._tick.stop()
        self.label.clear()
        if self.pending:
            self.pending = False
            self.controls.set_pending(False)

    def _show(self) -> None:
        """The label for a dataset awaited or an engine in preparation (throttled by the tick)."""
        if self.state == "waiting":
            if self.pending:
                self.label.setText("Play starts once the dataset is read and the simulation engine is ready.")
            return
        if self.state != "preparing":
            return
        elapsed = time.monotonic() - self._started
        if elapsed < SHOW_AFTER_S and not self.pending:
            return
        compiling = self._compiled is None and elapsed >= COMPILING_AFTER_S
        first = " (first run only)" if compiling else ""
        then = " Play starts when it is ready." if self.pending else ""
        self.label.setText(f"Preparing the simulation engine{first}... {elapsed:.1f} s.{then}")
