"""Checks of the built website (``./course site --check``, and ``tests/test_site.py``).

Read from the files (no browser): every internal link and anchor resolves, every image exists and has a
text alternative, headings go down one level at a time, and each notebook page has its launch and download
links. In headless Chromium (Playwright), each page loads with no console error and no failed request,
every image loads, and axe-core finds no serious or critical accessibility violation.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import posixpath
import shutil
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from course_tools import ROOT

AXE_FAILS = ("serious", "critical")
# Sphinx's own pages: generated, not written by the course.
GENERATED = {"genindex.html", "search.html"}


@dataclass
class Page:
    """What one HTML page holds: ids, links (href/src, with the tag), images and headings."""

    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._heading: list | None = None
        self._in_article = 0  # the page's own content (the theme's print-only title and menus are outside)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._in_article += tag == "article"
        for name in ("id", "name"):
            if attrs.get(name):
                self.page.ids.add(attrs[name])
        for name in ("href", "src"):
            if attrs.get(name) and tag in {"a", "link", "script", "img", "iframe", "source"}:
                self.page.links.append((tag, attrs[name]))
        if tag == "img":
            self.page.images.append(attrs)
        if self._in_article and len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self._heading = [int(tag[1]), ""]

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[1] += data

    def handle_endtag(self, tag):
        self._in_article -= tag == "article"
        if self._heading is not None and tag == f"h{self._heading[0]}":
            self.page.headings.append((self._heading[0], " ".join(self._heading[1].split())))
            self._heading = None


@functools.cache
def read_page(path: Path) -> Page:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader.page


def html_pages(html_dir: Path) -> list[str]:
    """Every HTML page of the site, relative to ``html_dir``, with forward slashes (not the theme's
    templates in ``_static/``)."""
    found = (path.relative_to(html_dir).as_posix() for path in html_dir.rglob("*.html"))
    return sorted(page for page in found if not page.startswith("_static/"))


def _internal(link: str) -> bool:
    scheme = urlsplit(link).scheme
    return not scheme and not link.startswith("//")


def link_problems(html_dir: Path, page: str) -> list[str]:
    """Internal links and anchors of ``page`` that do not resolve, and images that are missing."""
    problems = []
    for tag, link in read_page(html_dir / page).links:
        if link.startswith("data:") or not _internal(link):
            continue
        parts = urlsplit(link)
        target = (
            posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
            if parts.path
            else page
        )
        path = html_dir / target
        if path.is_dir():
            path = path / "index.html"
        if target.startswith("..") or not path.is_file():
            problems.append(f"{page}: <{tag}> {link} names a file the site does not have")
        elif parts.fragment and path.suffix == ".html" and unquote(parts.fragment) not in read_page(path).ids:
            problems.append(
                f"{page}: <{tag}> {link}: {path.relative_to(html_dir)} has no anchor #{parts.fragment}"
            )
    return problems


def image_problems(html_dir: Path, page: str) -> list[str]:
    """Images of ``page`` without a text alternative."""
    return [
        f"{page}: <img src={attrs.get('src')!r}> has no text alternative (alt)"
        for attrs in read_page(html_dir / page).images
        if not (attrs.get("alt") or "").strip() and attrs.get("role") != "presentation"
    ]


def heading_problems(html_dir: Path, page: str) -> list[str]:
    """Headings out of order: not starting at h1, more than one h1, or a level skipped going down."""
    headings = read_page(html_dir / page).headings
    problems, previous = [], 0
    if page in GENERATED or not headings:
        return problems
    if [level for level, _ in headings].count(1) != 1:
        problems.append(f"{page}: {[level for level, _ in headings].count(1)} h1 headings, not one")
    for level, text in headings:
        if level > previous + 1:
            problems.append(f"{page}: h{level} {text!r} follows h{previous}: a level is skipped")
        previous = level
    return problems


def launch_problems(html_dir: Path, page: str, links: dict[str, str], source: str) -> list[str]:
    """What a notebook page lacks of its launch links (Binder, Colab) and its download."""
    found = {link for _, link in read_page(html_dir / page).links}
    wanted = {**links, "download": posixpath.relpath(f"_sources/{source}", posixpath.dirname(page))}
    return [f"{page}: no {kind} link {url}" for kind, url in wanted.items() if url not in found]


def static_problems(html_dir: Path) -> list[str]:
    """Every problem the files show: links, anchors, images, alt texts, headings, launch links."""
    from course_tools.site import launch_links

    read_page.cache_clear()
    problems = []
    for page in html_pages(html_dir):
        problems += (
            link_problems(html_dir, page) + image_problems(html_dir, page) + heading_problems(html_dir, page)
        )
        source = posixpath.splitext(page)[0] + ".ipynb"
        if (html_dir / "_sources" / source).is_file():
            problems += launch_problems(html_dir, page, launch_links(source), source)
    return problems


# ---------------------------------------------------------------------------------------------- browser


def axe_script() -> str:
    """axe-core's ``axe.min.js``, as the pinned axe-playwright-python of the site's environment ships it."""
    with contextlib.suppress(ImportError):
        import axe_playwright_python

        return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
    found = sorted(ROOT.glob(".venv-site/lib/python3*/site-packages/axe_playwright_python/axe.min.js"))
    if not found:
        raise FileNotFoundError("axe.min.js not found: run ./course site, which installs the site's tools")
    return found[-1].read_text(encoding="utf-8")


def find_chromium() -> str | None:
    """``$COURSE_CHROMIUM``, else ``chromium`` on the PATH (as tests/browser_lab.py finds it)."""
    return os.environ.get("COURSE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def served(html_dir: Path):
    """The site on a free port of 127.0.0.1, for as long as the block runs; yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class PageReport:
    """What a browser saw on one page."""

    page: str
    console_errors: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [
            *(f"{self.page}: console: {error}" for error in self.console_errors),
            *(f"{self.page}: image does not load: {src}" for src in self.broken_images),
            *(f"{self.page}: axe: {violation}" for violation in self.violations),
        ]


BROKEN_IMAGES_JS = """async () => {
    const images = Array.from(document.images);
    images.forEach(img => { img.loading = "eager"; });
    await Promise.all(images.map(img => img.decode().catch(() => null)));
    return images.filter(img => !img.complete || img.naturalWidth === 0).map(img => img.getAttribute("src"));
}"""
AXE_JS = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


async def check_in_browser(browser, base_url: str, page: str, axe: str) -> PageReport:
    """Open ``page`` in a fresh tab: console errors and failed requests while it loads, images that do not
    load, and axe-core's violations (axe's own requests, made after the page loaded, are not counted)."""
    report, loading = PageReport(page), [True]

    def error(text: str) -> None:
        if loading[0]:
            report.console_errors.append(text)

    tab = await browser.new_page()
    tab.on("console", lambda message: message.type == "error" and error(message.text))
    tab.on("pageerror", lambda exception: error(str(exception)))
    tab.on("requestfailed", lambda request: error(f"request failed: {request.url}"))
    tab.on("response", lambda answer: answer.status >= 400 and error(f"{answer.status}: {answer.url}"))
    try:
        await tab.goto(base_url + page, wait_until="load")
        report.broken_images = await tab.evaluate(BROKEN_IMAGES_JS)
        loading[0] = False
        await tab.add_script_tag(content=axe)
        report.violations = [
            f"{v['impact']} {v['id']}: {v['help']} ({'; '.join(v['targets'])})"
            for v in await tab.evaluate(AXE_JS)
            if v["impact"] in AXE_FAILS
        ]
    finally:
        await tab.close()
    return report


TABS = 3  # pages checked at once: axe-core on a long lesson page takes seconds of one core


def browser_reports(html_dir: Path, chromium: str, pages: list[str] | None = None) -> list[PageReport]:
    """Every page (or ``pages``) of the built site checked in headless Chromium, ``TABS`` at a time."""
    import asyncio

    from playwright.async_api import async_playwright

    axe = axe_script()

    async def run(base_url: str) -> list[PageReport]:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium, headless=True)
            slots = asyncio.Semaphore(TABS)

            async def one(page: str) -> PageReport:
                async with slots:
                    return await check_in_browser(browser, base_url, page, axe)

            try:
                return await asyncio.gather(*(one(page) for page in pages or html_pages(html_dir)))
            finally:
                await browser.close()

    with served(html_dir) as base_url:
        return asyncio.run(run(base_url))


def check_site(html_dir: Path) -> dict[str, list[str]]:
    """``{"files": [...], "browser": [...]}``: every problem found (browser checks need Chromium)."""
    found = {"files": static_problems(html_dir), "browser": []}
    chromium = find_chromium()
    if chromium is None:
        found["browser"] = ["no Chromium found: set COURSE_CHROMIUM or install Debian's chromium"]
    else:
        found["browser"] = [p for report in browser_reports(html_dir, chromium) for p in report.problems()]
    return found


def summary(found: dict[str, list[str]]) -> str:
    lines = [f"{kind}: {len(problems)} problem(s)" for kind, problems in found.items()]
    return "\n".join(lines + [problem for problems in found.values() for problem in problems])
