"""Fly-scale interaction queries: partner lines of a hub neuron, shortest paths, n-hop neighbourhoods.

What the app computes when a cell is selected or two cells are joined, on the FlyWire-scale
network of bench/flywire_scale.py (139,255 neurons, about 15 million connections):

* partner lines: :func:`brainview.render.synapse_lines.partner_synapses` for the neuron with the
  most connections in and out (the worst case of a click), both directions;
* shortest paths: :meth:`Connectome.shortest_path` between three fixed pairs of cells (drawn with
  seed 0 among cells with outputs), each path's length printed so two versions can be compared;
* neighbourhood: the cells within two hops of the hub, downstream and upstream.

Each query runs ``--repeats`` times after one untimed call; the median is printed. To compare with
an older version, run this file with ``PYTHONPATH`` pointing at a checkout of it (for example a
``git worktree`` of the commit before a change): the script uses only public functions.
Prints machine, command and figures; asserts nothing about time.

Usage::

    python bench/bench_queries.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flywire_scale import flywire_scale_connectome  # noqa: E402
from machine import describe as describe_machine  # noqa: E402


def median_ms(function, repeats: int) -> tuple[float, object]:
    """Median wall time of ``function()`` over ``repeats`` calls after one untimed call, ms."""
    result = function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return float(np.median(times)) * 1e3, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per query (default 5)")
    args = parser.parse_args()

    import brainview
    from brainview.render.synapse_lines import partner_synapses

    connectome = flywire_scale_connectome()
    chemical = connectome.chemical
    degree = np.diff(chemical.indptr) + np.bincount(chemical.indices, minlength=connectome.n)
    hub = int(np.argmax(degree))
    rng = np.random.default_rng(0)
    senders = np.flatnonzero(np.diff(chemical.indptr) > 0)
    pairs = rng.choice(senders, (3, 2), replace=False)

    print(f"machine: {describe_machine()}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"brainview: {Path(brainview.__file__).resolve().parent}")
    print(f"network: {connectome}")
    print(f"hub: row {hub}, {int(degree[hub]):,} connections in and out")
    print()
    print(f"{'query':<44} {'ms':>9}  result")
    ms, lines = median_ms(lambda: partner_synapses(connectome, np.array([hub]), "both"), args.repeats)
    print(f"{'partner lines of the hub (both directions)':<44} {ms:9.2f}  {len(lines.pre):,} lines")
    for source, target in pairs:
        ms, path = median_ms(lambda: connectome.shortest_path(int(source), int(target)), args.repeats)
        print(f"{f'shortest path {source} -> {target}':<44} {ms:9.2f}  {len(path)} cells")
    for direction in ("out", "in"):
        ms, cells = median_ms(lambda: connectome.neighbourhood([hub], hops=2, direction=direction), args.repeats)
        print(f"{f'2-hop neighbourhood of the hub, {direction}puts':<44} {ms:9.2f}  {len(cells):,} cells")


if __name__ == "__main__":
    main()
