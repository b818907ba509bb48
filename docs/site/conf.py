"""Sphinx configuration of the course's website (built by ``./course site``, see course_tools/site.py).

The source folder is a staging copy that ``course_tools.site`` lays out from the repository: the README as
the home page, the saved notebooks (never executed here), the exercises, the solutions and the guides of
docs/. The repository address and branch come from the README, through the environment.
"""

import os

project = "Designing CNNs"
author = "the Designing CNNs maintainers"
copyright = "the Designing CNNs maintainers, MIT License"

extensions = [
    "myst_nb",
    # MathJax served from the site itself: the pages need no network.
    "sphinx-mathjax-offline",
]
root_doc = "index"
exclude_patterns = ["_build"]
suppress_warnings = []

# The notebooks are shown with the outputs they were saved with: a saved notebook is what the tests compare.
nb_execution_mode = "off"
# A widget is replaced by its saved starting view when the source is laid out, so no widget script is loaded.
nb_ipywidgets_js = {}
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_title = "Designing CNNs"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_last_updated_fmt = None
html_show_sphinx = False

REPOSITORY_URL = os.environ["COURSE_SITE_REPOSITORY"]
BRANCH = os.environ["COURSE_SITE_BRANCH"]
html_theme_options = {
    "repository_url": REPOSITORY_URL,
    "repository_branch": BRANCH,
    "path_to_docs": "",
    "use_repository_button": True,
    "use_download_button": True,
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "notebook_interface": "jupyterlab",
    },
    "home_page_in_toc": True,
    "show_toc_level": 2,
}
# The theme's colour mode, set so that its script finds one (else it logs an error in the console).
html_context = {"default_mode": "light"}
html_favicon = "_static/favicon.svg"
