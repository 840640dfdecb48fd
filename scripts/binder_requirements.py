"""Write Binder's environment (binder/requirements.txt, binder/runtime.txt) from pyproject.toml.

Binder (repo2docker) runs `pip install -r binder/requirements.txt` from the repository root. The file lists
pyproject's dependencies and its `cpu` and `lab` extras, exactly as pyproject writes them (CPU-only TensorFlow
keeps the image small), then `-e .` for the kit itself. No MovieLens file is ever part of the image: each
session downloads it on first use. tests/test_binder.py fails when these files are out of date.

    python scripts/binder_requirements.py            # rewrite binder/
    python scripts/binder_requirements.py --check    # exit 1 if binder/ is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest brings tomli
    import tomli as tomllib

if __package__:  # imported as scripts.binder_requirements (the tests import scripts/ as a package)
    from scripts.badges import ROOT, sync
else:  # run as python scripts/binder_requirements.py: scripts/ is on the path
    from badges import ROOT, sync

EXTRAS = ("cpu", "lab")
PYTHON = "3.11"  # Binder's Python: the version CI tests on


def binder_files(root: Path = ROOT) -> dict[str, str]:
    """The text of each file under binder/, keyed by file name."""
    with open(root / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    lines = [
        "# Generated from pyproject.toml by scripts/binder_requirements.py: edit pyproject.toml, then rerun it.",
        "# Binder installs this from the repository root: the dependencies, the cpu and lab extras, and the kit.",
        *project["dependencies"],
    ]
    for extra in EXTRAS:
        lines += [f"# [{extra}]", *project["optional-dependencies"][extra]]
    lines.append("-e .")
    return {"requirements.txt": "\n".join(lines) + "\n", "runtime.txt": f"python-{PYTHON}\n"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report, do not rewrite")
    args = parser.parse_args(argv)
    return sync({ROOT / "binder" / name: text for name, text in binder_files().items()}, args.check)


if __name__ == "__main__":
    sys.exit(main())
