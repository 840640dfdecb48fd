"""Helpers the test modules share (fixtures live in conftest.py): the repository's paths and the mirror."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("0[1-7]_*.ipynb"))
MIRROR = os.environ.get("RECSYS_LAB_MIRROR")


def mirror_has(name: str) -> bool:
    """Whether RECSYS_LAB_MIRROR holds the release `name` (extracted, or as its .zip)."""
    if not MIRROR:
        return False
    root = Path(MIRROR)
    return (root / name).is_dir() or (root / f"{name}.zip").is_file()


def exercise_cells(nb) -> list[str]:
    """The sources of a notebook's exercise cells (code cells that start with `# Exercise `)."""
    return [c.source for c in nb.cells if c.cell_type == "code" and c.source.startswith("# Exercise ")]
