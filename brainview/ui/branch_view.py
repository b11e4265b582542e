"""Two branches of a run side by side: the traced groups' population rates of each, one above
the other on the same axes, with the point where they part and each one's interventions marked,
and a table of each group's mean rate after the parting in both."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QDialog, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from brainview.experiment.branches import Branch
from brainview.experiment.recording import Marker, marker_of
from brainview.ui import theme
from brainview.ui.timeline import MARKER_COLOURS


def parting_ms(first: Branch, second: Branch) -> float:
    """Where two branches of one run part: the later of the fork points that separate them."""
    forks = [b.fork_ms for b in (first, second) if b.parent is not None]
    return max(forks) if forks else 0.0


def branch_markers(branch: Branch) -> list[Marker]:
    """The lesions and stimuli of ``branch`` (from its engine log) after its first moment, as markers."""
    markers = (marker_of(e.time_ms, e.action, e.target) for e in branch.result.trials[0].log if e.step > 0)
    return [m for m in markers if m is not None]


def mean_rates_after(branch: Branch, t_ms: float) -> dict[str, float]:
    """Each traced group's mean rate (Hz) over the bins of ``branch`` that start at or after ``t_ms``."""
    labels, ends, rates = branch.group_rates_Hz()
    bin_ms = branch.result.protocol.rate_bin_ms
    after = ends - bin_ms >= t_ms - 1e-9
    return {label: float(rates[i, after].mean()) if after.any() else float("nan") for i, label in enumerate(labels)}


class BranchComparison(QDialog):
    """``first`` and ``second`` (usually a kept branch and the running one), see the module notes."""

    def __init__(self, first: Branch, second: Branch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Compare {first.name} and {second.name}")
        self.resize(900, 620)
        self.parting_ms = parting_ms(first, second)
        self.graphics = pg.GraphicsLayoutWidget()
        self.plots = []
        for row, branch in enumerate((first, second)):
            plot = self.graphics.addPlot(row=row, col=0, title=branch.description)
            plot.setLabel("left", "rate, Hz")
            plot.setMenuEnabled(False)
            plot.addLegend(offset=(-10, 2), labelTextColor=theme.TEXT)
            labels, ends, rates = branch.group_rates_Hz()
            for index, label in enumerate(labels):
                pen = pg.mkPen(theme.TRACE_COLOURS[index % len(theme.TRACE_COLOURS)], width=2)
                plot.plot(ends, rates[index], pen=pen, name=label)
            for marker in branch_markers(branch):
                colour = getattr(theme, MARKER_COLOURS.get(marker.kind, "MUTED"))
                plot.addItem(pg.InfiniteLine(pos=marker.t_ms, angle=90, movable=False, label=marker.label,
                                             pen=pg.mkPen(colour, width=1, style=pg.QtCore.Qt.PenStyle.DotLine),
                                             labelOpts={"position": 0.75, "color": colour, "anchors": [(0, 1), (0, 1)]}),
                             ignoreBounds=True)
            line = pg.InfiniteLine(pos=self.parting_ms, angle=90, movable=False, label="branches part",
                                   pen=pg.mkPen(theme.TEXT, width=1, style=pg.QtCore.Qt.PenStyle.DashLine),
                                   labelOpts={"position": 0.9, "color": theme.TEXT})
            plot.addItem(line, ignoreBounds=True)
            if self.plots:
                plot.setXLink(self.plots[0])
                plot.setYLink(self.plots[0])
            self.plots.append(plot)
        self.plots[-1].setLabel("bottom", "simulated time, ms")
        first_rates, second_rates = mean_rates_after(first, self.parting_ms), mean_rates_after(second, self.parting_ms)
        groups = list(dict.fromkeys([*first_rates, *second_rates]))
        self.table = QTableWidget(len(groups), 3)
        self.table.setHorizontalHeaderLabels(
            ["group", f"{first.name}, Hz after {self.parting_ms / 1000:.2f} s", f"{second.name}, Hz"])
        for row, group in enumerate(groups):
            values = (group, _hz(first_rates.get(group)), _hz(second_rates.get(group)))
            for column, text in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.setMaximumHeight(40 + 26 * max(len(groups), 1))
        layout = QVBoxLayout(self)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.table)
        if not groups:
            self.table.hide()
            self.plots[0].setTitle(f"{first.description}: no traced groups (right-click a group in Cell types "
                                   "to trace its rate)")


def _hz(value: float | None) -> str:
    return "" if value is None or not np.isfinite(value) else f"{value:.1f}"
