"""The registry of official MovieLens releases: names, archive checksums, the files each parser needs.

>>> RELEASES["ml-100k"].url
'https://files.grouplens.org/datasets/movielens/ml-100k.zip'
>>> get_release("ml-100k").rating_scale
(1.0, 5.0)

MovieLens licences forbid redistribution: the kit never ships the data, it fetches it for you (`fetch`).
Cite Harper & Konstan (2015), "The MovieLens Datasets: History and Context", ACM TiiS 5(4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DATA_ENV = "RECSYS_LAB_DATA"
MIRROR_ENV = "RECSYS_LAB_MIRROR"
GROUPLENS = "https://files.grouplens.org/datasets/movielens/"
VERIFIED_MARKER = ".recsys-lab-verified"  # written into a cached folder once every file passed its check


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
