"""Every widget lesson in a real JupyterLab, in headless Chromium, as a learner meets it.

One JupyterLab (started with ``./course lab``, the learners' command) and one browser serve the
whole module; each notebook gets a fresh kernel that is shut down before the next one starts, so
at most one lesson kernel runs at a time. ``tests/browser_lab.py`` holds the machinery.
Screenshots go to the pytest temporary folder (``browser0/screenshots``), which pytest keeps
for the last three runs. Skipped, with one line saying how to install it, when Chromium or
Playwright is missing.
"""

from __future__ import annotations

import json
import re
import urllib.request

import browser_lab as lab
import nbformat
import pytest
from test_binder import BINDER_GUARANTEED_MB, TIMING_TABLES, peak_memory

SKIP_REASON = lab.playwright_missing() or (None if lab.find_chromium() else lab.INSTALL_HINT)
if SKIP_REASON:
    pytest.skip(SKIP_REASON, allow_module_level=True)

WIDGET_NOTEBOOKS = lab.widget_notebooks()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with lab.LabServer(tmp_path_factory.mktemp("browser")) as server:
        yield server


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = lab.launch_browser(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def lab_page(browser, server):
    page = lab.LabPage(browser, server)
    yield page
    page.close()


@pytest.fixture(scope="module")
def shots(server):
    return server.workdir / "screenshots"


def _default(server, plugin: str, name: str):
    """The default that JupyterLab serves for one setting (the course's overrides change defaults)."""
    return server.api("GET", f"/lab/api/settings/{plugin}")["schema"]["properties"][name]["default"]


def test_jupyterlab_serves_the_course_settings(server):
    assert _default(server, "@jupyterlab/apputils-extension:notification", "fetchNews") == "false"
    assert _default(server, "@jupyterlab/apputils-extension:notification", "checkForUpdates") is False
    assert _default(server, "@jupyterlab/notebook-extension:tracker", "autoStartDefaultKernel") is True
    with urllib.request.urlopen(server.url("lab")) as answer:
        page = answer.read().decode()
    config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert config["buildCheck"] is False and config["buildAvailable"] is False


@pytest.mark.parametrize("path", WIDGET_NOTEBOOKS, ids=lambda p: p.stem)
def test_widget_lesson_runs_and_every_widget_responds(lab_page, shots, path):
    report = lab.check_notebook(lab_page, f"notebooks/{path.name}", shots, len(lab.widget_views(path)))
    assert report.ok, report.summary()
    assert report.widgets and all(widget.update_ms for widget in report.widgets), report.widgets


def _notebook(cells: list[str], kernel_name: str = "python3") -> dict:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nb.metadata["kernelspec"] = {"name": kernel_name, "display_name": kernel_name, "language": "python"}
    return nb


BROKEN_CELLS = [
    # 1: the callback raises, so the output never follows the slider
    """import ipywidgets as widgets

slider = widgets.IntSlider(3, 0, 10, description="n")
shown = widgets.HTML("n = 3")


def update(change):
    raise RuntimeError("this callback is broken on purpose")


slider.observe(update, names="value")
widgets.VBox([slider, shown])""",
    # 2: the browser has no code for this view: "Error displaying widget"
    """import traitlets


class Unrenderable(widgets.DOMWidget):
    _view_name = traitlets.Unicode("NoSuchView").tag(sync=True)
    _view_module = traitlets.Unicode("no-such-module").tag(sync=True)
    _view_module_version = traitlets.Unicode("1.0.0").tag(sync=True)


Unrenderable()""",
    # 3: the output names a widget model that the kernel does not have: "Error displaying widget"
    """from IPython.display import display

view = {"model_id": "0123456789abcdef0123456789abcdef", "version_major": 2, "version_minor": 0}
display({"application/vnd.jupyter.widget-view+json": view, "text/plain": "a widget"}, raw=True)""",
    # 4: a working widget, which the check must accept
    """good = widgets.IntSlider(3, 0, 10, description="good")
square = widgets.HTML("9")
good.observe(lambda change: setattr(square, "value", str(change["new"] ** 2)), names="value")
widgets.VBox([good, square])""",
]


def test_the_check_fails_on_a_broken_callback_and_an_unrenderable_widget(server, lab_page, shots):
    # The notebook also names a kernel this machine does not have: the course's settings start
    # the default kernel instead of asking, so no kernel-choice dialog may appear.
    relative = server.add_notebook("broken/broken_widgets.ipynb", _notebook(BROKEN_CELLS, "no-such-kernel"))
    report = lab.check_notebook(lab_page, relative, shots, expected_widgets=4, change_timeout=3)
    assert not report.ok
    problems = "\n".join(report.problems)
    assert (
        "widget 1 (code cell 1): after moving the slider (from 3, key ArrowRight), the output did not change "
        "within 3 s and the kernel reported RuntimeError: this callback is broken on purpose"
    ) in problems, problems
    assert (
        "widget 2 (code cell 2) shows a JavaScript error instead of the widget: "
        "Failed to load view class 'NoSuchView' from module 'no-such-module'"
    ) in problems, problems
    assert "widget 3 (code cell 3) shows 'Error displaying widget: model not found'" in problems, problems
    assert len(report.problems) == 3, problems  # nothing about widget 4, and no dialog
    assert report.widgets[3].update_ms, report.widgets[3]


def test_the_check_sees_the_dialogs_that_the_course_settings_prevent(server, browser):
    # A user's own settings win over the course's defaults: with JupyterLab's defaults put back,
    # the news prompt and the kernel-choice dialog must appear, and the check must see them.
    defaults = {
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "none"},
        "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": False},
    }
    relative = server.add_notebook("broken/missing_kernel.ipynb", _notebook(["1 + 1"], "no-such-kernel"))
    for plugin, values in defaults.items():
        server.api("PUT", f"/lab/api/settings/{plugin}", {"raw": json.dumps(values)})
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url(f"lab/tree/{relative}"))
        page.wait_for_selector(".jp-Dialog", timeout=60_000)
        page.wait_for_selector(".Toastify__toast", timeout=30_000)
        overlays = "\n".join(lab.open_overlays(page))
        assert "Select Kernel" in overlays and "Jupyter news" in overlays, overlays
    finally:
        context.close()
        for plugin in defaults:
            server.api("PUT", f"/lab/api/settings/{plugin}", {"raw": "{}"})
        server.shutdown_kernels()


def test_the_server_and_the_largest_lesson_fit_in_the_course_budget(server):
    # Runs after the lessons: on Binder the Jupyter server and the lesson's kernel share the memory. The server's
    # peak, measured here after it served every widget lesson, plus the largest kernel peak of the timing tables
    # (one kernel at a time, on 2 CPUs or one) must fit in the 1 GB that Binder guarantees.
    server_mb = lab.peak_rss_mb(server.process.pid)
    if server_mb is None:
        pytest.skip("no /proc to read the server's peak memory from")
    over = {
        path: mb
        for table in TIMING_TABLES
        for path, mb in peak_memory(table).items()
        if server_mb + mb > BINDER_GUARANTEED_MB
    }
    assert not over, (
        f"the server ({server_mb:.0f} MB) and these kernels pass {BINDER_GUARANTEED_MB} MB: {over}"
    )
