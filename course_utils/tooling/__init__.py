"""Maintainer tooling behind ``./course``: run notebooks, time them, generate exercises.

These modules use nbformat and nbclient; learners never need them.
"""
