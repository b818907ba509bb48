"""The course as a static website, built from the SAVED notebooks (never executed) with Sphinx and myst-nb.

Usage (``./course site`` runs it in its own environment, ``.venv-site``, made from
``docs/site/requirements.txt``; the course's environment never gets the site's tools)::

    python -m course_tools.site                  # build into build/site/html
    python -m course_tools.site --serve [PORT]   # build, then preview on http://127.0.0.1:PORT/
    python -m course_tools.site --check          # build, then check every page in headless Chromium

The pages: the README as the home page (the course map), one page per lesson (``notebooks/``), the
exercises, the solutions and the guides and tables of ``docs/``. A lesson page carries launch buttons
(Binder, Colab) and a download of the saved notebook, built from the README's one ``[repository]:``
address. The source is first laid out in ``build/site/src``, a copy in which:

- every picture a cell shows (an image output, or the picture inside a saved widget) gets its text
  alternative from the cell's metadata, ``figure_alt`` (one sentence per picture, in order; written by
  ``python -m course_tools.site_metadata``): a picture without one stops the build;
- a widget, which needs a kernel, becomes its saved starting view (its HTML, pictures and settings) with a
  note that links the lesson on Binder and Colab;
- a link to a file of the repository that is no page of the site points at the repository instead.

Cell tags that myst-nb knows (``remove-cell``, ``remove-input``, ``remove-output``, ``hide-input``,
``hide-output``, ``hide-cell``) are honoured. Sphinx runs with warnings as errors.
"""

from __future__ import annotations

import argparse
import base64
import copy
import html
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from course_tools import ROOT

CONFIG = ROOT / "docs" / "site"
BUILD = ROOT / "build" / "site"
BRANCH = "main"
ALT_KEY = "figure_alt"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PICTURE_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/svg+xml": ".svg"}
# The sections of the site, in the order of its navigation: (caption, pattern under the repository root).
SECTIONS = [
    ("Lessons", "notebooks/*.ipynb"),
    ("Exercises", "exercises/*.ipynb"),
    ("Solutions", "solutions/*.ipynb"),
    ("For instructors", "docs/*.md"),
]
FIRST_GUIDES = ("docs/instructor_guide.md", "docs/troubleshooting.md")
REPOSITORY = re.compile(r"^\[repository\]: (https://github\.com/([\w.-]+)/([\w.-]+))$", re.M)
MARKDOWN_LINK = re.compile(r"(!?\[(?:[^\[\]]|\[[^\]]*\])*\]\()([^)\s]+)(\))")
REFERENCE_LINK = re.compile(r"^(\[[^\]]+\]:\s*)(\S+)(.*)$", re.M)
# A badge is a picture from another site (mybinder.org's, Colab's): on the site, whose pages load
# nothing from elsewhere, the README's becomes a plain link to the same place, and a notebook's "Open in
# Colab" badge goes (every notebook page has its own launch buttons).
BADGE = re.compile(r"^\[!\[([^\]]*)\]\(https?://[^)]*\)\]\(([^)]*)\)[ \t]*$", re.M)


class SiteError(Exception):
    """A page cannot be built as the course wants it (a picture without a text alternative, say)."""


def repository(root: Path = ROOT) -> tuple[str, str, str]:
    """``(url, owner, name)`` from the README's one ``[repository]: https://github.com/OWNER/NAME``.

    Examples
    --------
    >>> url, owner, name = repository()
    >>> url == f"https://github.com/{owner}/{name}"
    True
    """
    found = REPOSITORY.findall((root / "README.md").read_text(encoding="utf-8"))
    if len(found) != 1:
        raise SiteError(
            f"README.md must define [repository]: https://github.com/OWNER/NAME once, found {found}"
        )
    return found[0]


def launch_links(path: str, root: Path = ROOT) -> dict[str, str]:
    """The Binder and Colab links that open the notebook ``path`` (relative to the repository).

    Examples
    --------
    >>> links = launch_links("notebooks/03_pooling.ipynb")
    >>> links["binder"].endswith("/main?urlpath=lab/tree/notebooks/03_pooling.ipynb")
    True
    >>> links["colab"].startswith("https://colab.research.google.com/github/")
    True
    """
    _, owner, name = repository(root)
    return {
        "binder": f"https://mybinder.org/v2/gh/{owner}/{name}/{BRANCH}?urlpath=lab/tree/{path}",
        "colab": f"https://colab.research.google.com/github/{owner}/{name}/blob/{BRANCH}/{path}",
    }


def pages(root: Path = ROOT) -> list[tuple[str, list[str]]]:
    """The site's sections and their pages (paths relative to the repository), in navigation order."""
    sections = []
    for caption, pattern in SECTIONS:
        found = sorted(path.relative_to(root).as_posix() for path in root.glob(pattern))
        # the guides first, then the tables, in name order (sort is stable)
        found.sort(key=lambda path: FIRST_GUIDES.index(path) if path in FIRST_GUIDES else len(FIRST_GUIDES))
        if found:
            sections.append((caption, found))
    return sections


# ---------------------------------------------------------------------------------------------- pictures


@dataclass
class Picture:
    """One picture a code cell shows: ``output`` is its index in the cell's outputs."""

    output: int
    mime: str
    data: str  # base64 for the binary types, text for SVG
    widget: str | None = None  # the Image widget's model id, for a picture inside a widget


def widget_state(nb) -> dict:
    """The notebook's saved widget models, by model id (empty when none were saved)."""
    return nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def widget_tree(model_id: str, state: dict) -> list[tuple[str, dict]]:
    """``(model id, model)`` of a widget and everything inside it, in display order."""
    model = state.get(model_id)
    if model is None:
        return []
    found = [(model_id, model)]
    for child in model.get("state", {}).get("children", []):
        found += widget_tree(str(child).removeprefix("IPY_MODEL_"), state)
    return found


def _widget_picture(model: dict) -> tuple[str, str] | None:
    """``(mime, base64)`` of an Image widget's saved picture, or None."""
    if model.get("model_name") != "ImageModel":
        return None
    fmt = model.get("state", {}).get("format", "png")
    mime = "image/svg+xml" if fmt == "svg+xml" else f"image/{fmt}"
    for buffer in model.get("buffers", []):
        if buffer.get("path") == ["value"] and mime in PICTURE_TYPES:
            return mime, buffer["data"]
    return None


def cell_pictures(cell, state: dict) -> list[Picture]:
    """Every picture a code cell shows, in order: image outputs and the pictures of its saved widgets.

    Examples
    --------
    >>> cell = {"cell_type": "code", "outputs": [{"output_type": "display_data",
    ...         "data": {"image/png": "iVBORw0K", "text/plain": "<Figure>"}}]}
    >>> [(p.output, p.mime) for p in cell_pictures(cell, {})]
    [(0, 'image/png')]
    """
    found = []
    for index, output in enumerate(cell.get("outputs", [])):
        data = output.get("data", {})
        if WIDGET_VIEW in data:
            for model_id, model in widget_tree(data[WIDGET_VIEW].get("model_id", ""), state):
                picture = _widget_picture(model)
                if picture:
                    found.append(Picture(index, *picture, widget=model_id))
            continue
        for mime in PICTURE_TYPES:
            if mime in data:
                content = data[mime]
                found.append(Picture(index, mime, "".join(content) if isinstance(content, list) else content))
                break
    return found


# ---------------------------------------------------------------------------------------------- links


def _outside_fences(text: str, change) -> str:
    """``change`` applied to each run of lines outside fenced code blocks."""
    parts, block, fenced = [], [], False
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith(("```", "~~~")):
            parts.append("".join(block) if fenced else change("".join(block)))
            block, fenced = [], not fenced
            parts.append(line)
            continue
        block.append(line)
    parts.append("".join(block) if fenced else change("".join(block)))
    return "".join(parts)


class LinkRewriter:
    """Links of a page, as the site needs them: a link to another page stays relative (the site keeps the
    repository's layout), a link to any other file of the repository points at the repository on GitHub."""

    def __init__(self, root: Path, page_paths: set[str]):
        self.root = root
        self.pages = page_paths
        self.url = repository(root)[0]

    def target(self, page: str, link: str, stage_name: str) -> str:
        if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.I) or link.startswith(("#", "/")):
            return link
        path, hash_, anchor = link.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
        if resolved in self.pages:
            if resolved == "README.md":
                resolved = "index.md"
            return posixpath.relpath(resolved, posixpath.dirname(stage_name) or ".") + hash_ + anchor
        if resolved.startswith("..") or not (self.root / resolved).exists():
            raise SiteError(f"{page}: the link {link!r} names {resolved}, which is not in the repository")
        kind = "tree" if (self.root / resolved).is_dir() else "blob"
        return f"{self.url}/{kind}/{BRANCH}/{resolved}{hash_}{anchor}"

    def rewrite(self, text: str, page: str, stage_name: str | None = None) -> str:
        stage_name = stage_name or page

        def change(block: str) -> str:
            block = MARKDOWN_LINK.sub(lambda m: m[1] + self.target(page, m[2], stage_name) + m[3], block)
            return REFERENCE_LINK.sub(lambda m: m[1] + self.target(page, m[2], stage_name) + m[3], block)

        return _outside_fences(text, change)


# ---------------------------------------------------------------------------------------------- staging


def _alt_texts(cell, pictures: list[Picture], where: str) -> list[str]:
    texts = cell.get("metadata", {}).get(ALT_KEY, [])
    if len(texts) != len(pictures) or not all(isinstance(t, str) and t.strip() for t in texts):
        raise SiteError(
            f"{where} shows {len(pictures)} picture(s) but its metadata {ALT_KEY!r} has {len(texts)} "
            "text alternative(s): write one sentence per picture in ALT_TEXTS of "
            "course_tools/site_metadata.py and run python -m course_tools.site_metadata"
        )
    return texts


def _picture_output(picture: Picture, alt: str, folder: Path, name: str) -> dict:
    """A markdown output that shows the picture (written to ``folder/name``) with its text alternative."""
    folder.mkdir(parents=True, exist_ok=True)
    filename = name + PICTURE_TYPES[picture.mime]
    if picture.mime == "image/svg+xml":
        (folder / filename).write_text(picture.data, encoding="utf-8")
    else:
        (folder / filename).write_bytes(base64.b64decode(picture.data))
    escaped = alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return _display({"text/markdown": f"![{escaped}]({folder.name}/{filename})"})


def _display(data: dict) -> dict:
    return {"output_type": "display_data", "data": data, "metadata": {}}


def _setting(model: dict) -> str | None:
    """``description = value`` for a control of a saved widget, or None for anything else."""
    state = model.get("state", {})
    label = state.get("description")
    if not label or model.get("model_name") in {"ButtonModel", "PlayModel"}:
        return None
    if "_options_labels" in state and isinstance(state.get("index"), int):
        value = state["_options_labels"][state["index"]]
    elif "value" in state:
        value = state["value"]
    else:
        return None
    return f"{label} = {value}"


def _widget_outputs(view: dict, state: dict, pictures: list[tuple[Picture, str]], links, folder, name):
    """The saved starting view of one widget, as plain outputs, and the note to launch the lesson."""
    tree = widget_tree(view.get("model_id", ""), state)
    outputs, settings = [], []
    by_model = {picture.widget: (picture, alt) for picture, alt in pictures}
    for model_id, model in tree:
        kind, model_state = model.get("model_name"), model.get("state", {})
        if kind in {"HTMLModel", "HTMLMathModel"} and model_state.get("value", "").strip():
            # focusable, so that a keyboard can scroll a wide view
            snapshot = (
                '<div class="widget-snapshot" tabindex="0" role="group" aria-label="saved widget view">'
            )
            outputs.append(_display({"text/html": snapshot + model_state["value"] + "</div>"}))
        elif kind == "LabelModel" and model_state.get("value"):
            outputs.append(_display({"text/plain": model_state["value"]}))
        elif model_id in by_model:
            picture, alt = by_model[model_id]
            outputs.append(_picture_output(picture, alt, folder, f"{name}_{model_id[:8]}"))
        elif (setting := _setting(model)) is not None:
            settings.append(setting)
    shown = f" ({html.escape(', '.join(settings))})" if settings else ""
    note = (
        f'<p class="widget-note"><strong>Interactive widget, saved starting view</strong>{shown}. '
        "Its controls need a running Python kernel: "
        f'<a href="{html.escape(links["binder"])}">launch this lesson on Binder</a> or '
        f'<a href="{html.escape(links["colab"])}">open it in Colab</a> to move them.</p>'
    )
    return [_display({"text/html": note}), *outputs]


def stage_notebook(nb: dict, page: str, target: Path, rewriter: LinkRewriter) -> dict:
    """The notebook as the site shows it (see the module's docstring); pictures are written beside ``target``."""
    nb = copy.deepcopy(nb)
    state = widget_state(nb)
    folder = target.parent / "_figures"
    links = launch_links(page, rewriter.root)
    for number, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = rewriter.rewrite(BADGE.sub("", source).lstrip("\n"), page)
        if cell["cell_type"] != "code":
            continue
        pictures = cell_pictures(cell, state)
        where = f"{page}, cell {number} (id {cell.get('id', '?')})"
        alts = _alt_texts(cell, pictures, where) if pictures else []
        name = f"{target.stem}_{cell.get('id', number)}"
        outputs = []
        for index, output in enumerate(cell.get("outputs", [])):
            mine = [(p, a) for p, a in zip(pictures, alts, strict=True) if p.output == index]
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                outputs += _widget_outputs(data[WIDGET_VIEW], state, mine, links, folder, f"{name}_{index}")
            elif mine:
                outputs.append(_picture_output(*mine[0], folder, f"{name}_{index}"))
            else:
                outputs.append(output)
        cell["outputs"] = outputs
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def _toctree(caption: str, entries: list[str]) -> str:
    lines = "\n".join(posixpath.splitext(entry)[0] for entry in entries)
    return f"\n```{{toctree}}\n:hidden:\n:caption: {caption}\n\n{lines}\n```\n"


def stage(root: Path, src: Path) -> int:
    """Lay out the site's source from the repository at ``root`` into ``src``; return the number of pages."""
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    sections = pages(root)
    every_page = {page for _, entries in sections for page in entries} | {"README.md"}
    rewriter = LinkRewriter(root, every_page)
    home = BADGE.sub(r"[Open the course on \1](\2)", (root / "README.md").read_text(encoding="utf-8"))
    home = rewriter.rewrite(home, "README.md", "index.md")
    home += "".join(_toctree(caption, entries) for caption, entries in sections)
    (src / "index.md").write_text(home, encoding="utf-8")
    for _, entries in sections:
        for page in entries:
            target = src / page
            target.parent.mkdir(parents=True, exist_ok=True)
            if page.endswith(".ipynb"):
                nb = json.loads((root / page).read_text(encoding="utf-8"))
                target.write_text(json.dumps(stage_notebook(nb, page, target, rewriter)), encoding="utf-8")
            else:
                target.write_text(rewriter.rewrite((root / page).read_text(encoding="utf-8"), page), "utf-8")
    return 1 + sum(len(entries) for _, entries in sections)


# ---------------------------------------------------------------------------------------------- build


IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=\"[^\"]+\")[^>]*>")


def images_without_alt(html_dir: Path) -> list[str]:
    """``page: <img ...>`` for every image of the built site without a text alternative."""
    return [
        f"{page.relative_to(html_dir)}: {tag[:120]}"
        for page in sorted(html_dir.rglob("*.html"))
        for tag in IMG_WITHOUT_ALT.findall(page.read_text(encoding="utf-8"))
    ]


def build(root: Path = ROOT, out: Path = BUILD, jobs: str = "1") -> dict:
    """Build the site of the repository at ``root`` into ``out/html``; raise SiteError on any problem.

    Returns what was built: ``html`` (the folder), ``pages`` and ``seconds``.
    """
    start = time.monotonic()
    root, out = Path(root).resolve(), Path(out).resolve()
    count = stage(root, out / "src")
    html_dir = out / "html"
    if html_dir.exists():
        shutil.rmtree(html_dir)
    url = repository(root)[0]
    env = dict(os.environ, COURSE_SITE_REPOSITORY=url, COURSE_SITE_BRANCH=BRANCH)
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-j", jobs]
    command += ["-c", str(CONFIG), "-d", str(out / "doctrees"), str(out / "src"), str(html_dir)]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SiteError(
            f"sphinx-build failed (exit {result.returncode}):\n{result.stderr[-6000:]}{result.stdout[-2000:]}"
        )
    # The download button offers the notebook exactly as the repository saves it.
    for _, entries in pages(root):
        for page in entries:
            if page.endswith(".ipynb"):
                shutil.copy2(root / page, html_dir / "_sources" / page)
    (html_dir / ".nojekyll").write_text("")  # GitHub Pages: serve the _static/ and _images/ folders
    missing = images_without_alt(html_dir)
    if missing:
        raise SiteError("images without a text alternative:\n" + "\n".join(missing))
    return {"html": html_dir, "pages": count, "seconds": time.monotonic() - start}


def serve(html_dir: Path, port: int) -> None:
    """Preview the built site on http://127.0.0.1:PORT/ until Ctrl-C."""
    import functools
    import http.server

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(html_dir))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"Serving the site on http://127.0.0.1:{port}/ (Ctrl-C stops it)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BUILD, help="build folder (default: build/site)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to build (default: this one)")
    parser.add_argument(
        "--serve", nargs="?", const=8000, type=int, metavar="PORT", help="preview after building"
    )
    parser.add_argument("--check", action="store_true", help="check every page in headless Chromium")
    args = parser.parse_args(argv)
    try:
        built = build(args.root, args.out)
    except SiteError as error:
        print(f"site: {error}", file=sys.stderr)
        return 1
    print(
        f"site: {built['pages']} pages in {built['seconds']:.1f} s -> {built['html']}/index.html", flush=True
    )
    if args.check:
        from course_tools import site_check

        found = site_check.check_site(built["html"])
        print(site_check.summary(found))
        if any(found.values()):
            return 1
    if args.serve:
        serve(built["html"], args.serve)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
