"""Helpers the test modules share (fixtures live in conftest.py): the repository's paths and the mirror."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("0[1-8]_*.ipynb"))
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


def additive_world() -> pd.DataFrame:
    """Ratings 3 + b_u + b_i where an unseen pair leaves the 1-5 scale: generous users (b_u = +1.5) rated only
    middling items, loved items (+1.5) only neutral users, harsh users and disliked items (-1.5) likewise; a
    generous user and a loved item, never seen together, add up to 6 (and the harsh pairs to 0)."""
    bias = np.repeat([1.5, 0.0, -1.5], 10)
    pairs = [
        (u, i, 3 + bias[u] + bias[i]) for u in range(30) for i in range(30) if bias[u] == 0 or bias[i] == 0
    ]
    return pd.DataFrame(pairs, columns=["user_id", "item_id", "rating"])
