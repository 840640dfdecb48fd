"""A MovieLens-shaped synthetic world whose true model is known.

`make_synthetic` builds a `Dataset` with the same tables, dtypes and rough statistics as ml-100k
(943 users, 1,682 items, 100,000 ratings by default), and attaches the model that generated it as
`dataset.truth`, a `SyntheticTruth`. With the truth at hand a notebook can check what a model has
learned: its RMSE against the noise floor, its factors against the planted ones, its top-k against
the oracle's.

>>> ds = make_synthetic(num_users=200, num_items=300, num_ratings=8_000, seed=0)
>>> ds.num_ratings, ds.ratings["rating"].dtype
(8000, dtype('float32'))
>>> ds.truth.expected_rating(ds.ratings["user_id"], ds.ratings["item_id"]).shape
(8000,)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys_lab.data.dataset import Dataset

# Genres in the order of their frequency in ml-100k; `num_genres=g` keeps the first g.
GENRE_COUNTS = {"Drama": 725, "Comedy": 505, "Action": 251, "Thriller": 251, "Romance": 247,
                "Adventure": 135, "Children's": 122, "Crime": 109, "Sci-Fi": 101, "Horror": 92,
                "War": 71, "Mystery": 61, "Musical": 56, "Documentary": 50, "Animation": 42,
                "Western": 27, "Film-Noir": 24, "Fantasy": 22}  # fmt: skip
GENRE_WORDS = {
    "Drama": ["Silence", "Memory", "Father", "Winter", "Promise", "Truth", "Rain", "Letters"],
    "Comedy": ["Crazy", "Party", "Wedding", "Oops", "Buddies", "Vacation", "Goofy", "Honeymoon"],
    "Action": ["Strike", "Fury", "Run", "Bullet", "Impact", "Force", "Showdown", "Blast"],
    "Thriller": ["Fear", "Trap", "Witness", "Edge", "Hunted", "Stranger", "Panic", "Target"],
    "Romance": ["Heart", "Kiss", "Love", "Paris", "Forever", "Sweetheart", "Rose", "Desire"],
    "Adventure": ["Quest", "Island", "Treasure", "Journey", "Jungle", "Voyage", "Lost", "Map"],
    "Children's": ["Puppy", "Magic", "Little", "Toy", "Pony", "Adventures", "Kid", "Bunny"],
    "Crime": ["Heist", "Gangster", "Mob", "Cop", "Deal", "Boss", "Robbery", "Street"],
    "Sci-Fi": ["Galaxy", "Robot", "Planet", "Star", "Alien", "Cyber", "Orbit", "Android"],
    "Horror": ["Blood", "Scream", "Ghost", "Curse", "Zombie", "Nightmare", "Evil", "Grave"],
    "War": ["Battle", "Soldier", "Front", "Platoon", "Victory", "Bomber", "Siege", "Regiment"],
    "Mystery": ["Secret", "Clue", "Shadow", "Riddle", "Vanishing", "Key", "Enigma", "Detective"],
    "Musical": ["Song", "Dance", "Melody", "Swing", "Broadway", "Rhythm", "Singing", "Show"],
    "Documentary": ["Inside", "Portrait", "Real", "Chronicle", "Voices", "Story", "Facts", "Life"],
    "Animation": ["Cartoon", "Toons", "Dragon", "Princess", "Mermaid", "Lion", "Fairy", "Tale"],
    "Western": ["Outlaw", "Gun", "Sheriff", "Canyon", "Saddle", "Ranch", "Frontier", "Rider"],
    "Film-Noir": ["Noir", "Dame", "Smoke", "Alibi", "Double", "Venom", "Gutter", "Neon"],
    "Fantasy": ["Wizard", "Sword", "Kingdom", "Spell", "Elf", "Throne", "Enchanted", "Realm"],
}
NEUTRAL_WORDS = ["Night", "City", "Man", "Day", "Return", "Last", "Road", "House", "Summer", "Time", "World",
                 "Girl", "Blue", "Second", "Home", "River", "Big", "Dark", "New", "Game"]  # fmt: skip
# ml-100k's occupations and their counts among its 943 users.
OCCUPATION_COUNTS = {"administrator": 79, "artist": 28, "doctor": 7, "educator": 95, "engineer": 67,
                     "entertainment": 18, "executive": 32, "healthcare": 16, "homemaker": 7, "lawyer": 12,
                     "librarian": 51, "marketing": 26, "none": 9, "other": 105, "programmer": 66,
                     "retired": 14, "salesman": 12, "scientist": 31, "student": 196, "technician": 27,
                     "writer": 45}  # fmt: skip
AGE_BAND_EDGES = (18, 25, 35, 45, 50, 56)  # ml-1m's bands: <18, 18-24, ..., 56+
TIME_RANGE = (874_724_710, 893_286_638)  # ml-100k's first and last timestamps: 1997-09-20..1998-04-22
DOT_STD = 0.9  # standard deviation of p_u·q_i, whatever embedding_dim
SELECTION_STRENGTH = 1.0  # beta: how much liking an item raises the chance of rating it
MIN_USER_RATINGS = 20
ACTIVITY_SIGMA = 1.15  # spread of log user activity above the minimum
ZIPF_OFFSET, ZIPF_EXPONENT = 10.0, 1.1  # item popularity ∝ (rank + 10)^-1.1
TIME_BITS = 25  # TIME_RANGE's span, 18.6 M seconds, fits in 25 bits
GLOBAL_MEAN = 3.55
# q_i = s * (GENRE_WEIGHT * its genres' mean centroid + OWN_WEIGHT * N(0, I)). How much genres say about a movie's
# taste vector, measured as the R² of biased MF's item vectors (d = 32, 80 % of the movies) regressed on genres
# (`benchmarks/item_cnn_targets.py` prints it): ml-100k 0.05 (all warm movies; 0.10-0.11 for those with 50+
# ratings), this world 0.06-0.07 (0.11-0.14) with these weights. 1.0 and 0.6 gave 0.26 (0.37): genres explained
# most of taste, and content that shows more than the genres had little to add.
GENRE_WEIGHT, OWN_WEIGHT = 0.5, 0.95
POSTER_SQUASH = 0.5  # a poster draws factor j as tanh(0.5 * z-score): the tails stay readable
USER_BIAS_STD = 0.45


@dataclass(frozen=True, eq=False)
class SyntheticTruth:
    """The planted model of a synthetic world (see `make_synthetic` for the formulas).

    Row `k` of every per-user or per-item array belongs to id `k + 1`; the arrays are read-only.

    Attributes:
        global_mean: mu.
        user_bias: b_u, shape `(num_users,)`.
        item_bias: b_i, shape `(num_items,)`.
        user_factors: p_u, shape `(num_users, embedding_dim)`.
        item_factors: q_i, shape `(num_items, embedding_dim)`.
        demographic_factors: the part of p_u set by age band, gender and occupation, which is what a
            cold-start model can hope to recover; shape `(num_users, embedding_dim)`.
        item_genres: multi-hot genres, uint8 `(num_items, num_genres)`, columns in `Dataset.genres` order.
        genre_centroids: s * GENRE_WEIGHT * c_g, `(num_genres, embedding_dim)`: the mean of an item's
            genres' rows is the genre part of its `item_factors`; the rest is its own.
        item_popularity: w_i, the weights items are drawn by, summing to 1; shape `(num_items,)`.
        noise: standard deviation of the rating noise (before rounding).
        selection_strength: beta; users rate item i with odds growing like exp(beta * p_u·q_i).
        rating_scale: the clipping range.

    >>> truth = make_synthetic(num_users=50, num_items=80, num_ratings=1_000, seed=0).truth
    >>> truth.user_factors.shape, truth.item_genres.shape
    ((50, 8), (80, 12))
    >>> truth.best_items(1, k=3).shape
    (3,)
    """

    global_mean: float
    user_bias: np.ndarray
    item_bias: np.ndarray
    user_factors: np.ndarray
    item_factors: np.ndarray
    demographic_factors: np.ndarray
    item_genres: np.ndarray
    genre_centroids: np.ndarray
    item_popularity: np.ndarray
    noise: float
    selection_strength: float
    rating_scale: tuple[float, float] = (1.0, 5.0)

    def __post_init__(self) -> None:
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)  # frozen all the way down

    def _index(self, ids: np.ndarray, count: int, what: str) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        bad = (ids < 1) | (ids > count)
        if bad.any():
            raise ValueError(
                f"{what} {ids[bad].flat[0]} is outside 1..{count}: this world's ids run from 1 to {count}"
            )
        return ids - 1

    def _score(self, user_index: np.ndarray, item_index: np.ndarray) -> np.ndarray:
        """mu + b_u + b_i + p_u·q_i for 0-based indices, unclipped."""
        dot = np.einsum("...d,...d->...", self.user_factors[user_index], self.item_factors[item_index])
        return self.global_mean + self.user_bias[user_index] + self.item_bias[item_index] + dot

    def expected_rating(self, user_id: np.ndarray, item_id: np.ndarray) -> np.ndarray:
        """Noise-free ratings `clip(mu + b_u + b_i + p_u·q_i, 1, 5)` for pairs of raw ids.

        Args:
            user_id: raw user ids (any shape; broadcast against `item_id`).
            item_id: raw item ids.

        Returns:
            float64 array of the broadcast shape.
        """
        u = self._index(user_id, len(self.user_bias), "user_id")
        i = self._index(item_id, len(self.item_bias), "item_id")
        u, i = np.broadcast_arrays(u, i)
        return np.clip(self._score(u, i), *self.rating_scale)

    def best_items(self, user_id: int, k: int = 10, exclude: np.ndarray | None = None) -> np.ndarray:
        """The oracle's top-k: item ids with the highest noise-free score for one user.

        Ties at the top of the scale are broken by the unclipped score. `exclude` lists item ids
        to leave out (e.g. those the user has already rated).
        """
        u = int(self._index(np.array(user_id), len(self.user_bias), "user_id"))
        scores = self.item_bias + self.item_factors @ self.user_factors[u]  # (num_items,)
        if exclude is not None:
            scores[self._index(exclude, len(self.item_bias), "item_id")] = -np.inf
        top = np.argsort(-scores, kind="stable")[:k]
        return top[np.isfinite(scores[top])] + 1


def _hsv_to_rgb(h: np.ndarray, s: float, v: float) -> np.ndarray:
    """Hue in [0, 1) to RGB in [0, 1], shape `h.shape + (3,)`."""
    k = (np.asarray(h)[..., None] * 6 + np.array([5.0, 3.0, 1.0])) % 6
    return v - v * s * np.clip(np.minimum(k, 4 - k), 0, 1)


def poster_codes(item_factors: np.ndarray) -> np.ndarray:
    """What a poster draws of each item's factors: t_j = tanh(POSTER_SQUASH * z-score of q_ij), `(n, 8)` in (-1, 1).

    The first eight factors (columns past `item_factors.shape[1]` stay 0). `make_synthetic` paints t_0..t_7
    (see its docstring); `challenges.planted_blob` and chapter 08's saliency check read them back from here.
    """
    n, d = item_factors.shape
    spread = item_factors[:, :8].std(axis=0)
    codes = np.zeros((n, 8), dtype=np.float32)  # float32: what the renderer computes in
    codes[:, : min(d, 8)] = np.tanh(POSTER_SQUASH * item_factors[:, :8] / np.where(spread > 0, spread, 1))
    return codes


def _render_posters(
    item_factors: np.ndarray,
    genre_order: np.ndarray,
    num_item_genres: np.ndarray,
    num_genres: int,
    size: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw `(num_items, size, size, 3)` uint8 posters; see `make_synthetic` for the mapping."""
    n = len(item_factors)
    z = poster_codes(item_factors)  # (n, 8); float32 throughout: half the time of float64
    hue = genre_order[:, 0] / num_genres  # (n,) the primary genre's hue
    base = _hsv_to_rgb(hue, 0.6, 0.8).astype(np.float32)  # (n, 3)
    accent = _hsv_to_rgb(genre_order[:, min(1, num_genres - 1)] / num_genres, 0.9, 1.0).astype(np.float32)
    accent[num_item_genres == 1] = 0.95  # a single-genre item gets a white blob
    axis = ((np.arange(size) + 0.5) / size - 0.5).astype(np.float32)  # pixel centres in (-0.5, 0.5)
    y, x = np.meshgrid(axis, axis, indexing="ij")  # (S, S) each
    posters = np.empty((n, size, size, 3), dtype=np.uint8)
    chunk = max(1, 2**19 // (size * size))  # items per batch: ~25 MB of float32
    for start in range(0, n, chunk):
        t = z[start : start + chunk, :, None, None]  # (b, 8, 1, 1): t[:, j] is factor j squashed
        img = base[start : start + chunk, None, None, :] * (1 + 0.6 * t[:, 0] * y)[..., None]  # (b,S,S,3)
        img = img + 0.15 * t[:, 1, ..., None] * np.array([1.0, 0.0, -1.0], dtype=np.float32)  # warm/cool tint
        # stripes at angle a and a + pi look the same: keep the angle within (0.1 pi, 0.9 pi)
        angle, cycles = np.pi / 2 * (1 + 0.8 * t[:, 5]), 3.25 + 1.75 * t[:, 6]
        phase = 2 * np.pi * cycles * (x * np.cos(angle) + y * np.sin(angle))  # (b, S, S)
        img = img * (1 - 0.25 * (0.5 + 0.5 * np.cos(phase)))[..., None]
        radius = 0.15 + 0.07 * t[:, 4]
        blob = np.exp(-((x - 0.3 * t[:, 2]) ** 2 + (y - 0.3 * t[:, 3]) ** 2) / (2 * radius**2))[..., None]
        img = img * (1 - 0.8 * blob) + 0.8 * blob * accent[start : start + chunk, None, None, :]
        img = img * (1 + 0.25 * t[:, 7, ..., None]) + 0.03 * rng.standard_normal(img.shape, dtype=np.float32)
        posters[start : start + chunk] = np.rint(np.clip(img, 0, 1) * 255)
    return posters


def _allocate(total: int, weights: np.ndarray, low: int, high: int) -> np.ndarray:
    """Integers in [low, high] summing to `total`, proportional to `weights` above `low`."""
    extra = np.zeros(len(weights))
    free = np.ones(len(weights), dtype=bool)
    remaining = float(total - low * len(weights))
    while True:  # water-filling: users whose share exceeds the cap get the cap
        share = remaining * weights[free] / weights[free].sum()
        over = share > high - low
        if not over.any():
            extra[free] = share
            break
        capped = np.flatnonzero(free)[over]
        extra[capped], free[capped] = high - low, False
        remaining -= len(capped) * (high - low)
    counts = np.floor(extra).astype(np.int64)
    fraction = np.where(free, extra - counts, -1.0)  # capped users get no extra unit
    leftover = total - low * len(weights) - int(counts.sum())
    counts[np.argsort(-fraction, kind="stable")[:leftover]] += 1
    return counts + low


def _zipf_popularity(num_items: int) -> np.ndarray:
    """w_r for popularity ranks r = 0..num_items-1: the mass of the density ∝ (x + 10)^-1.1 on [r, r+1)."""
    edges = (np.arange(num_items + 1) + ZIPF_OFFSET) ** (1 - ZIPF_EXPONENT)  # g(r), decreasing
    return -np.diff(edges) / (edges[0] - edges[-1])


def _zipf_ranks(uniform: np.ndarray, num_items: int) -> np.ndarray:
    """Popularity ranks drawn with probabilities `_zipf_popularity`, by inverting its CDF (O(1) a draw)."""
    c = 1 - ZIPF_EXPONENT
    g0, gn = ZIPF_OFFSET**c, (num_items + ZIPF_OFFSET) ** c
    x = (g0 - uniform * (g0 - gn)) ** (1 / c) - ZIPF_OFFSET
    return np.minimum(x.astype(np.int64), num_items - 1)


def _sorted_by(*columns: tuple[np.ndarray, int]) -> list[np.ndarray]:
    """Sort rows by several non-negative integer columns, the first one first (like np.lexsort).

    Each `(values, bits)` column must fit in `bits` bits; the columns are packed into one int64,
    sorted with a single `np.sort` and unpacked. At 10^7 rows this is 10-30x faster than
    `np.lexsort`, `np.argsort` or `np.unique`, which is what lets the generator reach ml-25m's size.
    """
    packed = np.zeros(len(columns[0][0]), dtype=np.int64)
    for values, bits in columns:
        packed = (packed << bits) | values
    packed.sort()
    unpacked = []
    for _, bits in reversed(columns):
        unpacked.append(packed & ((1 << bits) - 1))
        packed >>= bits
    return unpacked[::-1]


def _bits(count: int) -> int:
    """Bits needed for the indices 0..count-1."""
    return int(count - 1).bit_length()


def _sample_pairs(
    counts: np.ndarray,
    item_of_rank: np.ndarray,
    popularity: np.ndarray,
    user_factors: np.ndarray,
    item_factors: np.ndarray,
    beta: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (user_index, item_index) pairs, `counts[u]` of them for user u, sorted by user."""
    num_users, num_items = len(counts), len(popularity)
    user_bits, item_bits = _bits(num_users), _bits(num_items)
    # Candidates: 2 n_u + 4 draws by popularity for each user, duplicates dropped.
    draws = 2 * counts + 4
    sampled = np.flatnonzero(4 * draws < num_items)  # for the others, listing every item is cheaper
    users = np.repeat(sampled, draws[sampled])
    items = item_of_rank[_zipf_ranks(rng.random(len(users)), num_items)]
    users, items = _sorted_by((users, user_bits), (items, item_bits))
    first = np.ones(len(users), dtype=bool)
    first[1:] = (users[1:] != users[:-1]) | (items[1:] != items[:-1])
    users, items = users[first], items[first]
    listed = np.bincount(users, minlength=num_users) < counts  # too few candidates: take every item
    keep = ~listed[users]
    users = np.concatenate([users[keep], np.repeat(np.flatnonzero(listed), num_items)])
    items = np.concatenate([items[keep], np.tile(np.arange(num_items), int(listed.sum()))])
    # Gumbel top-k: keep each user's counts[u] candidates with the largest beta * p_u·q_i + Gumbel
    # noise (plus log w_i where every item is a candidate, so that popularity counts there too).
    key = rng.gumbel(size=len(users))
    for start in range(0, len(users), 1 << 20):
        part = slice(start, start + (1 << 20))
        key[part] += beta * np.einsum("nd,nd->n", user_factors[users[part]], item_factors[items[part]])
    key += np.where(listed[users], np.log(popularity)[items], 0.0)
    key_bits = 63 - user_bits - item_bits
    rank = ((key.max() - key) / (np.ptp(key) or 1.0) * (2**key_bits - 1)).astype(np.int64)  # 0 = best
    del key
    users, _, items = _sorted_by((users, user_bits), (rank, key_bits), (items, item_bits))
    starts = np.concatenate([[0], np.cumsum(np.bincount(users, minlength=num_users))[:-1]])
    keep = np.arange(len(users)) - starts[users] < counts[users]
    return users[keep], items[keep]


def _cover_items(item_index: np.ndarray, num_items: int, rng: np.random.Generator) -> np.ndarray:
    """Give every unrated item one rating, taken from items that have several (while any do)."""
    missing = np.flatnonzero(np.bincount(item_index, minlength=num_items) == 0)
    if len(missing) == 0:
        return item_index
    first = np.full(num_items, len(item_index))
    np.minimum.at(first, item_index, np.arange(len(item_index)))  # each item's first row stays
    spare = np.flatnonzero(np.arange(len(item_index)) != first[item_index])
    rows = rng.choice(spare, size=min(len(missing), len(spare)), replace=False)
    item_index = item_index.copy()
    item_index[rows] = rng.permutation(missing)[: len(rows)]
    return item_index


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_arguments(
    num_users: int,
    num_items: int,
    num_ratings: int,
    embedding_dim: int,
    num_genres: int,
    noise: float,
    poster_size: int | None,
) -> None:
    sizes = {
        "num_users": num_users,
        "num_items": num_items,
        "num_ratings": num_ratings,
        "embedding_dim": embedding_dim,
    }
    for name, value in sizes.items():
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if not (_is_int(num_genres) and 1 <= num_genres <= len(GENRE_COUNTS)):
        raise ValueError(
            f"num_genres must be between 1 and {len(GENRE_COUNTS)} (the MovieLens genres); got {num_genres!r}"
        )
    if not (isinstance(noise, (int, float, np.number)) and np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise is the standard deviation of the rating noise, >= 0; got {noise!r}")
    if poster_size is not None and not (_is_int(poster_size) and 16 <= poster_size <= 128):
        raise ValueError(
            f"poster_size must be an integer from 16 to 128, or None for no posters; got {poster_size!r}"
        )
    most = num_users * ((num_items + 1) // 2)
    if num_ratings > most:
        raise ValueError(
            f"{num_ratings:,} ratings do not fit: each of {num_users:,} users rates at most half "
            f"of the {num_items:,} items, {most:,} ratings in all; ask for fewer ratings, "
            "or more users or items"
        )
    if _bits(num_users) + _bits(num_items) + TIME_BITS > 63:
        raise ValueError(
            f"{num_users:,} users × {num_items:,} items is too large for this generator (it packs "
            "user, item and time into one int64); stay below about 10^11 cells (ml-25m has 10^10)"
        )
    if num_ratings < num_users:
        raise ValueError(
            f"{num_ratings:,} ratings are too few for {num_users:,} users: every user rates at "
            "least one item; ask for at least num_users ratings"
        )


def _titles(
    names: list[str],
    genre_order: np.ndarray,
    num_item_genres: np.ndarray,
    year: np.ndarray,
    rng: np.random.Generator,
) -> list[str]:
    """MovieLens-style titles, "Word Word (1994)", built from words of the item's genres."""
    n = len(year)
    words = np.array([w for g in names for w in GENRE_WORDS[g]])  # eight words per genre
    neutral = np.array(NEUTRAL_WORDS)
    primary = words[genre_order[:, 0] * 8 + rng.integers(0, 8, n)]
    second = words[genre_order[:, min(1, len(names) - 1)] * 8 + rng.integers(0, 8, n)]
    first = np.where(rng.random(n) < 0.85, primary, neutral[rng.integers(0, len(neutral), n)])
    other = np.where(num_item_genres > 1, second, neutral[rng.integers(0, len(neutral), n)])
    forms = ["{0} {1}", "The {1} {0}", "{0} of the {1}", "{1} {0}"]
    form = rng.integers(0, len(forms), n).tolist()
    parts = zip(form, first.tolist(), other.tolist(), year.tolist(), strict=True)
    return [f"{forms[f].format(a, b)} ({y})" for f, a, b, y in parts]


@dataclass(frozen=True, eq=False)
class _Items:
    """The planted items, row k for item id k + 1 (see `_draw_items`)."""

    genre_order: np.ndarray  # int64 (num_items, num_genres): genre indices, the item's own genres first
    genre_count: np.ndarray  # int64 (num_items,): how many genres each item has, 1-3
    genres: np.ndarray  # uint8 (num_items, num_genres): multi-hot
    centroids: np.ndarray  # c_g, (num_genres, d)
    factors: np.ndarray  # q_i, (num_items, d)
    item_of_rank: np.ndarray  # int64 (num_items,): item_of_rank[0] is the most popular item
    popularity: np.ndarray  # w_i, (num_items,), summing to 1
    bias: np.ndarray  # b_i, (num_items,)


@dataclass(frozen=True, eq=False)
class _Users:
    """The planted users, row k for user id k + 1 (see `_draw_users`)."""

    age: np.ndarray  # int64 (num_users,), 7..73
    gender: np.ndarray  # int64 (num_users,): 0 = F, 1 = M
    occupation: np.ndarray  # int64 (num_users,): index into OCCUPATION_COUNTS
    demographic: np.ndarray  # the demographic part of p_u, (num_users, d)
    factors: np.ndarray  # p_u, (num_users, d)
    bias: np.ndarray  # b_u, (num_users,)
    zips: np.ndarray  # str (num_users,): five digits


@dataclass(frozen=True, eq=False)
class _Interactions:
    """The rated pairs as 0-based indices, sorted by user, then time, then item (see `_draw_interactions`)."""

    user_index: np.ndarray  # int64 (num_ratings,)
    item_index: np.ndarray  # int64 (num_ratings,)
    offset: np.ndarray  # int64 (num_ratings,): seconds after TIME_RANGE[0]


def _draw_items(num_items: int, names: list[str], d: int, scale: float, rng: np.random.Generator) -> _Items:
    """Draw the items: genres, factors, popularity and bias.

    Genres: each item's genres are ordered by log(ml-100k count of g) + Gumbel noise (a draw without
    replacement ∝ the genre's frequency); it keeps the first 1, 2 or 3 (p = 0.5, 0.35, 0.15; at most
    `len(names)`). Factors: c_g ~ N(0, I_d), q_i = s * (GENRE_WEIGHT * mean of c_g over i's genres
    + OWN_WEIGHT * N(0, I_d)). Popularity: popularity ranks are a random permutation and
    w_i = `_zipf_popularity`[rank_i]. Bias: b_i = 0.25 * (log w_i - Σ_j w_j log w_j) / std(log w) + N(0, 0.35²).

    Returns:
        `_Items` with arrays of `num_items` rows (`centroids`: `len(names)` rows), `d` columns for factors.
    """
    num_genres = len(names)
    prevalence = np.array([GENRE_COUNTS[g] for g in names], dtype=float)
    genre_order = np.argsort(-(np.log(prevalence) + rng.gumbel(size=(num_items, num_genres))), axis=1)
    genre_count = np.minimum(rng.choice([1, 2, 3], size=num_items, p=[0.5, 0.35, 0.15]), num_genres)
    genres = np.zeros((num_items, num_genres), dtype=np.uint8)
    np.put_along_axis(genres, genre_order, np.arange(num_genres) < genre_count[:, None], axis=1)
    centroids = rng.normal(size=(num_genres, d))
    factors = scale * (
        GENRE_WEIGHT * genres @ centroids / genre_count[:, None]
        + OWN_WEIGHT * rng.normal(size=(num_items, d))
    )
    item_of_rank = rng.permutation(num_items)  # item_of_rank[0] is the most popular item
    popularity = np.empty(num_items)
    popularity[item_of_rank] = _zipf_popularity(num_items)
    log_pop = np.log(popularity)
    quality = (log_pop - popularity @ log_pop) / (log_pop.std() or 1.0)  # 0 for the average *rating*
    bias = 0.25 * quality + rng.normal(0, 0.35, num_items)
    return _Items(genre_order, genre_count, genres, centroids, factors, item_of_rank, popularity, bias)


def _draw_users(num_users: int, d: int, scale: float, rng: np.random.Generator) -> _Users:
    """Draw the users: ml-100k-like demographics, taste factors (demographic offsets + own part), bias, zips.

    age = clip(rint(7 + Gamma(5, 5.4)), 7, 73); gender M with p 0.71; occupation by ml-100k's counts, then
    student with p 0.6 at age <= 22 and retired with p 0.5 at age >= 62. demographic = s * (A[age band]
    + G[gender] + O[occupation]) minus its mean over users, with rows A ~ N(0, 0.45² I), G ~ N(0, 0.35² I),
    O ~ N(0, 0.3² I); p_u = demographic + s * 0.75 * N(0, I_d); b_u ~ N(0, USER_BIAS_STD²);
    zip uniform in 00000..99999.

    Returns:
        `_Users` with arrays of `num_users` rows, `d` columns for `demographic` and `factors`.
    """
    age = np.clip(np.rint(7 + rng.gamma(5.0, 5.4, num_users)), 7, 73).astype(np.int64)
    band = np.searchsorted(AGE_BAND_EDGES, age, side="right")
    gender = (rng.random(num_users) < 0.71).astype(np.int64)  # 0 = F, 1 = M
    occupations = list(OCCUPATION_COUNTS)
    shares = np.array(list(OCCUPATION_COUNTS.values()), dtype=float)
    occupation = rng.choice(len(occupations), size=num_users, p=shares / shares.sum())
    occupation[(age <= 22) & (rng.random(num_users) < 0.6)] = occupations.index("student")
    occupation[(age >= 62) & (rng.random(num_users) < 0.5)] = occupations.index("retired")
    age_offset = 0.45 * rng.normal(size=(len(AGE_BAND_EDGES) + 1, d))  # one row per age band
    gender_offset = 0.35 * rng.normal(size=(2, d))
    occupation_offset = 0.3 * rng.normal(size=(len(occupations), d))
    demographic = scale * (age_offset[band] + gender_offset[gender] + occupation_offset[occupation])
    demographic -= demographic.mean(axis=0)  # the average user's taste is neutral
    factors = demographic + scale * 0.75 * rng.normal(size=(num_users, d))
    bias = rng.normal(0, USER_BIAS_STD, num_users)
    zips = np.char.zfill(rng.integers(0, 100_000, num_users).astype(str), 5)
    return _Users(age, gender, occupation, demographic, factors, bias, zips)


def _draw_interactions(
    num_ratings: int, items: _Items, users: _Users, rng: np.random.Generator
) -> _Interactions:
    """Draw which (user, item) pairs are rated, and when.

    User u rates n_u items: n_u = `_allocate`(num_ratings, lognormal(0, ACTIVITY_SIGMA) weights) between
    min(MIN_USER_RATINGS, num_ratings // num_users, half the catalogue) and half the catalogue; the items
    come from `_sample_pairs` (∝ w_i * exp(beta * p_u·q_i), approximately), then `_cover_items` gives every
    item a rating where it can. Times: `_draw_offsets`.

    Returns:
        `_Interactions` of `num_ratings` rows, sorted by user, then time, then item.
    """
    num_users, num_items = len(users.bias), len(items.bias)
    cap = (num_items + 1) // 2
    counts = _allocate(
        num_ratings,
        rng.lognormal(0, ACTIVITY_SIGMA, num_users),
        min(MIN_USER_RATINGS, num_ratings // num_users, cap),
        cap,
    )
    user_index, item_index = _sample_pairs(
        counts, items.item_of_rank, items.popularity, users.factors, items.factors, SELECTION_STRENGTH, rng
    )
    item_index = _cover_items(item_index, num_items, rng)
    offset = _draw_offsets(user_index, num_users, rng)
    user_index, offset, item_index = _sorted_by(
        (user_index, _bits(num_users)), (offset, TIME_BITS), (item_index, _bits(num_items))
    )  # by user, then time
    return _Interactions(user_index, item_index, offset)


def _draw_offsets(user_index: np.ndarray, num_users: int, rng: np.random.Generator) -> np.ndarray:
    """Draw each rating's time, in seconds after TIME_RANGE[0]: int64, shape `user_index.shape`.

    User u rates within a window of length clip(exp(N(log 3 days, 2²)), 1 hour, the whole span), placed
    uniformly within TIME_RANGE; each rating's time is uniform within its user's window.
    """
    span = TIME_RANGE[1] - TIME_RANGE[0]
    window = np.clip(np.exp(rng.normal(np.log(86_400 * 3), 2.0, num_users)), 3_600, span)  # seconds
    start = rng.random(num_users) * (span - window)
    return (start[user_index] + rng.random(len(user_index)) * window[user_index]).astype(np.int64)


def _planted_truth(items: _Items, users: _Users, scale: float, noise: float) -> SyntheticTruth:
    """The `SyntheticTruth` of these items and users (no draws; makes their arrays read-only)."""
    return SyntheticTruth(
        global_mean=GLOBAL_MEAN,
        user_bias=users.bias,
        item_bias=items.bias,
        user_factors=users.factors,
        item_factors=items.factors,
        demographic_factors=users.demographic,
        item_genres=items.genres,
        genre_centroids=scale * GENRE_WEIGHT * items.centroids,
        item_popularity=items.popularity,
        noise=float(noise),
        selection_strength=SELECTION_STRENGTH,
    )


def _draw_ratings(
    truth: SyntheticTruth, pairs: _Interactions, noise: float, rng: np.random.Generator
) -> pd.DataFrame:
    """Draw the ratings: r_ui = clip(round(mu + b_u + b_i + p_u·q_i + N(0, noise²)), 1, 5).

    Returns:
        The ratings table, one row per pair in `pairs`' order: int64 `user_id`, `item_id` and `timestamp`
        (TIME_RANGE[0] + offset), float32 `rating`.
    """
    user_index, item_index = pairs.user_index, pairs.item_index
    raw = np.empty(len(user_index))  # mu + b_u + b_i + p_u·q_i, before noise and clipping
    for lo in range(0, len(user_index), 1 << 21):
        part = slice(lo, lo + (1 << 21))
        raw[part] = truth._score(user_index[part], item_index[part])
    rating = np.clip(np.rint(raw + rng.normal(0, noise, len(raw))), 1, 5).astype(np.float32)
    return pd.DataFrame(
        {
            "user_id": user_index + 1,
            "item_id": item_index + 1,
            "rating": rating,
            "timestamp": TIME_RANGE[0] + pairs.offset,
        }
    )


def _items_table(items: _Items, names: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Draw the items table: years and titles (`_titles`), with each item's genres by name.

    year = max(1998 - floor(Gamma(0.6, 16)), 1930), mostly the 1990s.

    Returns:
        One row per item: int64 `item_id` 1..num_items, str `title`, Int64 `year`, `genres` (list of names,
        the primary genre first).
    """
    num_items = len(items.genre_count)
    year = np.maximum(1998 - np.floor(rng.gamma(0.6, 16.0, num_items)), 1930).astype(np.int64)
    genre_lists = [
        [names[g] for g in row[:k]]
        for row, k in zip(items.genre_order.tolist(), items.genre_count, strict=True)
    ]
    return pd.DataFrame(
        {
            "item_id": np.arange(1, num_items + 1, dtype=np.int64),
            "title": _titles(names, items.genre_order, items.genre_count, year, rng),
            "year": pd.array(year, dtype="Int64"),
            "genres": genre_lists,
        }
    )


def _users_table(users: _Users) -> pd.DataFrame:
    """The users table, as in ml-100k (no draws).

    Returns:
        One row per user: int64 `user_id` 1..num_users and `age`, categorical `gender` (F, M) and
        `occupation` (OCCUPATION_COUNTS' order), str `zip`.
    """
    return pd.DataFrame(
        {
            "user_id": np.arange(1, len(users.age) + 1, dtype=np.int64),
            "age": users.age,
            "gender": pd.Categorical.from_codes(users.gender, categories=["F", "M"]),
            "occupation": pd.Categorical.from_codes(users.occupation, categories=list(OCCUPATION_COUNTS)),
            "zip": users.zips,
        }
    )


def make_synthetic(
    num_users: int = 943,
    num_items: int = 1682,
    num_ratings: int = 100_000,
    *,
    embedding_dim: int = 8,
    num_genres: int = 12,
    noise: float = 0.6,
    poster_size: int | None = 32,
    seed: int = 0,
) -> Dataset:
    """A MovieLens-shaped world with a known generative model (`ds.truth`).

    The model (every per-user/item array row k holds id k + 1):

        c_g ~ N(0, I_d)                        a centroid for each genre g
        q_i = s * (0.5 * mean of c_g over i's 1-3 genres + 0.95 * N(0, I_d))    GENRE_WEIGHT, OWN_WEIGHT
        p_u = s * (A[age band] + G[gender] + O[occupation] - (their mean over users) + 0.75 * N(0, I_d))
              rows of A ~ N(0, 0.45² I), G ~ N(0, 0.35² I), O ~ N(0, 0.3² I), drawn once per world
        w_i ∝ ∫ (x + 10)^-1.1 dx over [rank_i, rank_i + 1)     popularity; ranks a random permutation
        b_u ~ N(0, 0.45²)
        b_i = 0.25 * (log w_i - Σ_j w_j log w_j) / std(log w) + N(0, 0.35²)    popular items rate higher
        r_ui = clip(round(mu + b_u + b_i + p_u·q_i + N(0, noise²)), 1, 5)       mu = 3.55

    with s = (0.9² / embedding_dim) ** (1/4), so that p_u·q_i has a standard deviation of about 0.9
    whatever `embedding_dim`, and the ratings look like ml-100k's (mean ~3.6, std ~1.1, all of 1-5,
    4 the most common). About 40% of the variance of p_u is demographic: real but partial signal
    for cold-start users (`truth.demographic_factors` is that part). About 10% of the variance of q_i
    is its genres': on ml-100k, genres explain 5-11% of biased MF's item vectors, about as much as
    here, so content that shows more than the genres (a poster) has something to add.

    Which pairs are rated. User u rates n_u items: at least 20 (or num_ratings // num_users if
    smaller), at most half the catalogue, the rest shared out by lognormal weights (heavy tail).
    The items are, approximately, a sample without replacement with probabilities
    ∝ w_i * exp(p_u·q_i): 2 n_u + 4 candidates are drawn by popularity (duplicates dropped), and the
    n_u with the largest p_u·q_i + Gumbel noise are kept (users needing a large share of the
    catalogue take every item as a candidate, with log w_i added to the key). So users are more
    likely to rate items they like (selection bias): the observed ratings are higher than those of
    random pairs, and the observed mean is a little above mu. Every item gets a rating when
    num_ratings >= num_items (taken from items that have several). Timestamps lie in ml-100k's
    range (1997-09-20..1998-04-22); each user rates within a window of an hour to months.

    What a CNN can learn from a poster (`posters[i]`, S×S RGB): the background hue is the primary
    genre's; the blob's colour is the second genre's (white for single-genre items); the first
    eight factors of q_i, each as t_j = tanh(z-score / 2) (`poster_codes`), set in turn the vertical
    brightness gradient, a warm/cool tint, the blob's x and y position, the blob's size, the stripes'
    orientation (within 0.1-0.9 pi, so that no two codes draw the same stripes) and frequency, and the
    overall brightness (factors past the eighth show only through the genres);
    pixel noise N(0, 0.03²). Titles, "Word Word (1994)", use words tied to the primary genre (85%
    of titles) and the second genre, so a text model can read the genres from them. Years run from
    1930 to 1998, mostly the 1990s.

    Args:
        num_users, num_items, num_ratings: the world's size; ratings are distinct (user, item)
            pairs, exactly `num_ratings` of them.
        embedding_dim: d, the length of p_u and q_i.
        num_genres: how many of the 18 MovieLens genres to use (the most common first).
        noise: standard deviation of the rating noise before rounding.
        poster_size: S for `(num_items, S, S, 3)` uint8 posters, 16..128, or None for no posters
            (the other tables do not depend on it).
        seed: everything is determined by it.

    Returns:
        `Dataset(name="synthetic", ...)` with `ratings` sorted by `(user_id, timestamp)`, `items`,
        `users` (age, gender, occupation, zip as in ml-100k), `genres`, `posters` and `truth`.

    Raises:
        ValueError: a size is not a positive integer, the ratings do not fit the matrix, or
            `num_genres`, `noise` or `poster_size` is out of range.

    Example:
        >>> ds = make_synthetic(num_users=100, num_items=200, num_ratings=3_000, seed=1)
        >>> floor = ds.truth.expected_rating(ds.ratings["user_id"], ds.ratings["item_id"])
    """
    _check_arguments(num_users, num_items, num_ratings, embedding_dim, num_genres, noise, poster_size)
    rng, poster_rng = np.random.default_rng(seed).spawn(2)
    scale = (DOT_STD**2 / embedding_dim) ** 0.25  # s
    names = list(GENRE_COUNTS)[:num_genres]
    # The order of the steps is the order of the draws from `rng`: changing it changes every world.
    items = _draw_items(num_items, names, embedding_dim, scale, rng)
    users = _draw_users(num_users, embedding_dim, scale, rng)
    pairs = _draw_interactions(num_ratings, items, users, rng)
    truth = _planted_truth(items, users, scale, noise)
    ratings = _draw_ratings(truth, pairs, noise, rng)
    items_table = _items_table(items, names, rng)  # years and titles come after the rating noise
    posters = None
    if poster_size is not None:
        posters = _render_posters(
            items.factors, items.genre_order, items.genre_count, num_genres, poster_size, poster_rng
        )
    source = (
        f"synthetic(seed={seed}, num_users={num_users}, num_items={num_items}, num_ratings={num_ratings}, "
        f"embedding_dim={embedding_dim}, num_genres={num_genres}, noise={noise})"
    )
    return Dataset(
        name="synthetic",
        ratings=ratings,
        items=items_table,
        users=_users_table(users),
        genres=tuple(names),
        rating_scale=(1.0, 5.0),
        posters=posters,
        truth=truth,
        source=source,
    )
