"""Front-end tests: JupyterLab 4 on 127.0.0.1, driven in headless Chromium by Playwright.

They run only when GAN_LAB_E2E=1 (./run.sh e2e sets it); otherwise they are skipped, so a plain
`pytest` or `./run.sh test` never needs a browser. With GAN_LAB_E2E=1 a missing Chromium or Playwright
is an error, not a skip.

Each test gets its own temporary folder holding a copy of one notebook (made from its .py, the source
of truth; the repository's notebooks are never touched) and the notebook's work folder, its own
JupyterLab server (free loopback port, random token, its own Jupyter config/data/runtime folders, its
own process group) and its own browser. Teardown always shuts the kernel, the server and the browser
down, then checks that no process started by the test is left: every such process inherits a tag in
its environment (GAN_LAB_E2E_TAG), so stragglers can be found, killed, and reported as an error.

Environment:
  GAN_LAB_E2E=1          run these tests
  GAN_LAB_DATA_DIR       MNIST folder, passed to the kernel (the notebooks need MNIST)
  GAN_LAB_ARTIFACTS      where screenshots, logs and executed notebooks go (default: artifacts/e2e)
  GAN_LAB_CHROMIUM       the browser (default /usr/bin/chromium, Debian's package)
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
CHROMIUM = os.environ.get("GAN_LAB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("GAN_LAB_ARTIFACTS") or REPO / "artifacts" / "e2e")
TAG = "GAN_LAB_E2E_TAG"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--disable-extensions", "--disable-default-apps", "--mute-audio",
    # Defence in depth: nothing but loopback resolves (requests are also filtered per page, below).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
KERNEL_NAME = "gan_lab_e2e"  # a kernelspec written for each server (this Python, smoke-mode environment)
KERNEL_DISPLAY_NAME = "Python 3 (gan_lab e2e)"
NOT_LOOPBACK = re.compile(r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/)[a-z]+://")
# Timeouts (seconds): generous for a busy 2-core machine, but every wait is bounded.
SERVER_START = 120
PAGE_LOAD = 180
RUN_ALL = 420
SHUTDOWN = 30
# JupyterLab settings for a quiet, deterministic front end: every cell in the DOM (no windowing),
# no news or update checks (they would call out to the internet).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}
DISABLED_EXTENSIONS = {"@jupyterlab/apputils-extension:announcements": True,
                       "@jupyterlab/extensionmanager-extension": True}


def pytest_collection_modifyitems(config, items):
    if os.environ.get("GAN_LAB_E2E") == "1":
        return
    skip = pytest.mark.skip(reason="front-end test: set GAN_LAB_E2E=1 (./run.sh e2e does)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


# ----------------------------------------------------------------------------------------------
# processes


def tagged_processes(tag: str) -> list[tuple[int, str]]:
    """(pid, command line) of every live process whose environment carries GAN_LAB_E2E_TAG=tag."""
    needle = f"{TAG}={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if cmd:  # zombies have no command line: they are already dead
            found.append((int(entry.name), cmd[:200]))
    return found


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.25, sleep=time.sleep):
    """predicate()'s first truthy value within timeout seconds, else its last (falsy) value.

    With a browser open, pass sleep=Lab.sleep: Playwright's sync API handles the browser's events
    (request routing, console messages) only while Python is inside one of its calls.
    """
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > end:
            return value
        sleep(interval)


def kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# ----------------------------------------------------------------------------------------------
# the notebook copy and the server


def notebook_copy(name: str, folder: Path) -> Path:
    """folder/<name>.ipynb made from notebooks/<name>.py, without outputs, for the test's kernel."""
    import jupytext
    import nbformat

    nb = jupytext.read(NOTEBOOKS / f"{name}.py")
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": KERNEL_DISPLAY_NAME, "language": "python"}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


class LabServer:
    """`python -m jupyterlab` on 127.0.0.1, a free port and a random token, in its own process group."""

    def __init__(self, root: Path, state: Path, tag: str):
        self.root, self.state, self.tag = root, state, tag
        self.token = secrets.token_hex(24)
        self.log_path = state / "jupyterlab.log"
        self.proc: Optional[subprocess.Popen] = None
        self.url = ""

    def _env(self) -> dict:
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)  # the notebooks show figures inline, as for a learner
        dirs = {name: self.state / name for name in ("config", "data", "runtime", "settings", "workspaces", "ipython")}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        for rel, settings in LAB_SETTINGS.items():
            path = dirs["settings"] / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(settings))
        (dirs["config"] / "labconfig").mkdir(exist_ok=True)
        (dirs["config"] / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": DISABLED_EXTENSIONS}))
        kernel_env = {"GAN_LAB_SMOKE": "1", "PYTHONPATH": os.pathsep.join(
            p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
        if os.environ.get("GAN_LAB_DATA_DIR"):
            kernel_env["GAN_LAB_DATA_DIR"] = os.environ["GAN_LAB_DATA_DIR"]
        # The kernel: this venv's Python with kernel_env, whatever other kernelspecs the machine has.
        spec = dirs["data"] / "kernels" / KERNEL_NAME
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": KERNEL_DISPLAY_NAME, "language": "python", "env": kernel_env}))
        env.update(kernel_env)
        env.update({
            TAG: self.tag,
            "JUPYTER_CONFIG_DIR": str(dirs["config"]), "JUPYTER_DATA_DIR": str(dirs["data"]),
            "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]), "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
            "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]), "IPYTHONDIR": str(dirs["ipython"]),
            "JUPYTER_PLATFORM_DIRS": "1", "PYTHONUNBUFFERED": "1",
        })
        return env

    def start(self) -> None:
        env = self._env()
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               "--ServerApp.terminals_enabled=False", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]
        if os.geteuid() == 0:  # CI machines and containers run as root
            cmd.append("--allow-root")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        info_file = Path(env["JUPYTER_RUNTIME_DIR"]) / f"jpserver-{self.proc.pid}.json"

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.proc.returncode}:\n{self.log_tail()}")
            if not info_file.is_file():
                return False
            try:
                info = json.loads(info_file.read_text())
            except ValueError:  # being written
                return False
            self.url = f"http://127.0.0.1:{info['port']}"
            try:
                return self.api("GET", "/api/status") is not None
            except (OSError, urllib.error.URLError):
                return False

        if not wait_until(ready, SERVER_START, 0.5):
            raise RuntimeError(f"JupyterLab did not answer within {SERVER_START} s:\n{self.log_tail()}")
        assert urlsplit(self.url).hostname == "127.0.0.1"

    def api(self, method: str, path: str, timeout: float = 10):
        """Call the server's REST API with the token; the decoded JSON answer (None if empty)."""
        req = urllib.request.Request(self.url + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None

    def lab_url(self, notebook: str) -> str:
        return f"{self.url}/lab/tree/{notebook}?token={self.token}"

    def session_idle(self) -> bool:
        """True once a notebook session runs our kernel and the kernel is idle."""
        sessions = self.api("GET", "/api/sessions")
        return any(s.get("kernel") and s["kernel"]["name"] == KERNEL_NAME and
                   s["kernel"]["execution_state"] == "idle" for s in sessions)

    def kernels_idle(self) -> bool:
        kernels = self.api("GET", "/api/kernels")
        return bool(kernels) and all(k["execution_state"] == "idle" for k in kernels)

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Shut kernels and server down politely, then kill the process group if needed."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            for k in self.api("GET", "/api/kernels") or []:
                self.api("DELETE", f"/api/kernels/{k['id']}", timeout=SHUTDOWN)
            self.api("POST", "/api/shutdown", timeout=SHUTDOWN)
        except (OSError, urllib.error.URLError, ValueError):
            pass
        try:
            self.proc.wait(SHUTDOWN)
        except subprocess.TimeoutExpired:
            pass
        # Kill the group only while its leader is unreaped, so its id cannot belong to someone else yet.
        # Members that outlive the leader carry the test's tag: the open_lab fixture finds them.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass


# ----------------------------------------------------------------------------------------------
# the browser


class Lab:
    """One notebook open in JupyterLab in headless Chromium; what the tests drive."""

    def __init__(self, name: str, tmp: Path, tag: str):
        self.name = name
        self.root = tmp / "root"  # the notebook copy; its work folder is root/work
        self.root.mkdir()
        self.artifacts = ARTIFACTS / name
        self.server = LabServer(self.root, tmp / "jupyter", tag)
        self.notebook = notebook_copy(name, self.root)
        self.console: list[str] = []
        self.blocked: list[str] = []
        self.shots = 0
        self._pw = self.browser = self.page = None

    # -- life cycle

    def start(self) -> "Lab":
        if not Path(CHROMIUM).exists():
            raise RuntimeError(f"no browser at {CHROMIUM}: apt-get install chromium (or set GAN_LAB_CHROMIUM)")
        from playwright.sync_api import sync_playwright  # only here: a plain `pytest` needs no Playwright

        if self.artifacts.exists():  # only this test's own files, from an earlier run
            for old in self.artifacts.iterdir():
                if old.is_file() and old.suffix in (".png", ".log", ".ipynb", ".txt"):
                    old.unlink()
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.server.start()
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                                timeout=120_000)
        context = self.browser.new_context(viewport={"width": 1500, "height": 1100})
        # Only loopback: any other http(s) request (e.g. the notebooks' Colab badge) is aborted. The
        # pattern is matched in the driver, so loopback requests never wait for Python.
        context.route(NOT_LOOPBACK, self._block)
        context.set_default_timeout(60_000)
        self.page = context.new_page()
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.goto(self.server.lab_url(self.notebook.name), wait_until="domcontentloaded",
                       timeout=PAGE_LOAD * 1000)
        self.page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=PAGE_LOAD * 1000)
        # The kernel is ready when the server has it idle in a session for this notebook and the toolbar
        # shows its name and an idle indicator (before that, Run All would silently run nothing).
        if not wait_until(self.server.session_idle, PAGE_LOAD, 0.5, self.sleep):
            self.screenshot("no-kernel")
            raise RuntimeError(f"no idle kernel for {self.notebook.name} within {PAGE_LOAD} s:\n"
                               f"{self.server.log_tail()}")
        toolbar = self.page.locator(".jp-NotebookPanel-toolbar")
        toolbar.locator(".jp-KernelName", has_text=KERNEL_DISPLAY_NAME).wait_for(timeout=PAGE_LOAD * 1000)
        toolbar.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']") \
            .wait_for(state="attached", timeout=PAGE_LOAD * 1000)
        return self

    def sleep(self, seconds: float) -> None:
        """Wait while letting Playwright handle the browser's events."""
        self.page.wait_for_timeout(seconds * 1000)

    def _block(self, route) -> None:
        self.blocked.append(route.request.url)
        route.abort()

    def close(self) -> list[str]:
        """Close everything this Lab started; the problems met on the way (for the teardown report)."""
        problems = []
        for what, step in (("save logs", self._save_logs), ("close browser", self._close_browser),
                           ("stop server", self.server.stop), ("save server log", self._save_server_log)):
            try:
                step()
            except Exception as e:  # keep going: the next steps must run whatever happened
                problems.append(f"{what}: {type(e).__name__}: {e}")
        return problems

    def _save_logs(self) -> None:
        if self.page is not None:
            (self.artifacts / "browser-console.log").write_text("\n".join(self.console) + "\n")
        if self.blocked:
            (self.artifacts / "blocked-requests.log").write_text("\n".join(self.blocked) + "\n")
        if self.notebook.is_file():
            shutil.copy(self.notebook, self.artifacts / f"{self.name}.executed.ipynb")

    def _close_browser(self) -> None:
        try:
            if self.browser is not None:
                self.browser.close()
        finally:
            if self._pw is not None:
                self._pw.stop()

    def _save_server_log(self) -> None:
        if self.server.log_path.is_file():
            shutil.copy(self.server.log_path, self.artifacts / "jupyterlab.log")

    # -- helpers for the tests

    def wait_for(self, predicate: Callable[[], object], timeout: float, what: str):
        """predicate()'s first truthy value; after timeout seconds, a screenshot and an AssertionError."""
        value = wait_until(predicate, timeout, 0.25, self.sleep)
        if not value:
            self.screenshot("timeout")
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        return value

    def screenshot(self, label: str, scroll_to=None) -> Path:
        """A PNG of the browser window (after scrolling `scroll_to` into view) in the artifacts folder."""
        if scroll_to is not None:
            scroll_to.scroll_into_view_if_needed()
        self.shots += 1
        path = self.artifacts / f"{self.name}-{self.shots:02d}-{label}.png"
        self.page.screenshot(path=str(path))
        return path

    def run_all(self) -> dict:
        """Run > Run All Cells from the menu bar; wait until every cell has run (or one failed)."""
        page = self.page
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-item", has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))) \
            .click()
        summary_js = """() => {
            const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
                .map(p => p.textContent.trim());
            const errors = [...document.querySelectorAll(
                '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
                .map(e => e.textContent).filter(t => /Traceback|Error\\b/.test(t));
            return {prompts, errors};
        }"""
        started = time.monotonic()

        def done():
            s = page.evaluate(summary_js)
            running = any("*" in p for p in s["prompts"])
            finished = all(re.fullmatch(r"\[\d+\]:", p) for p in s["prompts"])
            if not running and (finished or s["errors"]) and self.server.kernels_idle():
                return s
            return None

        summary = wait_until(done, RUN_ALL, 1.0, self.sleep)
        if summary is None:
            self.screenshot("run-all-timeout")
            raise AssertionError(f"Run All did not finish within {RUN_ALL} s: {page.evaluate(summary_js)}")
        summary["seconds"] = round(time.monotonic() - started)
        return summary

    def save(self) -> dict:
        """Save the notebook (Ctrl+S) and read the file back: outputs as the front end got them."""
        before = self.notebook.stat().st_mtime_ns
        self.page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
        self.page.keyboard.press("Control+s")
        if not wait_until(lambda: self.notebook.stat().st_mtime_ns != before, 30, 0.25, self.sleep):
            raise AssertionError("the notebook was not saved within 30 s")
        self.sleep(0.5)
        return json.loads(self.notebook.read_text())

    def widget_cell(self, button_name: str):
        """The code cell whose output holds the button named `button_name` (exact)."""
        page = self.page
        return page.locator(".jp-Notebook .jp-CodeCell").filter(
            has=page.get_by_role("button", name=button_name, exact=True))


@pytest.fixture
def open_lab(tmp_path: Path):
    """open_lab('03_train') starts JupyterLab and a browser on a copy of that notebook; all stopped after."""
    tag = uuid.uuid4().hex
    saved = os.environ.get(TAG)
    os.environ[TAG] = tag  # inherited by everything this test starts: Playwright's driver, Chromium, ...
    labs: list[Lab] = []

    def _open(name: str) -> Lab:
        lab = Lab(name, tmp_path, tag)
        labs.append(lab)
        return lab.start()

    try:
        yield _open
    finally:
        problems = []
        for lab in labs:
            problems += lab.close()
        if saved is None:
            os.environ.pop(TAG, None)
        else:
            os.environ[TAG] = saved
        # Gone means gone twice, a second apart (a process caught mid-exec shows no environment).
        wait_until(lambda: not tagged_processes(tag), 20)
        time.sleep(1)
        left = tagged_processes(tag)
        if left:
            for pid, _cmd in left:
                kill(pid, signal.SIGKILL)
            problems.append("processes left after the test (killed now): "
                            + "; ".join(f"{pid} {cmd}" for pid, cmd in left))
        if problems:
            pytest.fail("teardown: " + " | ".join(problems), pytrace=False)
