"""The stimulus panel: pick a group and a rate, drive it, switch stimuli on and off.

A group is typed as a selector (``ALML,ALMR,AVM``, ``type:AVA``, ``class:sensory``), with
completion from the dataset's names and types, or taken from the browser's current group.
"""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QCompleter, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
    QListWidgetItem, QPushButton, QVBoxLayout, QWidget,
)

from brainview.connectome.selectors import SelectorError
from brainview.ui import theme
from brainview.experiment import CellSet, cells_from_selector
from brainview.ui.session import Session
from brainview.ui.settings import AppSettings

KEY_ROLE = Qt.ItemDataRole.UserRole + 3


def selector_suggestions(session: Session, limit: int = 20_000) -> list[str]:
    """Selector strings to complete from: ``type:``, ``class:``, ``subsystem:`` labels and cell names."""
    connectome = session.connectome
    words: list[str] = []
    for prefix, column in (("type", "cell_type"), ("class", "cell_class"), ("subsystem", "subsystem"),
                           ("superclass", "super_class"), ("region", "region")):
        words += [f"{prefix}:{label}" for label in connectome[column].categories]
    words += [name for name in connectome["name"].categories]
    return words[:limit]


class StimulusPanel(QWidget):
    """Drive groups with Poisson input and list the stimuli, each switchable on and off."""

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.session: Session | None = None
        self.browser_key: str | None = None
        self.selector = QLineEdit(placeholderText="e.g. ALML,ALMR,AVM  or  type:AVA")
        self.selector.setToolTip(
            "Cells to drive: names separated by commas, or type:, class:, subsystem:, region:, nt: followed by labels")
        self.completions = QStringListModel(self)
        completer = QCompleter(self.completions, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.selector.setCompleter(completer)
        self.rate = QDoubleSpinBox(suffix=" Hz", decimals=0, minimum=1, maximum=2000, singleStep=10)
        self.rate.setValue(settings.stimulus_rate_hz())
        self.rate.setToolTip("Poisson input rate per driven cell (Shiu et al. 2024 use 150 Hz)")
        self.drive_button = QPushButton("Drive")
        self.drive_button.setToolTip("Drive the cells typed above")
        self.drive_group_button = QPushButton("Drive browser group")
        self.drive_group_button.setToolTip("Drive the group selected in the cell-type browser")
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.LESION}")
        self.list = QListWidget()
        self.list.setToolTip("Tick to switch a stimulus on, untick to switch it off")
        self.remove_button = QPushButton("Remove")
        form = QFormLayout()
        form.addRow("Cells", self.selector)
        form.addRow("Rate", self.rate)
        buttons = QHBoxLayout()
        buttons.addWidget(self.drive_button)
        buttons.addWidget(self.drive_group_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        layout.addWidget(QLabel("Stimuli (tick = on)"))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignRight)
        self.drive_button.clicked.connect(self.drive_typed)
        self.selector.returnPressed.connect(self.drive_typed)
        self.drive_group_button.clicked.connect(self.drive_browser_group)
        self.remove_button.clicked.connect(self._remove_current)
        self.list.itemChanged.connect(self._on_item_changed)
        self.rate.valueChanged.connect(lambda value: settings.set_stimulus_rate_hz(value))
        self.setEnabled(False)

    def set_session(self, session: Session) -> None:
        """Drive cells of ``session``'s dataset."""
        self.session = session
        self.completions.setStringList(selector_suggestions(session))
        session.stimuliChanged.connect(self.refresh)
        session.subsystemsChanged.connect(lambda: self.completions.setStringList(selector_suggestions(session)))
        self.setEnabled(True)
        self.refresh()

    def set_browser_group(self, key: str | None) -> None:
        """The browser's current group, which "Drive browser group" drives."""
        self.browser_key = key
        label = self.session.tree.find(key).label if key and self.session else ""
        self.drive_group_button.setText(f"Drive {label}" if label else "Drive browser group")
        self.drive_group_button.setEnabled(bool(label))

    def drive_typed(self) -> None:
        """Drive the cells named in the selector box at the chosen rate."""
        try:
            target = cells_from_selector(self.session.connectome, self.selector.text())
        except SelectorError as error:
            self.error.setText(str(error))
            return
        self.error.setText("")
        self.drive(target)

    def drive_browser_group(self) -> None:
        """Drive the browser's current group."""
        if self.browser_key:
            self.drive(self.session.tree.find(self.browser_key).target())

    def drive(self, target: CellSet, on: bool = True) -> None:
        """Drive ``target`` at the panel's rate (``on`` False stops it)."""
        self.session.stimulate(target, self.rate.value() if on else None)

    def refresh(self) -> None:
        """List the session's stimuli."""
        self.list.blockSignals(True)
        self.list.clear()
        for key, stimulus in self.session.experiment.stimuli.items():
            item = QListWidgetItem(f"{stimulus.cells.label}  ·  {stimulus.rate_Hz:g} Hz  ·  {stimulus.cells.rows.size} cells")
            item.setData(KEY_ROLE, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if stimulus.on else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        stimulus = self.session.experiment.stimuli.get(item.data(KEY_ROLE))
        if stimulus is not None:
            on = item.checkState() == Qt.CheckState.Checked
            self.session.stimulate(stimulus.cells, stimulus.rate_Hz, on)

    def _remove_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            stimulus = self.session.experiment.stimuli[item.data(KEY_ROLE)]
            self.session.stimulate(stimulus.cells, None)
