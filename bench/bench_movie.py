"""Movie benchmark: the time to draw and hand over one frame of ``brainview render RUN --movie``.

Writes a run file of ``--cells`` random points (139,255 by default, the whole fly brain's count;
``--flywire`` draws the FlyWire-scale connectome of flywire_scale.py instead) in which a share of
the cells fire at random, then draws ``--frames`` frames of its movie exactly as the command does
(the network with every cell drawn, the glow, the legend and caption strip) and prints per frame
the wall time from one frame to the next, p50 and p95, and the time to close the file (the
encoder finishing the frames still queued). Prints figures; asserts nothing.

Usage::

    xvfb-run -a -s "-screen 0 1600x1000x24" python bench/bench_movie.py [--frames 30] [--size 1280x720]
    python bench/bench_movie.py --backend egl --out run.gif     # no display needed; a GIF
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flywire_scale import flywire_scale_or_random  # noqa: E402
from machine import describe  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=139_255, help="random points to draw (default 139,255)")
    parser.add_argument("--flywire", action="store_true", help="the FlyWire-scale connectome instead")
    parser.add_argument("--frames", type=int, default=30, help="frames to draw (default 30)")
    parser.add_argument("--fps", type=float, default=30.0, help="frames per simulated second (default 30)")
    parser.add_argument("--size", default="1280x720", help="frame size (default 1280x720)")
    parser.add_argument("--active", type=float, default=0.01, help="share of cells firing (default 0.01)")
    parser.add_argument("--rate", type=float, default=20.0, help="their rate, Hz (default 20)")
    parser.add_argument("--out", default="movie.mp4", help="movie name, .mp4 or .gif (written to a temporary folder)")
    parser.add_argument("--backend", choices=("auto", "qt", "egl"), default="auto")
    return parser.parse_args(argv)


def write_run_file(connectome, folder: Path, duration_ms: float, active: float, rate_Hz: float, seed: int = 0) -> Path:
    """A run file on ``connectome`` (written beside it) with random spikes of ``active`` of its cells."""
    from brainview.connectome.io import write_native
    from brainview.sim.params import ShiuParams
    from brainview.sim.protocol import Protocol, RunResult, TrialResult
    from brainview.sim.runfile import DatasetInfo, write_run

    dt_ms = 0.1
    n_steps = round(duration_ms / dt_ms)
    rng = np.random.default_rng(seed)
    firing = rng.choice(connectome.n, max(int(connectome.n * active), 1), replace=False)
    counts = rng.poisson(rate_Hz * duration_ms / 1000, firing.size)
    cells = np.repeat(firing, counts).astype(np.int32)
    steps = rng.integers(0, n_steps, cells.size)
    order = np.argsort(steps, kind="stable")
    protocol = Protocol(duration_ms=duration_ms, rates_by=None)
    trial = TrialResult(steps[order], cells[order], np.zeros((n_steps, 0), np.float32),
                        np.zeros((int(duration_ms / protocol.rate_bin_ms), 0), np.float32), [], 0.0)
    result = RunResult(protocol, ShiuParams(), dt_ms, seed, n_steps, np.zeros(0, np.int64), (), np.zeros(0, np.int64),
                       [trial], 0.0)
    dataset = write_native(connectome, folder / "network.h5")
    return write_run(folder / "run.h5", result, DatasetInfo.of(connectome, dataset))


def main(argv=None) -> int:
    from brainview.cli import render as render_command
    from brainview.cli import render_movie
    from brainview.render import ConnectomeView, ViewSettings
    from brainview.render.movie_frames import MovieWriter, frame_times_ms
    from brainview.sim.runfile import read_run

    args = parse_args(argv)
    size = render_command.parse_size(args.size)
    connectome = flywire_scale_or_random(None if args.flywire else args.cells)
    duration_ms = 1000.0 * args.frames / args.fps
    with tempfile.TemporaryDirectory() as folder:
        record = read_run(write_run_file(connectome, Path(folder), duration_ms, args.active, args.rate))
        script = render_movie._script(record, connectome, 0.1, frame_times_ms(0.0, duration_ms, args.fps))
        view = ConnectomeView(settings=ViewSettings(size=size, backend=args.backend))
        stamps: list[float] = []
        try:
            view.set_connectome(connectome)
            render_command.ensure_qt_painting()
            writer = MovieWriter(Path(folder) / args.out, size, args.fps)
            stamps.append(time.perf_counter())
            render_movie._frames(view, writer, script, connectome.meta.get("name", ""),
                                 lambda fraction, message: stamps.append(time.perf_counter()))
            closing = time.perf_counter()
            movie = writer.close()
            closed_s = time.perf_counter() - closing
            movie_mb = movie.stat().st_size / 1e6
        finally:
            view.close()
    frame_ms = np.diff(stamps) * 1000
    print(f"# {describe()}; OpenGL: {view.renderer}")
    print(f"# {connectome.n:,} cells ({connectome.meta.get('name', '')}), {record.spikes['step'].size:,} spikes "
          f"in {duration_ms:g} ms; {args.frames} frames of {size[0]}x{size[1]} into {args.out}")
    print(f"frame (draw, compose, queue): p50 {np.percentile(frame_ms, 50):.1f} ms, "
          f"p95 {np.percentile(frame_ms, 95):.1f} ms, first {frame_ms[0]:.1f} ms")
    print(f"closing the file (encoding the frames still queued): {closed_s * 1000:.0f} ms; {movie_mb:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
