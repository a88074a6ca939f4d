"""The footer of key bindings, without the leak of Textual's own (Textualize/textual#6666).

Textual's ``Footer`` recomposes whenever the screen's bindings change (every step switch, every
focus change between an input and a button), and each new ``FooterKey`` binds to the footer's
``compact`` reactive. The binding is a watcher stored on the long-lived footer and pruned only
when ``compact`` changes, which it never does here: every recomposition kept ~28 dead keys with
their styles and caches (~0.5 MB per answer-and-forget cycle, no plateau). ``LeanFooter`` prunes
the watchers of removed nodes after each recomposition.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer


def prune_watchers(obj: Any) -> int:
    """Drop watchers on ``obj`` whose owning node is closing or closed (what Textual itself does,
    but only when the watched value changes). Returns how many were dropped."""
    watchers: dict[str, list[tuple[Any, Any]]] = getattr(obj, "__watchers", {})
    dropped = 0
    for name, entries in watchers.items():
        alive = [(node, cb) for node, cb in entries
                 if not getattr(node, "_closing", False) and not getattr(node, "_closed", False)]
        dropped += len(entries) - len(alive)
        watchers[name][:] = alive
    return dropped


class LeanFooter(Footer):
    """``Footer`` that forgets the keys it replaced."""

    async def recompose(self) -> None:
        await super().recompose()
        prune_watchers(self)
