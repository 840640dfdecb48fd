"""Notebook cost: each course notebook run headless under nbval, its wall time and its kernel's peak RSS.

The measuring is `scripts/run_notebooks.py`'s `run_notebook` (one pytest --nbval-lax process per notebook,
the kernel's VmHWM watched); this module only loops and checks the targets: all notebooks together ≤ 10 min
on a 2-core CPU, each kernel ≤ 1.2 GB.
"""

from __future__ import annotations

import importlib.util
import os

from benchmarks.common import ROOT

TARGET_TOTAL_SECONDS = 600.0
TARGET_PEAK_GB = 1.2


def _runner():
    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "scripts" / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*, quick: bool = False, timeout: float = 1800, log=print, **_) -> dict:
    """Every notebooks/NN_*.ipynb in order (not in quick mode: it takes many minutes)."""
    if quick:
        return {"skipped": "not run in --quick mode (8 notebooks take many minutes)"}
    runner = _runner()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    rows = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        result = runner.run_notebook(path, env, timeout)
        rows.append({"notebook": path.name, **{k: v for k, v in result.items() if k != "log"}})
        log(f"  {path.name}: {result['status']}, {result['wall_s']:.0f} s, {result['kernel_peak_gb']:.2f} GB")
    total = sum(r["wall_s"] for r in rows)
    peak = max((r["kernel_peak_gb"] for r in rows), default=0.0)
    return {
        "rows": rows,
        "total_seconds": total,
        "verdict": {
            "target_total_seconds": TARGET_TOTAL_SECONDS,
            "target_peak_gb": TARGET_PEAK_GB,
            "all_passed": all(r["status"] == "passed" for r in rows),
            "total_met": bool(total <= TARGET_TOTAL_SECONDS),
            "peak_gb": peak,
            "peak_met": bool(peak <= TARGET_PEAK_GB),
        },
    }
