"""Summarise a mutmut run (docs/mutation.md): per module, mutants / killed / survived / timeouts / untested.

Run after `mutmut run` from the repository root; it reads mutmut's results under mutants/:

    python scripts/mutation_report.py              # the per-module table, as docs/mutation.md shows it
    python scripts/mutation_report.py --survivors  # and every mutant not killed, one name a line

A timeout is listed as mutmut reports it (its own status, not a kill); "untested" are mutants of functions
that no selected test calls (mutmut's "no tests").
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

# mutmut's exit codes (mutmut/stats.py, status_by_exit_code): 1 and 3 killed, 0 survived, 5 and 33 no tests,
# SIGXCPU (±24, 152) and 36, 255 timeout; None: not run yet
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "untested", 33: "untested", None: "not run"}
STATUS.update(dict.fromkeys((24, -24, 36, 152, 255), "timeout"))
COLUMNS = ("mutants", "killed", "survived", "timeout", "untested", "other")


def results(root: Path = Path("mutants")) -> dict[str, dict[str, str]]:
    """{module path: {mutant name: status}} from mutmut's `.meta` files."""
    out = {}
    for meta in sorted(root.glob("recsys_lab/**/*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        module = meta.relative_to(root).as_posix().removesuffix(".meta")
        out[module] = {name: STATUS.get(code, "other") for name, code in codes.items()}
    return out


def table(by_module: dict[str, dict[str, str]]) -> str:
    lines = ["| module | " + " | ".join(COLUMNS) + " | killed / mutants |", "|---" * (len(COLUMNS) + 2) + "|"]
    total = Counter()
    for module, statuses in by_module.items():
        counts = Counter(statuses.values())
        counts["mutants"] = len(statuses)
        total.update(counts)
        lines.append(_row(f"`{module}`", counts))
    lines.append(_row("**all**", total))
    return "\n".join(lines)


def _row(label: str, counts: Counter) -> str:
    counts["other"] += counts.pop("not run", 0)
    rate = f"{counts['killed'] / counts['mutants']:.1%}" if counts["mutants"] else "-"
    return f"| {label} | " + " | ".join(str(counts[c]) for c in COLUMNS) + f" | {rate} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survivors", action="store_true", help="also list every mutant that was not killed")
    args = parser.parse_args()
    by_module = results()
    if not by_module:
        raise SystemExit("no mutmut results under mutants/: run `mutmut run` first (see docs/mutation.md)")
    print(table(by_module))
    if args.survivors:
        for statuses in by_module.values():
            for name, status in statuses.items():
                if status != "killed":
                    print(f"{status:9} {name}")


if __name__ == "__main__":
    main()
