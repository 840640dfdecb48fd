"""Side features of users and items as numeric tables, one row per id: what a two-tower model reads besides ids.

>>> users = pd.DataFrame({"user_id": [1, 2], "age": [20, 40], "gender": ["M", "F"], "occupation": ["x", "y"]})
>>> table, names = user_features(users, np.array([2, 1, 99]))
>>> names
['age', 'gender=F', 'gender=M', 'occupation=x', 'occupation=y']
>>> table[2].tolist()     # user 99 is not in the table: all zeros
[0.0, 0.0, 0.0, 0.0, 0.0]

Numbers are standardised (mean 0, standard deviation 1 over the table); categories are one-hot; a missing
value is 0 (and for the year, a "year unknown" flag). Pure pandas/numpy, no TensorFlow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _standardise(values: pd.Series, reference: pd.Series) -> np.ndarray:
    reference = pd.to_numeric(reference, errors="coerce").astype("float64").dropna()
    values = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
    scale = reference.std() if len(reference) > 1 and reference.std() > 0 else 1.0
    return np.where(np.isnan(values), 0.0, (values - (reference.mean() if len(reference) else 0.0)) / scale)


def _one_hot(values: pd.Series, categories: list[str], prefix: str) -> tuple[np.ndarray, list[str]]:
    values = values.astype(object).to_numpy()
    return (values[:, None] == np.array(categories, dtype=object)[None, :]).astype(np.float32), [
        f"{prefix}={c}" for c in categories
    ]


def user_features(users: pd.DataFrame | None, user_ids: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """`(len(user_ids), F)` float32 rows in `user_ids` order, and the F column names.

    Columns: standardised age, one-hot gender, one-hot occupation (whichever of the three `users` has).
    Users missing from `users` get zeros; `users=None` (a release without demographics) gives F = 0.
    """
    user_ids = np.asarray(user_ids)
    if users is None:
        return np.zeros((len(user_ids), 0), np.float32), []
    if "user_id" not in users.columns:
        raise ValueError(f"users needs a user_id column; it has {list(users.columns)}")
    table = users.set_index("user_id").reindex(user_ids)
    columns, names = [], []
    if "age" in users.columns:
        columns.append(_standardise(table["age"], users["age"])[:, None])
        names.append("age")
    for name in ("gender", "occupation"):
        if name in users.columns:
            categories = sorted(str(c) for c in users[name].dropna().unique())
            block, block_names = _one_hot(
                table[name].astype(str).where(table[name].notna()), categories, name
            )
            columns.append(block)
            names += block_names
    return np.hstack([np.zeros((len(user_ids), 0)), *columns]).astype(np.float32), names


def item_features(items: pd.DataFrame | None, item_ids: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """`(len(item_ids), F)` float32 rows in `item_ids` order, and the F column names.

    Columns: multi-hot genres, standardised release year, and 1 where the year is unknown. Items missing
    from `items` get zeros (and "year unknown"); `items=None` gives F = 0.
    """
    item_ids = np.asarray(item_ids)
    if items is None:
        return np.zeros((len(item_ids), 0), np.float32), []
    if "item_id" not in items.columns:
        raise ValueError(f"items needs an item_id column; it has {list(items.columns)}")
    table = items.set_index("item_id").reindex(item_ids)
    columns, names = [], []
    if "genres" in items.columns:
        genres = sorted({g for gs in items["genres"] for g in gs})
        column = {g: j for j, g in enumerate(genres)}
        multi_hot = np.zeros((len(item_ids), len(genres)), np.float32)
        for row, gs in enumerate(table["genres"]):
            for g in gs if isinstance(gs, list | tuple | np.ndarray) else ():
                multi_hot[row, column[g]] = 1.0
        columns.append(multi_hot)
        names += [f"genre={g}" for g in genres]
    if "year" in items.columns:
        year = pd.to_numeric(table["year"], errors="coerce").astype("float64")
        columns += [_standardise(year, items["year"])[:, None], year.isna().to_numpy()[:, None]]
        names += ["year", "year unknown"]
    return np.hstack([np.zeros((len(item_ids), 0)), *columns]).astype(np.float32), names
