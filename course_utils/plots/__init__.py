"""Matplotlib helpers for the lessons, one module per topic.

Import the module you need, e.g. ``from course_utils.plots.images import show_image_grid``.
Nothing here is imported by ``import course_utils``, so matplotlib loads only when a plot is drawn.
"""
