"""GUI responsiveness while the engine runs flat out, and lesion-click-to-trace latency.

Opens the real main window on a dataset (by default the FlyWire-scale network of
``bench/flywire_scale.py``: 139,255 neurons, ~15 M connections), drives 50 excitatory neurons
with Poisson input at 150 Hz, plays flat out, and measures on the GUI thread:

* event-loop latency: a repeating ``QTimer`` (precise, every ``--probe-ms``) records how late
  each tick fires; p50, p99 and max over ``--seconds`` of running;
* lesion to trace: a lesion is made through the browser, as a click does, and the time until the
  traces have drawn its marker and the next paint of the plot has happened is recorded;
  ``--lesions`` trials, each undone before the next.

Run under a display (``xvfb-run -a -s "-screen 0 1600x1000x24" python bench/bench_ui.py``) so
the 3D view is drawn too; without one, Qt's offscreen platform is used and the 3D view is off.
Prints the machine, the command and the figures; asserts nothing about time.
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
from machine import describe as describe_machine  # noqa: E402


def load_dataset(path: str | None):
    """The dataset at ``path``, or the FlyWire-scale benchmark network (built on first use)."""
    if path:
        import brainview

        return brainview.load(path)
    from flywire_scale import flywire_scale_connectome

    return flywire_scale_connectome()


def percentile(values, q) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", help="dataset to open (default: the FlyWire-scale network)")
    parser.add_argument("--seconds", type=float, default=20.0, help="wall seconds of latency probing while running")
    parser.add_argument("--probe-ms", type=float, default=10.0, help="interval of the latency probe timer")
    parser.add_argument("--lesions", type=int, default=10, help="lesion-to-trace trials")
    parser.add_argument("--driven", type=int, default=50, help="excitatory neurons driven at 150 Hz")
    parser.add_argument("--no-view", action="store_true", help="leave the 3D view out (offscreen platform)")
    args = parser.parse_args(argv)
    if args.no_view or not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

    from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEvent, QObject, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(["bench_ui"])
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
            time.sleep(0.001)
        return True

    def run_for(seconds: float) -> None:
        wait_until(lambda: False, seconds)

    t0 = time.perf_counter()
    connectome = load_dataset(args.dataset)
    load_s = time.perf_counter() - t0
    apply_theme(app)
    settings_dir = tempfile.mkdtemp(prefix="bench_ui_")
    window = MainWindow(AppSettings.at(Path(settings_dir) / "settings.ini"))
    window.show()
    t0 = time.perf_counter()
    window.set_connectome(connectome)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    if not wait_until(lambda: window.engine_ready, 600):
        print("the engine did not become ready within 10 minutes", file=sys.stderr)
        return 1
    ready_s = time.perf_counter() - t0
    session = window.session
    rng = np.random.default_rng(0)
    excitatory = np.flatnonzero(connectome["nt"].mask("ACh"))
    driven = np.sort(rng.choice(excitatory, size=min(args.driven, excitatory.size), replace=False))
    session.stimulate(CellSet("bench:driven", f"{driven.size} ACh neurons", driven), 150.0)
    downstream = connectome.downstream(driven, min_count=5)
    session.watch(CellSet("bench:driven", "driven", driven))
    session.watch(CellSet("bench:down", "downstream", downstream))
    for row in driven[:3]:
        session.probe(int(row))
    window.controls.pacing_actions.actions()[0].trigger()  # flat out
    window.controls.play_action.setChecked(True)
    run_for(3.0)  # let it settle

    # -- event-loop latency --------------------------------------------------------------------
    lateness_ms: list[float] = []
    clock = QElapsedTimer()
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(int(args.probe_ms))
    last = [0]

    def tick() -> None:
        now = clock.nsecsElapsed()
        lateness_ms.append((now - last[0]) / 1e6 - args.probe_ms)
        last[0] = now

    probe.timeout.connect(tick)
    sim_t0 = window.traces.now_ms
    clock.start()
    last[0] = clock.nsecsElapsed()
    probe.start()
    wall0 = time.perf_counter()
    run_for(args.seconds)
    probe.stop()
    wall = time.perf_counter() - wall0
    session_time = window.traces.now_ms
    factor = (session_time - sim_t0) / 1000.0 / wall

    # -- lesion click to trace -----------------------------------------------------------------
    class PaintWatch(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.armed = False
            self.painted_at = None

        def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
            if self.armed and event.type() == QEvent.Type.Paint:
                self.painted_at = time.perf_counter()
                self.armed = False
            return False

    watch = PaintWatch()
    window.traces.graphics.viewport().installEventFilter(watch)
    shown: dict[int, float] = {}
    def on_shown(serials) -> None:
        shown.update({s: time.perf_counter() for s in serials})
        watch.armed = True  # the next paint of the plots is the one that shows the marker

    window.traces.changesShown.connect(on_shown)
    counts = connectome["cell_type"].counts()
    candidates = [label for label, n in counts.items() if 2 <= n <= 50]
    picked = rng.choice(len(candidates), size=min(args.lesions, len(candidates)), replace=False)
    drawn_ms, painted_ms, applied_ms = [], [], []
    for index in picked:
        node = session.tree.leaf_of(int(np.flatnonzero(connectome["cell_type"].mask(candidates[index]))[0]))
        shown.clear()
        before = window.worker.sim.time_ms
        click = time.perf_counter()
        watch.armed, watch.painted_at = False, None
        window.browser.set_lesion(node.key, "silence")
        if not wait_until(lambda: shown, 5.0):
            print(f"lesion of {node.label}: no trace update within 5 s", file=sys.stderr)
            continue
        drawn_at = min(shown.values())
        wait_until(lambda: watch.painted_at is not None, 2.0)
        change_t = window.traces.markers[-1][0]
        drawn_ms.append((drawn_at - click) * 1000)
        painted_ms.append(((watch.painted_at or drawn_at) - click) * 1000)
        applied_ms.append(change_t - before)
        shown.clear()
        session.undo()
        wait_until(lambda: shown, 5.0)  # the undo's own marker, before the next trial
        run_for(0.3)
    window.controls.play_action.setChecked(False)
    run_for(0.2)

    print("brainview GUI benchmark")
    print(f"  machine: {describe_machine()}")
    frame = f", {window.view.frame_s * 1000:.0f} ms per frame" if window.view.view is not None else ""
    print(f"  Qt platform: {QApplication.platformName()}; 3D view{frame}: "
          f"{'on' if window.view.view is not None else 'off (' + (window.view.problem or 'not created') + ')'}")
    print(f"  command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"  dataset: {connectome.meta.get('name', '?')}: {connectome.n:,} cells, "
          f"{connectome.chemical.n_connections:,} connections (load {load_s:.1f} s, window {build_s:.1f} s, "
          f"engine ready {ready_s:.1f} s)")
    print(f"  running flat out with {driven.size} neurons driven at 150 Hz: {factor:.2f}x real time "
          f"({session_time - sim_t0:.0f} ms simulated in {wall:.1f} s)")
    print(f"  event-loop latency ({len(lateness_ms)} ticks of a {args.probe_ms:g} ms timer): "
          f"p50 {percentile(lateness_ms, 50):.1f} ms, p99 {percentile(lateness_ms, 99):.1f} ms, "
          f"max {max(lateness_ms, default=float('nan')):.1f} ms   (budget: p99 < 50 ms)")
    print(f"  lesion click -> marker drawn in traces ({len(drawn_ms)} trials): "
          f"p50 {percentile(drawn_ms, 50):.1f} ms, max {max(drawn_ms, default=float('nan')):.1f} ms")
    print(f"  lesion click -> traces repainted: p50 {percentile(painted_ms, 50):.1f} ms, "
          f"max {max(painted_ms, default=float('nan')):.1f} ms   (budget: < 100 ms)")
    print(f"  simulated time between click and the lesion taking effect: "
          f"p50 {percentile(applied_ms, 50):.1f} ms, max {max(applied_ms, default=float('nan')):.1f} ms")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
