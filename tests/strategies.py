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


# One bad value a table can hold, and the column(s) the kit's error must name (data/dataset.py, check_ratings).
BAD_VALUES = (
    "NaN rating",
    "infinite rating",
    "rating off the scale",
    "non-integral id",
    "NaN id",
    "infinite id",
    "string id",
    "duplicated pair",
    "missing column",
)


@st.composite
def bad_frames(draw, *, rating_scale: tuple[float, float] = (1.0, 5.0), max_rows: int = 30):
    """(bad table, what is wrong, the column names its error must name): a valid table with ONE bad value.

    The bad value is put at a random row (or a random column is dropped); the table's other rows are valid.
    """
    frame = draw(ratings_frames(min_rows=2, max_rows=max_rows, rating_scale=rating_scale))
    kind = draw(st.sampled_from(BAD_VALUES))
    row = draw(st.integers(0, len(frame) - 1))
    id_column = draw(st.sampled_from(["user_id", "item_id"]))
    low, high = rating_scale
    bad = frame.copy()
    if kind == "NaN rating":
        bad.loc[row, "rating"] = np.nan
    elif kind == "infinite rating":
        bad.loc[row, "rating"] = draw(st.sampled_from([np.inf, -np.inf]))
    elif kind == "rating off the scale":
        bad.loc[row, "rating"] = draw(st.one_of(st.floats(high, high + 10, exclude_min=True),
                                                st.floats(low - 10, low, exclude_max=True)))  # fmt: skip
    elif kind in ("non-integral id", "NaN id", "infinite id"):
        value = {"non-integral id": frame.loc[row, id_column] + 0.5, "NaN id": np.nan, "infinite id": np.inf}
        bad[id_column] = bad[id_column].astype(np.float64)
        bad.loc[row, id_column] = value[kind]
    elif kind == "string id":
        bad[id_column] = bad[id_column].astype(object)
        bad.loc[row, id_column] = draw(st.sampled_from(["x", "", "user 1", "1.5", "nan"]))
    elif kind == "duplicated pair":
        other = draw(st.integers(0, len(frame) - 1).filter(lambda r: r != row))
        bad.loc[row, ["user_id", "item_id"]] = frame.loc[other, ["user_id", "item_id"]].to_numpy()
    else:
        id_column = draw(st.sampled_from(["user_id", "item_id", "rating"]))
        bad = bad.drop(columns=id_column)
    named = {
        "duplicated pair": ("user_id", "item_id"),
        "missing column": (id_column,),
    }.get(kind, ("rating",) if "rating" in kind else (id_column,))
    return bad, kind, named


# ids that are no ids: predict and recommend must refuse them with a ValueError naming the column
BAD_IDS = st.sampled_from([1.5, -0.5, np.nan, np.inf, -np.inf, "x", "1", "", None])
