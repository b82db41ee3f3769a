"""The queue's order: pure functions that move jobs up, down, to the top or bottom, or before
another job. The engine starts queued jobs in this order and the store keeps it.

A `scope` is what the user sees (the list may be filtered): moves happen relative to the
scope's jobs, and jobs outside it keep their places, so "up" always moves a row the user can
see past the row just above it, never past an invisible one.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence


class Move(enum.StrEnum):
    UP = "up"
    DOWN = "down"
    TOP = "top"
    BOTTOM = "bottom"


def reorder(
    order: Sequence[int],
    selected: Collection[int],
    move: Move,
    scope: Collection[int] | None = None,
) -> list[int]:
    """`order` with the selected ids moved one step or to an end (as a block, order kept)."""
    chosen = set(selected)
    view = _view(order, scope)
    out = list(view)
    if move is Move.TOP:
        out = [i for i in view if i in chosen] + [i for i in view if i not in chosen]
    elif move is Move.BOTTOM:
        out = [i for i in view if i not in chosen] + [i for i in view if i in chosen]
    elif move is Move.UP:
        # Left to right, each selected id swaps with an unselected one before it: a selected
        # block moves up as one, and a block already at the top stays.
        for k in range(1, len(out)):
            if out[k] in chosen and out[k - 1] not in chosen:
                out[k - 1], out[k] = out[k], out[k - 1]
    else:
        for k in range(len(out) - 2, -1, -1):
            if out[k] in chosen and out[k + 1] not in chosen:
                out[k + 1], out[k] = out[k], out[k + 1]
    return _merge(order, view, out)


def move_before(
    order: Sequence[int],
    selected: Collection[int],
    before: int | None,
    scope: Collection[int] | None = None,
) -> list[int]:
    """`order` with the selected ids placed just before `before` (None: after the last one);
    what a drag and drop within the list does."""
    chosen = set(selected)
    view = _view(order, scope)
    if before is not None and before in chosen:
        # Dropped onto itself: land before the first unselected job that follows it.
        start = view.index(before) if before in view else len(view)
        before = next((i for i in view[start:] if i not in chosen), None)
    rest = [i for i in view if i not in chosen]
    at = rest.index(before) if before in rest else len(rest)
    moving = [i for i in view if i in chosen]
    return _merge(order, view, rest[:at] + moving + rest[at:])


def _view(order: Sequence[int], scope: Collection[int] | None) -> list[int]:
    if scope is None:
        return list(order)
    inside = set(scope)
    return [i for i in order if i in inside]


def _merge(order: Sequence[int], view: Sequence[int], moved: Sequence[int]) -> list[int]:
    """Put the reordered view back into the slots the view's ids held in the full order."""
    inside = set(view)
    slots = [k for k, i in enumerate(order) if i in inside]
    result = list(order)
    for slot, job_id in zip(slots, moved, strict=True):
        result[slot] = job_id
    return result
