"""The incident picker of quick log and the time entry editor (issue 20): "(none)" and the register's incidents,
newest first, by ref and name; an entry's incident that is not in the register any more stays selectable."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget


def incident_combo(services, parent: QWidget, current: str | None = None) -> QComboBox:
    box = QComboBox(parent)
    box.setAccessibleName("Incident")
    box.setToolTip("A disaster or emergency the hours were worked for (incidents add; docs/incidents.md)")
    box.addItem("(none)", None)
    for i in services.incidents.list():
        box.addItem(i.label, i.ref)
    if current:
        idx = box.findData(current)
        if idx < 0:
            box.addItem(f"{current} (not in the register)", current)
            idx = box.count() - 1
        box.setCurrentIndex(idx)
    return box
