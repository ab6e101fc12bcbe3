"""The main window's pages, one module each (Dashboard, Directory, Agreements, Hours, Statements, Sync)."""
