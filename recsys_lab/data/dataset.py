"""The dataset object every chapter uses, and the checks that guard the library's edge.

A `Dataset` holds one ratings table and what is known about its users and items:

>>> ds = Dataset.from_frames(pd.DataFrame({"user_id": [1, 1, 2], "item_id": [10, 20, 10],
...                                        "rating": [4.0, 3.0, 5.0]}))
>>> ds.num_users, ds.num_items, ds.num_ratings
(2, 2, 3)

Column conventions (the same in every module and notebook):

| table   | column      | dtype              | meaning                                        |
|---------|-------------|--------------------|------------------------------------------------|
| ratings | user_id     | int64              | raw user id, as in the release                 |
| ratings | item_id     | int64              | raw item (movie) id, as in the release         |
| ratings | rating      | float32            | on `rating_scale`                              |
| ratings | timestamp   | int64              | seconds since 1970-01-01 UTC                   |
| items   | item_id     | int64              | one row per item                               |
| items   | title       | str                | title as released (year included)              |
| items   | year        | Int64 (nullable)   | release year, <NA> where unknown               |
| items   | genres      | list[str]          | genre names, [] where none is listed           |
| users   | user_id     | int64              | one row per user (releases with demographics)  |
| users   | age         | int64              | years (ml-100k) or the age band's lower bound  |
| users   | gender      | category           | "M" / "F"                                      |
| users   | occupation  | category           | occupation name                                |
| users   | zip         | str                | zip code as released                           |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RATING_COLUMNS = ("user_id", "item_id", "rating", "timestamp")

# Column names seen in the wild, and the name this kit uses for them.
COLUMN_ALIASES = {
    "userId": "user_id",
    "userid": "user_id",
    "user": "user_id",
    "uid": "user_id",
    "movieId": "item_id",
    "movie_id": "item_id",
    "movieid": "item_id",
    "itemId": "item_id",
    "item": "item_id",
    "iid": "item_id",
    "score": "rating",
    "stars": "rating",
    "time": "timestamp",
    "ts": "timestamp",
}


class DataError(ValueError):
    """Input data that the kit cannot use as it is; the message says what to change."""


def _examples(index: pd.Index, limit: int = 3) -> str:
    shown = ", ".join(str(i) for i in index[:limit])
    return shown + (", ..." if len(index) > limit else "")


def check_ratings(
    ratings: pd.DataFrame,
    *,
    rating_scale: tuple[float, float] | None = None,
    require_timestamp: bool = False,
    what: str = "ratings",
) -> pd.DataFrame:
    """Validate a ratings table and return a normalised copy; the input is never modified.

    Args:
        ratings: a DataFrame with columns `user_id`, `item_id`, `rating` and optionally `timestamp`.
        rating_scale: `(low, high)`; ratings outside it are an error. None skips the range check.
        require_timestamp: whether a `timestamp` column must be present (temporal splits need it).
        what: the name used for the table in error messages.

    Returns:
        A new DataFrame with the kit's column order and dtypes (see the module docstring) and a
        fresh `RangeIndex`; extra columns are dropped.

    Raises:
        DataError: not a DataFrame; missing or misnamed columns; NaN, infinite or non-integer ids; NaN,
            infinite or out-of-range ratings; duplicate `(user_id, item_id)` pairs. The message names the
            rows and the fix.
    """
    if not isinstance(ratings, pd.DataFrame):
        raise DataError(
            f"{what} must be a pandas DataFrame with columns user_id, item_id, rating; "
            f"got {type(ratings).__name__}"
        )
    required = ["user_id", "item_id", "rating"] + (["timestamp"] if require_timestamp else [])
    missing = [c for c in required if c not in ratings.columns]
    if missing:
        renames = {
            c: COLUMN_ALIASES[c]
            for c in ratings.columns
            if isinstance(c, str) and COLUMN_ALIASES.get(c) in missing
        }
        hint = (
            f"; rename with .rename(columns={renames})"
            if renames
            else f"; the kit expects columns {list(RATING_COLUMNS)}"
        )
        raise DataError(f"{what} is missing column(s) {missing}; it has {list(ratings.columns)}{hint}")

    out = pd.DataFrame(index=pd.RangeIndex(len(ratings)))
    for col in ("user_id", "item_id"):
        text = (
            ratings[col].map(lambda v: isinstance(v, (str, bytes)))
            if ratings[col].dtype.kind in "OSU"
            else None
        )
        if (
            text is not None and text.any()
        ):  # "7" would pass here and be refused by predict: refuse it at once
            rows = ratings.index[text.to_numpy()]
            raise DataError(
                f"{what}: {len(rows)} row(s) have a {col} written as text, e.g. {ratings[col][text].iloc[0]!r} "
                f"(rows {_examples(rows)}); ids must be numbers: convert with {what}['{col}'].astype('int64')"
            )
        values = pd.to_numeric(ratings[col], errors="coerce")
        bad = values.isna() | ~np.isfinite(values) | (values != np.floor(values))
        if bad.any():
            rows = ratings.index[bad.to_numpy()]
            raise DataError(
                f"{what}: {len(rows)} row(s) have a missing, infinite or non-integer {col} "
                f"(rows {_examples(rows)}); drop or fix them, e.g. {what}.dropna(subset=['{col}'])"
            )
        out[col] = values.to_numpy().astype(np.int64)

    rating = pd.to_numeric(ratings["rating"], errors="coerce")
    if rating.isna().any():
        rows = ratings.index[rating.isna().to_numpy()]
        raise DataError(
            f"{what}: {len(rows)} rating(s) are NaN or not numbers (rows {_examples(rows)}); "
            f"drop them with {what}.dropna(subset=['rating']) or fill them on purpose"
        )
    infinite = ~np.isfinite(rating)
    if infinite.any():
        rows = ratings.index[infinite.to_numpy()]
        raise DataError(
            f"{what}: {len(rows)} rating(s) are infinite (rows {_examples(rows)}); "
            f"fix or drop them, e.g. {what}[np.isfinite({what}['rating'])]"
        )
    if rating_scale is not None:
        low, high = rating_scale
        outside = (rating < low) | (rating > high)
        if outside.any():
            rows = ratings.index[outside.to_numpy()]
            raise DataError(
                f"{what}: {len(rows)} rating(s) lie outside the scale [{low}, {high}] "
                f"(rows {_examples(rows)}, e.g. {rating[outside].iloc[0]}); "
                f"fix them or pass the right rating_scale"
            )
    out["rating"] = rating.to_numpy().astype(np.float32)

    if "timestamp" in ratings.columns:
        ts = ratings["timestamp"]
        if pd.api.types.is_datetime64_any_dtype(ts):
            ts = ts.dt.as_unit("s").astype("int64")
        ts = pd.to_numeric(ts, errors="coerce")
        if ts.isna().any():
            rows = ratings.index[ts.isna().to_numpy()]
            raise DataError(
                f"{what}: {len(rows)} timestamp(s) are missing (rows {_examples(rows)}); "
                "fill them or drop the timestamp column"
            )
        out["timestamp"] = ts.to_numpy().astype(np.int64)

    dup = out.duplicated(["user_id", "item_id"], keep=False).to_numpy()
    if dup.any():
        rows = ratings.index[dup]
        first_user, first_item = out["user_id"][dup].iloc[0], out["item_id"][dup].iloc[0]
        raise DataError(
            f"{what}: {int(dup.sum())} rows repeat a (user_id, item_id) pair "
            f"(rows {_examples(rows)}, e.g. user {first_user}, item {first_item}); "
            f"keep one rating per pair, e.g. {what}.sort_values('timestamp')"
            ".drop_duplicates(['user_id', 'item_id'], keep='last')"
        )
    return out


@dataclass(frozen=True, eq=False)
class Dataset:
    """Ratings plus what is known about the users and items; the same shape for every source.

    Attributes:
        name: "ml-100k", "ml-latest-small", ..., or "synthetic".
        ratings: one row per rating (see the module docstring for columns and dtypes).
        items: one row per item: `item_id, title, year, genres`; more columns where the release has them.
        users: one row per user with `user_id, age, gender, occupation, zip`, or None when the
            release has no demographics.
        genres: the genre vocabulary, in the order of `genre_matrix()`'s columns.
        rating_scale: `(lowest, highest)` possible rating.
        tags: free-text tags `user_id, item_id, tag, timestamp` where the release has them, else None.
        posters: `(num_items, height, width, 3)` uint8 images, row i showing `items.iloc[i]`, or None.
        truth: the planted model of a synthetic world (`SyntheticTruth`), None for real data.
        source: where the data came from, e.g. "mirror /data/ml-100k" or "synthetic(seed=0)".
        files: the verified release files by name (used by the official ml-100k splits).
    """

    name: str
    ratings: pd.DataFrame
    items: pd.DataFrame
    users: pd.DataFrame | None = None
    genres: tuple[str, ...] = ()
    rating_scale: tuple[float, float] = (1.0, 5.0)
    tags: pd.DataFrame | None = None
    posters: np.ndarray | None = None
    truth: Any = None
    source: str = ""
    files: Mapping[str, Path] = field(default_factory=dict)

    @classmethod
    def from_frames(
        cls,
        ratings: pd.DataFrame,
        items: pd.DataFrame | None = None,
        users: pd.DataFrame | None = None,
        *,
        name: str = "custom",
        rating_scale: tuple[float, float] = (1.0, 5.0),
    ) -> Dataset:
        """Build a Dataset from your own tables, checked with `check_ratings`.

        `items` defaults to one row per rated item with an empty title and no genres.
        """
        checked = check_ratings(ratings, rating_scale=rating_scale)
        if items is None:
            ids = np.unique(checked["item_id"].to_numpy())
            items = pd.DataFrame(
                {
                    "item_id": ids,
                    "title": [""] * len(ids),
                    "year": pd.array([pd.NA] * len(ids), dtype="Int64"),
                    "genres": [[] for _ in ids],
                }
            )
        elif "item_id" not in items.columns:
            raise DataError(f"items needs an item_id column; it has {list(items.columns)}")
        genres = sorted({g for gs in items.get("genres", pd.Series([], dtype=object)) for g in gs})
        return cls(
            name=name,
            ratings=checked,
            items=items.reset_index(drop=True),
            users=users,
            genres=tuple(genres),
            rating_scale=rating_scale,
            source="from_frames",
        )

    @property
    def num_users(self) -> int:
        """Users with at least one rating."""
        return int(self.ratings["user_id"].nunique())

    @property
    def num_items(self) -> int:
        """Items with at least one rating (the catalogue in `items` may be larger)."""
        return int(self.ratings["item_id"].nunique())

    @property
    def num_ratings(self) -> int:
        return len(self.ratings)

    @property
    def density(self) -> float:
        """Fraction of the user × item matrix that holds a rating."""
        return self.num_ratings / (self.num_users * self.num_items)

    def genre_matrix(self) -> np.ndarray:
        """Multi-hot genres, shape `(len(items), len(genres))`, uint8, rows in `items` order."""
        column = {g: j for j, g in enumerate(self.genres)}
        matrix = np.zeros((len(self.items), len(self.genres)), dtype=np.uint8)
        for i, gs in enumerate(self.items["genres"]):
            for g in gs:
                matrix[i, column[g]] = 1
        return matrix

    def summary(self) -> pd.Series:
        """The headline numbers of the dataset, as a Series (prints as a small table)."""
        r = self.ratings["rating"]
        return pd.Series(
            {
                "ratings": self.num_ratings,
                "users": self.num_users,
                "items": self.num_items,
                "density": round(self.density, 4),
                "rating scale": f"{self.rating_scale[0]:g}–{self.rating_scale[1]:g}",
                "mean rating": round(float(r.mean()), 3),
                "genres": len(self.genres),
                "demographics": self.users is not None,
                "posters": self.posters is not None,
                "source": self.source,
            },
            name=self.name,
        )

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}: {self.num_ratings:,} ratings, {self.num_users:,} users, "
            f"{self.num_items:,} items, source={self.source!r})"
        )


def favourite_genres(ds: Dataset, min_rating: float = 4.0) -> pd.Series:
    """Each user's favourite genre: the one most over-represented among the items they rated `min_rating`+.

    Over-representation is the genre's share of the user's liked items minus its share of all ratings, so that
    a user is not labelled "Drama" just because most movies are dramas, nor "Film-Noir" for one liked film
    (a ratio would reward that). Users with no liked item get "none".
    """
    genres = ds.genre_matrix().astype(np.float64)
    row_of = pd.Series(np.arange(len(ds.items)), index=ds.items["item_id"])
    rows = row_of[ds.ratings["item_id"]].to_numpy()
    overall = genres[rows].mean(axis=0)  # share of ratings that fall on each genre
    liked = ds.ratings["rating"].to_numpy() >= min_rating
    share = (
        pd.DataFrame(genres[rows[liked]], columns=list(ds.genres))
        .groupby(ds.ratings["user_id"].to_numpy()[liked])
        .mean()
    )
    favourite = (share - overall).idxmax(axis=1)
    users = np.unique(ds.ratings["user_id"])
    return favourite.reindex(users, fill_value="none").rename("favourite genre")
