"""The inspector: the selected cell's columns and its partners grouped by cell type.

Inputs (upstream) and outputs (downstream) are listed by partner cell type with the number of
cells and synapses; expand a type to see its cells, click a cell to jump to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter, QTableWidget, QTableWidgetItem,
    QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from brainview.connectome import Categorical, Connectome
from brainview.connectome.neuropils import PARTNERS_SOURCE
from brainview.connectome.queries import partner_table
from brainview.ui import theme
from brainview.ui.celltree import UNLABELLED
from brainview.experiment import cell
from brainview.ui.session import Session

ROW_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class PartnerGroup:
    """Partners of one cell that share a cell type.

    Parameters
    ----------
    cell_type : str
        The partners' type (:data:`~brainview.ui.celltree.UNLABELLED` when they have none).
    rows : tuple of int
        The partner cells, strongest connection first.
    counts : tuple of float
        Synapses with each partner.
    signs : tuple of int
        Sign of each connection (+1 excitatory, -1 inhibitory).
    """

    cell_type: str
    rows: tuple[int, ...]
    counts: tuple[float, ...]
    signs: tuple[int, ...]

    @property
    def synapses(self) -> float:
        """All synapses with this type."""
        return float(sum(self.counts))


def partners_by_type(connectome: Connectome, row: int, direction: str) -> list[PartnerGroup]:
    """Partners of cell ``row`` grouped by cell type, the type with most synapses first.

    ``direction`` is ``"in"`` (upstream) or ``"out"`` (downstream).
    """
    partners = partner_table(connectome, row, direction)
    types = connectome["cell_type"]
    grouped: dict[str, list] = {}
    for partner in partners:
        label = types[partner.row] or UNLABELLED
        grouped.setdefault(label, []).append(partner)
    groups = [
        PartnerGroup(label, tuple(p.row for p in ps), tuple(p.count for p in ps), tuple(p.sign for p in ps))
        for label, ps in grouped.items()
    ]
    groups.sort(key=lambda g: (-g.synapses, g.cell_type))
    return groups


def describe_cell(connectome: Connectome, row: int) -> list[tuple[str, str]]:
    """(column, value) pairs that describe one cell, for the inspector's table."""
    rows = []
    for key, column in connectome.columns.items():
        if key == "position_source":  # said in words on the position row below
            continue
        if isinstance(column, Categorical):
            value = column[row]
        elif column.dtype.kind == "f":
            value = f"{float(column[row]):g}"
        else:
            value = str(column[row])
        rows.append((key.replace("_", " "), value))
    x, y, z = connectome.position[row]
    rows.append(("position (µm)", f"{x:.1f}, {y:.1f}, {z:.1f}"))
    rows.append(("position", position_origin(connectome, row)))
    chemical = connectome.chemical
    rows.append(("outputs", f"{chemical.out_degree()[row]:,} cells, {chemical.weight[chemical.row(row)].sum():,.0f} synapses"))
    inputs = chemical.transposed
    rows.append(("inputs", f"{inputs.out_degree()[row]:,} cells, {inputs.weight[inputs.row(row)].sum():,.0f} synapses"))
    if connectome.gap is not None:
        rows.append(("gap junctions", f"{connectome.gap.out_degree()[row]:,} partners"))
    return rows


def position_origin(connectome: Connectome, row: int) -> str:
    """Where cell ``row``'s position comes from, in words: measured, or how it was placed."""
    source = connectome["position_source"][row] if "position_source" in connectome.columns else ""
    if source.endswith(" mesh"):
        return f"placed in {source} (not measured)"
    if source == PARTNERS_SOURCE:
        return "placed among its synaptic partners (not measured)"
    if source and source != "measured":
        return f"{source} (not measured)"
    if not connectome.positions_measured:
        return "computed layout: partners near each other (not measured)"
    return "measured"


class Inspector(QWidget):
    """Columns and partners of the selected cell; clicking a partner selects it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        self.title = QLabel("No cell selected: click one in the 3D view or the browser.")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.probe_button = QPushButton("Trace voltage")
        self.probe_button.setToolTip("Show this cell's membrane voltage in the traces (V)")
        self.lesion_button = QPushButton("Silence cell")
        buttons = QHBoxLayout()
        buttons.addWidget(self.probe_button)
        buttons.addWidget(self.lesion_button)
        buttons.addStretch(1)
        self.table = QTableWidget(0, 2)
        self.table.horizontalHeader().setVisible(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.inputs = self._partner_tree("Inputs")
        self.outputs = self._partner_tree("Outputs")
        self.inputs.setToolTip("Upstream partners by cell type; expand a type, click a cell to jump to it")
        self.outputs.setToolTip("Downstream partners by cell type; expand a type, click a cell to jump to it")
        splitter = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.table, self.inputs, self.outputs):
            splitter.addWidget(widget)
        splitter.setSizes([300, 250, 250])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        self.probe_button.clicked.connect(self._toggle_probe)
        self.lesion_button.clicked.connect(self._toggle_lesion)
        self._set_enabled(False)

    def _partner_tree(self, title: str) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setColumnCount(3)
        tree.setHeaderLabels([title, "Cells", "Synapses"])
        tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        tree.header().setStretchLastSection(False)
        tree.setUniformRowHeights(True)
        tree.itemClicked.connect(self._on_partner_clicked)
        return tree

    def set_session(self, session: Session) -> None:
        """Follow ``session``'s selection."""
        self.session = session
        session.selectionChanged.connect(self.show_cell)
        session.lesionsChanged.connect(lambda: self.show_cell(session.selected))
        session.probesChanged.connect(lambda: self.show_cell(session.selected))
        self.show_cell(session.selected)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.probe_button, self.lesion_button, self.table, self.inputs, self.outputs):
            widget.setEnabled(enabled)

    def show_cell(self, row: int) -> None:
        """Show cell ``row`` (-1 clears the inspector)."""
        session = self.session
        self.table.setRowCount(0)
        self.inputs.clear()
        self.outputs.clear()
        if session is None or row < 0:
            self.title.setText("No cell selected: click one in the 3D view or the browser.")
            self._set_enabled(False)
            return
        self._set_enabled(True)
        connectome = session.connectome
        name = session.cell_label(row)
        cell_type = connectome["cell_type"][row]
        state = int(session.lesion_state()[row])
        status = ("", " <span style='color:%s'>(silenced)</span>" % theme.LESION,
                  " <span style='color:%s'>(ablated)</span>" % theme.LESION)[state]
        self.title.setText(f"<span style='font-size:15pt; font-weight:bold'>{name}</span>"
                           f"{'  type ' + cell_type if cell_type and cell_type != name else ''}{status}")
        self.probe_button.setText("Stop tracing voltage" if row in session.probes else "Trace voltage")
        own = session.experiment.lesions.get(cell(connectome, row).key)
        self.lesion_button.setText("Lift lesion of cell" if own is not None else "Silence cell")
        through_group = own is None and state > 0
        self.lesion_button.setEnabled(not through_group)
        self.lesion_button.setToolTip(
            "Lesioned with its group: lift that lesion in the cell-type browser or with Ctrl+Z"
            if through_group else "Silence (or restore) this one cell")
        for key, value in describe_cell(connectome, row):
            index = self.table.rowCount()
            self.table.insertRow(index)
            self.table.setItem(index, 0, QTableWidgetItem(key))
            item = QTableWidgetItem(value)
            item.setToolTip(value)  # a narrow dock cuts long values ("placed in ... (not measured)")
            self.table.setItem(index, 1, item)
        self._fill(self.inputs, partners_by_type(connectome, row, "in"))
        self._fill(self.outputs, partners_by_type(connectome, row, "out"))

    def _fill(self, tree: QTreeWidget, groups: list[PartnerGroup]) -> None:
        session = self.session
        for group in groups:
            parent = QTreeWidgetItem([group.cell_type, f"{len(group.rows):,}", f"{group.synapses:,.0f}"])
            parent.setData(0, ROW_ROLE, group.rows[0] if len(group.rows) == 1 else -1)
            for row, count, sign in zip(group.rows, group.counts, group.signs):
                child = QTreeWidgetItem([session.cell_label(row), "", f"{count:,.0f}"])
                child.setData(0, ROW_ROLE, row)
                child.setForeground(2, QBrush(QColor(theme.ACCENT if sign > 0 else theme.LESION)))
                child.setToolTip(0, "excitatory" if sign > 0 else "inhibitory")
                parent.addChild(child)
            for column in (1, 2):
                parent.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
            tree.addTopLevelItem(parent)
        tree.setHeaderLabels([tree.headerItem().text(0).split(" ·")[0] + f" · {len(groups)} types", "Cells", "Synapses"])

    def _on_partner_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        row = item.data(0, ROW_ROLE)
        if row is not None and int(row) >= 0:
            # Selecting rebuilds these trees; let the click finish on the item first.
            QTimer.singleShot(0, lambda: self.session.select(int(row)))
        else:
            item.setExpanded(not item.isExpanded())

    def _toggle_probe(self) -> None:
        row = self.session.selected
        self.session.probe(row, row not in self.session.probes)

    def _toggle_lesion(self) -> None:
        target = cell(self.session.connectome, self.session.selected)
        lesioned = target.key in self.session.experiment.lesions
        self.session.lesion(target, None if lesioned else "silence")

