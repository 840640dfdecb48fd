"""Run every notebook headless and print each one's wall time and its kernel's peak memory.

Each notebook runs top to bottom under nbval (`pytest --nbval-lax`, the way CI runs it) in its own
process, on whatever TensorFlow sees: the CPU, or a GPU when one is present. While it runs, the module
watches the process tree for the notebook's kernel and records the kernel's peak resident memory (its
high-water mark, VmHWM, on Linux; sampled RSS elsewhere). Binder gives 2 GB per user, JupyterLab included,
so the default limit per kernel is 1.2 GB; the exit status is 1 if a notebook fails or passes the limit.

    python -m benchmarks.run_notebooks                       # notebooks/[0-9][0-9]_*.ipynb
    python -m benchmarks.run_notebooks notebooks/02_autoencoder.ipynb --mixed-precision   # float16 on a GPU

    python -m benchmarks.run_notebooks --dataset ml-latest-small --seed 7   # another dataset, another seed

`--dataset` and `--seed` set the notebook's parameters cell (`DATASET = ...`, `SEED = ...`) in a copy written
beside it (`notebooks/.run-*.ipynb`, removed afterwards), so every chapter can be checked on every dataset its
parameter offers, as a learner would run it after editing that cell. Set RECSYS_LAB_MIRROR to run on real data
offline (as CI does). Needs psutil (the `test` extra).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil

from benchmarks.common import ROOT

GB = 1e9


def _high_water_mark(process: psutil.Process) -> int:
    """Peak RSS in bytes so far: VmHWM where /proc has it, else the current RSS."""
    try:
        with open(f"/proc/{process.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return process.memory_info().rss


def _kernels(root: psutil.Process) -> list[psutil.Process]:
    found = []
    for child in root.children(recursive=True):
        try:
            if any("ipykernel" in part for part in child.cmdline()):
                found.append(child)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def run_notebook(path: Path, env: dict[str, str], timeout: float, poll: float = 0.2) -> dict:
    """Run one notebook under nbval; return its status, wall time, and its kernel's peak RSS."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-o",
        "addopts=",
        "-p",
        "no:cacheprovider",
        "-q",
        "--nbval-lax",
    ]
    start = time.perf_counter()
    process = subprocess.Popen(
        [*command, str(path)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    parent, peaks = psutil.Process(process.pid), {}
    while process.poll() is None:
        for kernel in _kernels(parent):
            try:
                peaks[kernel.pid] = max(peaks.get(kernel.pid, 0), _high_water_mark(kernel))
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        if time.perf_counter() - start > timeout:
            process.kill()
        time.sleep(poll)
    wall = time.perf_counter() - start
    output = process.stdout.read()
    status = "passed" if process.returncode == 0 else ("timeout" if wall > timeout else "FAILED")
    return {
        "status": status,
        "wall_s": wall,
        "kernel_peak_gb": max(peaks.values(), default=0) / GB,
        "log": output,
    }


def with_parameters(path: Path, dataset: str | None, seed: int | None) -> Path:
    """`path` itself when nothing is set; else a copy beside it whose parameters cell says `dataset`/`seed`."""
    if dataset is None and seed is None:
        return path
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    if dataset is not None:
        cell.source, found = re.subn(r'^DATASET = "[^"]*"', f'DATASET = "{dataset}"', cell.source, flags=re.M)
        if not found:
            raise ValueError(f"{path.name}: its parameters cell has no DATASET line")
    if seed is not None:
        cell.source, found = re.subn(r"^SEED = \d+", f"SEED = {seed}", cell.source, flags=re.M)
        if not found:
            raise ValueError(f"{path.name}: its parameters cell has no SEED line")
    copy = path.with_name(
        f".run-{dataset or 'default'}-{seed if seed is not None else 'default'}-{path.name}"
    )
    nbformat.write(nb, copy)
    return copy


def device() -> str:
    if shutil.which("nvidia-smi"):
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).stdout.strip()
        if listed:
            return listed.replace("\n", "; ")
    return "no NVIDIA GPU listed by nvidia-smi (CPU)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run_notebooks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/[0-9][0-9]_*.ipynb")
    parser.add_argument("--limit-gb", type=float, default=1.2, help="peak kernel RSS allowed (default 1.2)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per notebook (default 1800)")
    parser.add_argument("--mixed-precision", action="store_true", help="set RECSYS_LAB_MIXED_PRECISION=1")
    parser.add_argument("--dataset", help='set DATASET in each parameters cell, e.g. "ml-latest-small"')
    parser.add_argument("--seed", type=int, help="set SEED in each parameters cell")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    if args.mixed_precision:
        env["RECSYS_LAB_MIXED_PRECISION"] = "1"
    print(f"device: {device()}; {os.cpu_count()} CPU cores; Python {platform.python_version()}")
    print(f"data: RECSYS_LAB_MIRROR={env.get('RECSYS_LAB_MIRROR', '(not set)')}")
    print(f"mixed precision: {'requested' if args.mixed_precision else 'off'}")
    print(
        f"parameters: DATASET={args.dataset or '(as written)'}, SEED={args.seed if args.seed is not None else '(as written)'}\n"
    )
    print("| notebook | status | wall time | kernel peak RSS |")
    print("|---|---|---|---|")
    bad = []
    for path in paths:
        run = with_parameters(path, args.dataset, args.seed)
        try:
            result = run_notebook(run, env, args.timeout)
        finally:
            if run != path:
                run.unlink(missing_ok=True)
        over = result["kernel_peak_gb"] > args.limit_gb
        mark = f" (over {args.limit_gb:g} GB)" if over else ""
        print(
            f"| {path.name} | {result['status']} | {result['wall_s']:.0f} s "
            f"| {result['kernel_peak_gb']:.2f} GB{mark} |",
            flush=True,
        )
        if result["status"] != "passed" or over:
            bad.append((path.name, result))
    for name, result in bad:
        if result["status"] != "passed":
            print(
                f"\n--- {name}: last lines of pytest's output\n" + "\n".join(result["log"].splitlines()[-30:])
            )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
