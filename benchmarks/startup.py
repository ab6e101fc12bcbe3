"""Start-up: `partnerdesk gui --screenshot` on the large demo region, against a bare PySide6 window.

Both are measured the same way, in the same run: a fresh process that opens a window, waits until it has
drawn what it shows, saves a screenshot and exits. partnerdesk's figure covers the interpreter, imports,
the start-up check of the file, opening the 200,000-entry database, building the main window and loading the
Dashboard's figures. It does not cover what the app does once the first page shows (building the SQLAlchemy
engine in a worker, see docs/architecture.md "Start-up"). Budget: median ≤ 5 × the bare window and ≤ 1.5 s.

The first start of a day also writes the daily backup; that run is reported separately as
``first_start_of_day_s`` and not counted in the median (it happens once a day).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, median, python, timed_run  # noqa: E402

BARE = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication(sys.argv)
w = QMainWindow()
w.setCentralWidget(QLabel("bare PySide6 window"))
w.resize(1360, 820)
w.show()
def grab():
    app.exit(0 if w.grab().save(sys.argv[1]) else 1)
QTimer.singleShot(0, grab)
sys.exit(app.exec())
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", default="large", choices=("small", "large"))
    args = ap.parse_args()
    env = {"QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    with tempfile.TemporaryDirectory(prefix="pd-bench-startup-") as tmp:
        home = Path(tmp) / "home"
        env["PARTNERDESK_HOME"] = str(home)
        seed_s = timed_run([python(), "-m", "partnerdesk", "demo", "--size", args.size], env, timeout=1800)
        shot = str(Path(tmp) / "shot.png")
        first = timed_run([python(), "-m", "partnerdesk", "gui", "--screenshot", shot], env)
        pd, bare = [], []
        for _ in range(args.runs):  # interleaved, so a noisy neighbour hits both alike
            bare.append(timed_run([python(), "-c", BARE, shot], env))
            pd.append(timed_run([python(), "-m", "partnerdesk", "gui", "--screenshot", shot], env))
        db_mb = (home / "partnerdesk.sqlite3").stat().st_size / 1e6
    p, b = median(pd), median(bare)
    emit(f"GUI start-up to first screenshot, {args.size} demo ({db_mb:.0f} MB)", p, b,
         "≤ 5× bare and ≤ 1.5 s", p <= 5 * b and p <= 1.5, runs=args.runs, first_start_of_day_s=round(first, 3),
         seed_s=round(seed_s, 1), all_partnerdesk_s=[round(x, 3) for x in pd], all_baseline_s=[round(x, 3) for x in bare])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
