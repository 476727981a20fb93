"""Removals decided by layout rather than wording: everything outside the main body region
(`classify.body_region`). Runs of three or more short lines are named `layout.menu_run`, other
lines `layout.outside_body`, so the explanation says which shape of text went."""

from __future__ import annotations

from cleaners.article import Removal
from cleaners.text.doc import Doc

CONCEPT = "layout"
MENU_RUN = 3


def detect(doc: Doc) -> list[Removal]:
    region = doc.region
    if region.empty:
        return []  # no prose anywhere: nothing to measure a body against, keep the text
    out: list[Removal] = []
    outside = [pos for pos in range(len(doc)) if pos not in region and pos not in doc.flagged]
    # Group consecutive outside positions into runs.
    runs: list[list[int]] = []
    for pos in outside:
        if runs and runs[-1][-1] == pos - 1:
            runs[-1].append(pos)
        else:
            runs.append([pos])
    for run in runs:
        shorts = all(doc.features[p].kind in ("short", "link") for p in run)
        name = "menu_run" if shorts and len(run) >= MENU_RUN else "outside_body"
        out.append(doc.block(f"{CONCEPT}.{name}", run[0], run[-1] + 1))
    return out
