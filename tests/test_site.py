"""The course as a website (``./course site``): built once from the saved notebooks, then checked.

One build of the real course serves the module (``./course site --out``, in the site's own environment,
``.venv-site``, which the first run makes from ``docs/site/requirements.txt``). Sphinx runs with warnings
as errors, so a successful build is a build without warnings. From the files: every internal link and
anchor resolves, every image exists and has a text alternative, headings go down one level at a time, and
every notebook page has its Binder, Colab and download links, of the README's repository. In headless
Chromium (skipped, with the reason, when Chromium or Playwright is missing, as ``tests/test_browser.py``
is): every page loads with no console error, every image loads, axe-core finds no serious or critical
violation, and the search finds a lesson. Small checkouts made here show that each check fails when it
should.
"""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path

import browser_lab as lab
import nbformat
import pytest
from test_binder import BRANCH, link_problem, repository

from course_tools import site_check
from course_tools.site import WIDGET_VIEW

ROOT = Path(__file__).resolve().parents[1]
BROWSER_MISSING = lab.playwright_missing() or (None if lab.find_chromium() else lab.INSTALL_HINT)
needs_browser = pytest.mark.skipif(BROWSER_MISSING is not None, reason=str(BROWSER_MISSING))
# a 1x1 PNG
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk+A8AAQUBAScY42YAAAAASUVORK5CYII="


def build_site(root: Path, out: Path) -> subprocess.CompletedProcess:
    """``./course site`` on the checkout ``root`` (the course's own configuration), into ``out``."""
    command = [str(ROOT / "course"), "site", "--root", str(root), "--out", str(out)]
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = build_site(ROOT, out)
    assert result.returncode == 0, result.stderr[-6000:] + result.stdout[-2000:]
    assert re.search(r"site: \d+ pages in [\d.]+ s", result.stdout), result.stdout
    return out / "html"


def notebook_pages() -> list[str]:
    return sorted(
        p.relative_to(ROOT).as_posix()
        for d in ("notebooks", "exercises", "solutions")
        for p in (ROOT / d).glob("*.ipynb")
    )


# ---------------------------------------------------------------------------------------------- the course's site


@pytest.mark.slow
def test_every_page_of_the_course_is_built(site):
    built = set(site_check.html_pages(site))
    wanted = {"index.html", "search.html"} | {str(Path(p).with_suffix(".html")) for p in notebook_pages()}
    wanted |= {f"docs/{p.stem}.html" for p in (ROOT / "docs").glob("*.md")}
    assert wanted <= built, sorted(wanted - built)
    home = (site / "index.html").read_text()
    assert "Designing CNNs" in home and 'href="notebooks/05_training_a_cnn.html"' in home  # the course map
    assert (site / ".nojekyll").is_file()


@pytest.mark.slow
def test_links_anchors_images_alt_texts_and_headings_hold(site):
    problems = site_check.static_problems(site)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("path", notebook_pages())
def test_notebook_page_launches_and_downloads_the_notebook(site, path):
    page = Path(path).with_suffix(".html").as_posix()
    links = {link for _, link in site_check.read_page(site / page).links}
    binder = {link for link in links if "mybinder.org" in link}
    assert binder and not [link_problem(link) for link in binder if link_problem(link)], binder
    assert {link.rpartition("urlpath=lab/tree/")[2] for link in binder} == {path}
    owner, name = repository()
    colab = {link for link in links if "colab.research.google.com" in link}
    assert colab == {f"https://colab.research.google.com/github/{owner}/{name}/blob/{BRANCH}/{path}"}
    # the download is the notebook as saved, outputs and all
    assert f"../_sources/{path}" in links
    assert (site / "_sources" / path).read_bytes() == (ROOT / path).read_bytes()


@pytest.mark.slow
def test_a_widget_shows_its_saved_view_and_how_to_use_it(site):
    page = (site / "notebooks" / "03_pooling.html").read_text()
    assert "widget-note" in page and "launch this lesson on Binder" in page
    assert "output = floor((7 - 2) / 2) + 1 = 3" in page  # the widget's saved HTML
    assert "jupyter-widgets" not in page and "embed-amd" not in page  # no widget script to load


@needs_browser
@pytest.mark.slow
@pytest.mark.browser
def test_every_page_loads_cleanly_and_passes_axe(site):
    reports = site_check.browser_reports(site, lab.find_chromium())
    assert len(reports) == len(site_check.html_pages(site))
    problems = [problem for report in reports for problem in report.problems()]
    assert not problems, "\n".join(problems)


@needs_browser
@pytest.mark.slow
@pytest.mark.browser
def test_the_search_finds_a_lesson(site):
    from playwright.sync_api import sync_playwright

    with site_check.served(site) as base_url, sync_playwright() as playwright:
        browser = lab.launch_browser(playwright)
        page = browser.new_page()
        page.goto(base_url + "search.html?q=pooling", wait_until="load")
        found = page.locator("#search-results a[href*='03_pooling.html']")
        found.first.wait_for(timeout=30_000)
        browser.close()


# ---------------------------------------------------------------------------------------------- small checkouts


def _checkout(root: Path, cells: list, widgets: dict | None = None) -> Path:
    """A course-shaped checkout: a README with the repository address, one lesson with ``cells``."""
    owner, name = repository()
    (root / "notebooks").mkdir(parents=True)
    (root / "README.md").write_text(
        f"# A course\n\nStart with [the lesson](notebooks/00_lesson.ipynb).\n\n[repository]: https://github.com/{owner}/{name}\n"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 00 · The lesson"), *cells])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    if widgets:
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": widgets}}
    nbformat.write(nb, root / "notebooks" / "00_lesson.ipynb")
    return root


def _code(source: str, outputs=(), tags=(), **metadata):
    return nbformat.v4.new_code_cell(source, outputs=list(outputs), metadata={"tags": list(tags), **metadata})


def _picture():
    return nbformat.v4.new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"})


@pytest.mark.slow
def test_tags_alt_texts_and_widgets_on_a_small_checkout(tmp_path):
    view = {"model_id": "box", "version_major": 2, "version_minor": 0}
    widgets = {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_slider", "IPY_MODEL_image"]}},
        "slider": {"model_name": "IntSliderModel", "state": {"description": "size", "value": 7}},
        "image": {
            "model_name": "ImageModel",
            "state": {"format": "png"},
            "buffers": [{"data": PIXEL, "encoding": "base64", "path": ["value"]}],
        },
    }
    root = _checkout(
        tmp_path / "course",
        [
            _code("assert 1 + 1 == 2  # test only", tags=["remove-cell"]),
            _code(
                "secret_input = 3",
                [nbformat.v4.new_output("stream", text="shown output\n")],
                tags=["hide-input"],
            ),
            _code("plot()", [_picture()], figure_alt=["A single black pixel."]),
            _code(
                "explorer()",
                [nbformat.v4.new_output("display_data", data={WIDGET_VIEW: view, "text/plain": "VBox()"})],
                figure_alt=["The explorer's pixel."],
            ),
        ],
        widgets,
    )
    result = build_site(root, tmp_path / "out")
    assert result.returncode == 0, result.stderr[-4000:]
    page = (tmp_path / "out" / "html" / "notebooks" / "00_lesson.html").read_text()
    assert "test only" not in page  # remove-cell
    assert "shown output" in page and re.search(r"<details[^>]*hide[^>]*>", page)  # hide-input: folded away
    assert 'alt="A single black pixel."' in page and 'alt="The explorer\'s pixel."' in page
    assert "size = 7" in page and "launch this lesson on Binder" in page
    assert not site_check.static_problems(tmp_path / "out" / "html")


@pytest.mark.slow
def test_a_picture_without_a_text_alternative_stops_the_build(tmp_path):
    root = _checkout(tmp_path / "course", [_code("plot()", [_picture()])])
    result = build_site(root, tmp_path / "out")
    assert result.returncode != 0
    assert "notebooks/00_lesson.ipynb, cell 1" in result.stderr and "figure_alt" in result.stderr


@pytest.mark.slow
def test_a_sphinx_warning_stops_the_build(tmp_path):
    root = _checkout(tmp_path / "course", [nbformat.v4.new_markdown_cell("See {ref}`a-label-nowhere`.")])
    result = build_site(root, tmp_path / "out")
    assert result.returncode != 0 and "a-label-nowhere" in result.stderr


# ---------------------------------------------------------------------------------------------- the checks fail


def _pages(folder: Path, pages: dict[str, str]) -> Path:
    """A site of small pages, each body inside the <article> where a built page has its content."""
    for name, body in pages.items():
        (folder / name).write_text(
            f'<html lang="en"><head><title>{name}</title><link rel="icon" href="data:,"></head><body><main><article>{body}</article></main></body></html>'
        )
    return folder


def test_the_file_checks_name_each_problem(tmp_path):
    html = _pages(
        tmp_path,
        {
            "index.html": '<h1 id="top">Home</h1><a href="lesson.html#nowhere">x</a><a href="gone.html">y</a>'
            '<a href="lesson.html#there">ok</a><a href="https://example.org/">out</a>',
            "lesson.html": '<h1>Lesson</h1><h3 id="there">Deep</h3><img src="a.png"><img src="b.png" alt="B">',
            "two.html": "<h1>One</h1><h1>Two</h1>",
        },
    )
    (html / "b.png").write_bytes(base64.b64decode(PIXEL))
    problems = "\n".join(site_check.static_problems(html))
    assert "index.html: <a> lesson.html#nowhere: lesson.html has no anchor #nowhere" in problems
    assert "index.html: <a> gone.html names a file the site does not have" in problems
    assert "lesson.html: <img> a.png names a file" in problems
    assert "lesson.html: <img src='a.png'> has no text alternative" in problems
    assert "lesson.html: h3 'Deep' follows h1" in problems
    assert "two.html: 2 h1 headings" in problems
    assert "#there" not in problems and "example.org" not in problems and "b.png" not in problems


@needs_browser
@pytest.mark.browser
def test_the_browser_checks_name_each_problem(tmp_path):
    html = _pages(
        tmp_path,
        {
            "bad.html": '<h1>Bad</h1><img src="missing.png" alt="gone"><img src="pixel.png">'
            "<script>console.error('boom')</script>",
            "good.html": '<h1>Good</h1><img src="pixel.png" alt="A pixel.">',
        },
    )
    (html / "pixel.png").write_bytes(base64.b64decode(PIXEL))
    reports = {r.page: r for r in site_check.browser_reports(html, lab.find_chromium())}
    bad = "\n".join(reports["bad.html"].problems())
    assert "console: boom" in bad and "404" in bad
    assert "image does not load: missing.png" in bad
    assert "critical image-alt" in bad
    assert not reports["good.html"].broken_images and not reports["good.html"].console_errors


def test_site_tools_are_pinned_apart_from_the_course():
    pins = (ROOT / "docs" / "site" / "requirements.txt").read_text()
    lines = [line for line in pins.splitlines() if line and not line.startswith("#")]
    assert lines and all(re.fullmatch(r"[\w.-]+==[\w.+-]+", line) for line in lines), lines
    names = {line.split("==")[0].lower() for line in lines}
    assert {"sphinx", "myst-nb", "sphinx-book-theme", "axe-playwright-python"} <= names
    course = (ROOT / "pyproject.toml").read_text() + (ROOT / "constraints.txt").read_text()
    assert "sphinx" not in course.lower()  # the course's environment never gets the site's tools
    playwright = re.search(r"^playwright==(\S+)$", course, re.M).group(1)
    assert f"playwright=={playwright}" in lines  # one Playwright for the browser tests and the site's check


def test_the_readme_links_the_published_site_of_its_repository():
    owner, name = repository()
    pages = re.findall(r"https://[\w.-]+\.github\.io/[\w./-]*", (ROOT / "README.md").read_text())
    assert pages == [f"https://{owner}.github.io/{name}/"], pages
