"""Pick and hover latency at whole-fly-brain scale, and how much of the scene each one redraws.

Draws the FlyWire-scale connectome (139,255 neurons; see flywire_scale.py, or ``--random N``
points) with the camera at rest and measures, over ``--targets`` neurons chosen at random among
those whose centre is on the canvas:

* full frame: a redraw of the whole scene (``canvas.update()``), the cost a hover must avoid;
* pick: ``view.pick(x, y)`` at each neuron's centre, then whatever paint the pick scheduled;
* hover: what the resting cursor does (``Interaction``'s hover timer): ``view.pick`` then
  ``view.highlight`` with the row found, and the paint they schedule, each target in turn;
* first hover after the camera moved (the frame for the new camera is drawn before, untimed);
* hover while live (a simulation plays and redraws every frame anyway): paints per hover.

Each row reports the median and the largest wall time (ms, with ``glFinish``), the paints the
canvas ran and the neuron vertices submitted to OpenGL (counted at vispy's command queue) per
operation. The picked rows are printed as a checksum, so runs of two versions can be compared
for identical results. Prints figures; asserts nothing.

Usage::

    xvfb-run -a -s "-screen 0 1600x1000x24" python bench/bench_pick.py [--targets 40] [--size 1280x800]
    python bench/bench_pick.py --random 139255      # without the FlyWire-scale cache
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flywire_scale import flywire_scale_or_random  # noqa: E402
from machine import describe  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=40, help="neurons picked and hovered (default 40)")
    parser.add_argument("--size", default="1280x800", help="canvas WIDTHxHEIGHT (default 1280x800)")
    parser.add_argument("--random", type=int, metavar="N", help="N random points instead of the FlyWire-scale data")
    parser.add_argument("--backend", choices=("auto", "qt", "egl"), default="auto")
    return parser.parse_args(argv)


class Counters:
    """Paints of the canvas, and vertices of the neurons' program in vispy's DRAW commands."""

    def __init__(self, view) -> None:
        self.paints = 0
        self.neuron_vertices = 0
        from brainview.render.visuals import NeuronsVisual

        (neurons,) = [node for node in view.scene.children if isinstance(node, NeuronsVisual)]
        program_id = neurons._program.id  # vispy keeps a node's own program there, unexposed
        parser = view.canvas.context.shared.parser
        original = parser.parse

        def parse(commands):
            for command in commands:
                if command[0] == "DRAW" and command[1] == program_id:
                    self.neuron_vertices += int(command[3][-1])  # (first, count) or (buffer, type, count)
            return original(commands)

        parser.parse = parse
        view.canvas.events.draw.connect(self._painted)

    def _painted(self, event) -> None:
        self.paints += 1

    def snapshot(self) -> tuple[int, int]:
        return self.paints, self.neuron_vertices


def settle(canvas) -> None:
    """Run the paint that is scheduled, if any (nothing is forced), and wait for the GL."""
    from vispy.gloo import gl

    canvas.app.process_events()
    gl.glFinish()


def full_frame(canvas) -> None:
    """Redraw the whole scene now."""
    canvas.update()
    settle(canvas)


class Figures:
    """Wall times, paints and neuron vertices per operation."""

    def __init__(self, counters: Counters) -> None:
        self.counters = counters
        self.ms: list[float] = []
        self.paints: list[int] = []
        self.vertices: list[int] = []

    def measure(self, operation):
        before = self.counters.snapshot()
        start = time.perf_counter()
        result = operation()
        self.ms.append(1e3 * (time.perf_counter() - start))
        after = self.counters.snapshot()
        self.paints.append(after[0] - before[0])
        self.vertices.append(after[1] - before[1])
        return result

    def line(self, name: str) -> str:
        return (f"  {name:<34} {np.median(self.ms):9.2f} {np.max(self.ms):9.2f} "
                f"{np.mean(self.paints):7.2f} {np.median(self.vertices):11,.0f}")


def main(argv=None) -> int:
    args = parse_args(argv)
    from brainview.cli.render import parse_size
    from brainview.render import ConnectomeView, ViewSettings

    size = parse_size(args.size)
    connectome = flywire_scale_or_random(args.random)
    view = ConnectomeView(settings=ViewSettings(size=size, backend=args.backend), show=True)
    view.set_connectome(connectome)
    canvas = view.canvas
    counters = Counters(view)
    for _ in range(2):  # compile the shaders, upload the data
        full_frame(canvas)
    xy = view.project(np.arange(view.n))
    width, height = canvas.size
    inside = np.flatnonzero((xy[:, 0] > 2) & (xy[:, 0] < width - 2) & (xy[:, 1] > 2) & (xy[:, 1] < height - 2))
    rng = np.random.default_rng(3)
    targets = rng.choice(inside, min(args.targets, inside.size), replace=False)
    points = [(float(x), float(y)) for x, y in xy[targets]]

    print("brainview pick and hover benchmark")
    print(f"  machine:  {describe()}")
    print(f"  OpenGL:   {view.renderer}, {view.gl_version}")
    print(f"  command:  {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"  data:     {connectome}")
    print(f"  canvas:   {size[0]}x{size[1]}, {len(points)} targets, camera at rest unless said")
    print(f"\n  {'per operation':<34} {'median ms':>9} {'max ms':>9} {'paints':>7} {'neuron vtx':>11}")

    full = Figures(counters)
    for _ in range(5):
        full.measure(lambda: full_frame(canvas))
    print(full.line("full frame (every cell)"))

    pick_call, pick_paint = Figures(counters), Figures(counters)
    picked = []
    for x, y in points:
        picked.append(pick_call.measure(lambda x=x, y=y: view.pick(x, y)))
        pick_paint.measure(lambda: settle(canvas))
    print(pick_call.line("pick: view.pick"))
    print(_sum(pick_call, pick_paint).line("pick + the paint it schedules"))

    hover = Figures(counters)

    def hover_at(x: float, y: float) -> None:
        row = view.pick(x, y)
        view.highlight(row)
        settle(canvas)

    for x, y in points:
        hover.measure(lambda x=x, y=y: hover_at(x, y))
    print(hover.line("hover: pick + highlight + paint"))

    moved = Figures(counters)
    for x, y in points[:10]:
        view.cameras.turntable.azimuth += 0.5
        full_frame(canvas)
        moved.measure(lambda x=x, y=y: hover_at(x, y))
    print(moved.line("first hover after a camera move"))

    live = Figures(counters)
    view.set_live(True)
    for index, (x, y) in enumerate(points[:10]):
        view.push_spikes(rng.choice(view.n, max(view.n // 100, 1), replace=False), 1000.0 + 16.7 * index)
        view.set_time(1000.0 + 16.7 * index)
        full_frame(canvas)  # the live frame the simulation asks for anyway
        live.measure(lambda x=x, y=y: hover_at(x, y))
    view.set_live(False)
    print(live.line("hover while live (sample drawn)"))

    hits = sum(int(row == target) for row, target in zip(picked, targets))
    rows = np.array([-1 if row is None else row for row in picked], np.int64)
    print(f"\n  picked the target itself {hits} of {len(points)} times (others: a nearer neuron in front)")
    print(f"  picked rows checksum: {zlib.crc32(rows.tobytes()):08x}")
    view.close()
    return 0


def _sum(first: Figures, second: Figures) -> Figures:
    total = Figures(first.counters)
    total.ms = [a + b for a, b in zip(first.ms, second.ms)]
    total.paints = [a + b for a, b in zip(first.paints, second.paints)]
    total.vertices = [a + b for a, b in zip(first.vertices, second.vertices)]
    return total


if __name__ == "__main__":
    raise SystemExit(main())
