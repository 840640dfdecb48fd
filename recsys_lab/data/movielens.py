"""MovieLens parsers: each release's files read exactly into a `Dataset`, and `load_movielens`, which fetches first.

>>> ds = load_movielens("ml-100k")            # doctest: +SKIP
>>> ds.num_ratings, ds.num_users, ds.num_items  # doctest: +SKIP
(100000, 943, 1682)

ml-100k's `u.item` is Latin-1, not UTF-8; ml-latest-small's CSVs have a header and quoted titles with commas;
ml-1m's `.dat` files use `::` as separator. Where the files come from is `fetch`'s business.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from recsys_lab.data.dataset import RATING_COLUMNS, Dataset
from recsys_lab.data.fetch import fetch_movielens
from recsys_lab.data.releases import RELEASES, get_release

_YEAR = re.compile(r"\((\d{4})(?:[-–]\d{0,4})?\)\s*$")


def _year_from_title(titles: pd.Series) -> pd.Series:
    return pd.to_numeric(titles.str.extract(_YEAR, expand=False), errors="coerce").astype("Int64")


def _split_genres(genres: pd.Series) -> pd.Series:
    return genres.fillna("").map(lambda s: [g for g in s.split("|") if g and g != "(no genres listed)"])


def _genre_vocabulary(items: pd.DataFrame) -> tuple[str, ...]:
    return tuple(sorted({g for gs in items["genres"] for g in gs}))


def _read_100k(folder: Path) -> dict:
    ratings = pd.read_csv(
        folder / "u.data",
        sep="\t",
        names=list(RATING_COLUMNS),
        dtype={"user_id": np.int64, "item_id": np.int64, "rating": np.float32, "timestamp": np.int64},
    )
    genre_names = pd.read_csv(folder / "u.genre", sep="|", names=["genre", "code"], encoding="latin-1")
    genre_names = genre_names.dropna()["genre"].tolist()
    cols = ["item_id", "title", "release_date", "video_release_date", "imdb_url", *genre_names]
    raw = pd.read_csv(
        folder / "u.item",
        sep="|",
        names=cols,
        encoding="latin-1",
        quoting=3,
        dtype={"item_id": np.int64, "title": str, "release_date": str, "imdb_url": str},
    )
    flags = raw[genre_names].to_numpy(dtype=bool)
    release = pd.to_datetime(raw["release_date"], format="%d-%b-%Y", errors="coerce")
    year = release.dt.year.astype("Int64").fillna(_year_from_title(raw["title"]))
    items = pd.DataFrame(
        {
            "item_id": raw["item_id"],
            "title": raw["title"],
            "year": year,
            "genres": [[g for g, on in zip(genre_names, row, strict=True) if on] for row in flags],
            "release_date": release,
            "imdb_url": raw["imdb_url"],
        }
    )
    users = pd.read_csv(
        folder / "u.user",
        sep="|",
        names=["user_id", "age", "gender", "occupation", "zip"],
        dtype={"user_id": np.int64, "age": np.int64, "zip": str},
    )
    users["gender"] = users["gender"].astype("category")
    users["occupation"] = users["occupation"].astype("category")
    return {"ratings": ratings, "items": items, "users": users, "genres": tuple(genre_names)}


def _read_csv_release(folder: Path) -> dict:
    ratings = pd.read_csv(
        folder / "ratings.csv",
        dtype={"userId": np.int64, "movieId": np.int64, "rating": np.float32, "timestamp": np.int64},
    )
    ratings = ratings.rename(columns={"userId": "user_id", "movieId": "item_id"})[list(RATING_COLUMNS)]
    movies = pd.read_csv(folder / "movies.csv", dtype={"movieId": np.int64, "title": str, "genres": str})
    titles = movies["title"].str.strip()
    items = pd.DataFrame(
        {
            "item_id": movies["movieId"],
            "title": titles,
            "year": _year_from_title(titles),
            "genres": _split_genres(movies["genres"]),
        }
    )
    if (folder / "links.csv").is_file():
        links = pd.read_csv(folder / "links.csv", dtype={"movieId": np.int64, "imdbId": str})
        links = links.rename(columns={"movieId": "item_id", "imdbId": "imdb_id", "tmdbId": "tmdb_id"})
        links["tmdb_id"] = links["tmdb_id"].astype("Int64")
        items = items.merge(links, on="item_id", how="left")
    tags = None
    if (folder / "tags.csv").is_file():
        tags = pd.read_csv(
            folder / "tags.csv",
            dtype={"userId": np.int64, "movieId": np.int64, "tag": str, "timestamp": np.int64},
        )
        tags = tags.rename(columns={"userId": "user_id", "movieId": "item_id"})
    return {
        "ratings": ratings,
        "items": items,
        "users": None,
        "tags": tags,
        "genres": _genre_vocabulary(items),
    }


# ml-1m's users.dat codes occupations and age bands as numbers (see the release's README).
_ML1M_OCCUPATIONS = (
    "other",
    "academic/educator",
    "artist",
    "clerical/admin",
    "college/grad student",
    "customer service",
    "doctor/health care",
    "executive/managerial",
    "farmer",
    "homemaker",
    "K-12 student",
    "lawyer",
    "programmer",
    "retired",
    "sales/marketing",
    "scientist",
    "self-employed",
    "technician/engineer",
    "tradesman/craftsman",
    "unemployed",
    "writer",
)


def _read_dat(path: Path, names: list[str], free: int) -> pd.DataFrame:
    """Read a `::`-separated file (ml-1m, ml-10m); UTF-8 where valid, else Latin-1.

    Column `free` is free text (a title, a tag) and may itself contain `::`: surplus fields are joined back.
    """
    text = path.read_bytes()
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        decoded = text.decode("latin-1")
    extra_of = len(names) - 1
    rows = []
    for line in decoded.splitlines():
        if line:
            parts = line.split("::")
            extra = len(parts) - 1 - extra_of
            rows.append(
                [*parts[:free], "::".join(parts[free : free + extra + 1]), *parts[free + extra + 1 :]]
            )
    return pd.DataFrame(rows, columns=names)


def _read_dat_release(folder: Path) -> dict:
    # ratings.dat is large and purely numeric: split on ':' with the C parser (the empty fields between
    # the two colons are skipped by usecols).
    ratings = pd.read_csv(
        folder / "ratings.dat",
        sep=":",
        header=None,
        usecols=[0, 2, 4, 6],
        names=["user_id", "_a", "item_id", "_b", "rating", "_c", "timestamp"],
        dtype={"user_id": np.int64, "item_id": np.int64, "rating": np.float32, "timestamp": np.int64},
    )[list(RATING_COLUMNS)]
    movies = _read_dat(folder / "movies.dat", ["item_id", "title", "genres"], free=1)
    titles = movies["title"].astype(str).str.strip()
    items = pd.DataFrame(
        {
            "item_id": movies["item_id"].astype(np.int64),
            "title": titles,
            "year": _year_from_title(titles),
            "genres": _split_genres(movies["genres"]),
        }
    )
    users = None
    if (folder / "users.dat").is_file():
        raw = _read_dat(folder / "users.dat", ["user_id", "gender", "age", "occupation", "zip"], free=4)
        users = pd.DataFrame(
            {
                "user_id": raw["user_id"].astype(np.int64),
                "age": raw["age"].astype(np.int64),  # band: 1 (<18), 18, 25, 35, 45, 50, 56 (56+)
                "gender": raw["gender"].astype("category"),
                "occupation": pd.Categorical(
                    [_ML1M_OCCUPATIONS[int(c)] for c in raw["occupation"]], categories=_ML1M_OCCUPATIONS
                ),
                "zip": raw["zip"].astype(str),
            }
        )
    tags = None
    if (folder / "tags.dat").is_file():
        raw = _read_dat(folder / "tags.dat", ["user_id", "item_id", "tag", "timestamp"], free=2)
        tags = raw.astype({"user_id": np.int64, "item_id": np.int64, "timestamp": np.int64})
    return {
        "ratings": ratings,
        "items": items,
        "users": users,
        "tags": tags,
        "genres": _genre_vocabulary(items),
    }


_READERS = {"100k": _read_100k, "csv": _read_csv_release, "dat": _read_dat_release}


def read_release(folder: str | os.PathLike, layout: str, name: str = "custom", source: str = "") -> Dataset:
    """Parse an extracted release folder (no download, no hash check) into a `Dataset`."""
    folder = Path(folder)
    parts = _READERS[layout](folder)
    scale = (
        RELEASES[name].rating_scale
        if name in RELEASES
        else (float(parts["ratings"]["rating"].min()), float(parts["ratings"]["rating"].max()))
    )
    return Dataset(
        name=name,
        rating_scale=scale,
        source=source or str(folder),
        files={p.name: p for p in sorted(folder.iterdir()) if p.is_file()},
        **parts,
    )


def load_movielens(
    name: str,
    *,
    data_home: str | os.PathLike | None = None,
    mirror: str | os.PathLike | None = None,
    progress: bool = True,
) -> Dataset:
    """Load a MovieLens release as a `Dataset`, fetching and verifying it first.

    Args:
        name: "ml-100k", "ml-latest-small", "ml-1m", "ml-10m", "ml-20m", "ml-25m" or "ml-32m".
        data_home: cache folder (default `$RECSYS_LAB_DATA`, else the per-user cache folder).
        mirror: offline mirror folder (default `$RECSYS_LAB_MIRROR`); only ever read.
        progress: show a progress bar while downloading.

    Returns:
        A `Dataset`; `source` says whether it came from the mirror, the cache or a download.

    Raises:
        ValueError: unknown release name (the message lists the known ones).
        DataUnavailableError: no network, no cached copy and no mirror (the message says what to do).
        CorruptDataError: a checksum mismatch, a truncated archive, or an archive entry that would
            escape its folder. Bad files in the cache are removed; the mirror is never touched.
    """
    release = get_release(name)
    folder, how = fetch_movielens(name, data_home=data_home, mirror=mirror, progress=progress)
    return read_release(folder, release.layout, name=name, source=how)
