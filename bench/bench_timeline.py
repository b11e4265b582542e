"""Rewind and replay at FlyWire scale: checkpoint memory per simulated second, and the time from
dragging the timeline to the redrawn frame.

On a dataset (by default the FlyWire-scale network of ``bench/flywire_scale.py``: 139,255
neurons, ~15 M connections) it

1. runs the Shiu model with ``--driven`` excitatory neurons at 150 Hz for ``--sim-seconds``,
   keeping a checkpoint every ``--every-ms`` as a live run does
   (:class:`~brainview.sim.checkpoints.CheckpointStore`), and reports the baseline's size, the
   size of the others and the memory per simulated second, the time to take and to restore one,
   and whether a restored run fires the same spikes again;
2. writes that run as a brainview-run file, opens the main window on the dataset, replays the
   file (File > Replay run file) and drags the timeline's cursor with mouse events
   ``--drags`` times to random moments: the time from the press (in a settled window), from a
   move ``--move-after-s`` later, and from the release, to the end of the window repaint that
   shows the new frame (3D view and traces), p50 and p95 (budget: p95 under 100 ms). While
   dragged, the view draws its sample of a big connectome's cells (as while a run plays); the
   release draws them all.

Run under a display (``xvfb-run -a -s "-screen 0 1600x1000x24" python bench/bench_timeline.py``)
so the 3D view is drawn (software OpenGL there); without one, the 3D view is off. Prints the
machine, the command and the figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(1, str(BENCH_DIR.parent))  # this checkout's brainview, whatever is installed
from machine import describe as describe_machine  # noqa: E402


def load_dataset(path: str | None):
    """The dataset at ``path`` ("default": the embedded worm), or the FlyWire-scale benchmark
    network (built on first use)."""
    if path:
        import brainview

        return brainview.load_default() if path == "default" else brainview.load(path)
    from flywire_scale import flywire_scale_connectome

    return flywire_scale_connectome()


def percentile(values, q) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


def checkpoint_figures(connectome, driven: np.ndarray, sim_seconds: float, every_ms: float, run_path: Path,
                       w_syn_mV: float) -> dict:
    """Part 1 (see the module notes); writes the run to ``run_path``."""
    from brainview.experiment.export import write_run_file
    from brainview.experiment.live import recorded_run
    from brainview.sim import ShiuParams, Simulation
    from brainview.sim.checkpoints import CheckpointStore
    from brainview.sim.runfile import DatasetInfo

    sim = Simulation(connectome, ShiuParams(w_syn_mV=w_syn_mV), seed=0)
    sim.stimulate(driven, 150.0)
    sim.step(10)  # compile outside the timing
    sim.reset()
    store = CheckpointStore(every_ms=every_ms, budget_MB=1e6)
    take_s = []
    t0 = time.perf_counter()
    chunk = round(5.0 / sim.dt_ms)  # the worker's chunk: 5 ms of simulated time
    while sim.time_ms < sim_seconds * 1000.0 - 1e-9:
        start = time.perf_counter()
        taken = store.maybe_take(sim)
        if taken is not None:
            take_s.append(time.perf_counter() - start)
        sim.step(chunk)
    run_s = time.perf_counter() - t0
    baseline, others = store.checkpoints[0], store.checkpoints[1:]
    middle = others[len(others) // 2] if others else baseline
    steps, cells = sim.spikes.arrays()
    after = (steps >= middle.step) & (steps < middle.step + 2000)
    straight = steps[after].copy(), cells[after].copy()
    write_run_file(run_path, recorded_run(sim), DatasetInfo.of(connectome))
    restore_s = []
    for _ in range(3):
        start = time.perf_counter()
        sim.restore(middle)
        restore_s.append(time.perf_counter() - start)
    sim.step(2000)
    again_steps, again_cells = sim.spikes.arrays()
    tail = again_steps >= middle.step
    same = np.array_equal(again_steps[tail], straight[0]) and np.array_equal(again_cells[tail], straight[1])
    delta_bytes = sum(c.nbytes for c in others)
    return {
        "sim_s": sim_seconds, "run_s": run_s, "spikes": int(len(sim.spikes)), "n": len(store),
        "baseline_MB": baseline.nbytes / 1e6, "mean_MB": (delta_bytes / len(others) / 1e6) if others else 0.0,
        "MB_per_sim_s": delta_bytes / 1e6 / sim_seconds, "take_ms": 1000 * percentile(take_s, 50),
        "restore_ms": 1000 * percentile(restore_s, 50), "same": same, "active": sim.n_active,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", help="dataset to open ('default': the embedded worm; when omitted: the "
                                          "FlyWire-scale network)")
    parser.add_argument("--sim-seconds", type=float, default=10.0, help="simulated seconds of the run")
    parser.add_argument("--every-ms", type=float, default=2000.0, help="simulated time between checkpoints")
    parser.add_argument("--driven", type=int, default=50, help="excitatory neurons driven at 150 Hz")
    parser.add_argument("--w-syn", type=float, default=0.275, help="w_syn_mV of the run (0.5: most cells active)")
    parser.add_argument("--drags", type=int, default=60, help="timeline drags timed (0: checkpoints only)")
    parser.add_argument("--move-after-s", type=float, default=0.15, help="wall time from a press to the move")
    parser.add_argument("--settle-s", type=float, default=1.0, help="wall time after a release before the next drag")
    parser.add_argument("--no-view", action="store_true", help="leave the 3D view out (offscreen platform)")
    args = parser.parse_args(argv)
    if args.no_view or not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

    t0 = time.perf_counter()
    connectome = load_dataset(args.dataset)
    load_s = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    excitatory = np.flatnonzero(connectome["nt"].mask("ACh"))
    driven = np.sort(rng.choice(excitatory, size=min(args.driven, excitatory.size), replace=False))
    folder = Path(tempfile.mkdtemp(prefix="bench_timeline_"))
    run_path = folder / "run.h5"
    figures = checkpoint_figures(connectome, driven, args.sim_seconds, args.every_ms, run_path, args.w_syn)
    print("brainview timeline benchmark")
    print(f"  machine: {describe_machine()}")
    print(f"  command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"  dataset: {connectome.meta.get('name', '?')}: {connectome.n:,} cells, "
          f"{connectome.chemical.n_connections:,} connections (load {load_s:.1f} s)")
    print(f"  run: {driven.size} neurons driven at 150 Hz, w_syn {args.w_syn:g} mV, {figures['sim_s']:g} s simulated "
          f"in {figures['run_s']:.1f} s, {figures['spikes']:,} spikes, {figures['active']:,} cells active at the end")
    print(f"  checkpoints every {args.every_ms:g} ms: {figures['n']} kept; baseline {figures['baseline_MB']:.2f} MB, "
          f"each other {figures['mean_MB']:.3f} MB on average -> {figures['MB_per_sim_s']:.3f} MB per simulated "
          f"second; take p50 {figures['take_ms']:.1f} ms, restore p50 {figures['restore_ms']:.1f} ms; "
          f"restored run fires the same spikes: {'yes' if figures['same'] else 'NO'}")
    if args.drags <= 0:
        return 0

    from PySide6.QtCore import QCoreApplication, QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(["bench_timeline"])
    from brainview.experiment import CellSet
    from brainview.ui.main_window import MainWindow
    from brainview.ui.settings import AppSettings
    from brainview.ui.theme import apply_theme

    def wait_until(condition, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                return False
            app.processEvents()
            time.sleep(0.0005)
        return True

    apply_theme(app)
    window = MainWindow(AppSettings.at(folder / "settings.ini"))
    window.show()
    window.set_connectome(connectome)
    if not wait_until(lambda: window.engine_ready, 600):
        print("the engine did not become ready within 10 minutes", file=sys.stderr)
        return 1
    window.session.watch(CellSet("bench:driven", "driven", driven))
    window.session.watch(CellSet("bench:down", "downstream", connectome.downstream(driven, min_count=5)))
    if not window.timeline.open_replay(run_path):
        print("the run file could not be replayed", file=sys.stderr)
        return 1
    wait_until(lambda: False, 2.0)

    # The end of the window repaint that draws a frame: the view reports it (note_window_repaint).
    repainted: list[float] = []
    repaint_s: list[float] = []
    original = window.view.note_window_repaint

    def note(seconds: float) -> None:
        busy = window.view._frame_busy
        original(seconds)
        if busy:
            repainted.append(time.perf_counter())
            repaint_s.append(seconds)

    window.view.note_window_repaint = note
    bar = window.timeline.panel.bar
    y = bar.height() // 2
    latencies_ms, seek_ms = [], []
    replay = window.timeline.replay
    original_seek = replay.seek

    def timed_seek(t_ms: float) -> None:
        start = time.perf_counter()
        original_seek(t_ms, moving=bar.dragging)
        seek_ms.append((time.perf_counter() - start) * 1000)

    replay.seek = timed_seek
    window.timeline.panel.seekRequested.disconnect()
    window.timeline.panel.seekRequested.connect(timed_seek)
    has_view = window.view.view is not None

    moved_ms: list[float] = []
    released_ms: list[float] = []

    grab_repaint_ms: list[float] = []

    def measured(action, into: list[float], then_s: float) -> None:
        repainted.clear()
        repaint_s.clear()
        start = time.perf_counter()
        action()
        if wait_until(lambda: bool(repainted) or not has_view, 3.0):
            done = repainted[0] if repainted else time.perf_counter()
            into.append((done - start) * 1000)
            if into is latencies_ms and repaint_s:
                grab_repaint_ms.append(repaint_s[0] * 1000)
        wait_until(lambda: False, then_s)

    for _ in range(args.drags):
        first, second = (QPoint(round(bar.x_of(t)), y) for t in rng.uniform(0, figures["sim_s"] * 1000, 2))
        left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        # Grab the cursor in a settled window; move it while the view still paces its frames
        # after the first one; let go; then the window settles before the next drag.
        measured(lambda: QTest.mousePress(bar, left, none, first), latencies_ms, args.move_after_s)
        measured(lambda: QTest.mouseMove(bar, second), moved_ms, 0.1)
        measured(lambda: QTest.mouseRelease(bar, left, none, second), released_ms, args.settle_s)

    frame = f", {window.view.frame_s * 1000:.0f} ms per frame" if has_view else ""
    print(f"  Qt platform: {QApplication.platformName()}; 3D view{frame}: "
          f"{'on' if has_view else 'off (' + (window.view.problem or 'not created') + ')'}")
    print(f"  timeline grabbed at a new time -> redrawn frame ({len(latencies_ms)} drags): "
          f"p50 {percentile(latencies_ms, 50):.1f} ms, p95 {percentile(latencies_ms, 95):.1f} ms, "
          f"max {max(latencies_ms, default=float('nan')):.1f} ms   (budget: p95 < 100 ms)")
    print(f"  of which the window repaint that draws it (3D view, traces, flush): p50 "
          f"{percentile(grab_repaint_ms, 50):.1f} ms, p95 {percentile(grab_repaint_ms, 95):.1f} ms")
    print(f"  moved {args.move_after_s * 1000:.0f} ms later in the same drag -> redrawn frame (the view paces its "
          f"frames to keep the window responsive): p50 {percentile(moved_ms, 50):.1f} ms, "
          f"p95 {percentile(moved_ms, 95):.1f} ms")
    print(f"  while dragging, the view draws its sample of the cells, as while a run plays; letting go draws all "
          f"of them: release -> redrawn frame p50 {percentile(released_ms, 50):.1f} ms, "
          f"p95 {percentile(released_ms, 95):.1f} ms")
    print(f"  of which building the replayed snapshot and handing it to the view and traces: "
          f"p50 {percentile(seek_ms, 50):.1f} ms, p95 {percentile(seek_ms, 95):.1f} ms")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
