"""python -m benchmarks [--quick] [--sections a,b] [--out DIR] [--render]: run sections, write JSON and markdown."""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import shlex
import sys
import time
import traceback
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks import SECTIONS, SEED
from benchmarks.common import ROOT, load, machine
from benchmarks.report import render


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _clean(value):
    """JSON without NaN: floats that are not finite become None."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def run_section(name: str, *, quick: bool, command: str) -> dict:
    """One section, timed, with the load averages around it; an exception is recorded, not raised."""
    module = importlib.import_module(f"benchmarks.{name}")
    entry = {"date": _now(), "command": command, "load_before": load()}
    start, cpu = time.perf_counter(), time.process_time()
    print(f"[{name}] started {entry['date']}, load {entry['load_before']}", flush=True)
    try:
        entry["result"] = module.run(quick=quick, seed=SEED, log=lambda text: print(text, flush=True))
    except Exception as exc:  # one broken section must not lose the others' results
        traceback.print_exc()
        entry["error"] = f"{type(exc).__name__}: {exc}"
    entry["seconds"], entry["load_after"] = time.perf_counter() - start, load()
    entry["cpu_seconds"] = time.process_time() - cpu  # this process's threads; child processes not included
    print(
        f"[{name}] done in {entry['seconds']:.0f} s ({entry['cpu_seconds']:.0f} CPU-s), load {entry['load_after']}",
        flush=True,
    )
    return entry


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="one fold, 1 epoch, tiny throughput, no notebooks (CI)"
    )
    parser.add_argument(
        "--sections", default=",".join(SECTIONS), help=f"comma-separated, of {','.join(SECTIONS)}"
    )
    parser.add_argument(
        "--out", type=Path, help="folder for benchmarks.json/.md (default docs/; --quick: none)"
    )
    parser.add_argument("--render", action="store_true", help="only rewrite OUT/benchmarks.md from its JSON")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    for name in sections:
        if name not in SECTIONS:
            parser.error(f"unknown section {name!r}; choose from {', '.join(SECTIONS)}")
    out = args.out or (None if args.quick else ROOT / "docs")
    if args.render:
        results = json.loads(((out or ROOT / "docs") / "benchmarks.json").read_text())
        ((out or ROOT / "docs") / "benchmarks.md").write_text(render(results))
        return results

    command = shlex.join(["python", "-m", "benchmarks", *(sys.argv[1:] if argv is None else argv)])
    results = {"command": command, "date": _now(), "quick": args.quick, "sections": {}}
    previous = out / "benchmarks.json" if out else None
    if previous and previous.exists():  # keep the sections not rerun, if they were of the same mode
        old = json.loads(previous.read_text())
        if old.get("quick") == args.quick:
            results["sections"] = {k: v for k, v in old.get("sections", {}).items() if k not in sections}
    for name in sections:
        results["sections"][name] = run_section(name, quick=args.quick, command=command)
        results["machine"] = machine()  # after TensorFlow is imported, so its version is in
        results = _clean(results)
        if out:  # written after every section: a long run that stops keeps what it measured
            out.mkdir(parents=True, exist_ok=True)
            (out / "benchmarks.json").write_text(json.dumps(results, indent=1) + "\n")
            (out / "benchmarks.md").write_text(render(results))
    if not out:
        print(render(results))
    return results


if __name__ == "__main__":
    main()
