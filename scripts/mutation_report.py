"""Summarise a mutmut run (docs/mutation.md): per module, mutants / killed / survived / equivalent / ... .

Run after `mutmut run` from the repository root; it reads mutmut's results under mutants/ and the triage of
the survivors in docs/mutation/<module>.txt:

    python scripts/mutation_report.py              # the per-module table, as docs/mutation.md shows it
    python scripts/mutation_report.py --survivors  # and every mutant not killed, with its triage line if any

A triage line is `NAME CODE reason`, NAME the mutant's function and number (`x_top_k__mutmut_12`), CODE one of
  E  equivalent: no caller can tell the mutant from the original (the reason says why);
  M  error-message wording beyond the phrase the tests match (a real difference, left unpinned on purpose);
  T  a gap: a test is still missing.
Only E is taken out of the denominator: the kill rate is killed / (mutants - equivalent). A timeout is listed as
mutmut reports it (its own status, not a kill); "untested" are mutants of functions that no selected test calls
(mutmut's "no tests"). A triage line for a mutant that is now killed, or that no longer exists, is an error:
the triage must describe the run it is read with.
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
COLUMNS = ("mutants", "killed", "survived", "equivalent", "timeout", "untested", "other")
CODES = {"E": "equivalent", "M": "message", "T": "gap"}
TRIAGE = Path("docs/mutation")


def results(root: Path = Path("mutants")) -> dict[str, dict[str, str]]:
    """{module path: {mutant name: status}} from mutmut's `.meta` files."""
    out = {}
    for meta in sorted(root.glob("recsys_lab/**/*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        module = meta.relative_to(root).as_posix().removesuffix(".meta")
        out[module] = {name: STATUS.get(code, "other") for name, code in codes.items()}
    return out


def triage(module: str, folder: Path = TRIAGE) -> dict[str, tuple[str, str]]:
    """{full mutant name: (code, reason)} from docs/mutation/<dotted module>.txt ('#' starts a comment)."""
    dotted = module.removesuffix(".py").replace("/", ".")
    path = folder / f"{dotted}.txt"
    out = {}
    if not path.exists():
        return out
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = "" if line.lstrip().startswith("#") else line.strip()
        if not line:
            continue
        name, code, *reason = line.split(maxsplit=2)
        if code not in CODES or not reason:
            raise SystemExit(
                f"{path}:{number}: expected 'NAME CODE reason' with CODE one of {', '.join(CODES)}"
            )
        out[f"{dotted}.{name}"] = (code, reason[0])
    return out


def check(by_module: dict[str, dict[str, str]], notes: dict[str, dict[str, tuple[str, str]]]) -> list[str]:
    """Triage lines that do not describe a surviving mutant of this run."""
    problems = []
    for module, statuses in by_module.items():
        for name in notes.get(module, {}):
            if name not in statuses:
                problems.append(f"{name}: triaged but not a mutant of this run (renumbered? remove the line)")
            elif statuses[name] == "killed":
                problems.append(f"{name}: triaged but killed (remove the line)")
    return problems


def table(
    by_module: dict[str, dict[str, str]], notes: dict[str, dict[str, tuple[str, str]]] | None = None
) -> str:
    notes = notes or {}
    head = "| module | " + " | ".join(COLUMNS) + " | killed / mutants | killed / non-equivalent |"
    lines = [head, "|---" * (len(COLUMNS) + 3) + "|"]
    total = Counter()
    for module, statuses in by_module.items():
        equivalent = {name for name, (code, _) in notes.get(module, {}).items() if code == "E"}
        counts = Counter("equivalent" if name in equivalent and status != "killed" else status
                         for name, status in statuses.items())  # fmt: skip
        counts["mutants"] = len(statuses)
        total.update(counts)
        lines.append(_row(f"`{module}`", counts))
    lines.append(_row("**all**", total))
    return "\n".join(lines)


def _row(label: str, counts: Counter) -> str:
    counts["other"] += counts.pop("not run", 0)
    rate = f"{counts['killed'] / counts['mutants']:.1%}" if counts["mutants"] else "-"
    live = counts["mutants"] - counts["equivalent"]
    live_rate = f"{counts['killed'] / live:.1%}" if live else "-"
    return f"| {label} | " + " | ".join(str(counts[c]) for c in COLUMNS) + f" | {rate} | {live_rate} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survivors", action="store_true", help="also list every mutant that was not killed")
    args = parser.parse_args()
    by_module = results()
    if not by_module:
        raise SystemExit("no mutmut results under mutants/: run `mutmut run` first (see docs/mutation.md)")
    notes = {module: triage(module) for module in by_module}
    print(table(by_module, notes))
    if args.survivors:
        for module, statuses in by_module.items():
            for name, status in statuses.items():
                if status != "killed":
                    code, reason = notes[module].get(name, ("?", "not triaged"))
                    print(f"{status:9} {code} {name}  {reason}")
    problems = check(by_module, notes)
    if problems:
        raise SystemExit("the triage does not match this run:\n  " + "\n  ".join(problems))


if __name__ == "__main__":
    main()
