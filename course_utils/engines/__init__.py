"""The lesson engines: what the lessons compute on models, runs and data, built on the core.

Layer specs and model summaries, architectures, the design planner, histories and their
diagnosis, regularization and tuning, comparisons and design evidence, transfer, the datasets
and the stored runs. They import from ``course_utils.core`` and from each other, never from
the presentation (``plots``, ``widgets``) or the checkers (``checks``).
"""
