"""MovieLens releases: a registry, a safe fetch (pooch download, cache, offline mirror) and exact parsers.

>>> ds = load_movielens("ml-100k")            # doctest: +SKIP
>>> ds.num_ratings, ds.num_users, ds.num_items  # doctest: +SKIP
(100000, 943, 1682)

Where the data comes from, in this order:

1. `RECSYS_LAB_MIRROR` (or `mirror=`): a read-only folder holding official archives (`ml-100k.zip`) or
   their extracted folders (`ml-100k/`), e.g. a USB stick in a classroom. Files are verified by hash
   and only ever read; an archive is extracted into the cache.
2. The cache: `data_home=`, else `RECSYS_LAB_DATA`, else a per-user cache folder.
3. GroupLens, downloaded with pooch (md5 checked against the value GroupLens publishes).

MovieLens licences forbid redistribution: the kit never ships the data, it fetches it for you.
Cite Harper & Konstan (2015), "The MovieLens Datasets: History and Context", ACM TiiS 5(4).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from recsys_lab.data import RATING_COLUMNS, Dataset

DATA_ENV = "RECSYS_LAB_DATA"
MIRROR_ENV = "RECSYS_LAB_MIRROR"
GROUPLENS = "https://files.grouplens.org/datasets/movielens/"
_MARKER = ".recsys-lab-verified"


class DataUnavailableError(RuntimeError):
    """The data cannot be had here: no network, no cached copy, no usable mirror."""


class CorruptDataError(ValueError):
    """A file failed its checksum, or an archive is truncated or unsafe to extract."""


@dataclass(frozen=True)
class Release:
    """One official MovieLens release.

    Attributes:
        name: the archive's name without `.zip`, e.g. "ml-100k".
        folder: the top folder inside the archive.
        md5: the archive's md5, as GroupLens publishes it in `<name>.zip.md5`.
        approx_mb: the archive's size in megabytes (for messages and `recsys-lab list`).
        layout: which parser reads it: "100k", "dat" (ml-1m, ml-10m) or "csv".
        files: the files the parser needs, each with its sha256 where the kit pins it (else None).
        rating_scale: lowest and highest rating of the release.
    """

    name: str
    folder: str
    md5: str
    approx_mb: float
    layout: str
    files: Mapping[str, str | None]
    rating_scale: tuple[float, float]

    @property
    def url(self) -> str:
        return f"{GROUPLENS}{self.name}.zip"

    @property
    def pinned(self) -> bool:
        """Whether every needed file has a pinned sha256, so an extracted folder can be verified."""
        return all(h is not None for h in self.files.values())


_100K_FILES = {
    "u.data": "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
    "u.genre": "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb",
    "u.item": "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
    "u.user": "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
    "u1.base": "ce253ec86c448b44fb3ba9a30d12dcfc2e9210cbde71efada3730c22e9ac212a",
    "u1.test": "18c6014a4b2c7324f250a63f8904a7b16b2b19f911129e346141507b0cbac950",
    "u2.base": "6c06f0b5df4b256da1a994f3ac66edc8da4d3f09bc9282df6b14d893366d703e",
    "u2.test": "4de658d1e04ed9104629509a2e2528fce833ac8e048280183f1df167632038c3",
    "u3.base": "afdc155c291c6edc41c0407e39d7462eb98d341e064f0b0a12175b80b3c4af5d",
    "u3.test": "0f548b51c78327de4c156461d3e430b7e5579fe2b5681586a59416e48fd35f6d",
    "u4.base": "219f0f4d40dfe9c5141d425f53fa91ee23ed275f14e280bbf1b50117afb064ca",
    "u4.test": "7c02ad0a1e7ab1083c8b9d4b627203a051dd7b5eab46d99fa44de33470de8db9",
    "u5.base": "a9574e59ce961eec2121627760b6e9b0974ce1637b3fe69ac32cb14a4bfab485",
    "u5.test": "351cc52e0d15b6c721466276fc24671d40936899e3d01fadeaf312915b8c5634",
    "ua.base": "67b5bcdb380c29f85d56a012ecd88612ae020f30a6730d117a334ee8203b91f2",
    "ua.test": "d0497e202417720f57a184ec8c66be2d1afa4ff41bb53787c57b28d6bf79bc42",
    "ub.base": "237254d253b6ad7de84f919d041055428646254f34ed8f562703c899430cd881",
    "ub.test": "d54a72d05730d5892062734b2bec73e976f9b713d18c828a18b968d6cce442da",
}
_SMALL_FILES = {
    "ratings.csv": "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646",
    "movies.csv": "5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07",
    "tags.csv": "92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d",
    "links.csv": "97ad18e4e56a09363c65676b6cb3482ce3e2cea2372a24620c1599c843325f31",
}
_CSV_FILES = dict.fromkeys(("ratings.csv", "movies.csv", "tags.csv"))

RELEASES: dict[str, Release] = {
    r.name: r
    for r in [
        Release(
            "ml-100k", "ml-100k", "0e33842e24a9c977be4e0107933c0723", 4.9, "100k", _100K_FILES, (1.0, 5.0)
        ),
        Release(
            "ml-latest-small",
            "ml-latest-small",
            "31a303aabbc519bd33d025e44d6c2570",
            1.0,
            "csv",
            _SMALL_FILES,
            (0.5, 5.0),
        ),
        Release(
            "ml-1m",
            "ml-1m",
            "c4d9eecfca2ab87c1945afe126590906",
            5.9,
            "dat",
            dict.fromkeys(("ratings.dat", "movies.dat", "users.dat")),
            (1.0, 5.0),
        ),
        Release(
            "ml-10m",
            "ml-10M100K",
            "ce571fd55effeba0271552578f2648bd",
            66,
            "dat",
            dict.fromkeys(("ratings.dat", "movies.dat", "tags.dat")),
            (0.5, 5.0),
        ),
        Release("ml-20m", "ml-20m", "cd245b17a1ae2cc31bb14903e1204af3", 199, "csv", _CSV_FILES, (0.5, 5.0)),
        Release("ml-25m", "ml-25m", "6b51fb2759a8657d3bfcbfc42b592ada", 262, "csv", _CSV_FILES, (0.5, 5.0)),
        Release("ml-32m", "ml-32m", "d472be332d4daa821edc399621853b57", 239, "csv", _CSV_FILES, (0.5, 5.0)),
    ]
}


def get_release(name: str) -> Release:
    """The registry entry for `name`; a ValueError lists the known names otherwise."""
    try:
        return RELEASES[name]
    except (KeyError, TypeError):
        known = ", ".join(RELEASES)
        raise ValueError(
            f"unknown MovieLens release {name!r}; known releases: {known} "
            "(or use make_synthetic() for the synthetic world)"
        ) from None


def default_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """The cache folder: `data_home`, else `$RECSYS_LAB_DATA`, else the per-user cache folder."""
    if data_home is not None:
        return Path(data_home).expanduser()
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    import pooch

    return Path(pooch.os_cache("recsys-lab"))


def file_hash(path: Path, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify_folder(folder: Path, release: Release, where: str) -> None:
    """Check that every needed file is present and, where pinned, matches its sha256."""
    for fname, sha in release.files.items():
        path = folder / fname
        if not path.is_file():
            raise CorruptDataError(
                f"{release.name}: {path} is missing from the {where}; "
                f"replace the folder with a fresh copy of {release.name}.zip"
            )
        if sha is not None and file_hash(path) != sha:
            raise CorruptDataError(
                f"{release.name}: {path} in the {where} does not match its sha256 "
                f"(changed or corrupt); replace it with a fresh copy of {release.name}.zip"
            )


def safe_extract(archive: Path, destination: Path) -> None:
    """Extract a zip archive, refusing entries that would land outside `destination` or are links.

    Raises:
        CorruptDataError: an unsafe entry, or a truncated or corrupt archive. Nothing is extracted
            for an unsafe archive (all entries are checked first).
    """
    root = destination.resolve()
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            for m in members:
                target = (root / m.filename).resolve()
                is_link = (m.external_attr >> 16) & 0o170000 == 0o120000
                if is_link or m.filename.startswith(("/", "\\")) or not target.is_relative_to(root):
                    raise CorruptDataError(
                        f"{archive.name}: entry {m.filename!r} would be written outside "
                        f"the target folder; refusing to extract this archive"
                    )
            for m in members:
                zf.extract(m, root)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise CorruptDataError(f"{archive.name} is truncated or corrupt ({exc})") from exc


def _install_archive(archive: Path, cache: Path, release: Release) -> Path:
    """Extract a verified archive into `cache/<folder>` atomically; return that folder."""
    target = cache / release.folder
    scratch = Path(tempfile.mkdtemp(prefix=f".tmp-{release.name}-", dir=cache))
    try:
        safe_extract(archive, scratch)
        extracted = scratch / release.folder
        _verify_folder(extracted, release, "archive")
        (extracted / _MARKER).write_text(release.md5 + "\n")
        if target.exists():  # a stale folder without a valid marker
            shutil.rmtree(target)
        os.replace(extracted, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _mirror_folder(release: Release, mirror: Path) -> Path | None:
    """The release's extracted folder in the mirror, verified file by file, if it is there."""
    if not mirror.is_dir():
        raise DataUnavailableError(
            f"{MIRROR_ENV}={mirror} is not a folder; point it at a folder holding "
            f"{release.name}.zip or {release.folder}/, or unset it"
        )
    folder = mirror / release.folder
    if folder.is_dir() and release.pinned:
        _verify_folder(folder, release, f"mirror {mirror}")
        return folder
    return None


def _mirror_archive(release: Release, mirror: Path, cache: Path) -> Path | None:
    """Extract the release's archive from the mirror into the cache, after checking its md5."""
    folder, archive = mirror / release.folder, mirror / f"{release.name}.zip"
    if archive.is_file():
        if file_hash(archive, "md5") != release.md5:
            raise CorruptDataError(
                f"{archive} does not match the md5 GroupLens publishes for {release.name} "
                "(truncated or changed); the mirror is read-only, so it was left in place: "
                "replace it with a fresh download"
            )
        cache.mkdir(parents=True, exist_ok=True)
        return _install_archive(archive, cache, release)
    if folder.is_dir():
        raise CorruptDataError(
            f"the mirror holds {folder}, but the kit pins no per-file hashes for "
            f"{release.name}, so it cannot be verified; put the official {release.name}.zip "
            "in the mirror instead"
        )
    return None


def _cached_folder(release: Release, cache: Path) -> Path | None:
    """The verified copy in the cache, if there is one; a copy that fails its check is removed."""
    target = cache / release.folder
    marker = target / _MARKER
    if not (marker.is_file() and marker.read_text().strip() == release.md5):
        return None
    try:
        _verify_folder(target, release, f"cache {cache}")
    except CorruptDataError as exc:
        shutil.rmtree(target)
        warnings.warn(
            f"{exc}; the bad cached copy was removed and {release.name} is fetched again", stacklevel=3
        )
        return None
    return target


def _download(release: Release, cache: Path, progress: bool) -> Path:
    import pooch
    import requests

    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataUnavailableError(
            f"cannot create the data cache {cache} ({exc}); set {DATA_ENV} to a "
            "writable folder or pass data_home="
        ) from exc
    try:
        path = pooch.retrieve(
            release.url,
            known_hash=f"md5:{release.md5}",
            fname=f"{release.name}.zip",
            path=cache,
            progressbar=progress,
        )
    except requests.exceptions.RequestException as exc:
        raise DataUnavailableError(
            f"could not download {release.name} from {release.url} ({type(exc).__name__}); there is no copy "
            f"in the cache {cache} and no mirror is set. Fix: on a connected machine run "
            f"`recsys-lab download {release.name}` (and copy {cache / release.folder} here, or point "
            f"{DATA_ENV} at it), or set {MIRROR_ENV} to a folder holding {release.name}.zip"
        ) from exc
    except ValueError as exc:  # pooch: hash mismatch; the bad download has already been deleted
        raise CorruptDataError(
            f"the download of {release.name} failed its md5 check and was deleted "
            f"({exc}); try again, or use a mirror"
        ) from exc
    return Path(path)


def fetch_movielens(
    name: str,
    *,
    data_home: str | os.PathLike | None = None,
    mirror: str | os.PathLike | None = None,
    progress: bool = True,
) -> tuple[Path, str]:
    """Make a verified copy of a release available and return `(folder, how it was found)`.

    Args:
        name: a key of `RELEASES`.
        data_home: cache folder (default `$RECSYS_LAB_DATA` or the per-user cache folder).
        mirror: offline mirror folder (default `$RECSYS_LAB_MIRROR`); only ever read.
        progress: show a progress bar while downloading.
    """
    release = get_release(name)
    cache = default_data_home(data_home)
    mirror = mirror if mirror is not None else os.environ.get(MIRROR_ENV) or None
    mirror = Path(mirror).expanduser() if mirror is not None else None
    if mirror is not None and (folder := _mirror_folder(release, mirror)) is not None:
        return folder, f"mirror {folder} (sha256 verified)"
    if (folder := _cached_folder(release, cache)) is not None:
        return folder, f"cache {folder}"
    if mirror is not None and (folder := _mirror_archive(release, mirror, cache)) is not None:
        return folder, f"mirror {mirror / (release.name + '.zip')} (md5 verified), extracted to {folder}"
    archive = _download(release, cache, progress)
    try:
        folder = _install_archive(archive, cache, release)
    except CorruptDataError as exc:
        archive.unlink(missing_ok=True)
        raise CorruptDataError(f"{exc}; the archive was removed from the cache, download it again") from exc
    archive.unlink()  # the verified, extracted folder is the cache
    return folder, f"downloaded {release.url} (md5 verified) to {folder}"


# --- parsers -------------------------------------------------------------------------------------------

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
