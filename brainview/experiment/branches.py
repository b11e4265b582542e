"""Branches of a live run: rewound to an earlier moment and continued, the old course kept.

A live run is one simulation the user steers. When they rewind it to time ``T`` (the engine
restores a checkpoint, :mod:`brainview.sim.checkpoints`) and go on, possibly with other lesions
or stimuli, the run becomes a new *branch* that shares everything before ``T`` with the one it
left; the one left is kept as it was recorded, as a :class:`Branch` (its spikes, rates and log
from 0 to where it stopped, in the form the run-file writers take), so both can be exported
(:func:`brainview.experiment.export.write_run_file`) and compared.

Branches are numbered from 1 in the order they start. A branch left before it ran past its
fork point holds nothing of its own and is not kept (rewinding twice in a row does not pile
up empty branches).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from brainview.errors import ParameterError
from brainview.sim.protocol import RunResult


@dataclass(frozen=True, eq=False)
class Branch:
    """A branch left behind: ``number``, the branch it forked from (``parent``, None for the
    first) at ``fork_ms``, and what it recorded from 0 to ``end_ms`` (``result``, one trial)."""

    number: int
    parent: int | None
    fork_ms: float
    end_ms: float
    result: RunResult

    @property
    def name(self) -> str:
        """"branch 2" (as lists and file names show it)."""
        return f"branch {self.number}"

    @property
    def description(self) -> str:
        """One line for a list: the name, where it forked, where it ended, its spikes."""
        origin = "" if self.parent is None else f" from branch {self.parent} at {self.fork_ms / 1000:.2f} s"
        spikes = self.result.trials[0].spike_steps.size
        return f"{self.name}{origin}, to {self.end_ms / 1000:.2f} s, {spikes:,} spikes"

    def group_rates_Hz(self) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
        """(group labels, bin end times ms, rates (groups, bins) Hz) of the traced groups."""
        rates = np.asarray(self.result.trials[0].rates_Hz)
        bin_ms = self.result.protocol.rate_bin_ms
        return tuple(self.result.rate_labels), (np.arange(rates.shape[0]) + 1) * bin_ms, rates.T


@dataclass
class BranchBook:
    """The branches of one run: those left behind (:attr:`kept`) and the running one's place."""

    kept: list[Branch] = field(default_factory=list)
    current: int = 1
    """Number of the running branch."""
    parent: int | None = None
    """The branch the running one forked from (None: the first)."""
    fork_ms: float = 0.0
    """Where the running branch forked from its parent, ms."""

    def fork(self, left: RunResult | None, end_ms: float, at_ms: float) -> Branch | None:
        """The running branch, which recorded ``left`` up to ``end_ms``, is left at ``at_ms``
        for a new one; returns the branch kept (None when it held nothing past its fork point,
        or ``left`` is None: nothing recorded)."""
        if at_ms > end_ms + 1e-9:
            raise ParameterError(f"cannot branch at {at_ms:g} ms: the run has reached {end_ms:g} ms only")
        kept = None
        if left is not None and end_ms > self.fork_ms + 1e-9:
            kept = Branch(self.current, self.parent, self.fork_ms, end_ms, left)
            self.kept.append(kept)
            self.parent, self.current = self.current, self.current + 1
        # else the running branch starts again from its new fork point, keeping its number
        self.fork_ms = float(at_ms)
        return kept

    def find(self, number: int) -> Branch:
        """The kept branch ``number``; ParameterError naming the kept ones if there is none."""
        for branch in self.kept:
            if branch.number == number:
                return branch
        names = ", ".join(str(b.number) for b in self.kept) or "none"
        raise ParameterError(f"there is no branch {number} kept (kept: {names})")
