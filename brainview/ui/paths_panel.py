"""The Paths panel: shortest synaptic paths between two selections, or a selection's n-hop neighbourhood.

What ``brainview paths`` prints, in the app: from the cells of "From" (a selector: names like
``ALML,ALMR,AVM`` or ``type:VA``) to those of "To", the fewest hops along chemical synapses and
the best paths of that length (:func:`~brainview.connectome.paths.paths_between`); or, in
neighbourhood mode, the cells 1..N hops downstream (or upstream) of "From", hop by hop
(:func:`~brainview.connectome.paths.neighbourhood`). The list shows each cell with its type and
subsystem and the synapses of the link that reaches it. Choosing a path or a cell marks the
path's cells in the 3D view, draws its synapses and moves the camera to the cell and its
neighbours on the path (:data:`PathsPanel.cellsShown`); Previous and Next step along the list.

Queries run off the GUI thread (:class:`~brainview.ui.query_job.QueryRunner`): at fly scale a
search walks millions of connections.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QSpinBox,
    QTreeWidget, QTreeWidgetItem, QTreeWidgetItemIterator, QVBoxLayout, QWidget,
)

from brainview.connectome import Connectome
from brainview.connectome.paths import Links, Neighbourhood, PathsResult, neighbourhood, path_links, paths_between
from brainview.connectome.queries import rows_of
from brainview.connectome.selectors import SelectorError
from brainview.ui import theme
from brainview.ui.diversity_panel import subsystem_colours
from brainview.ui.docks import tab_when_shown
from brainview.ui.query_job import QueryRunner
from brainview.ui.session import Session

PATHS, NEIGHBOURHOOD = "paths", "neighbourhood"

EXAMPLES = (("ALML,ALMR,AVM,PLML,PLMR", "type:VA,DA"),)
"""(From, To) filled in for a dataset that has their cells: the worm's touch receptors to its
backward (A-type) motor neurons."""

PATH_LIMIT = 10
"""Paths listed (the best of the shortest)."""

LISTED_PER_HOP = 500
"""Cells listed under one hop of a neighbourhood (the 3D view marks all of them)."""

ROW_ROLE = Qt.ItemDataRole.UserRole + 3
"""A cell item's row (-1 on a path's or a hop's item)."""
HOP_ROLE = Qt.ItemDataRole.UserRole + 4
"""A neighbourhood hop item's hop (0: the seeds)."""

CELL, TYPE, SUBSYSTEM, SYNAPSES = range(4)


@dataclass(frozen=True)
class PathsAnswer:
    """Shortest paths from ``n_from`` to ``n_to`` cells, and each path's links to draw."""

    n_from: int
    n_to: int
    result: PathsResult
    links: tuple[Links, ...]


@dataclass(frozen=True)
class HoodAnswer:
    """The neighbourhood of ``n_from`` cells."""

    n_from: int
    hood: Neighbourhood


def resolve(connectome: Connectome, label: str, text: str) -> np.ndarray:
    """The rows ``text`` selects; a :class:`SelectorError` naming the field ``label`` when it
    is empty, malformed or selects nothing."""
    if not text.strip():
        raise SelectorError(f"{label}: give the cells, by name (ALML,ALMR) or as FIELD:VALUE (type:VA)")
    try:
        return rows_of(connectome, text.strip())
    except SelectorError as error:
        raise SelectorError(f"{label} {text.strip()!r}: {error}") from None


def find_paths(connectome: Connectome, source: str, target: str, max_hops: int, min_count: float) -> PathsAnswer:
    """The :class:`PathsAnswer` of ``source`` to ``target`` (selectors)."""
    sources, targets = resolve(connectome, "From", source), resolve(connectome, "To", target)
    result = paths_between(connectome, sources, targets, max_hops, min_count, PATH_LIMIT)
    return PathsAnswer(sources.size, targets.size, result, tuple(path_links(connectome, p) for p in result.paths))


def find_neighbourhood(connectome: Connectome, source: str, hops: int, min_count: float, direction: str) -> HoodAnswer:
    """The :class:`HoodAnswer` of ``source`` (a selector), ``hops`` steps in ``direction``."""
    sources = resolve(connectome, "From", source)
    return HoodAnswer(sources.size, neighbourhood(connectome, sources, hops, min_count, direction))


def _count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _hops(n: int) -> str:
    return f"{n} hop" if n == 1 else f"{n} hops"


class PathsPanel(QWidget):
    """Two selections, a search, and the list of what it found.

    Signals
    -------
    cellsShown(numpy.ndarray, Links, int, numpy.ndarray)
        A path or cell was chosen: the cells to mark, the connections to draw, the cell to
        select (-1: none) and the cells to bring into view.
    answered()
        The list or the message shows the last search's answer.
    """

    cellsShown = Signal(object, object, int, object)
    answered = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        self.answer: PathsAnswer | HoodAnswer | None = None
        self.runner = QueryRunner(self)
        self.mode = QComboBox()
        self.mode.addItem("Shortest paths", PATHS)
        self.mode.addItem("Neighbourhood", NEIGHBOURHOOD)
        self.source = QLineEdit(placeholderText="ALML,ALMR,AVM or type:VA or subsystem:sensory")
        self.target = QLineEdit(placeholderText="AVAL,AVAR or type:VA,DA")
        for edit in (self.source, self.target):
            edit.setToolTip("Cell names separated by commas, or FIELD:VALUE[,VALUE] with FIELD one of type, class, "
                            "superclass, region, subsystem, nt, kind, side, name, id")
        self.hops = QSpinBox(minimum=0, maximum=20, value=6, suffix=" hops")
        self.min_synapses = QDoubleSpinBox(minimum=1, maximum=10_000, value=1, decimals=0, prefix="at least ",
                                           suffix=" synapses")
        self.min_synapses.setToolTip("Follow only connections with at least this many synapses")
        self.direction = QComboBox()
        self.direction.addItem("downstream", "out")
        self.direction.addItem("upstream", "in")
        self.find_button = QPushButton("Find")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Cell", "Type", "Subsystem", "Synapses"])
        self.tree.headerItem().setToolTip(SYNAPSES, "On a path: the synapses from the cell before. In a "
                                          "neighbourhood: those of all the cell's links with the hop before")
        header = self.tree.header()
        header.setSectionResizeMode(CELL, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        for column in (TYPE, SUBSYSTEM, SYNAPSES):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.previous_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        self.previous_button.setToolTip("The cell before on the path (or the list)")
        self.next_button.setToolTip("The next cell on the path (or the list)")
        form = QFormLayout()
        form.addRow("Find", self.mode)
        form.addRow("From", self.source)
        self.target_label = QLabel("To")
        form.addRow(self.target_label, self.target)
        self.hops_label = QLabel()
        options = QHBoxLayout()
        options.addWidget(self.hops)
        options.addWidget(self.direction)
        options.addStretch(1)
        form.addRow(self.hops_label, options)
        form.addRow("Links of", self.min_synapses)
        steps = QHBoxLayout()
        steps.addWidget(self.previous_button)
        steps.addWidget(self.next_button)
        steps.addStretch(1)
        steps.addWidget(self.find_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addLayout(steps)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)
        self.mode.currentIndexChanged.connect(self._on_mode)
        self.hops.valueChanged.connect(lambda n: self.hops.setSuffix(" hop" if n == 1 else " hops"))
        self.find_button.clicked.connect(self.find)
        for edit in (self.source, self.target):
            edit.returnPressed.connect(self.find)
        self.tree.currentItemChanged.connect(lambda item, _old: self._show_item(item))
        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(+1))
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self._on_mode()

    def set_session(self, session: Session) -> None:
        """Search ``session``'s connectome; fill in the first example whose cells it has."""
        self.session = session
        self.runner.drop_pending()
        self.answer = None
        self.tree.clear()
        self.status.setText("")
        for source, target in EXAMPLES:
            try:
                rows_of(session.connectome, source), rows_of(session.connectome, target)
            except SelectorError:
                continue
            self.source.setText(source)
            self.target.setText(target)
            break
        self._enable_steps()

    def _on_mode(self, _index: int = 0) -> None:
        paths = self.mode.currentData() == PATHS
        self.target.setEnabled(paths)
        self.target_label.setEnabled(paths)
        self.direction.setVisible(not paths)
        self.hops_label.setText("Up to" if paths else "Within")
        self.hops.setValue(6 if paths else 1)
        self.hops.setToolTip("Look no further than this many synaptic steps" if paths else
                             "The cells this many synaptic steps away, or fewer")

    # -- searching ------------------------------------------------------------------------------------
    def find(self) -> None:
        """Search with the panel's settings (in the background; :attr:`answered` follows)."""
        if self.session is None:
            return
        connectome = self.session.connectome
        source, target, hops = self.source.text(), self.target.text(), self.hops.value()
        min_count, direction = self.min_synapses.value(), self.direction.currentData()
        if self.mode.currentData() == PATHS:
            self.runner.submit(lambda: find_paths(connectome, source, target, hops, min_count))
        else:
            self.runner.submit(lambda: find_neighbourhood(connectome, source, hops, min_count, direction))
        self.status.setText("Searching...")

    def _on_finished(self, serial: int, answer) -> None:
        if serial != self.runner.latest or self.session is None:
            return  # the answer to an earlier question, or to another dataset's
        self.answer = answer
        self.tree.clear()
        if isinstance(answer, PathsAnswer):
            self._list_paths(answer)
        else:
            self._list_hood(answer)
        self._enable_steps()
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)
        self.answered.emit()

    def _on_failed(self, serial: int, message: str) -> None:
        if serial != self.runner.latest:
            return
        self.answer = None
        self.tree.clear()
        self._enable_steps()
        self.status.setText(f"<span style='color:{theme.LESION}'>{_escape(message)}</span>")
        self.answered.emit()

    def _list_paths(self, answer: PathsAnswer) -> None:
        result = answer.result
        head = f"From {answer.n_from:,} cells to {answer.n_to:,}: "
        if result.hops is None:
            self.status.setText(head + f"no path within {_hops(self.hops.value())}.")
            return
        text = f"the shortest path takes {_hops(result.hops)}; {result.n_paths:,} path(s) of that length"
        if result.n_paths > len(result.paths):
            text += f", the best {len(result.paths)} listed (strongest weakest link first)"
        if not result.complete:
            text += " (the search stopped early: more exist than it could rank)"
        self.status.setText(head + text + ".")
        colours = subsystem_colours(self.session.connectome)
        for number, path in enumerate(result.paths, start=1):
            names = " → ".join(c.name or f"row {c.row}" for c in path.cells)
            subsystems = " → ".join(c.subsystem or "-" for c in path.cells)
            item = QTreeWidgetItem([f"{number}. {names}   (weakest link {_count(path.bottleneck)}, "
                                    f"{_count(path.total)} synapses)"])
            item.setData(CELL, ROW_ROLE, -1)
            item.setToolTip(CELL, f"{names}\n{subsystems}")
            for i, cell in enumerate(path.cells):
                synapses = f"{_count(path.counts[i - 1])} from {path.cells[i - 1].name}" if i else "start"
                item.addChild(self._cell_item(cell.row, synapses, colours))
            self.tree.addTopLevelItem(item)
            item.setFirstColumnSpanned(True)  # a path's line is long: across the columns, not widening them
            item.setExpanded(number == 1)

    def _list_hood(self, answer: HoodAnswer) -> None:
        hood, connectome = answer.hood, self.session.connectome
        way = "downstream" if hood.direction == "out" else "upstream"
        self.status.setText(f"{hood.rows.size - answer.n_from:,} cells within {_hops(hood.hops)} {way} of "
                            f"{answer.n_from:,}; {hood.n_links:,} connections between the hops"
                            + (f" (the strongest {len(hood.links):,} drawn)" if hood.n_links > len(hood.links) else "")
                            + ".")
        colours = subsystem_colours(connectome)
        subsystems = connectome["subsystem"].to_strings().astype(str)
        for hop in range(hood.hops + 1):
            rows = hood.rows_at(hop)
            if rows.size == 0:
                continue
            labels, counts = np.unique(subsystems[rows], return_counts=True)
            tally = ", ".join(f"{label or '-'} {n}" for n, label in sorted(zip(counts, labels), reverse=True))
            item = QTreeWidgetItem([f"{'seeds' if hop == 0 else f'hop {hop}'}: {rows.size:,} cells ({tally})"])
            item.setData(CELL, ROW_ROLE, -1)
            item.setData(CELL, HOP_ROLE, hop)
            item.setToolTip(CELL, tally)
            # The cells most strongly reached first: the ones a reader looks for.
            order = rows[np.lexsort((rows, -hood.reach[rows]))][:LISTED_PER_HOP]
            for row in order:
                item.addChild(self._cell_item(int(row), _count(hood.reach[row]) if hop else "", colours))
            if rows.size > LISTED_PER_HOP:
                more = QTreeWidgetItem([f"... {rows.size - LISTED_PER_HOP:,} more (marked in 3D)"])
                more.setData(CELL, ROW_ROLE, -1)
                item.addChild(more)
            self.tree.addTopLevelItem(item)
            item.setFirstColumnSpanned(True)
            item.setExpanded(hop <= 1)

    def _cell_item(self, row: int, synapses: str, colours: dict[str, str]) -> QTreeWidgetItem:
        connectome = self.session.connectome
        label = connectome["subsystem"][row]
        item = QTreeWidgetItem([self.session.cell_label(row), connectome["cell_type"][row], label or "-", synapses])
        item.setData(CELL, ROW_ROLE, row)
        item.setForeground(SUBSYSTEM, QColor(colours.get(label, theme.MUTED)))
        item.setTextAlignment(SYNAPSES, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    # -- showing and stepping ----------------------------------------------------------------------------
    def _show_item(self, item: QTreeWidgetItem | None) -> None:
        if item is None or self.answer is None:
            return
        top = item if item.parent() is None else item.parent()
        row = int(item.data(CELL, ROW_ROLE))
        if isinstance(self.answer, PathsAnswer):
            index = self.tree.indexOfTopLevelItem(top)
            path, links = self.answer.result.paths[index], self.answer.links[index]
            rows = np.array([c.row for c in path.cells], np.int64)
            if row < 0:
                self.cellsShown.emit(rows, links, -1, rows)
                return
            at = item.parent().indexOfChild(item)
            self.cellsShown.emit(rows, links, row, rows[max(at - 1, 0):at + 2])  # the cell and its neighbours
            return
        hood = self.answer.hood
        if row < 0:  # a hop: bring its cells into view
            self.cellsShown.emit(hood.rows, hood.links, -1, hood.rows_at(int(top.data(CELL, HOP_ROLE))))
        else:
            self.cellsShown.emit(hood.rows, hood.links, row, np.array([row]))

    def cell_items(self) -> list[QTreeWidgetItem]:
        """Every item of a cell, in the list's order (what Previous and Next step through)."""
        items = []
        iterator = QTreeWidgetItemIterator(self.tree)
        while iterator.value() is not None:
            item = iterator.value()
            if int(item.data(CELL, ROW_ROLE)) >= 0:
                items.append(item)
            iterator += 1
        return items

    def step(self, by: int) -> None:
        """Choose the cell ``by`` items after the current one (before it when negative)."""
        items = self.cell_items()
        if not items:
            return
        current = self.tree.currentItem()
        if current in items:
            index = min(max(items.index(current) + by, 0), len(items) - 1)
        else:  # on a path's or a hop's item: its first cell, or the cell before its first
            children = [current.child(i) for i in range(current.childCount())] if current is not None else []
            first = next((items.index(c) for c in children if c in items), 0)
            index = min(max(first if by > 0 else first - 1, 0), len(items) - 1)
        item = items[index]
        if item.parent() is not None:
            item.parent().setExpanded(True)
        self.tree.setCurrentItem(item)

    def _enable_steps(self) -> None:
        for button in (self.previous_button, self.next_button):
            button.setEnabled(self.tree.topLevelItemCount() > 0)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- the main window's dock ------------------------------------------------------------------------
def install_paths_dock(window) -> PathsPanel:
    """Give the main window a Paths dock, a tab beside the cell-type browser (a list the window's
    full height), hidden until chosen in the View menu; what the panel shows is marked and
    drawn in the 3D view."""
    panel = PathsPanel()
    dock = window._dock("Paths", panel, Qt.DockWidgetArea.LeftDockWidgetArea)
    window.docks["paths"] = dock
    dock.hide()
    tab_when_shown(window, dock, window.docks["browser"])
    panel.cellsShown.connect(lambda rows, links, current, focus: window.view.show_cells(rows, links, current, focus))
    return panel
