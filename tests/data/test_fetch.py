"""Fetching MovieLens: the mirror is only read, checksums are enforced, and every way fetching can go wrong.

Downloads are exercised for real, through pooch, against a small HTTP server on 127.0.0.1 that serves
archives the tests build (made-up ratings in the releases' formats), so no test touches the internet.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import shutil
import socket
import stat
import threading
import zipfile
from pathlib import Path
from typing import ClassVar

import pytest

from recsys_lab.data import fetch, releases
from recsys_lab.data.fetch import fetch_movielens, safe_extract
from recsys_lab.data.movielens import load_movielens
from recsys_lab.data.releases import CorruptDataError, DataUnavailableError, Release

from ..helpers import MIRROR, mirror_has

# --- the real releases in the mirror and the cache --------------------------------------------------------


def test_mirror_is_only_read(tmp_path):
    if not mirror_has("ml-100k"):
        pytest.skip("needs ml-100k in RECSYS_LAB_MIRROR")
    mirror = tmp_path / "mirror"
    shutil.copytree(Path(MIRROR) / "ml-100k", mirror / "ml-100k")
    if mirror_has("ml-latest-small"):
        shutil.copy(Path(MIRROR) / "ml-latest-small.zip", mirror)
    for path in [mirror, *mirror.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    before = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in mirror.rglob("*")}
    try:
        for name in ("ml-100k", "ml-latest-small"):
            if (mirror / name).exists() or (mirror / f"{name}.zip").exists():
                ds = load_movielens(name, data_home=tmp_path / "cache", mirror=mirror, progress=False)
                assert ds.num_ratings > 100_000 - 1
    finally:
        after = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in mirror.rglob("*")}
        for path in [mirror, *mirror.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert after == before


def test_tampered_mirror_file_is_named_and_left_alone(tmp_path):
    if not mirror_has("ml-100k"):
        pytest.skip("needs ml-100k in RECSYS_LAB_MIRROR")
    mirror = tmp_path / "mirror"
    shutil.copytree(Path(MIRROR) / "ml-100k", mirror / "ml-100k")
    with open(mirror / "ml-100k" / "u.data", "ab") as f:
        f.write(b"1\t1\t5\t0\n")
    with pytest.raises(CorruptDataError, match=r"u\.data.*sha256"):
        load_movielens("ml-100k", data_home=tmp_path / "cache", mirror=mirror)
    assert (mirror / "ml-100k" / "u.data").exists()
    assert not (tmp_path / "cache" / "ml-100k").exists()


def test_truncated_mirror_archive_fails_its_md5(tmp_path):
    if not mirror_has("ml-latest-small"):
        pytest.skip("needs ml-latest-small.zip in RECSYS_LAB_MIRROR")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    data = (Path(MIRROR) / "ml-latest-small.zip").read_bytes()
    (mirror / "ml-latest-small.zip").write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptDataError, match="md5.*truncated"):
        load_movielens("ml-latest-small", data_home=tmp_path / "cache", mirror=mirror)
    assert (mirror / "ml-latest-small.zip").stat().st_size == len(data) // 2  # the mirror is never written
    assert list((tmp_path / "cache").glob("*")) == []  # nothing half-extracted


def test_tampered_cache_is_removed_and_fetched_again(tmp_path):
    if not mirror_has("ml-latest-small"):
        pytest.skip("needs ml-latest-small.zip in RECSYS_LAB_MIRROR")
    cache = tmp_path / "cache"
    load_movielens("ml-latest-small", data_home=cache, mirror=MIRROR)
    ratings = cache / "ml-latest-small" / "ratings.csv"
    ratings.write_text("userId,movieId,rating,timestamp\n1,1,5.0,0\n")
    with pytest.warns(UserWarning, match="ratings.csv.*removed"):
        ds = load_movielens("ml-latest-small", data_home=cache, mirror=MIRROR)
    assert ds.num_ratings == 100_836


# --- fetching from a local server -----------------------------------------------------------------------

FAKE_RATINGS = (
    "userId,movieId,rating,timestamp\r\n1,10,4.0,964982703\r\n1,20,3.5,964981247\r\n2,10,5.0,964982224\r\n"
)
FAKE_MOVIES = (
    'movieId,title,genres\r\n10,"Comma, The (1995)",Comedy|Drama\r\n'
    '20,"Say ""Hi"" (2001)",(no genres listed)\r\n'
)


def make_zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in entries.items():
            zf.writestr(name, text)
    return buffer.getvalue()


GOOD_ZIP = make_zip({"ml-test/ratings.csv": FAKE_RATINGS, "ml-test/movies.csv": FAKE_MOVIES})


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[bytes, int]]] = {}

    def do_GET(self):
        body, declared = self.routes.get(self.path, (None, 0))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        self.wfile.write(body)  # fewer bytes than declared = a connection that dies mid-download

    def log_message(self, *args):
        pass


@pytest.fixture()
def server(monkeypatch):
    """Serve `routes[path] = (body, declared length)` on 127.0.0.1; GROUPLENS points there."""
    _Handler.routes = {}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(releases, "GROUPLENS", f"http://127.0.0.1:{httpd.server_port}/")
    monkeypatch.delenv(releases.MIRROR_ENV, raising=False)
    yield _Handler.routes
    httpd.shutdown()
    httpd.server_close()


def register(monkeypatch, body: bytes, files=None) -> Release:
    release = Release(
        "ml-test",
        "ml-test",
        hashlib.md5(body).hexdigest(),
        0.001,
        "csv",
        files or {"ratings.csv": None, "movies.csv": None},
        (0.5, 5.0),
    )
    monkeypatch.setitem(releases.RELEASES, "ml-test", release)
    return release


def leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_download_verifies_extracts_and_reuses_the_cache(tmp_path, monkeypatch, server):
    register(monkeypatch, GOOD_ZIP)
    server["/ml-test.zip"] = (GOOD_ZIP, len(GOOD_ZIP))
    ds = load_movielens("ml-test", data_home=tmp_path, progress=False)
    assert ds.source.startswith("downloaded")
    assert ds.items.title.tolist() == ["Comma, The (1995)", 'Say "Hi" (2001)']
    assert ds.items.genres.tolist() == [["Comedy", "Drama"], []]
    assert ds.ratings.rating.tolist() == [4.0, 3.5, 5.0]
    assert leftovers(tmp_path) == ["ml-test"]  # archive removed after extraction, no temp files
    server.clear()  # offline from now on: the verified cache serves it
    again = load_movielens("ml-test", data_home=tmp_path, progress=False)
    assert again.source.startswith("cache")


def test_checksum_mismatch_leaves_nothing(tmp_path, monkeypatch, server):
    register(monkeypatch, GOOD_ZIP)
    evil = bytearray(GOOD_ZIP)
    evil[60] ^= 0xFF  # one flipped byte inside the compressed ratings
    evil = bytes(evil)
    server["/ml-test.zip"] = (evil, len(evil))
    with pytest.raises(CorruptDataError, match="md5"):
        load_movielens("ml-test", data_home=tmp_path, progress=False)
    assert leftovers(tmp_path) == []


def test_interrupted_download_leaves_nothing(tmp_path, monkeypatch, server):
    register(monkeypatch, GOOD_ZIP)
    server["/ml-test.zip"] = (GOOD_ZIP[:100], len(GOOD_ZIP))
    with pytest.raises((DataUnavailableError, CorruptDataError)):
        load_movielens("ml-test", data_home=tmp_path, progress=False)
    assert leftovers(tmp_path) == []


def test_truncated_archive_with_matching_hash_is_refused_and_removed(tmp_path, monkeypatch, server):
    truncated = GOOD_ZIP[: len(GOOD_ZIP) - 30]  # the zip's central directory is cut off
    register(monkeypatch, truncated)
    server["/ml-test.zip"] = (truncated, len(truncated))
    with pytest.raises(CorruptDataError, match="truncated or corrupt.*removed"):
        load_movielens("ml-test", data_home=tmp_path, progress=False)
    assert leftovers(tmp_path) == []


def test_zip_entry_escaping_the_folder_is_refused(tmp_path, monkeypatch, server):
    evil = make_zip(
        {
            "ml-test/ratings.csv": FAKE_RATINGS,
            "ml-test/movies.csv": FAKE_MOVIES,
            "../../escaped.txt": "gotcha",
        }
    )
    register(monkeypatch, evil)
    server["/ml-test.zip"] = (evil, len(evil))
    cache = tmp_path / "a" / "cache"
    with pytest.raises(CorruptDataError, match="outside"):
        load_movielens("ml-test", data_home=cache, progress=False)
    assert not list(tmp_path.rglob("escaped.txt"))
    assert leftovers(cache) == []


@pytest.mark.parametrize("entry", ["/abs/path.txt", "ml-test/../../x.txt", "..\\..\\x.txt"])
def test_safe_extract_refuses_every_escape(tmp_path, entry):
    archive = tmp_path / "a.zip"
    archive.write_bytes(make_zip({"ok.txt": "fine", entry: "bad"}))
    target = tmp_path / "out"
    target.mkdir()
    if "\\" in entry:  # on POSIX a backslash is a plain character: it stays inside the folder
        safe_extract(archive, target)
        assert all(p.resolve().is_relative_to(target) for p in target.rglob("*"))
        return
    with pytest.raises(CorruptDataError, match="outside"):
        safe_extract(archive, target)
    assert list(target.iterdir()) == []  # checked before anything is written


def test_no_network_and_no_cache_says_what_to_do(tmp_path, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(releases, "GROUPLENS", f"http://127.0.0.1:{port}/")
    monkeypatch.delenv(releases.MIRROR_ENV, raising=False)
    register(monkeypatch, GOOD_ZIP)
    with pytest.raises(DataUnavailableError) as info:
        load_movielens("ml-test", data_home=tmp_path, progress=False)
    message = str(info.value)
    assert "recsys-lab download ml-test" in message and "RECSYS_LAB_MIRROR" in message
    assert leftovers(tmp_path) == []


def test_no_network_and_a_mirror_without_the_release_says_what_the_mirror_holds(tmp_path, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(releases, "GROUPLENS", f"http://127.0.0.1:{port}/")
    register(monkeypatch, GOOD_ZIP)
    mirror = tmp_path / "mirror"
    (mirror / "ml-100k").mkdir(parents=True)
    assert fetch.mirror_contents(mirror) == {"ml-100k": mirror / "ml-100k"}
    assert fetch.mirror_contents(tmp_path / "nowhere") == {}
    with pytest.raises(DataUnavailableError) as info:
        load_movielens("ml-test", data_home=tmp_path / "cache", mirror=mirror, progress=False)
    message = str(info.value)
    assert "no mirror is set" not in message
    assert f"the mirror RECSYS_LAB_MIRROR={mirror} has no ml-test (it holds ml-100k/)" in message
    assert f"copy the official ml-test.zip into {mirror}" in message
    assert "recsys-lab download ml-test" in message
    (mirror / "ml-100k").rmdir()
    with pytest.raises(DataUnavailableError, match=r"has no ml-test \(it holds no MovieLens release\)"):
        load_movielens("ml-test", data_home=tmp_path / "cache", mirror=mirror, progress=False)


def test_mirror_that_is_not_a_folder(tmp_path):
    with pytest.raises(DataUnavailableError, match="not a folder"):
        load_movielens("ml-100k", data_home=tmp_path, mirror=tmp_path / "nope")


def test_unpinned_folder_in_mirror_is_refused(tmp_path):
    (tmp_path / "mirror" / "ml-1m").mkdir(parents=True)
    with pytest.raises(CorruptDataError, match=r"cannot be verified.*ml-1m\.zip"):
        load_movielens("ml-1m", data_home=tmp_path / "cache", mirror=tmp_path / "mirror")


def test_fetch_from_mirror_archive_then_cache(tmp_path, monkeypatch):
    register(monkeypatch, GOOD_ZIP)
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "ml-test.zip").write_bytes(GOOD_ZIP)
    folder, how = fetch_movielens("ml-test", data_home=tmp_path / "cache", mirror=tmp_path / "mirror")
    assert how.startswith("mirror") and folder == tmp_path / "cache" / "ml-test"
    folder, how = fetch_movielens("ml-test", data_home=tmp_path / "cache", mirror=tmp_path / "mirror")
    assert how.startswith("cache")


def test_data_home_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RECSYS_LAB_DATA", str(tmp_path / "x"))
    assert fetch.default_data_home() == tmp_path / "x"
    assert fetch.default_data_home(tmp_path / "y") == tmp_path / "y"


def test_environment_mirror_is_honoured(tmp_path, monkeypatch):
    register(monkeypatch, GOOD_ZIP)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "ml-test.zip").write_bytes(GOOD_ZIP)
    monkeypatch.setenv("RECSYS_LAB_MIRROR", str(tmp_path / "m"))
    ds = load_movielens("ml-test", data_home=tmp_path / "c")
    assert ds.source.startswith("mirror")
    assert os.listdir(tmp_path / "m") == ["ml-test.zip"]


# --- checksums, archives and mirrors with fake releases: these run without the real mirror ----------------


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


PINS = {"ratings.csv": sha256(FAKE_RATINGS), "movies.csv": sha256(FAKE_MOVIES)}  # the files' real sha256


def flipped(data: bytes, at: int = 60) -> bytes:
    """`data` with one byte changed (inside the first compressed entry for a zip)."""
    bad = bytearray(data)
    bad[at] ^= 0xFF
    return bytes(bad)


def read_only_mirror(root: Path, files: dict[str, bytes]) -> dict[Path, bytes]:
    """Write `files` under `root` and return their bytes by path, to check afterwards that nothing changed."""
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return {root / name: data for name, data in files.items()}


@pytest.mark.parametrize("damage", ["flipped byte", "truncated"])
def test_a_corrupt_mirror_archive_is_refused_and_nothing_reaches_the_cache(tmp_path, monkeypatch, damage):
    register(monkeypatch, GOOD_ZIP)  # the registry holds the good archive's md5
    bad = flipped(GOOD_ZIP) if damage == "flipped byte" else GOOD_ZIP[: len(GOOD_ZIP) // 2]
    before = read_only_mirror(tmp_path / "mirror", {"ml-test.zip": bad})
    with pytest.raises(CorruptDataError) as info:
        load_movielens("ml-test", data_home=tmp_path / "cache", mirror=tmp_path / "mirror")
    message = str(info.value)
    assert f"{tmp_path / 'mirror' / 'ml-test.zip'} does not match the md5 GroupLens publishes" in message
    assert "replace it with a fresh download" in message
    assert {p: p.read_bytes() for p in before} == before  # the mirror is only read
    assert leftovers(tmp_path / "cache") == []  # nothing extracted, no temporary folder


def test_a_good_mirror_archive_is_accepted_verified_and_marked(tmp_path, monkeypatch):
    release = register(monkeypatch, GOOD_ZIP, files=PINS)
    read_only_mirror(tmp_path / "mirror", {"ml-test.zip": GOOD_ZIP})
    ds = load_movielens("ml-test", data_home=tmp_path / "cache", mirror=tmp_path / "mirror")
    assert ds.source == (
        f"mirror {tmp_path / 'mirror' / 'ml-test.zip'} (md5 verified), extracted to {tmp_path / 'cache' / 'ml-test'}"
    )
    assert ds.ratings.rating.tolist() == [4.0, 3.5, 5.0]
    assert leftovers(tmp_path / "cache") == ["ml-test"]
    marker = tmp_path / "cache" / "ml-test" / releases.VERIFIED_MARKER
    assert marker.read_text().strip() == hashlib.md5(GOOD_ZIP).hexdigest() == release.md5


@pytest.mark.parametrize("where", ["mirror", "download"])
def test_an_archive_whose_file_fails_its_pinned_sha256_is_refused_and_leaves_nothing(
    tmp_path, monkeypatch, server, where
):
    # the archive's md5 is right (registered from these very bytes), but movies.csv is not the pinned file
    changed = make_zip(
        {"ml-test/ratings.csv": FAKE_RATINGS, "ml-test/movies.csv": FAKE_MOVIES + "30,X,Y\r\n"}
    )
    register(monkeypatch, changed, files=PINS)
    cache = tmp_path / "cache"
    mirror = None
    if where == "mirror":
        mirror = tmp_path / "mirror"
        read_only_mirror(mirror, {"ml-test.zip": changed})
    else:
        server["/ml-test.zip"] = (changed, len(changed))
    with pytest.raises(CorruptDataError, match=r"movies\.csv in the archive does not match its sha256"):
        load_movielens("ml-test", data_home=cache, mirror=mirror, progress=False)
    assert leftovers(cache) == []  # no extracted folder, no temporary folder, no downloaded archive


def test_a_mirror_folder_is_served_when_every_file_matches_and_refused_when_one_does_not(
    tmp_path, monkeypatch
):
    register(monkeypatch, GOOD_ZIP, files=PINS)
    mirror, cache = tmp_path / "mirror", tmp_path / "cache"
    before = read_only_mirror(
        mirror, {"ml-test/ratings.csv": FAKE_RATINGS.encode(), "ml-test/movies.csv": FAKE_MOVIES.encode()}
    )
    ds = load_movielens("ml-test", data_home=cache, mirror=mirror)
    assert ds.source == f"mirror {mirror / 'ml-test'} (sha256 verified)"
    assert ds.ratings.rating.tolist() == [4.0, 3.5, 5.0]
    tampered = FAKE_RATINGS.replace("4.0", "1.0").encode()  # same size, one rating changed
    before[mirror / "ml-test" / "ratings.csv"] = tampered
    (mirror / "ml-test" / "ratings.csv").write_bytes(tampered)
    with pytest.raises(CorruptDataError) as info:
        load_movielens("ml-test", data_home=cache, mirror=mirror)
    message = str(info.value)
    assert f"{mirror / 'ml-test' / 'ratings.csv'} in the mirror {mirror} does not match its sha256" in message
    assert "replace it with a fresh copy of ml-test.zip" in message
    assert {p: p.read_bytes() for p in before} == before  # left alone
    assert leftovers(cache) == []


def test_a_tampered_cache_is_removed_with_a_warning_and_fetched_again(tmp_path, monkeypatch):
    register(monkeypatch, GOOD_ZIP, files=PINS)
    mirror, cache = tmp_path / "mirror", tmp_path / "cache"
    read_only_mirror(mirror, {"ml-test.zip": GOOD_ZIP})
    load_movielens("ml-test", data_home=cache, mirror=mirror)
    (cache / "ml-test" / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,10,1.0,0\n")
    with pytest.warns(UserWarning, match=r"ratings\.csv in the cache .* does not match its sha256.*removed"):
        ds = load_movielens("ml-test", data_home=cache, mirror=mirror)
    assert ds.source.startswith("mirror") and ds.ratings.rating.tolist() == [4.0, 3.5, 5.0]
    assert load_movielens("ml-test", data_home=cache, mirror=mirror).source.startswith("cache")


def test_a_cached_folder_is_trusted_only_with_the_releases_md5_in_its_marker(tmp_path, monkeypatch):
    register(monkeypatch, GOOD_ZIP)  # unpinned files: the marker is all the cache has to go on
    mirror, cache = tmp_path / "mirror", tmp_path / "cache"
    read_only_mirror(mirror, {"ml-test.zip": GOOD_ZIP})
    assert fetch_movielens("ml-test", data_home=cache, mirror=mirror)[1].startswith("mirror")
    assert fetch_movielens("ml-test", data_home=cache, mirror=mirror)[1].startswith("cache")
    marker = cache / "ml-test" / releases.VERIFIED_MARKER
    marker.write_text("0" * 32 + "\n")  # written for another archive
    (cache / "ml-test" / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,10,1.0,0\n")
    folder, how = fetch_movielens("ml-test", data_home=cache, mirror=mirror)
    assert how.startswith("mirror")  # extracted again, not served from the untrusted copy
    assert (folder / "ratings.csv").read_bytes() == FAKE_RATINGS.encode()
    marker.unlink()
    assert fetch_movielens("ml-test", data_home=cache, mirror=mirror)[1].startswith("mirror")
