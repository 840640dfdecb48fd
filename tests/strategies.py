"""Hypothesis strategies the property tests share: small ratings tables as a learner hands them to the kit.

A table has unique `(user_id, item_id)` pairs in a random row order, raw ids that are any integers (negative,
large, with gaps), ratings on a drawn scale and timestamps with many ties.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st

# (low, high) rating scales as releases have them, and odd ones (negative, not a whole number, narrow)
SCALES = st.sampled_from([(1.0, 5.0), (0.5, 5.0), (1.0, 10.0), (-2.0, 2.0), (0.7, 1.3), (0.1, 0.3)])


def raw_ids(n: int) -> st.SearchStrategy[list[int]]:
    """`n` distinct raw ids: any int64 values, so nothing may assume they are small, positive or dense."""
    return st.lists(st.integers(-(10**12), 10**12), min_size=n, max_size=n, unique=True)


@st.composite
def ratings_frames(
    draw,
    *,
    min_rows: int = 1,
    max_rows: int = 40,
    num_users: int = 6,
    num_items: int = 10,
    rating_scale: tuple[float, float] | None = None,
    timestamps: bool = True,
) -> pd.DataFrame:
    """A valid ratings table `user_id, item_id, rating[, timestamp]`: at most `num_users × num_items` rows.

    Ratings lie on `rating_scale` (default (1, 5)) and include both ends of it often.
    """
    low, high = rating_scale or (1.0, 5.0)
    cells = st.tuples(st.integers(0, num_users - 1), st.integers(0, num_items - 1))
    pairs = draw(st.lists(cells, min_size=min_rows, max_size=max_rows, unique=True))
    users, items = draw(raw_ids(num_users)), draw(raw_ids(num_items))
    n = len(pairs)
    rating = st.one_of(st.sampled_from([low, high]), st.floats(low, high))
    frame = pd.DataFrame(
        {
            "user_id": np.array([users[u] for u, _ in pairs], np.int64),
            "item_id": np.array([items[i] for _, i in pairs], np.int64),
            "rating": np.array(draw(st.lists(rating, min_size=n, max_size=n)), np.float64),
        }
    )
    if timestamps:  # few distinct values: ties are common, as in releases stamped by the second
        frame["timestamp"] = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), np.int64)
    return frame
