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

PROBE_STEPS = 300
"""Steps run the other way to time it: short, so that a probe of the slower way costs little."""

PROBE_WARMUP_STEPS = 100
"""The first steps of a probe, not timed: threads that were idle take about this many steps to
reach their speed (measured at fly scale on a 2-core VM: 1.0 ms per step at first, 0.7 ms
after 100 steps), so a shorter probe would find them slower than they are."""

PROBE_EVERY = 8
"""Chunks run the faster way between two probes of the other (the load of a machine changes),
at first: each probe that finds the other way still slower doubles the interval, up to
:data:`PROBE_EVERY_AT_MOST`, so that a machine that stays loaded is probed ever more rarely."""

PROBE_EVERY_AT_MOST = 64

SWITCH_MARGIN = 0.1
"""Outside a probe, the way in use is left only once it is this much slower than the other way
was when last timed: chunk times wander by about this much on a shared machine."""


@dataclass
class ThreadChooser:
    """Chooses, chunk by chunk, between one thread and the simulation's threads.

    A probe runs the first :attr:`probe_steps` steps of a chunk the other way (timed after its
    first :attr:`probe_warmup_steps`), and is judged
    against the rest of the same chunk, run the way in use just after it: the two see the same
    network in the same state, and the machine as it is now. Between probes, the way in use is
    left when its chunks get clearly slower (:data:`SWITCH_MARGIN`) than the other way was, as
    when a busy core slows the threads. Only runs in which most steps were busy say anything;
    the first threaded run is not timed either, as it includes compiling the threaded kernel.
    Until both ways have been timed, one thread is used.

    Parameters
    ----------
    probe_steps : int
        Steps of a probe of the way not in use.
    probe_warmup_steps : int
        Its first steps, which are not timed.
    probe_every : int
        Busy chunks between two probes, at first and after each change of way.
    probe_every_at_most : int
        Busy chunks between two probes at most, once probes keep finding the other way slower.
    """

    probe_steps: int = PROBE_STEPS
    probe_warmup_steps: int = PROBE_WARMUP_STEPS
    probe_every: int = PROBE_EVERY
    probe_every_at_most: int = PROBE_EVERY_AT_MOST
    threaded: bool = False
    seconds_per_step: dict[bool, float | None] = field(default_factory=lambda: {False: None, True: None})
    busy: bool = False
    compiled: bool = False
    chunks_since_probe: int = 0
    interval: int = 0  # chunks between probes now; 0: probe_every
    probing: bool | None = None  # the way the probe of the chunk planned last times
    probe_seconds_per_step: float | None = None  # its time, until the rest of the chunk is timed
    warming_up: bool = False  # the next run of the probed way is the probe's untimed start

    def __post_init__(self) -> None:
        self.interval = self.interval or self.probe_every

    def plan(self, n_steps: int) -> list[tuple[bool, int]]:
        """The runs of the next ``n_steps`` steps, as (threaded, steps) pairs in order."""
        self.probing, self.probe_seconds_per_step = None, None
        if not self.busy or n_steps <= self.probe_steps:
            return [(self.threaded, n_steps)]
        other = not self.threaded
        if self.seconds_per_step[other] is not None and self.chunks_since_probe < self.interval:
            self.chunks_since_probe += 1
            return [(self.threaded, n_steps)]
        self.chunks_since_probe = 0
        self.probing = other
        warmup = min(self.probe_warmup_steps, self.probe_steps - 1)
        self.warming_up = warmup > 0
        runs = [(other, warmup)] if warmup > 0 else []
        return runs + [(other, self.probe_steps - warmup), (self.threaded, n_steps - self.probe_steps)]

    def record(self, threaded: bool, seconds: float, steps: int, busy_steps: int) -> None:
        """A run of ``steps`` steps (``busy_steps`` of them busy) took ``seconds`` of wall time."""
        self.busy = steps > 0 and 2 * busy_steps >= steps
        if not self.busy:
            return
        if threaded and not self.compiled:
            self.compiled = True
            return
        if threaded == self.probing and self.warming_up:
            self.warming_up = False
            return
        per_step = seconds / steps
        self.seconds_per_step[threaded] = per_step
        if threaded == self.probing:
            self.probe_seconds_per_step = per_step  # judged once the rest of the chunk is timed
            return
        probe, self.probe_seconds_per_step = self.probe_seconds_per_step, None
        if probe is not None:  # the rest of a probed chunk, against its probe
            if probe < per_step:
                self._switch()
            else:
                self.interval = min(2 * self.interval, self.probe_every_at_most)
            return
        other = self.seconds_per_step[not threaded]
        if threaded == self.threaded and other is not None and per_step > other * (1 + SWITCH_MARGIN):
            self._switch()

    def _switch(self) -> None:
        self.threaded = not self.threaded
        self.chunks_since_probe = 0  # the way left behind has just been timed
        self.interval = self.probe_every
