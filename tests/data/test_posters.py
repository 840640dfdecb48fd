"""Posters from a folder: missing, corrupt, grey, RGBA and odd-sized images, the cache, bad arguments."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from recsys_lab.data.posters import PLACEHOLDER, load_posters


def write_image(path, pixels, kind="png"):
    import tensorflow as tf

    encoded = tf.io.encode_png(pixels) if kind == "png" else tf.io.encode_jpeg(pixels, quality=95)
    path.write_bytes(encoded.numpy())


def test_poster_folder_with_missing_corrupt_grey_and_odd_sized_images(tmp_path):
    folder, cache = tmp_path / "posters", tmp_path / "cache"
    folder.mkdir()
    rng = np.random.default_rng(0)
    red = np.zeros((45, 30, 3), np.uint8)
    red[..., 0] = 200
    write_image(folder / "1.png", red)  # odd size, 2:3
    write_image(folder / "2.jpg", rng.integers(0, 256, (17, 61, 3), dtype=np.uint8), kind="jpeg")
    write_image(folder / "3.png", np.full((20, 20, 1), 90, np.uint8))  # grey-scale
    write_image(folder / "4.PNG", np.full((8, 8, 4), 250, np.uint8))  # RGBA, upper-case extension
    (folder / "5.jpg").write_bytes(b"this is not a jpeg")  # corrupt
    (folder / "notes.txt").write_text("ignored")
    ids = [1, 2, 3, 4, 5, 6]  # 6 has no file

    with pytest.warns(UserWarning, match=r"2 of 6 posters.*1 missing \(item_id 6\).*5\.jpg"):
        posters, found = load_posters(folder, ids, size=16, cache_dir=cache)
    assert posters.shape == (6, 16, 16, 3) and posters.dtype == np.uint8
    np.testing.assert_array_equal(found, [True, True, True, True, False, False])
    np.testing.assert_array_equal(posters[0, 5, 5], [200, 0, 0])
    np.testing.assert_array_equal(posters[2], 90)  # grey became RGB
    np.testing.assert_array_equal(posters[3], 250)  # alpha dropped
    assert (posters[4:] == PLACEHOLDER).all()

    assert len(list(cache.glob("*.npz"))) == 1
    with pytest.warns(UserWarning, match="2 of 6 posters"):  # from the cache: still says what is missing
        again, _ = load_posters(folder, ids, size=16, cache_dir=cache)
    np.testing.assert_array_equal(again, posters)
    write_image(folder / "6.png", red)  # the folder changed: rebuilt
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_posters(folder, [1, 6], size=16, cache_dir=cache)
    assert len(list(cache.glob("*.npz"))) == 2


def test_poster_folder_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="not a folder"):
        load_posters(tmp_path / "nowhere", [1])
    with pytest.raises(ValueError, match="size"):
        load_posters(tmp_path, [1], size=8)
