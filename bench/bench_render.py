"""Rendering benchmark: whole-fly-brain scale with live activity, next to vispy's stock Markers.

Draws the FlyWire-scale connectome (139,255 neurons; see flywire_scale.py, or ``--random N``
points) with 1 % of the neurons spiking every frame, and prints per frame:

* update: CPU time of ``push_spikes`` + ``set_time`` (our code, on the GUI thread);
* submit: CPU time of the canvas's scene draw (``on_draw``: our per-frame uniforms, vispy's
  state changes and GL commands), measured in a second pass with the driver's draw calls
  replaced by no-ops, so that software rasterisation is not counted (a GPU would do that work);
  the window system's buffer swap is not part of it either;
* upload: bytes sent to the GPU per frame, counted at vispy's command queue (every DATA
  command), next to the view's own counter;
* fps: whole frames (update, draw, swap, glFinish) per second on this machine's OpenGL, for our
  visuals and, in the same run and canvas, for vispy's stock ``Markers`` drawing the same points
  (static, and with activity shown the only way Markers can: ``set_data`` every frame).

Budgets (DESIGN.md, issue 4): update under 2 ms of CPU per frame, upload growing with spikes and
not with N, our visual no slower than stock Markers. Prints figures; asserts nothing.

Usage::

    xvfb-run -a -s "-screen 0 1600x1000x24" python bench/bench_render.py [--frames 30] [--size 1280x800]
    python bench/bench_render.py --backend egl          # no display needed
    python bench/bench_render.py --random 139255        # without the FlyWire-scale cache
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flywire_scale import flywire_scale_or_random  # noqa: E402
from machine import describe  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=30, help="frames per measurement (default 30)")
    parser.add_argument("--size", default="1280x800", help="canvas WIDTHxHEIGHT (default 1280x800)")
    parser.add_argument("--fraction", type=float, default=0.01, help="fraction of neurons spiking per frame")
    parser.add_argument("--random", type=int, metavar="N", help="N random points instead of the FlyWire-scale data")
    parser.add_argument("--backend", choices=("auto", "qt", "egl"), default="auto")
    parser.add_argument("--skip-markers", action="store_true", help="do not measure vispy's Markers")
    return parser.parse_args(argv)


class UploadCounter:
    """Counts the bytes of every DATA command (buffer and texture uploads) vispy sends to the driver."""

    def __init__(self, canvas) -> None:
        self.bytes = 0
        parser = canvas.context.shared.parser
        original = parser.parse

        def parse(commands):
            for command in commands:
                if command[0] == "DATA":
                    self.bytes += int(np.asarray(command[-1]).nbytes)
            return original(commands)

        parser.parse = parse


@contextlib.contextmanager
def draw_calls_disabled():
    """Make the driver's draw calls no-ops, to time what the CPU does to submit a frame."""
    from vispy.gloo import gl

    names = ("glDrawArrays", "glDrawElements")
    saved = {name: getattr(gl, name) for name in names}
    for name in names:
        setattr(gl, name, lambda *args, **kwargs: None)
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(gl, name, function)


def draw_frame(canvas) -> None:
    """Draw one frame now (and wait for the GL to finish it)."""
    from vispy.gloo import gl

    canvas.update()
    canvas.app.process_events()
    gl.glFinish()


def measure_ours(view, connectome, frames: int, fraction: float, counter: UploadCounter) -> dict:
    rng = np.random.default_rng(1)
    n = connectome.n
    k = max(int(round(fraction * n)), 1)
    spikes = [rng.choice(n, k, replace=False) for _ in range(2 * frames + 10)]
    t_ms = [0.0]

    def step(rows, time_ms):
        view.push_spikes(rows, time_ms)
        view.set_time(time_ms)

    for _ in range(3):  # compile the shaders
        draw_frame(view.canvas)
    start = time.perf_counter()
    for _ in range(frames):
        draw_frame(view.canvas)
    static_fps = frames / (time.perf_counter() - start)
    for warm in range(5):  # fill the glow ring
        t_ms[0] += 16.7
        step(spikes[warm], t_ms[0])
        draw_frame(view.canvas)
    update_cpu, update_wall, frame_wall, uploads, own_uploads = [], [], [], [], []
    for index in range(frames):
        t_ms[0] += 16.7
        before_glir, before_own = counter.bytes, view.uploaded_bytes
        start_wall, start_cpu = time.perf_counter(), time.thread_time()
        step(spikes[5 + index], t_ms[0])
        update_cpu.append(time.thread_time() - start_cpu)
        update_wall.append(time.perf_counter() - start_wall)
        draw_frame(view.canvas)
        frame_wall.append(time.perf_counter() - start_wall)
        uploads.append(counter.bytes - before_glir)
        own_uploads.append(view.uploaded_bytes - before_own)
    submit = []
    with draw_calls_disabled():
        for index in range(frames):
            t_ms[0] += 16.7
            view.push_spikes(spikes[5 + frames + (index % 5)], t_ms[0])
            view.set_time(t_ms[0])
            view.canvas.set_current()
            start = time.thread_time()
            view.canvas.on_draw(None)  # what the backend's paint handler runs, without the swap
            submit.append(time.thread_time() - start)
    return {
        "spikes": k,
        "update_cpu_ms": 1e3 * np.median(update_cpu),
        "update_wall_ms": 1e3 * np.median(update_wall),
        "submit_cpu_ms": 1e3 * np.median(submit),
        "upload_bytes": float(np.median(uploads)),
        "upload_own_bytes": float(np.median(own_uploads)),
        "fps": 1.0 / np.mean(frame_wall),
        "fps_static": static_fps,
    }


def measure_markers(view, connectome, frames: int, fraction: float, counter: UploadCounter) -> dict:
    """vispy's stock Markers drawing the same points, in the same canvas, with our visuals hidden."""
    from vispy import scene
    from vispy.scene.visuals import VisualNode

    ours = [node for node in view.scene.children if isinstance(node, VisualNode)]
    for node in ours:
        node.visible = False
    colors = view.color_mapping.rgba
    markers = scene.visuals.Markers(parent=view.scene, spherical=True, scaling="scene")
    diameters = 2 * np.asarray(connectome["radius"], np.float32)
    markers.set_data(view.positions, size=diameters, face_color=colors, edge_width=0)
    results = {}
    for warm in range(3):
        draw_frame(view.canvas)
    start = time.perf_counter()
    for _ in range(frames):
        draw_frame(view.canvas)
    results["fps_static"] = frames / (time.perf_counter() - start)
    rng = np.random.default_rng(1)
    k = max(int(round(fraction * connectome.n)), 1)
    lit = colors.copy()
    frame_wall, uploads, update_cpu = [], [], []
    for _ in range(frames):
        before = counter.bytes
        start_wall, start_cpu = time.perf_counter(), time.thread_time()
        lit[:] = colors
        lit[rng.choice(connectome.n, k, replace=False)] = (1.0, 0.9, 0.5, 1.0)
        markers.set_data(view.positions, size=diameters, face_color=lit, edge_width=0)
        update_cpu.append(time.thread_time() - start_cpu)
        draw_frame(view.canvas)
        frame_wall.append(time.perf_counter() - start_wall)
        uploads.append(counter.bytes - before)
    results["fps_activity"] = 1.0 / np.mean(frame_wall)
    results["update_cpu_ms"] = 1e3 * np.median(update_cpu)
    results["upload_bytes"] = float(np.median(uploads))
    markers.parent = None
    for node in ours:
        node.visible = True
    return results


def upload_scaling(view, connectome, counter: UploadCounter) -> list[tuple[int, int, int]]:
    """(cells drawn, spikes, bytes uploaded per frame): bytes follow the spikes, not N."""
    from brainview.connectome import Connectome, SynapseCSR

    rows = []
    rng = np.random.default_rng(2)
    for n in (connectome.n, connectome.n // 10):
        if n != view.n:
            cells = Connectome({"id": np.arange(n)}, view.positions[:n], SynapseCSR.empty(n), None, {})
            view.set_connectome(cells)
            draw_frame(view.canvas)  # the new cells' one-off upload is not a per-frame cost
        t_ms = 1e6
        for k in (10, 100, 1000, 10000):
            t_ms += 16.7
            before = counter.bytes
            view.push_spikes(rng.choice(n, min(k, n), replace=False), t_ms)
            view.set_time(t_ms)
            draw_frame(view.canvas)
            rows.append((n, k, counter.bytes - before))
    return rows


def measure_moving(view, frames: int) -> float:
    """Frames per second while the camera turns (the moving sample is drawn)."""
    camera = view.cameras.turntable
    view.set_camera_moving(True)
    draw_frame(view.canvas)
    start = time.perf_counter()
    for _ in range(frames):
        camera.azimuth += 2.0
        draw_frame(view.canvas)
    elapsed = time.perf_counter() - start
    view.set_camera_moving(False)
    return frames / elapsed


def main(argv=None) -> int:
    args = parse_args(argv)
    from brainview.cli.render import parse_size
    from brainview.render import ConnectomeView, ViewSettings

    size = parse_size(args.size)
    start = time.perf_counter()
    connectome = flywire_scale_or_random(args.random)
    load_s = time.perf_counter() - start
    view = ConnectomeView(settings=ViewSettings(size=size, backend=args.backend), show=True)
    start = time.perf_counter()
    view.set_connectome(connectome)
    set_s = time.perf_counter() - start
    counter = UploadCounter(view.canvas)
    draw_frame(view.canvas)
    print("brainview render benchmark")
    print(f"  machine:  {describe()}")
    print(f"  OpenGL:   {view.renderer}, {view.gl_version}")
    print(f"  command:  {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"  data:     {connectome} (loaded in {load_s:.2f} s; set_connectome {set_s:.2f} s)")
    print(f"  canvas:   {size[0]}x{size[1]}, {args.frames} frames per figure, "
          f"{100 * args.fraction:g} % of neurons spiking per frame")
    ours = measure_ours(view, connectome, args.frames, args.fraction, counter)
    print(f"\nbrainview NeuronsVisual + ActivityVisual ({ours['spikes']:,} spikes per frame)")
    print(f"  update (push_spikes + set_time): {ours['update_cpu_ms']:.3f} ms CPU "
          f"({ours['update_wall_ms']:.3f} ms wall), median")
    print(f"  draw submission:                 {ours['submit_cpu_ms']:.3f} ms CPU, median")
    print(f"  per-frame CPU (update + submit): {ours['update_cpu_ms'] + ours['submit_cpu_ms']:.3f} ms  (budget 2 ms)")
    print(f"  uploaded per frame:              {ours['upload_bytes']:,.0f} bytes at the GL queue "
          f"({ours['upload_own_bytes']:,.0f} by the view's count; "
          f"{ours['upload_bytes'] / ours['spikes']:.1f} bytes per spike)")
    print(f"  frames per second, static:       {ours['fps_static']:.2f}")
    print(f"  frames per second, with spikes:  {ours['fps']:.2f} (update + draw + glFinish)")
    moving = measure_moving(view, args.frames)
    print(f"  fps while the camera turns:      {moving:.2f} (a {view.moving_limit:,}-neuron sample)")
    if not args.skip_markers:
        stock = measure_markers(view, connectome, args.frames, args.fraction, counter)
        print("\nvispy stock Markers (spherical, scene scaling), same points and canvas")
        print(f"  frames per second, static:                {stock['fps_static']:.2f}")
        print(f"  frames per second, activity via set_data: {stock['fps_activity']:.2f} "
              f"(update {stock['update_cpu_ms']:.2f} ms CPU, {stock['upload_bytes']:,.0f} bytes per frame)")
        print(f"\nours / Markers fps: static {ours['fps_static'] / stock['fps_static']:.2f}x, "
              f"with activity {ours['fps'] / stock['fps_activity']:.2f}x")
    print("\nupload per frame against spikes and cells")
    for n, k, uploaded in upload_scaling(view, connectome, counter):
        print(f"  N = {n:>7,}: {k:>6,} spikes -> {uploaded:>9,} bytes")
    view.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
