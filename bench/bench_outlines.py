"""Outline benchmark: FlyWire cells placed in fafbseg's neuropil meshes, and the meshes' frame cost.

Needs the real FlyWire v783 annotation tables (see :mod:`flywire_scale`) and an installed
fafbseg (``pip install fafbseg``; its meshes are read where it is installed). Reports:

* the time to read the 78 neuropil meshes, and to place all 139,255 neurons in their main
  neuropil's mesh (median of ``--repeats``, the meshes' inside tests built afresh each time),
  with the share of placed cells that the parity test finds inside their mesh (should be 100 %);
* the worm's body outline: the time to derive it from the 449 cells' positions;
* with ``--render``: the time of one frame of the cells alone and with the 78 neuropils drawn
  (one node, one-sided, as the app draws them), median of ``--frames``, at ``--size``; and the same while
  the camera moves (the view then draws a sample of a big connectome's cells).

Prints; asserts nothing. Usage::

    python bench/bench_outlines.py [--repeats 3] [--render] [--frames 5] [--size 1200x800]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flywire_scale import shared_flywire_dir  # noqa: E402
from machine import describe as describe_machine  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="placements to time (default 3)")
    parser.add_argument("--render", action="store_true", help="also time frames with and without the neuropils")
    parser.add_argument("--frames", type=int, default=5, help="frames per render measurement (default 5)")
    parser.add_argument("--size", default="1200x800", help="canvas WIDTHxHEIGHT (default 1200x800)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    import brainview
    from brainview.connectome import neuropils
    from brainview.connectome.io.codex import read_codex_annotations
    from brainview.connectome.meshes.inside import MeshInterior
    from brainview.render.appearance import measured_radii
    from brainview.render.body_outline import body_outline

    args = parse_args(argv)
    print(f"machine: {describe_machine()}")
    start = time.perf_counter()
    meshes = neuropils.load_neuropil_meshes()
    if meshes is None:
        print("fafbseg is not installed (pip install fafbseg): no neuropil meshes to place cells in")
        return 1
    print(f"read {len(meshes.meshes)} neuropil meshes of {meshes.source}: {time.perf_counter() - start:.2f} s, "
          f"{sum(len(m.faces) for m in meshes.meshes.values()):,} triangles")
    columns = read_codex_annotations(shared_flywire_dir())
    seconds = []
    for seed in range(args.repeats):
        neuropils._interior.cache_clear()  # time the inside tests' set-up too, as a first load does
        start = time.perf_counter()
        position, source = neuropils.place_in_neuropils(None, columns["region"], columns["side"], meshes, seed)
        seconds.append(time.perf_counter() - start)
    placed = source.to_strings()
    inside = 0
    for label in set(placed) - {""}:
        rows = np.flatnonzero(placed == label)
        inside += int(MeshInterior(meshes.meshes[label[: -len(" mesh")]]).contains(position[rows]).sum())
    n_placed = int(np.count_nonzero(placed != ""))
    print(f"placed {n_placed:,} of {len(placed):,} neurons in {len(set(placed) - {''})} meshes: "
          f"median {np.median(seconds):.2f} s of {args.repeats} ({', '.join(f'{s:.2f}' for s in seconds)}); "
          f"{100 * inside / max(n_placed, 1):.2f} % inside their mesh by the parity test")
    worm = brainview.load_default()
    start = time.perf_counter()
    outline = body_outline(worm.position, measured_radii(worm))
    print(f"worm body outline from {worm.n} cells: {(time.perf_counter() - start) * 1000:.1f} ms, "
          f"{len(outline.faces):,} triangles")
    if args.render:
        render_cost(position, columns, meshes, args)
    return 0


def render_cost(position, columns, meshes, args) -> None:
    """Frame times of the placed fly with and without its neuropils."""
    from brainview.connectome import Connectome
    from brainview.connectome.meshes import Mesh
    from brainview.connectome.synapses import SynapseCSR
    from brainview.render import ConnectomeView
    from brainview.render.settings import ViewSettings

    unplaced = ~np.isfinite(position).all(axis=1)
    position = np.where(unplaced[:, None], np.nanmean(position, axis=0), position).astype(np.float32)
    n = len(position)
    empty = SynapseCSR.from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32), n,
                                  np.zeros(0, np.int8))
    fly = Connectome(columns, position, empty, None, {"species": "Drosophila melanogaster",
                                                      "coordinate_frame": "FlyWire (FAFB14), micrometres"})
    width, height = (int(v) for v in args.size.lower().split("x"))
    view = ConnectomeView(settings=ViewSettings(size=(width, height)))
    view.set_connectome(fly)

    def frame_ms() -> float:
        view.render()
        times = []
        for _ in range(args.frames):
            start = time.perf_counter()
            view.render()
            times.append((time.perf_counter() - start) * 1000)
        return float(np.median(times))

    cells = frame_ms()
    view.set_camera_moving(True)  # a big connectome draws its sample while the camera moves
    cells_moving = frame_ms()
    view.set_camera_moving(False)
    # As the app draws them: one node holding every neuropil, drawn one-sided.
    offsets = np.cumsum([0] + [len(mesh.vertices) for mesh in meshes.meshes.values()])
    merged = Mesh(np.concatenate([mesh.vertices for mesh in meshes.meshes.values()]),
                  np.concatenate([mesh.faces.astype(np.int64) + offset
                                  for mesh, offset in zip(meshes.meshes.values(), offsets)]))
    view.add_mesh(merged).set_one_sided(True)
    both = frame_ms()
    view.set_camera_moving(True)
    both_moving = frame_ms()
    print(f"frame at {width}x{height} ({view.renderer}), median of {args.frames}: all cells {cells:.0f} ms, "
          f"with the {len(meshes.meshes)} neuropils {both:.0f} ms; while moving (the sample) {cells_moving:.0f} ms, "
          f"with the neuropils {both_moving:.0f} ms")
    view.close()


if __name__ == "__main__":
    raise SystemExit(main())
