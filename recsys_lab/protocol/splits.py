"""Train/test splits that never leak, each with the id encoders (`data.ids`) fitted on its training part.

Every split function takes `seed` and returns a `Split`, which unpacks as `train, test = split`:

>>> split = random_split(ds.ratings, test_fraction=0.2, seed=42)      # doctest: +SKIP
>>> print(split.report())                                             # doctest: +SKIP
random 80/20: 80,000 train / 20,000 test ratings; ...

Leakage rules kept here: a rating is in train or in test, never both; the id encoders (raw id → dense
index) are fitted on train alone; users and items that appear only in test are *reported* (they are the
cold-start cases), never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recsys_lab.data.dataset import Dataset, check_ratings
from recsys_lab.data.ids import IdEncoder

OFFICIAL_FOLDS = ("u1", "u2", "u3", "u4", "u5", "ua", "ub")


@dataclass(frozen=True, eq=False)
class Split:
    """A train/test pair of ratings tables plus encoders fitted on train.

    Attributes:
        train, test: ratings tables (`user_id, item_id, rating, timestamp`), disjoint.
        name: what split this is, e.g. "u1" or "random 80/20 (seed=42)".
        user_encoder, item_encoder: `IdEncoder`s fitted on `train` only.
    """

    train: pd.DataFrame
    test: pd.DataFrame
    name: str
    user_encoder: IdEncoder = field(init=False)
    item_encoder: IdEncoder = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "user_encoder", IdEncoder(self.train["user_id"], "user_id"))
        object.__setattr__(self, "item_encoder", IdEncoder(self.train["item_id"], "item_id"))

    def __iter__(self) -> Iterator[pd.DataFrame]:
        return iter((self.train, self.test))

    @property
    def num_users(self) -> int:
        return len(self.user_encoder)

    @property
    def num_items(self) -> int:
        return len(self.item_encoder)

    @property
    def cold_users(self) -> np.ndarray:
        """user_ids that appear in test but not in train."""
        ids = self.test["user_id"].unique()
        return np.sort(ids[~self.user_encoder.contains(ids)])

    @property
    def cold_items(self) -> np.ndarray:
        """item_ids that appear in test but not in train."""
        ids = self.test["item_id"].unique()
        return np.sort(ids[~self.item_encoder.contains(ids)])

    def warm_test(self) -> pd.DataFrame:
        """Test ratings whose user and item both appear in train."""
        keep = self.user_encoder.contains(self.test["user_id"]) & self.item_encoder.contains(
            self.test["item_id"]
        )
        return self.test[keep].reset_index(drop=True)

    def matrix(self, part: str = "train") -> sp.csr_matrix:
        """Ratings of `part` ("train" or "test", warm rows only) as a CSR matrix `(num_users, num_items)`."""
        frame = self.train if part == "train" else self.warm_test()
        rows = self.user_encoder.transform(frame["user_id"])
        cols = self.item_encoder.transform(frame["item_id"])
        return sp.csr_matrix(
            (frame["rating"].to_numpy(np.float32), (rows, cols)), shape=(self.num_users, self.num_items)
        )

    def report(self) -> str:
        """One paragraph: sizes, and the cold-start users and items of the test part."""
        cold_u, cold_i = self.cold_users, self.cold_items
        cold_rows = len(self.test) - len(self.warm_test())
        return (
            f"{self.name}: {len(self.train):,} train / {len(self.test):,} test ratings; "
            f"{self.num_users:,} users and {self.num_items:,} items in train. "
            f"Test has {len(cold_u)} user(s) and {len(cold_i)} item(s) never seen in training "
            f"({cold_rows:,} test ratings are cold-start cases: models must fall back for them)."
        )


def _frame_of(data: Dataset | pd.DataFrame) -> tuple[pd.DataFrame, tuple[float, float] | None]:
    if isinstance(data, Dataset):
        return check_ratings(data.ratings, rating_scale=data.rating_scale), data.rating_scale
    return check_ratings(data), None


def random_split(
    data: Dataset | pd.DataFrame, test_fraction: float = 0.2, *, seed: int, by_user: bool = False
) -> Split:
    """Hold out a random `test_fraction` of the ratings.

    Args:
        data: a Dataset or a ratings table (checked with `check_ratings`; not modified).
        test_fraction: share of ratings in test, in (0, 1).
        seed: random seed.
        by_user: stratify by user: each user puts round(test_fraction × n_u) ratings in test (half to even)
            and the rest in train, at least one, so every test user is known in train.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1; got {test_fraction}")
    ratings, _ = _frame_of(data)
    rng = np.random.default_rng(seed)
    if by_user:
        order = np.lexsort((rng.random(len(ratings)), ratings["user_id"].to_numpy()))
        users = ratings["user_id"].to_numpy()[order]
        starts = np.r_[0, np.flatnonzero(np.diff(users)) + 1]
        counts = np.diff(np.r_[starts, len(users)])
        rank = np.arange(len(users)) - np.repeat(starts, counts)  # position within the user's shuffled rows
        n_test = np.minimum(np.rint(counts * test_fraction).astype(int), counts - 1)
        is_test = np.empty(len(ratings), bool)
        is_test[order] = rank < np.repeat(n_test, counts)
    else:
        is_test = np.zeros(len(ratings), bool)
        is_test[rng.permutation(len(ratings))[: round(test_fraction * len(ratings))]] = True
    pct = round(100 * test_fraction)
    name = f"random {100 - pct}/{pct}{' by user' if by_user else ''} (seed={seed})"
    return Split(ratings[~is_test].reset_index(drop=True), ratings[is_test].reset_index(drop=True), name)


def temporal_split(
    data: Dataset | pd.DataFrame, *, last_n: int | None = None, last_fraction: float | None = None, seed: int
) -> Split:
    """Per user, hold out the most recent ratings: the last `last_n`, or the last `last_fraction`.

    Each user keeps at least one rating in train. Ratings with equal timestamps are ordered by a
    seeded random key, so the split is reproducible and unbiased among ties.
    """
    if (last_n is None) == (last_fraction is None):
        raise ValueError("give exactly one of last_n (e.g. 1) or last_fraction (e.g. 0.2)")
    if last_n is not None and last_n < 1:
        raise ValueError(f"last_n must be at least 1; got {last_n}")
    if last_fraction is not None and not 0 < last_fraction < 1:
        raise ValueError(f"last_fraction must lie strictly between 0 and 1; got {last_fraction}")
    ratings, _ = _frame_of(data)
    if "timestamp" not in ratings:
        raise ValueError("a temporal split needs a timestamp column; use random_split instead")
    rng = np.random.default_rng(seed)
    order = np.lexsort(
        (rng.random(len(ratings)), ratings["timestamp"].to_numpy(), ratings["user_id"].to_numpy())
    )
    users = ratings["user_id"].to_numpy()[order]
    starts = np.r_[0, np.flatnonzero(np.diff(users)) + 1]
    counts = np.diff(np.r_[starts, len(users)])
    from_end = np.repeat(starts + counts, counts) - np.arange(len(users))  # 1 for each user's newest rating
    wanted = (
        np.full(len(counts), last_n) if last_n is not None else np.rint(counts * last_fraction).astype(int)
    )
    n_test = np.minimum(wanted, counts - 1)
    is_test = np.empty(len(ratings), bool)
    is_test[order] = from_end <= np.repeat(n_test, counts)
    name = f"temporal last {last_n}" if last_n is not None else f"temporal last {round(100 * last_fraction)}%"
    return Split(
        ratings[~is_test].reset_index(drop=True),
        ratings[is_test].reset_index(drop=True),
        f"{name} per user (seed={seed})",
    )


def leave_last_out(data: Dataset | pd.DataFrame, *, seed: int) -> Split:
    """Each user's most recent rating is the test set (the NCF protocol's split)."""
    split = temporal_split(data, last_n=1, seed=seed)
    return Split(split.train, split.test, f"leave-last-one-out (seed={seed})")


def official_fold(dataset: Dataset, fold: str) -> Split:
    """One of ml-100k's official splits: "u1".."u5" (5-fold 80/20) or "ua"/"ub" (10 ratings per user).

    The files come from the verified release, so results can be compared with published numbers.
    """
    if fold not in OFFICIAL_FOLDS:
        raise ValueError(f"unknown fold {fold!r}; ml-100k's official folds are {', '.join(OFFICIAL_FOLDS)}")
    if dataset.name != "ml-100k" or f"{fold}.base" not in dataset.files:
        raise ValueError(
            f"official folds exist only for ml-100k (this is {dataset.name!r}); "
            "use random_split(..., seed=SEED) or rating_split(dataset, seed=SEED)"
        )
    parts = []
    for part in ("base", "test"):
        frame = pd.read_csv(
            dataset.files[f"{fold}.{part}"], sep="\t", names=["user_id", "item_id", "rating", "timestamp"]
        )
        parts.append(check_ratings(frame, rating_scale=dataset.rating_scale, what=f"{fold}.{part}"))
    return Split(parts[0], parts[1], fold)


def rating_split(dataset: Dataset, *, seed: int) -> Split:
    """The course's default split for rating prediction (RMSE): ml-100k's official `u1`, else random 80/20."""
    if dataset.name == "ml-100k" and "u1.base" in dataset.files:
        return official_fold(dataset, "u1")
    return random_split(dataset, 0.2, seed=seed)


def ranking_split(dataset: Dataset, *, seed: int) -> Split:
    """The course's default split for top-K ranking: 75/25 random, stratified by user.

    This is the protocol microsoft/recommenders publishes ml-100k ranking numbers for.
    """
    return random_split(dataset, 0.25, seed=seed, by_user=True)


def cold_item_split(data: Dataset | pd.DataFrame, test_fraction: float = 0.2, *, seed: int) -> Split:
    """Hold out a random `test_fraction` of the *items* with every one of their ratings: cold-start items.

    No rating of a test item is in train, so a model can only score it from its content (title, genres,
    poster); `split.cold_items` lists them. Items are drawn uniformly, so most are tail items, as new
    movies are. A user whose every rating falls on test items becomes a cold user too (the report says so).
    """
    return _cold_split(data, "item", test_fraction, seed)


def cold_user_split(data: Dataset | pd.DataFrame, test_fraction: float = 0.1, *, seed: int) -> Split:
    """Hold out a random `test_fraction` of the *users* with every one of their ratings: cold-start users.

    No rating of a test user is in train, so a model can only score them from what else it knows of them
    (age, gender, occupation); `split.cold_users` lists them.
    """
    return _cold_split(data, "user", test_fraction, seed)


def _cold_split(data, kind: str, test_fraction: float, seed: int) -> Split:
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1; got {test_fraction}")
    ratings, _ = _frame_of(data)
    ids = np.unique(ratings[f"{kind}_id"].to_numpy())
    held_out = np.random.default_rng(seed).permutation(ids)[: round(test_fraction * len(ids))]
    is_test = np.isin(ratings[f"{kind}_id"].to_numpy(), held_out)
    name = f"cold {kind}s {round(100 * test_fraction)}% (seed={seed})"
    return Split(ratings[~is_test].reset_index(drop=True), ratings[is_test].reset_index(drop=True), name)
