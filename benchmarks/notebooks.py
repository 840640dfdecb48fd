"""Notebook cost: each course notebook run headless under nbval, its wall time and its kernel's peak RSS.

The measuring is `benchmarks.run_notebooks.run_notebook` (one pytest --nbval-lax process per notebook,
the kernel's VmHWM watched); this module only loops and checks the targets: all notebooks together ≤ 10 min
on a 2-core CPU, each kernel ≤ 1.2 GB.
"""

from __future__ import annotations

import os

from benchmarks.common import ROOT

TARGET_TOTAL_SECONDS = 600.0
TARGET_PEAK_GB = 1.2


def run(*, quick: bool = False, timeout: float = 1800, log=print, **_) -> dict:
    """Every notebooks/NN_*.ipynb in order (not in quick mode: it takes many minutes)."""
    if quick:
        return {"skipped": "not run in --quick mode (8 notebooks take many minutes)"}
    from benchmarks.run_notebooks import run_notebook  # imports psutil (the `test` extra)

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    rows = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        load_before = os.getloadavg()[0]
        result = run_notebook(path, env, timeout)
        rows.append({"notebook": path.name, **{k: v for k, v in result.items() if k != "log"},
                     "load": [round(load_before, 2), round(os.getloadavg()[0], 2)]})  # fmt: skip
        log(f"  {path.name}: {result['status']}, {result['wall_s']:.0f} s, {result['kernel_peak_gb']:.2f} GB")
    result = {"rows": rows, "total_seconds": sum(r["wall_s"] for r in rows)}
    return {**result, "verdict": verdict(result, max(x for r in rows for x in r["load"]))}


def verdict(result: dict, max_load: float, cpus: int | None = None) -> dict:
    """The targets, from the measurements: total wall time ≤ 10 min, each kernel ≤ 1.2 GB.

    The time target is not decided (`total_met` None) when the 1-minute load average passed the core count plus
    one during the run: the wall times then include waiting for cores other work held. The notebook's own kernel
    keeps up to one thread per core busy (TensorFlow's), and the runner one more now and then, so a load up to
    cores + 1 is the run itself. Memory does not depend on the load.
    """
    rows, total = result["rows"], result["total_seconds"]
    peak = max((r["kernel_peak_gb"] for r in rows), default=0.0)
    contended = max_load > (cpus or os.cpu_count() or 1) + 1
    return {
        "target_total_seconds": TARGET_TOTAL_SECONDS,
        "target_peak_gb": TARGET_PEAK_GB,
        "all_passed": all(r["status"] == "passed" for r in rows),
        "max_load": max_load,
        "total_met": None if contended else bool(total <= TARGET_TOTAL_SECONDS),
        "peak_gb": peak,
        "over_peak": [r["notebook"] for r in rows if r["kernel_peak_gb"] > TARGET_PEAK_GB],
        "peak_met": bool(peak <= TARGET_PEAK_GB),
    }
