"""scripts/mutation_report.py: the kill rate over non-equivalent mutants, and triage files that match the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import mutation_report as report


def write_run(root, statuses):
    """A fake mutmut result: mutants/recsys_lab/protocol/toy.py.meta with {name: exit code}."""
    meta = root / "mutants" / "recsys_lab" / "protocol" / "toy.py.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"exit_code_by_key": statuses}))
    return root / "mutants"


def write_triage(root, text):
    folder = root / "triage"
    folder.mkdir()
    (folder / "recsys_lab.protocol.toy.txt").write_text(text)
    return folder


ROOT = Path(__file__).resolve().parents[1]
NAME = "recsys_lab.protocol.toy.x_f__mutmut_{}"


def test_equivalent_mutants_leave_the_denominator_and_the_others_stay(tmp_path):
    # 10 mutants: 7 killed (exit 1 or 3), 2 survivors of which 1 is equivalent, 1 timeout
    codes = {NAME.format(i): 1 for i in range(6)} | {NAME.format(6): 3, NAME.format(7): 0, NAME.format(8): 0}
    codes[NAME.format(9)] = 152
    by_module = report.results(write_run(tmp_path, codes))
    notes = {
        "recsys_lab/protocol/toy.py": report.triage(
            "recsys_lab/protocol/toy.py",
            write_triage(
                tmp_path, "# a comment\nx_f__mutmut_7 E astype(None) is float64\nx_f__mutmut_8 T gap\n"
            ),
        )
    }
    row = report.table(by_module, notes).splitlines()[2]
    # mutants, killed, survived, equivalent, timeout, untested, other | 7/10 | 7/9
    assert row == "| `recsys_lab/protocol/toy.py` | 10 | 7 | 1 | 1 | 1 | 0 | 0 | 70.0% | 77.8% |"
    assert report.check(by_module, notes) == []


def test_a_triage_line_for_a_killed_or_vanished_mutant_is_reported(tmp_path):
    by_module = report.results(write_run(tmp_path, {NAME.format(1): 1, NAME.format(2): 0}))
    text = "x_f__mutmut_1 E was equivalent once\nx_f__mutmut_2 E still alive\nx_f__mutmut_9 E renumbered\n"
    notes = {
        "recsys_lab/protocol/toy.py": report.triage(
            "recsys_lab/protocol/toy.py", write_triage(tmp_path, text)
        )
    }
    problems = report.check(by_module, notes)
    assert len(problems) == 2
    assert "x_f__mutmut_1: triaged but killed" in problems[0]
    assert "x_f__mutmut_9: triaged but not a mutant of this run" in problems[1]


@pytest.mark.parametrize("line", ["x_f__mutmut_1 X why", "x_f__mutmut_1 E"])
def test_a_triage_line_needs_a_known_code_and_a_reason(tmp_path, line):
    with pytest.raises(SystemExit, match=r"toy\.txt:1: expected 'NAME CODE reason' with CODE one of E, M, T"):
        report.triage("recsys_lab/protocol/toy.py", write_triage(tmp_path, line + "\n"))


def test_the_committed_triage_files_parse_and_name_modules_that_are_mutated():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    mutated = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]["only_mutate"]
    dotted = {path.removesuffix(".py").replace("/", ".") for path in mutated}
    files = sorted((ROOT / "docs" / "mutation").glob("*.txt"))
    assert {f.stem for f in files} == dotted  # one triage file per mutated module, no stray one
    for module in mutated:
        for name, (code, reason) in report.triage(module, ROOT / "docs" / "mutation").items():
            assert code in report.CODES and reason.strip(), name
