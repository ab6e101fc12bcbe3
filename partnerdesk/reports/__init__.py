"""ReportLab documents: statements, the emergency contact sheet. Qt-free."""
