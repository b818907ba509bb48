"""Interactive ipywidgets front ends for the lessons.

Each widget lives in its own module and is a thin layer over the pure functions of
``course_utils``: the logic is a pure function that the tests call without a browser,
and the widget only turns slider values into a call and shows the result.
Import the module you need, e.g. ``from course_utils.widgets.conv_explorer import conv_explorer``.
"""
