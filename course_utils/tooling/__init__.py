"""Maintainer tooling behind ``./course``: run notebooks, time them, generate exercises,
compare training outputs within a tolerance (the nbval extension).

These modules use nbformat and nbclient; learners never import them. They stay inside the
package because pytest loads the nbval extension by module name
(``-p course_utils.tooling.nbval_tolerance`` in ``pyproject.toml``) and ``./course`` runs them
with ``python -m``. They work from a checkout of the repository only: they find the
notebooks by walking up from this file to the repository root.
"""
