"""Posters from a folder of your own images, one file per movie named by its id, as a `(n, S, S, 3)` array.

    posters/1.jpg  posters/2.png  posters/50.jpeg ...        (JPEG, PNG, GIF or BMP; any size, colour or grey)

>>> posters, found = load_posters("posters/", ds.items["item_id"], size=32)   # doctest: +SKIP
>>> posters.shape, found.mean()                                              # doctest: +SKIP
((1682, 32, 32, 3), 0.97)

Each image is decoded (grey-scale and RGBA become RGB; a GIF gives its first frame), resized to S × S without
keeping the aspect ratio (posters are all about 2:3, so all are squeezed alike), and stored as uint8. A movie
without a file, or whose file cannot be decoded, gets a plain grey poster and `found[j] = False`; one warning
lists them all: the run goes on. The array is cached (`.npz`) under the data cache (`RECSYS_LAB_DATA`), keyed by
the folder's file names, sizes and modification times, the ids and S: a second call with nothing changed reads
the cache, and any change to the folder rebuilds it. Decoding uses TensorFlow's image ops (no Pillow needed).
"""

from __future__ import annotations

import hashlib
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np

EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".bmp")
PLACEHOLDER = 128  # grey: the value of a missing poster's every pixel


def _files_by_id(folder: Path) -> dict[int, Path]:
    files = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in EXTENSIONS and path.stem.isdigit() and path.is_file():
            files.setdefault(int(path.stem), path)  # 1.jpg wins over 1.png: sorted order
    return files


def _cache_path(folder: Path, files: dict[int, Path], item_ids: np.ndarray, size: int, cache_dir) -> Path:
    key = hashlib.sha256(f"{folder.resolve()}|{size}|{item_ids.tobytes().hex()}".encode())
    for item_id, path in sorted(files.items()):
        stat = path.stat()
        key.update(f"|{item_id}:{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    if cache_dir is None:
        from recsys_lab.data.fetch import default_data_home

        cache_dir = default_data_home() / "posters"
    return Path(cache_dir) / f"posters-{size}-{key.hexdigest()[:16]}.npz"


def _decode(path: Path, size: int) -> np.ndarray:
    """One image file → `(size, size, 3)` uint8; raises whatever TensorFlow raises on a bad file."""
    import tensorflow as tf

    image = tf.io.decode_image(path.read_bytes(), channels=3, expand_animations=False)  # (h, w, 3) uint8
    resized = tf.image.resize(image, (size, size), antialias=True)  # (size, size, 3) float32
    return np.rint(np.clip(resized.numpy(), 0, 255)).astype(np.uint8)


def load_posters(folder: str | os.PathLike, item_ids, *, size: int = 32,
                 cache_dir: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Posters for `item_ids` from `folder`: `(posters (n, size, size, 3) uint8, found (n,) bool)`.

    Args:
        folder: a folder of image files named `<item_id>.<jpg|jpeg|png|gif|bmp>`; other files are ignored.
        item_ids: the movies wanted, in the order of the rows returned (e.g. `ds.items["item_id"]`).
        size: S, the side of the square each image is resized to (16 to 256).
        cache_dir: where the `.npz` cache goes (default: `<data cache>/posters`); a cache that cannot be
            written only costs a warning.

    Raises:
        ValueError: `folder` is not a folder, or `size` is out of range. Missing or broken images never
            raise: they are listed in a warning and get a grey placeholder.
    """
    folder, item_ids = Path(folder), np.asarray(item_ids, dtype=np.int64).ravel()
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder: give the folder that holds <item_id>.jpg files")
    if not (isinstance(size, int | np.integer) and 16 <= size <= 256):
        raise ValueError(f"size must be an integer from 16 to 256; got {size!r}")
    files = _files_by_id(folder)
    cache = _cache_path(folder, files, item_ids, int(size), cache_dir)
    try:
        with np.load(cache, allow_pickle=False) as stored:
            posters, found, message = stored["posters"], stored["found"], str(stored["message"])
        if message:
            warnings.warn(message, stacklevel=2)
        return posters, found
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        pass  # no cache yet, or a damaged one: (re)build it
    posters = np.full((len(item_ids), size, size, 3), PLACEHOLDER, dtype=np.uint8)
    found = np.zeros(len(item_ids), dtype=bool)
    missing, broken = [], []
    for row, item_id in enumerate(item_ids.tolist()):
        if item_id not in files:
            missing.append(item_id)
            continue
        try:
            posters[row], found[row] = _decode(files[item_id], size), True
        except Exception as exc:
            broken.append(f"{files[item_id].name} ({type(exc).__name__})")
    message = ""
    if missing or broken:
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        message = (
            f"{len(missing) + len(broken)} of {len(item_ids)} posters are unusable and got a grey placeholder: "
            f"{len(missing)} missing (item_id {shown or '-'}); {len(broken)} could not be decoded "
            f"({'; '.join(broken[:10]) or '-'}{'; ...' if len(broken) > 10 else ''}). "
            f"Add or replace the files as {folder}/<item_id>.jpg to fix them"
        )
        warnings.warn(message, stacklevel=2)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        scratch = cache.with_suffix(f".{os.getpid()}.tmp")
        with open(scratch, "wb") as file:
            np.savez(file, posters=posters, found=found, message=np.array(message))
        os.replace(scratch, cache)  # atomic: a crash never leaves half a cache
    except OSError as exc:
        warnings.warn(f"could not cache the posters in {cache} ({exc}); pass cache_dir=...", stacklevel=2)
    return posters, found
