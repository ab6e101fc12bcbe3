"""Colours that follow the palette: the system's light or dark scheme, never a hard-coded light look.

Status colours (good, bad, warn, info) have a light-scheme and a dark-scheme shade, both readable on the
palette's base colour (contrast of at least 4.5:1 against white and against Fusion's dark base); "muted"
is the palette's placeholder-text role. Anything painted asks here when it paints, so a scheme change takes
effect on the next repaint.
"""

from __future__ import annotations

import html

from PySide6.QtGui import QColor, QGuiApplication, QPalette

# role -> (on a light palette, on a dark palette)
SHADES: dict[str, tuple[str, str]] = {
    "good": ("#1b6e3a", "#7fd4a0"),
    "bad": ("#b3261e", "#ff8f86"),
    "warn": ("#8a4f00", "#ffbe5c"),
    "info": ("#0d47a1", "#9cc2ff"),
}
# chip backgrounds (a tint of the role) for the sync status chip
CHIP_BACKGROUNDS: dict[str, tuple[str, str]] = {
    "good": ("#e3f4e8", "#1e3b28"),
    "bad": ("#fde7e7", "#4a1f1c"),
    "warn": ("#fff4d6", "#46361a"),
    "info": ("#e3ecfa", "#1f3150"),
    "muted": ("#eeeeee", "#3a3a3a"),
}


def palette() -> QPalette:
    return QGuiApplication.palette()


def is_dark(pal: QPalette | None = None) -> bool:
    """True when the palette's window colour is dark (the system, or the user, chose a dark scheme)."""
    pal = pal or palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def color(role: str | None, pal: QPalette | None = None) -> QColor | None:
    """The QColor for a semantic role ("good", "bad", "warn", "info", "muted"), or None for plain text."""
    if not role:
        return None
    pal = pal or palette()
    if role == "muted":
        return pal.color(QPalette.ColorRole.PlaceholderText)
    if role.startswith("#"):  # an explicit colour (discouraged; kept for callers outside the GUI)
        return QColor(role)
    light, dark = SHADES[role]
    return QColor(dark if is_dark(pal) else light)


def css(role: str | None) -> str:
    """The role's colour as a CSS name ("" for plain text)."""
    c = color(role)
    return c.name() if c is not None else ""


def span(text: str, role: str, bold: bool = False) -> str:
    """Rich text: plain ``text`` (escaped) in the role's colour."""
    weight = "font-weight:600;" if bold else ""
    return f"<span style='color:{css(role)};{weight}'>{html.escape(text, quote=False)}</span>"


def chip_style(role: str, object_name: str) -> str:
    """A rounded status chip: a tint of the role behind text in the role's colour."""
    light, dark = CHIP_BACKGROUNDS.get(role, CHIP_BACKGROUNDS["muted"])
    bg = dark if is_dark() else light
    fg = css(role) if role in SHADES else palette().color(QPalette.ColorRole.WindowText).name()
    return (f"QLabel#{object_name} {{ background: {bg}; color: {fg}; border-radius: 11px; padding: 3px 12px; "
            "font-weight: 600; }")


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""

    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    la, lb = sorted((lum(a), lum(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def dark_palette() -> QPalette:
    """A dark palette like the one Fusion takes from a system in dark mode (for tests and screenshots)."""
    p = QPalette()
    R, G = QPalette.ColorRole, QPalette.ColorGroup
    window, base, text = QColor("#2b2b2b"), QColor("#1e1e1e"), QColor("#e6e6e6")
    for role, c in ((R.Window, window), (R.WindowText, text), (R.Base, base), (R.AlternateBase, QColor("#262626")),
                    (R.ToolTipBase, QColor("#3a3a3a")), (R.ToolTipText, text), (R.Text, text),
                    (R.Button, QColor("#353535")), (R.ButtonText, text), (R.BrightText, QColor("#ff6b6b")),
                    (R.Light, QColor("#4a4a4a")), (R.Midlight, QColor("#3e3e3e")), (R.Mid, QColor("#555555")),
                    (R.Dark, QColor("#1a1a1a")), (R.Shadow, QColor("#000000")), (R.Highlight, QColor("#2f6db5")),
                    (R.HighlightedText, QColor("#ffffff")), (R.Link, QColor("#8ab4f8")),
                    (R.PlaceholderText, QColor("#9a9a9a"))):
        p.setColor(role, c)
    for role in (R.WindowText, R.Text, R.ButtonText):
        p.setColor(G.Disabled, role, QColor("#7a7a7a"))
    return p
