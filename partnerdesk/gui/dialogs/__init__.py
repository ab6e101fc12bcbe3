"""Dialogs of the desktop app: each a thin form over one service call."""
