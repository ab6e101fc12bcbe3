"""ReportLab documents (statements, contact sheets). Qt-free."""
