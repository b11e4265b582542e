"""``brainview prepare``: compile the simulation engine once, so no first run waits for it."""

from __future__ import annotations

import argparse


def add_parser(subparsers, help_text: str) -> None:
    subparsers.add_parser(
        "prepare", help=help_text,
        description="Compile the simulation engine into numba's cache (once after installing; a few seconds), "
                    "so that the first step of the first simulation, in the app or the CLI, does not wait for it.",
    )


def run(args: argparse.Namespace) -> int:
    from brainview.sim.prepare import compile_engine

    print("brainview: preparing the simulation engine (first time only)...", flush=True)
    seconds = compile_engine()
    print(f"brainview: the simulation engine is ready ({seconds:.1f} s)")
    return 0
