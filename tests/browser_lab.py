"""Drive the course's widget notebooks in a real JupyterLab and a headless Chromium.

Used by ``tests/test_browser.py``. A :class:`LabServer` starts ``./course lab`` (the command
learners run) on a free port, with a token and a temporary root folder and temporary user
settings, so that nothing in the repository or in the user's home changes. :func:`check_notebook`
opens one notebook in Playwright's Chromium, runs every cell, and checks each widget: it renders,
shows no "Error displaying widget", and its output changes when one of its controls moves.

Run as a script, it checks every widget notebook and writes the table of widget update times::

    .venv/bin/python tests/browser_lab.py --timings docs/widget_timings.md

Playwright is imported only inside the functions that need it, so importing this module is cheap.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_ERROR = "Error displaying widget"
UPDATE_BUDGET_MS = 100
TIMING_ROUNDS = 3  # forward-and-back moves per widget when measuring update times
INSTALL_HINT = (
    "no Chromium found: run `sudo .ci/install_browser` (Debian, Ubuntu) "
    "or set COURSE_CHROMIUM to a Chromium or Chrome executable"
)

# What a widget shows (as opposed to the controls that change it).
OUTPUT_SELECTOR = (
    ".widget-html-content, .widget-htmlmath-content, img.widget-image, div.widget-label, "
    ".jupyter-widgets-output-area"
)
# The controls a learner moves, in the order they appear; the first one is moved.
CONTROL_SELECTOR = ".noUi-handle, select, input, button:not(.widget-play button)"


def find_chromium() -> str | None:
    """The Chromium executable to drive: ``$COURSE_CHROMIUM``, else ``chromium`` on the PATH.

    Examples
    --------
    >>> path = find_chromium()
    >>> path is None or Path(path).exists()
    True
    """
    candidate = os.environ.get("COURSE_CHROMIUM")
    if candidate:
        return candidate if Path(candidate).exists() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def playwright_missing() -> str | None:
    """None when Playwright can be imported, else a one-line reason."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: install it with `sudo .ci/install_browser` or `pip install -e .[test]`"
    return None


def widget_views(path: Path) -> list[tuple[int, int]]:
    """``(cell, output)`` indices of every widget view saved in a notebook (code cells counted from 0).

    Examples
    --------
    >>> widget_views(ROOT / "notebooks" / "00_start_here.ipynb")
    []
    >>> len(widget_views(ROOT / "notebooks" / "01_convolution_arithmetic.ipynb")) >= 1
    True
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    code_cells = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    return [
        (i, j)
        for i, cell in enumerate(code_cells)
        for j, output in enumerate(cell.get("outputs", []))
        if WIDGET_MIME in output.get("data", {})
    ]


def widget_notebooks(folder: Path = ROOT / "notebooks") -> list[Path]:
    """The lessons whose saved outputs show widgets (new lessons are picked up as they land).

    Examples
    --------
    >>> [path.name[:2] for path in widget_notebooks()][:6]
    ['01', '02', '03', '04', '05', '06']
    """
    return [path for path in sorted(Path(folder).glob("*.ipynb")) if widget_views(path)]


def peak_rss_mb(pid: int) -> float | None:
    """The peak resident memory of a process so far (Linux's VmHWM), in MB; None where unknown."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kilobytes = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(kilobytes[0]) / 1024 if kilobytes else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """``./course lab`` on a free port, with a token, a temporary root and temporary user settings.

    The root folder gets a copy of ``notebooks/``; :meth:`add_notebook` writes more. Jupyter's
    config, data, runtime, user-settings and workspace folders are temporary too, so a developer's
    own JupyterLab settings cannot hide or cause a dialog. Use it as a context manager.
    """

    def __init__(self, workdir: Path, startup_timeout: float = 120):
        self.workdir = Path(workdir)
        self.root = self.workdir / "root"
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.workdir / "jupyterlab.log"
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self._stopping: list[threading.Thread] = []

    def __enter__(self) -> LabServer:
        shutil.copytree(ROOT / "notebooks", self.root / "notebooks", ignore=shutil.ignore_patterns(".*"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
        for name, folder in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTERLAB_SETTINGS_DIR", "user-settings"),
            ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ]:
            env[name] = str(self.workdir / folder)
            (self.workdir / folder).mkdir(parents=True, exist_ok=True)
        env["COURSE_OPEN_BROWSER"] = "False"
        command = [
            str(ROOT / "course"),
            "lab",
            "--no-browser",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            # window.jupyterapp lets the test read the notebook model (execution counts, outputs)
            "--LabApp.expose_app_in_browser=True",
        ]
        self._log = open(self.log_path, "w", encoding="utf-8")  # closed by __exit__
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.__exit__(None, None, None)
                raise RuntimeError(f"./course lab exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status")
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError(
            f"JupyterLab did not answer within {self.startup_timeout:.0f} s:\n{self.log_tail()}"
        )

    def __exit__(self, *exc_info) -> None:
        for thread in self._stopping:
            thread.join(timeout=30)
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                # the kernels are stopped already; a server that hangs while stopping its extensions is killed
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        if not self._log.closed:
            self._log.close()

    def url(self, path: str) -> str:
        """The address of ``path`` (e.g. ``lab/tree/notebooks/01.ipynb``) with a fresh workspace."""
        return f"{self.base_url}/{path}?reset&token={self.token}"

    def api(self, method: str, path: str, body=None):
        """Call the Jupyter server's REST API; return the decoded JSON answer (or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def shutdown_kernels(self, wait: bool = True) -> None:
        """Stop the kernels running now, so that one notebook's kernel is gone before the next one's works.

        A kernel takes seconds to exit: with ``wait=False`` the kernels are listed now and stopped in
        the background while the next notebook loads (:meth:`__exit__` waits for them).
        """
        paths = [f"/api/sessions/{s['id']}" for s in self.api("GET", "/api/sessions")]
        paths += [f"/api/kernels/{k['id']}" for k in self.api("GET", "/api/kernels")]

        def stop():
            for path in paths:
                try:
                    self.api("DELETE", path)
                except urllib.error.HTTPError as error:  # already gone with its session
                    if error.code != 404:
                        raise

        if wait:
            stop()
        else:
            thread = threading.Thread(target=stop, daemon=True)
            thread.start()
            self._stopping.append(thread)

    def add_notebook(self, relative: str, nb: dict) -> str:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(nb), encoding="utf-8")
        return relative

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the server's output."""
        self._log.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class WidgetReport:
    """One widget view: where it is, what was moved, how long the output took to follow."""

    cell: int
    output: int
    control: str = ""
    update_ms: list[float] = field(default_factory=list)
    screenshot: str = ""


@dataclass
class NotebookReport:
    """What :func:`check_notebook` found; ``ok`` when ``problems`` is empty."""

    path: str
    problems: list[str] = field(default_factory=list)
    widgets: list[WidgetReport] = field(default_factory=list)
    run_seconds: float = 0.0
    screenshot: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        lines = [f"{self.path}: {len(self.problems)} problem(s)"]
        lines += [f"  - {problem}" for problem in self.problems]
        if self.screenshot:
            lines.append(f"  screenshot: {self.screenshot}")
        return "\n".join(lines)


# -- in-page JavaScript --------------------------------------------------------------------
_CURRENT = "window.courseNotebook"  # the NotebookPanel that LabPage.open_notebook opened
_JS_APP_READY = "() => !!window.jupyterapp && window.jupyterapp.commands.hasCommand('docmanager:open')"
_JS_OPEN = """async (path) => {
  const app = window.jupyterapp;
  await app.restored;
  const widget = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  app.shell.activateById(widget.id);
  window.courseNotebook = widget;
}"""
# Close without saving (the copy in the temporary root is thrown away anyway).
_JS_CLOSE = """() => {
  const widget = window.courseNotebook;
  window.courseNotebook = null;
  if (widget && !widget.isDisposed) {
    widget.context.model.dirty = false;
    widget.dispose();
  }
}"""
_JS_KERNEL_IDLE = f"""(path) => {{
  const w = {_CURRENT};
  if (!w || !w.context || w.context.path !== path || !w.sessionContext) return false;
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle';
}}"""
# Collect what the kernel reports outside cell outputs: a widget callback that raises sends its
# traceback as an iopub error message that no cell shows (JupyterLab puts it in the log console).
_JS_COLLECT_KERNEL_ERRORS = f"""() => {{
  const kernel = {_CURRENT}.sessionContext.session.kernel;
  window.courseKernelErrors = [];
  kernel.iopubMessage.connect((_, msg) => {{
    const type = msg.header.msg_type;
    if (type === 'error') window.courseKernelErrors.push(msg.content.ename + ': ' + msg.content.evalue);
    if (type === 'stream' && msg.content.name === 'stderr') {{
      window.courseKernelErrors.push('stderr: ' + msg.content.text.trim().slice(0, 300));
    }}
  }});
}}"""
_JS_KERNEL_ERRORS = "(start) => window.courseKernelErrors.slice(start)"
_JS_RUN_ALL = """async (timeoutMs) => {
  const app = window.jupyterapp;
  await app.commands.execute('notebook:clear-all-cell-outputs');
  const timeout = new Promise(resolve => setTimeout(() => resolve('timeout'), timeoutMs));
  return await Promise.race([app.commands.execute('notebook:run-all-cells'), timeout]);
}"""
# Per code cell: execution count, and the outputs' types (and mime types); widget views get a
# data-course-widget attribute so that Playwright can find them.
_JS_OUTPUTS = f"""() => {{
  const cells = {_CURRENT}.content.widgets.filter(c => c.model.type === 'code');
  let k = 0;
  return cells.map((cell, i) => {{
    const outputs = cell.model.outputs.toJSON();
    return {{
      count: cell.model.executionCount,
      outputs: outputs.map((o, j) => {{
        const data = o.data || {{}};
        const isWidget = '{WIDGET_MIME}' in data;
        if (isWidget) {{
          const child = cell.outputArea.widgets[j];
          const node = child && child.node.querySelector('.jp-OutputArea-output');
          if (node) node.setAttribute('data-course-widget', String(k));
          k += 1;
        }}
        return {{type: o.output_type, name: o.name || '', widget: isWidget,
                 text: o.output_type === 'error' ? o.ename + ': ' + o.evalue : (o.text || '').slice(0, 300)}};
      }}),
    }};
  }});
}}"""
_JS_RENDERED = """(node) => node.innerText.includes('Error displaying widget')
  || !!node.querySelector('.jupyter-widgets')"""
# ipywidgets shows a view that failed in the browser as an icon with "Click to show javascript error."
_JS_VIEW_ERROR = """(node) => {
  const error = node.querySelector('.jupyter-widgets-error-widget');
  if (!error) return null;
  error.click();
  return error.innerText.trim().split('\\n').filter(line => !line.startsWith('[Open Browser Console')).join(' ');
}"""
_JS_SNAPSHOT = f"""(node) => Array.from(node.querySelectorAll('{OUTPUT_SELECTOR}'))
  .map(e => e.tagName === 'IMG' ? e.src : e.innerHTML).join('\\u0000')"""
# Watch one widget view: t0 = the learner's last key press, click or change; last = the latest
# change to what the widget shows (mutations of the controls themselves are not counted).
_JS_WATCH = f"""(node) => {{
  const watch = {{t0: null, last: null}};
  node.__courseWatch = watch;
  for (const type of ['keydown', 'click', 'change']) {{
    node.addEventListener(type, () => {{ watch.t0 = performance.now(); watch.last = null; }}, true);
  }}
  const isOutput = (target) => {{
    const element = target.nodeType === 1 ? target : target.parentElement;
    return !!element && !!element.closest('{OUTPUT_SELECTOR}');
  }};
  new MutationObserver(records => {{
    if (records.some(r => isOutput(r.target))) watch.last = performance.now();
  }}).observe(node, {{subtree: true, childList: true, attributes: true, characterData: true}});
}}"""
_JS_WATCH_STATE = (
    "(node) => ({t0: node.__courseWatch.t0, last: node.__courseWatch.last, now: performance.now()})"
)
_JS_OPEN_OVERLAYS = """() => {
  const texts = [];
  for (const e of document.querySelectorAll('.jp-Dialog')) texts.push('dialog: ' + e.innerText.trim().slice(0, 200));
  for (const e of document.querySelectorAll('.Toastify__toast')) texts.push('notification: ' + e.innerText.trim().slice(0, 200));
  return texts;
}"""


def open_overlays(page) -> list[str]:
    """The dialogs and notifications JupyterLab shows on ``page`` (their first words)."""
    return page.evaluate(_JS_OPEN_OVERLAYS)


class _Control:
    """The first control of a widget, moved as a learner would: :meth:`move`, then :meth:`move_back`."""

    def __init__(self, locator):
        self.locator = locator
        self.kind = locator.evaluate(
            """(e) => e.classList.contains('noUi-handle') ? 'slider'
                : e.tagName === 'SELECT' ? 'dropdown'
                : (e.tagName === 'INPUT' && e.type === 'number') ? 'number box'
                : (e.tagName === 'INPUT' && e.type === 'checkbox') ? 'checkbox'
                : e.closest('.widget-toggle-buttons') ? 'toggle buttons'
                : e.tagName === 'INPUT' ? 'text box' : 'button'"""
        )
        self.description = self.kind

    def move(self) -> None:
        control = self.locator
        if self.kind == "slider":
            at_max = control.get_attribute("aria-valuenow") == control.get_attribute("aria-valuemax")
            self._keys = ("ArrowLeft", "ArrowRight") if at_max else ("ArrowRight", "ArrowLeft")
            self.description = f"slider (from {control.get_attribute('aria-valuetext')}, key {self._keys[0]})"
            control.focus()
            control.press(self._keys[0])
        elif self.kind == "dropdown":
            count = control.evaluate("(e) => e.options.length")
            self._original = control.evaluate("(e) => e.selectedIndex")
            target = self._original + 1 if self._original + 1 < count else self._original - 1
            self.description = f"dropdown option {self._original + 1} to {target + 1}"
            control.select_option(index=target)
        elif self.kind == "number box":
            self._original = control.input_value()
            high = control.get_attribute("max")
            new = int(float(self._original)) + 1
            if high is not None and new > float(high):
                new -= 2
            self.description = f"number box {self._original} to {new}"
            control.fill(str(new))
            control.press("Enter")
        elif self.kind == "toggle buttons":
            group = control.locator("xpath=ancestor::*[contains(@class, 'widget-toggle-buttons')][1]")
            self._original = group.locator("button.mod-active").first
            target = group.locator("button:not(.mod-active)").first
            self.description = f"toggle button {target.inner_text()!r}"
            target.click()
        else:
            self.description = f"{self.kind} click"
            control.click()

    def move_back(self) -> None:
        control = self.locator
        if self.kind == "slider":
            control.focus()
            control.press(self._keys[1])
        elif self.kind == "dropdown":
            control.select_option(index=self._original)
        elif self.kind == "number box":
            control.fill(self._original)
            control.press("Enter")
        elif self.kind == "toggle buttons":
            self._original.click()
        else:
            control.click()


def _check_widget(
    page,
    report: NotebookReport,
    widget: WidgetReport,
    index: int,
    shots: Path,
    stem: str,
    change_timeout: float,
    rounds: int,
) -> None:
    view = page.locator(f'[data-course-widget="{index}"]')
    where = f"widget {index + 1} (code cell {widget.cell + 1})"
    try:
        page.wait_for_function(_JS_RENDERED, arg=view.element_handle(), timeout=30_000)
    except Exception:
        report.problems.append(f"{where} did not render within 30 s")
        return
    view.scroll_into_view_if_needed()
    text = view.inner_text()
    if WIDGET_ERROR in text:
        report.problems.append(f"{where} shows '{text.strip()[:120]}'")
        return
    view_error = view.evaluate(_JS_VIEW_ERROR)
    if view_error is not None:
        report.problems.append(f"{where} shows a JavaScript error instead of the widget: {view_error[:200]}")
        return
    controls = view.locator(CONTROL_SELECTOR)
    if controls.count() == 0:
        report.problems.append(f"{where} has no control to move")
        return
    control = _Control(controls.first)
    view.evaluate(_JS_WATCH)
    for move in [control.move, control.move_back] * rounds:
        before = view.evaluate(_JS_SNAPSHOT)
        errors_before = len(page.evaluate(_JS_KERNEL_ERRORS, 0))
        move()
        widget.control = control.description
        deadline = time.monotonic() + change_timeout
        while time.monotonic() < deadline and view.evaluate(_JS_SNAPSHOT) == before:
            time.sleep(0.02)
        changed = view.evaluate(_JS_SNAPSHOT) != before
        errors = page.evaluate(_JS_KERNEL_ERRORS, errors_before)
        if not changed or errors:
            what = "changed but" if changed else f"did not change within {change_timeout:g} s and"
            said = "; ".join(errors) if errors else "nothing"
            report.problems.append(
                f"{where}: after moving the {control.description}, the output {what} the kernel reported {said}"
            )
            return
        # the update is complete when the output has been quiet for 0.3 s
        while True:
            state = view.evaluate(_JS_WATCH_STATE)
            if state["last"] is None or state["now"] - state["last"] > 300 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if state["last"] is not None and state["t0"] is not None:
            widget.update_ms.append(round(state["last"] - state["t0"], 1))
    shot = shots / f"{stem}-widget{index + 1}.png"
    view.screenshot(path=str(shot))
    widget.screenshot = str(shot)


class LabPage:
    """One browser tab on JupyterLab, reused notebook after notebook, so that JupyterLab loads once.

    A notebook is opened as from the file browser and closed without saving. After a notebook
    with a problem, the tab loads JupyterLab afresh, so that one notebook's trouble cannot spill
    into the next one's check.
    """

    def __init__(self, browser, server: LabServer):
        self.server = server
        self.context = browser.new_context(viewport={"width": 1300, "height": 900})
        self.page = self.context.new_page()
        self.loaded = False

    def open_notebook(self, relative: str) -> None:
        if not self.loaded:
            self.page.goto(self.server.url("lab"))
            self.page.wait_for_function(_JS_APP_READY, timeout=120_000)
            self.loaded = True
        self.page.evaluate(_JS_OPEN, relative)

    def close_notebook(self, reload: bool = False) -> None:
        self.page.evaluate(_JS_CLOSE)
        self.loaded = self.loaded and not reload

    def close(self) -> None:
        self.context.close()


def check_notebook(
    lab: LabPage,
    relative: str,
    shots: Path,
    expected_widgets: int | None = None,
    run_timeout: float = 180,
    change_timeout: float = 20,
    rounds: int = 1,
) -> NotebookReport:
    """Open ``relative`` (a path under the server's root) in ``lab``, run all cells and check every widget.

    Checks, in order: the notebook opens with its kernel and no dialog or notification; Run All
    finishes with no error and no stderr output; there are ``expected_widgets`` widget views (when
    given); each renders without "Error displaying widget"; moving its first control changes what
    it shows, and moving it back changes it again (``rounds`` times). Saves a screenshot of the
    notebook and of each widget into ``shots``. The notebook's kernel is shut down at the end (in the background).
    """
    report = NotebookReport(relative)
    stem = Path(relative).stem
    shots.mkdir(parents=True, exist_ok=True)
    page = lab.page
    try:
        lab.open_notebook(relative)
        try:
            page.wait_for_function(_JS_KERNEL_IDLE, arg=relative, timeout=120_000)
        except Exception:
            report.problems.append(
                f"the notebook did not open with an idle kernel within 120 s: {open_overlays(page)}"
            )
            return report
        page.wait_for_timeout(500)  # give a dialog or notification the time to show up
        report.problems += [f"JupyterLab shows a {text}" for text in open_overlays(page)]
        page.evaluate(_JS_COLLECT_KERNEL_ERRORS)
        start = time.monotonic()
        result = page.evaluate(_JS_RUN_ALL, run_timeout * 1000)
        report.run_seconds = round(time.monotonic() - start, 1)
        if result == "timeout":
            report.problems.append(f"Run All did not finish within {run_timeout:g} s")
        cells = page.evaluate(_JS_OUTPUTS)
        for number, cell in enumerate(cells, start=1):
            if cell["count"] is None and result is True:
                report.problems.append(f"code cell {number} did not run")
            for output in cell["outputs"]:
                if output["type"] == "error":
                    report.problems.append(f"code cell {number} raised {output['text']}")
                elif output["type"] == "stream" and output["name"] == "stderr":
                    report.problems.append(f"code cell {number} wrote to stderr: {output['text']!r}")
        if result is False and not any("raised" in p for p in report.problems):
            report.problems.append("Run All stopped early")
        positions = [
            (i, j) for i, cell in enumerate(cells) for j, o in enumerate(cell["outputs"]) if o["widget"]
        ]
        if expected_widgets is not None and len(positions) != expected_widgets:
            report.problems.append(f"expected {expected_widgets} widget view(s), found {len(positions)}")
        for index, (i, j) in enumerate(positions):
            widget = WidgetReport(i, j)
            report.widgets.append(widget)
            _check_widget(page, report, widget, index, shots, stem, change_timeout, rounds)
        report.problems += [f"JupyterLab shows a {text}" for text in open_overlays(page)]
        if report.widgets:
            page.locator('[data-course-widget="0"]').scroll_into_view_if_needed()
        report.screenshot = str(shots / f"{stem}.png")
        page.screenshot(path=report.screenshot)
        return report
    finally:
        try:
            lab.close_notebook(reload=not report.ok)
        except Exception:  # a broken page is loaded afresh for the next notebook
            lab.loaded = False
        lab.server.shutdown_kernels(wait=False)


def launch_browser(playwright):
    """Headless Chromium from the system (Playwright's own browser download is not needed)."""
    return playwright.chromium.launch(executable_path=find_chromium(), headless=True)


# -- the timing table ----------------------------------------------------------------------
def timings_markdown(
    reports: list[NotebookReport], server_mb: float | None = None, load: float | None = None
) -> str:
    """The table of widget update times that ``--timings`` writes."""
    lines = [
        "# Widget update timings",
        "",
        "Written by `.venv/bin/python tests/browser_lab.py --timings docs/widget_timings.md`: each widget",
        "notebook runs in JupyterLab in headless Chromium; one control per widget is moved forward and back",
        f"{TIMING_ROUNDS} times, and the time from each key press (or click) to the last change of what the",
        f"widget shows is measured. Budget: {UPDATE_BUDGET_MS} ms per update. The median and the slowest of",
        "the moves are shown; a busy machine (see the load average) makes them slower.",
        f"Last run: {datetime.date.today().isoformat()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.machine()}" + ("." if load is None else f", load average {load:.1f} when it started."),
        "",
        "| notebook | widget (code cell) | control moved | median (ms) | slowest (ms) | median within budget |",
        "|---|---|---|---:|---:|---|",
    ]
    for report in reports:
        for number, widget in enumerate(report.widgets, start=1):
            times = widget.update_ms or [float("nan")]
            median = statistics.median(times)
            within = "yes" if median <= UPDATE_BUDGET_MS else "no"
            lines.append(
                f"| `{report.path}` | {number} (cell {widget.cell + 1}) | {widget.control} "
                f"| {median:.0f} | {max(times):.0f} | {within} |"
            )
    if server_mb is not None:
        lines += ["", f"The JupyterLab server's peak RSS after every widget lesson ran: {server_mb:.0f} MB."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Check every widget notebook in JupyterLab in headless Chromium."
    )
    parser.add_argument("--timings", type=Path, help="write the widget update table to this Markdown file")
    parser.add_argument("--shots", type=Path, help="folder for screenshots (default: a temporary folder)")
    parser.add_argument(
        "notebooks", nargs="*", type=Path, help="notebooks to check (default: every widget lesson)"
    )
    args = parser.parse_args(argv)
    reason = playwright_missing() or (None if find_chromium() else INSTALL_HINT)
    if reason:
        print(reason, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    workdir = Path(tempfile.mkdtemp(prefix="course-browser-"))
    shots = args.shots or workdir / "screenshots"
    reports = []
    with LabServer(workdir) as server, sync_playwright() as playwright:
        browser = launch_browser(playwright)
        lab = LabPage(browser, server)
        for path in args.notebooks or widget_notebooks():
            report = check_notebook(
                lab,
                f"notebooks/{path.name}",
                shots,
                len(widget_views(path)),
                rounds=TIMING_ROUNDS,
            )
            times = [f"{statistics.median(w.update_ms):.0f} ms" for w in report.widgets if w.update_ms]
            print(
                f"{report.path}: {'ok' if report.ok else 'FAILED'}, run {report.run_seconds} s, updates {times}"
            )
            if not report.ok:
                print(report.summary())
            reports.append(report)
        browser.close()
        server_mb = peak_rss_mb(server.process.pid)
    print(f"screenshots in {shots}")
    if args.timings:
        args.timings.write_text(timings_markdown(reports, server_mb, load), encoding="utf-8")
        print(f"wrote {args.timings}")
    all_ms = [ms for r in reports for w in r.widgets for ms in w.update_ms]
    if all_ms:
        print(f"median update {statistics.median(all_ms):.0f} ms, slowest {max(all_ms):.0f} ms")
    return 0 if all(report.ok for report in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
