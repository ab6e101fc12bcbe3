import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_generated_forms_match_their_ui_files():
    p = subprocess.run([sys.executable, str(REPO / "tools" / "compile_forms.py"), "--check"], capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_gui_screenshot_of_an_empty_database_shows_the_demo_in_its_own_file(tmp_path):
    from PySide6.QtGui import QImage

    home, png = tmp_path / "home", tmp_path / "shot.png"
    env = dict(os.environ, PARTNERDESK_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    p = subprocess.run([sys.executable, "-m", "partnerdesk", "gui", "--screenshot", str(png), "--page", "dashboard"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    img = QImage(str(png))
    assert img.width() >= 1000 and img.height() >= 600
    # the database was empty, so the picture is of the demo region, seeded into a file of its own (issue 16:
    # the demo never takes over the real database) ...
    out = subprocess.run([sys.executable, "-m", "partnerdesk", "--db", str(home / "demo.sqlite3"), "agencies",
                          "list", "--json"], capture_output=True, text=True, env=env, timeout=60)
    assert "City of Lynnwood" in out.stdout
    out = subprocess.run([sys.executable, "-m", "partnerdesk", "agencies", "list", "--json"], capture_output=True,
                         text=True, env=env, timeout=60)
    assert out.stdout.strip() == "[]"
    # ... and the picture is not blank: many distinct colours (text, table, navigation)
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 20
