"""The notebooks in a real browser: JupyterLab on loopback, driven in Debian's Chromium by Playwright.

Each test opens a notebook, runs all its cells, checks that plotly figures and widgets rendered (not as
text), changes a widget control and checks that the output depending on it changed, and saves a
screenshot under test-artifacts/. The server serves a temporary copy of the notebooks (nothing in the
repository is written), with its own Jupyter config, settings and runtime folders, and is stopped by the
fixture, also when a test fails. The browser may reach 127.0.0.1 only: any other request is aborted.

Chapter 06's recommender is served as the README says, by Voilà (`app/recommender.ipynb`), and used like a
learner would: a known user's list, then one movie rated, then other models for the same ratings (the widget's
callbacks are tested as pure functions in test_recommender_app.py; nbval runs notebook 06 itself).

Skipped, with the reason, when Chromium, Playwright or JupyterLab is missing; CI sets
RECSYS_LAB_REQUIRE_BROWSER=1 to turn those skips into failures. Kernels inherit RECSYS_LAB_MIRROR, so the
notebooks read real MovieLens offline when it is set (else they use the synthetic world).
Chromium: RECSYS_LAB_CHROMIUM, else `chromium` on PATH (Debian: apt-get install chromium).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = (
    os.environ.get("RECSYS_LAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
# JupyterLab user settings: no news popup, the kernel starts by itself, every cell stays in the page
# (no windowing), and nothing is autosaved.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True, "windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}
IDLE = "Python 3 (ipykernel) | Idle"
FIGURE = ".js-plotly-plot:has(.main-svg)"  # a plotly figure drawn as SVG
# the only outside requests a notebook makes: its Colab and Binder badges' images (blocked like any other)
BADGE_IMAGES = {
    "https://colab.research.google.com/assets/colab-badge.svg",
    "https://mybinder.org/badge_logo.svg",
}


def _unavailable(reason: str) -> None:
    if os.environ.get("RECSYS_LAB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (and RECSYS_LAB_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A Jupyter server (JupyterLab now; Voilà later) serving `root` on loopback."""

    url: str
    token: str
    root: Path
    log: Path

    def page_url(self, path: str) -> str:
        return f"{self.url}{path}?token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and every process it started (kernels run in sessions of their own)."""
    import psutil

    try:
        procs = [psutil.Process(process.pid)]
        procs += procs[0].children(recursive=True)
    except psutil.NoSuchProcess:  # the server is gone already (its kernels with it)
        procs = []
    for p in reversed(procs):  # kernels first, then the server
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=10)
    for p in alive:
        p.kill()
    process.wait(timeout=10)


def lab_command(port: int, token: str) -> list[str]:
    return [
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",  # else a taken port silently becomes another one
        "--ServerApp.allow_root=True",  # CI runs as root
        "--ServerApp.terminals_enabled=False",
        f"--IdentityProvider.token={token}",
    ]


@contextmanager
def serve(
    command: Callable[[int, str], list[str]],
    *,
    name: str,
    root: Path,
    home: Path,
    env: dict[str, str],
    ready: str = "api/status",
) -> Iterator[Server]:
    """Start `python -m <command(port, token)>` in `root`; yield once `ready` answers; always stop it.

    `home` receives the server's log and its own Jupyter config, data, runtime and settings folders, so
    the user's configuration plays no part. For JupyterLab now (`lab_command`); a Voilà server is
    another `command` (`voila NB --no-browser --port P --Voila.ip=127.0.0.1 --token T`) and `ready` path.
    """
    port, token = _free_port(), secrets.token_hex(16)
    folders = {
        var: home / sub
        for var, sub in {
            "JUPYTER_CONFIG_DIR": "config",
            "JUPYTER_DATA_DIR": "data",
            "JUPYTER_RUNTIME_DIR": "runtime",
            "JUPYTERLAB_SETTINGS_DIR": "settings",
            "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
            "IPYTHONDIR": "ipython",
        }.items()
    }
    for plugin, values in LAB_SETTINGS.items():
        target = folders["JUPYTERLAB_SETTINGS_DIR"] / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    server_env = {
        **os.environ,
        **{k: str(v) for k, v in folders.items()},
        **env,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    log = home / f"{name}.log"
    with open(log, "w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", *command(port, token)],
            cwd=root,
            env=server_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}/", token, root, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode}:\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(server.page_url(ready), timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not answer on port {port} within 90 s:\n{server.log_tail()}")
                time.sleep(0.5)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM or not Path(CHROMIUM).exists():
        _unavailable("Chromium is not installed (Debian: apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        _unavailable("Playwright is not installed (pip install -e '.[test]'; it drives the system Chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[Server]:
    if importlib.util.find_spec("jupyterlab") is None:
        _unavailable("JupyterLab is not installed (pip install -e '.[test]')")
    root = tmp_path_factory.mktemp("notebooks")
    for notebook in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):  # a copy: Run All never touches ours
        shutil.copy(notebook, root)
    env = {k: os.environ[k] for k in ("RECSYS_LAB_MIRROR", "RECSYS_LAB_DATA") if k in os.environ}
    with serve(lab_command, name="jupyterlab", root=root, home=tmp_path_factory.mktemp("lab"), env=env) as s:
        yield s


@pytest.fixture
def page(browser, lab):
    """A fresh page that can reach the server and nothing else."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    blocked: list[str] = []

    def loopback_only(route):
        host = re.match(r"\w+://([^/:]+)", route.request.url)
        if host and host.group(1) not in ("127.0.0.1", "localhost"):
            blocked.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", loopback_only)
    page = context.new_page()
    page.blocked = blocked
    yield page
    context.close()
    shutdown_kernels(lab)  # each notebook's kernel ends with its test: memory stays at one kernel


def shutdown_kernels(server: Server) -> None:
    """Stop every kernel the server runs (Jupyter's REST API: GET, then DELETE /api/kernels/<id>)."""
    headers = {"Authorization": f"token {server.token}"}
    with urllib.request.urlopen(urllib.request.Request(f"{server.url}api/kernels", headers=headers)) as r:
        kernels = json.load(r)
    for kernel in kernels:
        request = urllib.request.Request(
            f"{server.url}api/kernels/{kernel['id']}", method="DELETE", headers=headers
        )
        urllib.request.urlopen(request).close()


def run_all(page, lab: Server, notebook: str, timeout: float) -> float:
    """Open `notebook`, wait for its kernel, run all cells, wait until every cell ran; return the seconds."""
    # a workspace of its own per notebook: no tabs restored from earlier tests
    page.goto(lab.page_url(f"lab/workspaces/{Path(notebook).stem}/tree/{notebook}"))
    page.get_by_text(IDLE).wait_for(timeout=90_000)
    start = time.monotonic()
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    prompts_js = (
        "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent)"
    )
    while True:
        prompts = [p.strip() for p in page.evaluate(prompts_js)]
        done = all(re.fullmatch(r"\[\d+\]:", p) for p in prompts)
        stopped = not any("*" in p for p in prompts) and time.monotonic() - start > 5
        if done or stopped:
            break
        if time.monotonic() - start > timeout:
            pytest.fail(f"{notebook}: cells still running after {timeout:.0f} s: {prompts}")
        time.sleep(1)
    page.get_by_text(IDLE).wait_for(timeout=30_000)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").filter(
        has_text=re.compile(r"Traceback|Error")
    )
    assert errors.count() == 0, f"{notebook}: a cell failed:\n{errors.first.inner_text()[:3000]}"
    assert done, f"{notebook}: not every cell ran: {prompts}"
    return time.monotonic() - start


def assert_rendered(page, notebook: str, *, figures: int, widgets: int) -> None:
    """At least `figures` plotly figures drawn as SVG and `widgets` live controls, none shown as text."""
    assert page.locator(FIGURE).count() >= figures, f"{notebook}: plotly figures missing"
    controls = page.locator(".jupyter-widgets :is(select, input, button)")
    assert controls.count() >= widgets, f"{notebook}: widgets did not render"
    text = page.locator(".jp-Notebook").inner_text()
    for failure in ("Error displaying widget", "VBox(children=", "Loading widget..."):
        assert failure not in text, f"{notebook}: widget shown as {failure!r}, not rendered"


def screenshot(page, notebook: str, element) -> Path:
    """test-artifacts/<notebook>.png: the page with `element` scrolled to the top of the notebook panel."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{Path(notebook).stem}.png"
    element.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)  # let plotly finish drawing what scrolled into view
    page.screenshot(path=str(path))
    return path


def finish(page, notebook: str, element, seconds: float) -> None:
    """Screenshot `element`, check that nothing outside loopback was requested, and say how long it took."""
    shot = screenshot(page, notebook, element)
    assert shot.stat().st_size > 10_000
    unexpected = [url for url in page.blocked if url not in BADGE_IMAGES]
    assert not unexpected, f"requests outside loopback were attempted (and blocked): {unexpected}"
    print(f"{notebook}: all cells ran in {seconds:.0f} s in Chromium; screenshot {shot.relative_to(ROOT)}")


def explorer_with(page, label: str):
    """The widget box holding the dropdown labelled `label`, its <select>, and its output area."""
    dropdown = page.locator(".widget-dropdown").filter(
        has=page.locator("label", has_text=re.compile(f"^{label}$"))
    )
    box = page.locator(".widget-vbox").filter(has=dropdown).last
    return box, dropdown.locator("select"), box.locator(".widget-output")


def test_data_tour_runs_renders_and_reacts(page, lab):
    from playwright.sync_api import expect

    notebook = "01_data_tour.ipynb"
    seconds = run_all(page, lab, notebook, timeout=300)
    assert_rendered(page, notebook, figures=5, widgets=2)
    box, split, output = explorer_with(page, "split")
    expect(output.locator(FIGURE)).to_have_count(4, timeout=30_000)
    before = output.inner_text()
    assert "u1: " in before or "random 80/20" in before, "the explorer's split report is missing"
    split.select_option(label="temporal last 20%")
    expect(output).to_contain_text(
        "temporal last 20% per user", timeout=90_000
    )  # the split report, recomputed
    expect(output.locator(FIGURE)).to_have_count(4, timeout=60_000)  # its four figures, redrawn
    finish(page, notebook, box, seconds)


def test_regression_learning_rate_slider_reruns_descent(page, lab):
    from playwright.sync_api import expect

    notebook = "05_regression.ipynb"
    seconds = run_all(page, lab, notebook, timeout=480)
    assert_rendered(page, notebook, figures=4, widgets=1)
    slider = page.locator(".widget-slider").filter(
        has=page.locator("label", has_text=re.compile("^learning rate$"))
    )
    box = page.locator(".widget-vbox").filter(has=slider).last
    output = box.locator(".widget-output")
    expect(output.locator(FIGURE)).to_have_count(1, timeout=30_000)
    expect(output).to_contain_text("after 200 steps", timeout=30_000)  # η = 0.1 converges
    slider.locator(".noUi-handle").first.focus()
    page.keyboard.press("End")  # the largest learning rate: gradient descent blows up
    expect(output).to_contain_text("diverged after", timeout=30_000)
    expect(output.locator(FIGURE)).to_have_count(1, timeout=30_000)  # redrawn, not added
    finish(page, notebook, box, seconds)


@pytest.mark.parametrize(
    "notebook", ["02_autoencoder.ipynb", "04_cnn_item_features.ipynb", "03_inner_product.ipynb"]
)
def test_chapter_runs_and_renders(page, lab, notebook):
    """The other chapters: every cell runs in the browser, figures and widgets render, a screenshot is saved."""
    seconds = run_all(page, lab, notebook, timeout=480)
    assert_rendered(page, notebook, figures=2, widgets=1)
    finish(page, notebook, page.locator(".widget-vbox").first, seconds)


def recommender_box(page):
    """The recommender widget of chapter 06 (or the Voilà app): its model dropdown, mode buttons and result."""
    model = page.locator(".widget-dropdown").filter(has=page.locator("label", has_text=re.compile("^model$")))
    box = page.locator(".widget-vbox").filter(has=model).last
    return box, model.locator("select"), box.locator(".widget-html").last


def rate_one_movie_and_switch_models(page, box, model, result) -> None:
    """Known user first; then 'you' with one movie rated 5, through biased MF."""
    from playwright.sync_api import expect

    expect(result).to_contain_text("for user", timeout=60_000)
    expect(result).to_contain_text("because you liked", timeout=30_000)
    box.get_by_role("button", name="you", exact=True).click()
    box.locator(".widget-dropdown select").nth(1).select_option(index=1)  # the first movie offered
    model.select_option(label="biased MF")
    box.get_by_role("button", name="recommend", exact=True).click()
    expect(result).to_contain_text("for your 1 rating(s)", timeout=30_000)
    expect(result.locator("tr")).to_have_count(11, timeout=30_000)  # a header and ten movies
    expect(result).to_contain_text("because you liked", timeout=30_000)


def test_faq_quiz_gives_feedback_and_keeps_score(page, lab):
    from playwright.sync_api import expect

    notebook = "09_faq.ipynb"
    seconds = run_all(page, lab, notebook, timeout=240)
    assert_rendered(page, notebook, figures=0, widgets=3)
    check_buttons = page.get_by_role("button", name="Check", exact=True)
    first = page.locator(".widget-vbox").filter(has=check_buttons).nth(1)  # the quiz's box, then question 1's
    expect(first.get_by_role("button", name="Check", exact=True)).to_have_count(1)
    first.locator(".widget-checkbox input").first.check()  # one of its right choices, not all of them
    first.get_by_role("button", name="Check", exact=True).click()
    expect(first.locator(".widget-html").last).to_contain_text("Not quite", timeout=30_000)
    expect(first.locator(".widget-html").last).to_contain_text("see 06_end_to_end.ipynb", timeout=30_000)
    scoreboard = page.locator(".widget-html").filter(has_text=re.compile(r"Score: \d+ of \d+")).first
    expect(scoreboard).to_contain_text("(1 checked)", timeout=30_000)
    finish(page, notebook, first, seconds)


def voila_command(port: int, token: str) -> list[str]:
    return ["voila", "recommender.ipynb", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
            f"--token={token}", "--ServerApp.allow_root=True"]  # fmt: skip


def test_voila_app_serves_the_recommender(browser, tmp_path_factory):
    """The README's app command: app/recommender.ipynb in Voilà (one epoch per model on the synthetic world)."""
    from playwright.sync_api import expect

    if importlib.util.find_spec("voila") is None:
        _unavailable("Voilà is not installed (pip install -e '.[test]')")
    root = tmp_path_factory.mktemp("app")
    shutil.copy(ROOT / "app" / "recommender.ipynb", root)
    env = {"RECSYS_LAB_APP_DATASET": "synthetic", "RECSYS_LAB_APP_EPOCHS": "1"}
    env.update({k: os.environ[k] for k in ("RECSYS_LAB_DATA",) if k in os.environ})
    home = tmp_path_factory.mktemp("voila")
    with serve(
        voila_command, name="voila", root=root, home=home, env=env, ready="voila/static/voila.js"
    ) as app:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        start = time.monotonic()
        page.goto(app.page_url(""), timeout=240_000)
        box, model, result = recommender_box(page)
        expect(model).to_be_visible(timeout=240_000)
        assert "Traceback" not in page.content(), app.log_tail()
        rate_one_movie_and_switch_models(page, box, model, result)
        model.select_option(label="U-AutoRec")  # the autoencoder folds the same new user in
        expect(result).to_contain_text("U-AutoRec, for your 1 rating(s)", timeout=30_000)
        shot = screenshot(page, "voila_recommender", box)
        print(
            f"Voilà app ready and answering in {time.monotonic() - start:.0f} s; screenshot {shot.relative_to(ROOT)}"
        )
        context.close()
