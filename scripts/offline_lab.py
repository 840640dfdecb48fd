"""Prepare a lab room without internet, and check that the prepared folder works with no network.

On a machine with internet (same OS, CPU architecture and Python minor version as the lab machines):

    python scripts/offline_lab.py prepare /media/usb/recsys-lab      # wheelhouse, data, notebooks

writes DIR/wheelhouse (the kit built from this checkout, and a wheel of every dependency of
`recsys-lab[cpu,lab]`), DIR/data (MovieLens, verified, laid out as a mirror: copied from RECSYS_LAB_MIRROR
or --mirror when one is given, else downloaded from GroupLens) and DIR/notebooks. Then, anywhere:

    python scripts/offline_lab.py check /media/usb/recsys-lab        # no network used

creates a fresh venv, installs `recsys-lab[cpu,lab]` (and pytest, nbval) from the wheelhouse with
`pip --no-index`, then, with RECSYS_LAB_MIRROR=DIR/data and an empty cache: runs `recsys-lab doctor`, loads each
dataset and fails unless it came from DIR/data, and runs notebooks/01_data_tour.ipynb top to bottom under nbval
(as CI does). Where Linux allows it (`unshare -rn`), every step of the check runs in a network namespace with
only loopback; otherwise pip has no index and HTTP(S) goes to a dead proxy.

MovieLens may not be redistributed: keep DIR out of git and out of anything you publish.
See docs/instructor-guide.md, "A lab room without internet".
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ("ml-100k", "ml-latest-small")
NOTEBOOK = "01_data_tour.ipynb"
EXTRAS = "cpu,lab"
# what `check` runs the notebook with, as CI does (nbconvert --execute can hang on a cell that shows a widget:
# jupyter/nbclient#312, seen here on notebook 01's explorer)
RUNNER = ("pytest", "nbval")
# load each release named after the folder argument; exit 1 unless every one came from that folder
LOAD = (
    "import sys; from recsys_lab.data.movielens import load_movielens as load; "
    "found = [load(name, progress=False) for name in sys.argv[2:]]; print(*map(repr, found), sep='\\n'); "
    "elsewhere = [d.source for d in found if sys.argv[1] not in d.source]; "
    "sys.exit(f'not from {sys.argv[1]}: {elsewhere}' if elsewhere else 0)"
)
DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: nothing answers, so any download fails at once


class OfflineLabError(RuntimeError):
    """Something the user must fix; the message says what."""


@dataclass(frozen=True)
class Step:
    """One command of the recipe: what it does, its argv, and the environment variables it sets."""

    title: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def plan_prepare(folder: Path, python: str, datasets: tuple[str, ...], mirror: Path | None) -> list[Step]:
    """The commands `prepare` runs, in order (copying mirror folders and notebooks happens in between)."""
    wheelhouse, data = folder / "wheelhouse", folder / "data"
    download = [python, "-m", "recsys_lab.course.cli", "download", "--quiet", *datasets]
    fetch_env = {"RECSYS_LAB_DATA": str(data), "RECSYS_LAB_MIRROR": str(mirror) if mirror else ""}
    return [
        Step(
            "build the kit's wheel and a wheel of every dependency",
            [python, "-m", "pip", "wheel", "--wheel-dir", str(wheelhouse), f"{ROOT}[{EXTRAS}]", *RUNNER],
        ),
        Step("fetch MovieLens into DIR/data (from the mirror when one is given)", download, fetch_env),
        Step(
            "verify that DIR/data serves as a mirror with an empty cache and no network",
            download,
            {"RECSYS_LAB_MIRROR": str(data), "RECSYS_LAB_DATA": "{scratch}/cache", **_offline_env()},
        ),
    ]


def plan_check(
    folder: Path, python: str, venv: Path, notebook: Path, scratch: Path, datasets: tuple[str, ...] = DATASETS
) -> list[Step]:
    """The commands `check` runs, in order, each without network."""
    data = folder / "data"
    data_env = {"RECSYS_LAB_MIRROR": str(data), "RECSYS_LAB_DATA": str(scratch / "cache")}
    jupyter_env = {
        "JUPYTER_DATA_DIR": str(scratch / "jupyter-data"),  # no user kernelspec can point elsewhere
        "JUPYTER_CONFIG_DIR": str(scratch / "jupyter-config"),
        "PATH": f"{_bin(venv, '')}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    python_venv = str(_bin(venv, "python"))
    wheelhouse = str(folder / "wheelhouse")
    return [
        Step("create a fresh venv", [python, "-m", "venv", str(venv)]),
        Step(
            "install the kit from the wheelhouse (pip --no-index)",
            [
                python_venv,
                "-m",
                "pip",
                "install",
                "--no-index",
                "--find-links",
                wheelhouse,
                f"recsys-lab[{EXTRAS}]",
                *RUNNER,
            ],
        ),
        Step("recsys-lab doctor", [str(_bin(venv, "recsys-lab")), "doctor"], data_env),
        Step("load MovieLens from DIR/data", [python_venv, "-c", LOAD, str(data), *datasets], data_env),
        Step(
            f"run {notebook.name} top to bottom (nbval, as CI does)",
            [
                python_venv,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-o",
                "addopts=",
                "-q",
                "--nbval-lax",
                str(notebook),
            ],
            {**data_env, **jupyter_env},
        ),
    ]


def _offline_env() -> dict[str, str]:
    env = {
        "PIP_NO_INDEX": "1",
        "PIP_CONFIG_FILE": os.devnull,  # no pip.conf: no find-links or index other than the wheelhouse
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[name] = env[name.lower()] = DEAD_PROXY
    env["no_proxy"] = env["NO_PROXY"]
    return env


def check_layout(folder: Path) -> Path:
    """The kit's wheel in DIR/wheelhouse; an OfflineLabError saying what to do if DIR is not prepared."""
    wheelhouse, data = folder / "wheelhouse", folder / "data"
    prepare = f"run `python scripts/offline_lab.py prepare {folder}` on a machine with internet first"
    if not wheelhouse.is_dir():
        raise OfflineLabError(f"no wheelhouse folder {wheelhouse}: {prepare}")
    kits = sorted(wheelhouse.glob("recsys_lab-*.whl"))
    if not kits:
        raise OfflineLabError(f"{wheelhouse} holds no recsys_lab-*.whl (the kit itself): {prepare}")
    if not data.is_dir():
        raise OfflineLabError(f"no data folder {data} (the MovieLens mirror): {prepare}")
    return kits[-1]


def network_wrapper() -> list[str]:
    """A prefix that runs a command in a new network namespace with only loopback up, or [] if Linux won't."""
    if not sys.platform.startswith("linux") or not (shutil.which("unshare") and shutil.which("ip")):
        return []
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    if probe.returncode != 0:
        return []
    return ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]


def run_step(step: Step, scratch: Path, prefix: list[str] = (), cwd: Path | None = None) -> float:
    """Run one step, streaming its output; return its wall time. Raise OfflineLabError if it fails."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    if "PIP_NO_INDEX" in step.env:  # offline: no inherited PIP_FIND_LINKS, PIP_EXTRA_INDEX_URL, ...
        env = {k: v for k, v in env.items() if not k.startswith("PIP_")}
    env.update({k: v.replace("{scratch}", str(scratch)) for k, v in step.env.items()})
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    argv = [a.replace("{scratch}", str(scratch)) for a in step.argv]
    print(f"\n==> {step.title}\n    $ {shlex.join(argv)}", flush=True)
    start = time.perf_counter()
    try:
        result = subprocess.run([*prefix, *argv], env=env, cwd=cwd or scratch)
    except FileNotFoundError as exc:
        raise OfflineLabError(f"{step.title}: cannot run {argv[0]} ({exc})") from exc
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise OfflineLabError(f"{step.title} failed (exit status {result.returncode}) after {seconds:.0f} s")
    print(f"    ok in {seconds:.0f} s", flush=True)
    return seconds


def copy_from_mirror(mirror: Path, data: Path, datasets: tuple[str, ...]) -> list[str]:
    """Copy extracted release folders from the mirror into DIR/data (archives are extracted by `download`)."""
    copied = []
    for name in datasets:
        source, target = mirror / name, data / name
        if source.is_dir() and not target.exists():
            shutil.copytree(source, target)
            copied.append(name)
    return copied


def folder_size(path: Path) -> float:
    """Megabytes of the files under `path`."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def prepare(folder: Path, datasets: tuple[str, ...], mirror: Path | None) -> int:
    from recsys_lab.data.releases import get_release

    for name in datasets:
        try:
            release = get_release(name)
        except ValueError as exc:
            raise OfflineLabError(str(exc)) from None
        if not release.pinned:
            raise OfflineLabError(
                f"{name}: the kit pins no per-file hashes for it, so its extracted folder cannot serve as a "
                f"mirror; put the official {name}.zip from GroupLens into {folder / 'data'} yourself"
            )
    if mirror is not None and not mirror.is_dir():
        raise OfflineLabError(f"the mirror {mirror} is not a folder; fix RECSYS_LAB_MIRROR or --mirror")
    (folder / "data").mkdir(parents=True, exist_ok=True)
    times = {}
    with tempfile.TemporaryDirectory(prefix="offline-lab-") as tmp:
        scratch = Path(tmp)
        build, fetch, verify = plan_prepare(folder, sys.executable, datasets, mirror)
        times["wheelhouse"] = run_step(build, scratch)
        if mirror is not None:
            copied = copy_from_mirror(mirror, folder / "data", datasets)
            print(f"\ncopied from the mirror {mirror}: {', '.join(copied) or 'nothing (already there)'}")
        times["data"] = run_step(fetch, scratch, cwd=ROOT)
        times["verify"] = run_step(verify, scratch, cwd=ROOT)
    for kind in (
        "notebooks",
        "course",
    ):  # the instructor's chapters (with solutions) and the learner's (course/)
        (folder / kind).mkdir(exist_ok=True)
        for path in sorted((ROOT / kind).glob("[0-9][0-9]_*.ipynb")):
            shutil.copy2(path, folder / kind / path.name)
    wheels = list((folder / "wheelhouse").glob("*.whl"))
    print(
        f"\nprepared {folder}: wheelhouse {len(wheels)} wheels, {folder_size(folder / 'wheelhouse'):.0f} MB "
        f"({times['wheelhouse']:.0f} s); data {folder_size(folder / 'data'):.0f} MB ({', '.join(datasets)}); "
        f"notebooks (notebooks/, with solutions) and learner versions (course/) copied.\nNext: python scripts/offline_lab.py check {folder}   (or on a lab machine, "
        "see docs/instructor-guide.md)"
    )
    return 0


def check(folder: Path, notebook: str, python: str, keep: Path | None, isolate: str) -> int:
    kit = check_layout(folder)
    source = folder / "notebooks" / notebook
    if not source.is_file():
        source = ROOT / "notebooks" / notebook
    if not source.is_file():
        raise OfflineLabError(f"no notebook {notebook} in {folder / 'notebooks'} or {ROOT / 'notebooks'}")
    datasets = tuple(sorted(p.name for p in (folder / "data").iterdir() if p.is_dir()))
    if not datasets:
        raise OfflineLabError(f"{folder / 'data'} holds no dataset folder: run prepare again")
    prefix = network_wrapper() if isolate != "off" else []
    if isolate == "on" and not prefix:
        raise OfflineLabError("--isolate on: `unshare -rn` with `ip` is not available on this machine")
    print(f"kit: {kit.name}; data: {', '.join(datasets)}")
    print(f"network: {'none (own network namespace)' if prefix else 'no index, HTTP(S) to a dead proxy'}")
    with tempfile.TemporaryDirectory(prefix="offline-lab-check-") as tmp:
        scratch = Path(tmp)
        venv = keep or scratch / "venv"
        notebooks = scratch / "notebooks"  # a copy, so the kernel cannot import the checkout's package
        notebooks.mkdir()
        shutil.copy2(source, notebooks / source.name)
        times = {}
        for step in plan_check(folder, python, venv, notebooks / source.name, scratch, datasets):
            offline = Step(step.title, step.argv, {**_offline_env(), **step.env})
            times[step.title] = run_step(offline, scratch, prefix, notebooks)
    print(f"\nOFFLINE LAB CHECK PASSED ({kit.name}, {', '.join(datasets)} from {folder / 'data'})")
    for title, seconds in times.items():
        print(f"  {seconds:6.0f} s  {title}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="offline_lab.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="on a machine with internet: wheelhouse, data and notebooks into DIR")
    p.add_argument(
        "folder", type=Path, metavar="DIR", help="outside the repository (MovieLens must not be committed)"
    )
    p.add_argument(
        "--datasets", nargs="+", default=list(DATASETS), metavar="NAME", help="default: %(default)s"
    )
    p.add_argument("--mirror", type=Path, help="copy MovieLens from here (default: $RECSYS_LAB_MIRROR)")
    p = sub.add_parser("check", help="fresh venv from DIR/wheelhouse, doctor, one notebook: no network")
    p.add_argument("folder", type=Path, metavar="DIR")
    p.add_argument("--notebook", default=NOTEBOOK, help="notebook to execute (default: %(default)s)")
    p.add_argument("--python", default=sys.executable, help="interpreter for the venv (default: this one)")
    p.add_argument("--keep-venv", type=Path, metavar="VENV", help="create the venv here and keep it")
    p.add_argument(
        "--isolate",
        choices=("auto", "on", "off"),
        default="auto",
        help="own network namespace (default: auto)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    folder = args.folder.expanduser().resolve()
    try:
        if args.command == "prepare":
            if folder.is_relative_to(ROOT):
                raise OfflineLabError(f"{folder} is inside the repository: choose a folder outside it")
            mirror = args.mirror or (
                Path(os.environ["RECSYS_LAB_MIRROR"]) if os.environ.get("RECSYS_LAB_MIRROR") else None
            )
            return prepare(folder, tuple(dict.fromkeys(args.datasets)), mirror)
        keep = args.keep_venv.expanduser().resolve() if args.keep_venv else None
        return check(folder, args.notebook, args.python, keep, args.isolate)
    except OfflineLabError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
