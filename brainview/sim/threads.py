"""Whether a simulation's busy steps run on its threads: timed as it runs, not assumed.

A step shared by two threads is as slow as the slower of them, so a second thread pays only
while a core is free for it: with the other core busy (a GUI, a second run, another program)
a shared step waits for a thread that is not running, and is slower than on one thread. No
setting known in advance is right on every machine and at every moment, so a simulation asked
for several threads times its busy steps both ways as it goes (:class:`ThreadChooser`) and uses
the threads only while they are the faster. Either way the spikes are the same to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROBE_STEPS = 100
"""Steps run the other way to time it: short, so that a probe of the slower way costs little."""

PROBE_EVERY = 8
"""Chunks run the faster way between two probes of the other (the load of a machine changes),
at first: each probe that finds the other way still slower doubles the interval, up to
:data:`PROBE_EVERY_AT_MOST`, so that a machine that stays loaded is probed ever more rarely."""

PROBE_EVERY_AT_MOST = 64


@dataclass
class ThreadChooser:
    """Chooses, chunk by chunk, between one thread and the simulation's threads.

    Only runs in which most steps were busy (shared by the threads when threaded) say which
    way is faster; the first threaded run is not timed either, as it includes compiling the
    threaded kernel. Until both ways have been timed on busy steps, one thread is used.

    Parameters
    ----------
    probe_steps : int
        Steps of a probe of the way not in use.
    probe_every : int
        Busy chunks between two probes, at first and after each change of way.
    probe_every_at_most : int
        Busy chunks between two probes at most, once probes keep finding the other way slower.
    """

    probe_steps: int = PROBE_STEPS
    probe_every: int = PROBE_EVERY
    probe_every_at_most: int = PROBE_EVERY_AT_MOST
    threaded: bool = False
    seconds_per_step: dict[bool, float | None] = field(default_factory=lambda: {False: None, True: None})
    busy: bool = False
    compiled: bool = False
    chunks_since_probe: int = 0
    interval: int = 0  # chunks between probes now; 0: probe_every
    probing: bool | None = None  # the way a probe of the chunk planned last is timing

    def __post_init__(self) -> None:
        self.interval = self.interval or self.probe_every

    def plan(self, n_steps: int) -> list[tuple[bool, int]]:
        """The runs of the next ``n_steps`` steps, as (threaded, steps) pairs in order."""
        self.probing = None
        if not self.busy or n_steps <= 0:
            return [(self.threaded, n_steps)]
        other = not self.threaded
        if self.seconds_per_step[other] is not None and self.chunks_since_probe < self.interval:
            self.chunks_since_probe += 1
            return [(self.threaded, n_steps)]
        self.chunks_since_probe = 0
        self.probing = other
        probe = min(self.probe_steps, n_steps)
        return [(other, probe)] + ([(self.threaded, n_steps - probe)] if n_steps > probe else [])

    def record(self, threaded: bool, seconds: float, steps: int, busy_steps: int) -> None:
        """A run of ``steps`` steps (``busy_steps`` of them busy) took ``seconds`` of wall time."""
        self.busy = steps > 0 and 2 * busy_steps >= steps
        if not self.busy:
            return
        if threaded and not self.compiled:
            self.compiled = True
            return
        self.seconds_per_step[threaded] = seconds / steps
        one, shared = self.seconds_per_step[False], self.seconds_per_step[True]
        if one is None or shared is None:
            return
        if (shared < one) != self.threaded:
            self.threaded = not self.threaded
            self.chunks_since_probe = 0  # the way left behind has just been timed
            self.interval = self.probe_every
        elif threaded == self.probing:  # a probe found the other way still slower
            self.interval = min(2 * self.interval, self.probe_every_at_most)
        if threaded == self.probing:
            self.probing = None
