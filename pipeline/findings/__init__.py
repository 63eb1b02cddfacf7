"""Findings for analysts: where actors and outlets stand, and how it changes over time.

`stance findings` reads what `stance classify` wrote and turns it into tidy
tables and one self-contained HTML page. The modules, in the order a run uses
them:

- `options`: the run's settings, checked once;
- `records`: classified files, read in chunks, as one row per (sentence, target) on topic;
- `aggregate`: per-article counts for every grouping (pass one) and sample sentences behind
  the figures shown (pass two), so memory grows with articles and groups, never with sentences;
- `shares`: position shares with article-bootstrap intervals, and shifts between periods;
- `figures` and `page`: the page; `build` runs it all.
"""
