"""Fetch a MovieLens release safely: offline mirror, cache, or a pooch download, every file verified.

>>> folder, how = fetch_movielens("ml-100k")      # doctest: +SKIP
>>> how                                          # doctest: +SKIP
'cache'

Where the data comes from, in this order:

1. `RECSYS_LAB_MIRROR` (or `mirror=`): a read-only folder holding official archives (`ml-100k.zip`) or
   their extracted folders (`ml-100k/`), e.g. a USB stick in a classroom. Files are verified by hash
   and only ever read; an archive is extracted into the cache.
2. The cache: `data_home=`, else `RECSYS_LAB_DATA`, else a per-user cache folder.
3. GroupLens, downloaded with pooch (md5 checked against the value GroupLens publishes).

Nothing half-written is left behind: archives are extracted into a temporary folder and moved into place.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import warnings
import zipfile
import zlib
from pathlib import Path

from recsys_lab.data.releases import (
    DATA_ENV,
    MIRROR_ENV,
    RELEASES,
    VERIFIED_MARKER,
    CorruptDataError,
    DataUnavailableError,
    Release,
    get_release,
)


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
        (extracted / VERIFIED_MARKER).write_text(release.md5 + "\n")
        if target.exists():  # a stale folder without a valid marker
            shutil.rmtree(target)
        os.replace(extracted, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def mirror_copy(release: Release, mirror: Path) -> Path | None:
    """The release's archive (`<name>.zip`) or extracted folder in the mirror, if either is there.

    Presence only, nothing is hashed (fast enough to list a mirror): `fetch_movielens` verifies what it reads.
    """
    for path in (mirror / f"{release.name}.zip", mirror / release.folder):
        if path.exists():
            return path
    return None


def mirror_contents(mirror: Path) -> dict[str, Path]:
    """Every known release present in the mirror (`mirror_copy`), by name; empty when it is not a folder."""
    if not mirror.is_dir():
        return {}
    return {name: path for name, r in RELEASES.items() if (path := mirror_copy(r, mirror)) is not None}


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
    marker = target / VERIFIED_MARKER
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


def _unavailable_fix(release: Release, cache: Path, mirror: Path | None) -> str:
    """What is missing where, and the ways to get the release here: for the message of a failed download."""
    on_a_connected_machine = (
        f"on a connected machine run `recsys-lab download {release.name}` and copy "
        f"{cache / release.folder} here (or point {DATA_ENV} at it)"
    )
    if mirror is None:
        return (
            f"there is no copy in the cache {cache} and no mirror is set ({MIRROR_ENV}). Fix: "
            f"{on_a_connected_machine}, or set {MIRROR_ENV} to a folder holding {release.name}.zip"
        )
    held = mirror_contents(mirror)
    holds = ", ".join(p.name + ("/" if p.is_dir() else "") for p in held.values()) or "no MovieLens release"
    return (
        f"there is no copy in the cache {cache}, and the mirror {MIRROR_ENV}={mirror} has no {release.name} "
        f"(it holds {holds}). Fix: copy the official {release.name}.zip into {mirror}, or "
        f"{on_a_connected_machine}"
    )


def _download(release: Release, cache: Path, progress: bool, mirror: Path | None = None) -> Path:
    """Download the release's archive into the cache; `mirror` (the mirror that lacked it) is for the message."""
    import pooch
    import requests

    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataUnavailableError(
            f"cannot create the data cache {cache} ({exc}); set {DATA_ENV} to a "
            "writable folder or pass data_home="
        ) from exc
    # pooch logs "Downloading data from ..." to stderr (red in a notebook) before it knows whether there is a
    # network; without one the fallback's note must come first and alone. Its warnings still show.
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
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
            f"could not download {release.name} from {release.url} ({type(exc).__name__}); "
            + _unavailable_fix(release, cache, mirror)
        ) from exc
    except ValueError as exc:  # pooch: hash mismatch; the bad download has already been deleted
        raise CorruptDataError(
            f"the download of {release.name} failed its md5 check and was deleted "
            f"({exc}); try again, or use a mirror"
        ) from exc
    finally:
        logger.setLevel(level)
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
    archive = _download(release, cache, progress, mirror)
    try:
        folder = _install_archive(archive, cache, release)
    except CorruptDataError as exc:
        archive.unlink(missing_ok=True)
        raise CorruptDataError(f"{exc}; the archive was removed from the cache, download it again") from exc
    archive.unlink()  # the verified, extracted folder is the cache
    return folder, f"downloaded {release.url} (md5 verified) to {folder}"


# --- parsers -------------------------------------------------------------------------------------------
