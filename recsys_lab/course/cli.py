"""The `recsys-lab` command: prefetch data for a classroom, list releases, check the environment.

recsys-lab download ml-100k ml-latest-small    # into the cache (or --data-home DIR), with progress bars
recsys-lab list                                # known releases, size, and where each is: cache, mirror
recsys-lab doctor                              # versions, Keras backend, GPU, cache, mirror: and fixes
recsys-lab student notebooks/*.ipynb --out student/   # the notebooks with their solutions replaced by stubs
recsys-lab --version                           # also: python -m recsys_lab ...

Errors go to stderr; the exit status is 0 on success, 1 when something failed, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys


def _download(args: argparse.Namespace) -> int:
    from recsys_lab.data.fetch import fetch_movielens
    from recsys_lab.data.releases import CorruptDataError, DataUnavailableError, get_release

    names = list(dict.fromkeys(args.names))
    try:
        for name in names:
            get_release(name)  # unknown names fail before anything is downloaded
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        try:
            folder, how = fetch_movielens(name, data_home=args.data_home, progress=not args.quiet)
        except (DataUnavailableError, CorruptDataError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"{name}: ready in {folder} ({how})")
    return 1 if failed else 0


def _list(args: argparse.Namespace) -> int:
    """Every known release: size, rating scale, a verified copy in the cache, a copy in the mirror.

    The mirror is only looked at (a folder or a .zip of the release's name), not hashed: loading verifies.
    """
    from pathlib import Path

    from recsys_lab.data.fetch import default_data_home, mirror_copy
    from recsys_lab.data.releases import MIRROR_ENV, RELEASES, VERIFIED_MARKER

    cache = default_data_home(args.data_home)
    setting = os.environ.get(MIRROR_ENV)
    mirror = Path(setting).expanduser() if setting else None
    print(f"cache:  {cache}")
    if mirror is None:
        print(f"mirror: not set ({MIRROR_ENV})")
    elif not mirror.is_dir():
        print(f"mirror: {mirror} ({MIRROR_ENV}) is not a folder; `recsys-lab doctor` says how to fix it")
        mirror = None
    else:
        print(f"mirror: {mirror} ({MIRROR_ENV}; listed, not hashed: loading verifies every file)")
    print(f"  {'release':<16} {'size':>9}  {'ratings':<8} {'cache':<7} mirror")
    for name, release in RELEASES.items():
        cached = "cached" if (cache / release.folder / VERIFIED_MARKER).is_file() else "-"
        found = mirror_copy(release, mirror) if mirror is not None else None
        if found is None:
            where = "-"
        elif found.suffix == ".zip":
            where = "zip"
        else:  # an extracted folder can be verified only where the kit pins every file's hash
            where = "folder" if release.pinned else f"folder (unverifiable: use {name}.zip)"
        scale = f"{release.rating_scale[0]:g}-{release.rating_scale[1]:g}"
        print(f"  {name:<16} {release.approx_mb:>6.1f} MB  {scale:<8} {cached:<7} {where}")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from recsys_lab.course.doctor import format_checks, run_checks

    checks = run_checks(deep_learning=not args.no_tensorflow)
    print(format_checks(checks))
    failures = [c for c in checks if c.status == "fail"]
    print(f"\n{len(failures)} problem(s) to fix" if failures else "\nall good")
    return 1 if failures else 0


def _student(args: argparse.Namespace) -> int:
    from recsys_lab.course.student import write_student_versions

    try:
        written = write_student_versions(args.notebooks, args.out)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, stubbed in written.items():
        print(f"{name}: {len(stubbed)} exercise(s) stubbed ({', '.join(stubbed) or 'none'})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from recsys_lab import __version__

    parser = argparse.ArgumentParser(prog="recsys-lab", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"recsys-lab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("download", help="fetch MovieLens releases into the cache (hash-checked)")
    p.add_argument("names", nargs="+", metavar="NAME", help="e.g. ml-100k ml-latest-small")
    p.add_argument("--data-home", help="cache folder (default: $RECSYS_LAB_DATA or the per-user cache)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_download)
    p = sub.add_parser("list", help="known releases, and which are in the cache and in the mirror")
    p.add_argument("--data-home")
    p.set_defaults(run=_list)
    p = sub.add_parser("doctor", help="check the environment and say how to fix what is wrong")
    p.add_argument("--no-tensorflow", action="store_true", help="skip the TensorFlow/GPU checks (faster)")
    p.set_defaults(run=_doctor)
    p = sub.add_parser(
        "student", help="write student versions: solutions replaced by NotImplementedError stubs"
    )
    p.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="e.g. notebooks/*.ipynb")
    p.add_argument("--out", required=True, help="folder for the student versions (not the notebooks' own)")
    p.set_defaults(run=_student)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit status (argparse exits with 2 on a usage error, 0 on --version)."""
    from recsys_lab.course.doctor import quiet_tensorflow

    args = build_parser().parse_args(argv)
    with quiet_tensorflow():  # before anything imports TensorFlow: no log noise on stderr
        return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
