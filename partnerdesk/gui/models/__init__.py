"""Qt table models of the desktop app: DTOs as rows, with raw values for sorting."""
