"""Helpers shared by the benchmark scripts: timing, medians and the one ``BENCH {json}`` line each figure
prints (benchmarks/run_all.py collects them into one table)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed_run(argv: list[str], env: dict | None = None, timeout: float = 600) -> float:
    """Wall-clock seconds of one subprocess run; raises if it fails."""
    t0 = time.perf_counter()
    r = subprocess.run(argv, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{argv} failed ({r.returncode}): {r.stderr[-2000:]}")
    return elapsed


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def emit(figure: str, partnerdesk_s: float, baseline_s: float | None, budget: str, passed: bool, **extra) -> None:
    line = {"figure": figure, "partnerdesk_s": round(partnerdesk_s, 4),
            "baseline_s": None if baseline_s is None else round(baseline_s, 4), "budget": budget,
            "pass": bool(passed), **extra}
    print("BENCH " + json.dumps(line, ensure_ascii=False), flush=True)


def python() -> str:
    return sys.executable
