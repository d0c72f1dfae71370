"""Mutable search state and the per-route caches the engine keeps between iterations."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class _State:
    """Mutable search state: sequences, per-route end times, visit counts and objective."""

    __slots__ = ("breaks", "count", "ends", "obj", "seqs", "starts")

    def __init__(
        self,
        seqs: list[list[int]],
        ends: list[float],
        count: list[int],
        obj: float,
        starts: list[list[float]] | None = None,
        breaks: list[float | None] | None = None,
    ) -> None:
        self.seqs = seqs
        self.ends = ends
        self.count = count
        self.obj = obj
        self.starts = starts
        self.breaks = breaks

    def copy(self) -> _State:
        """Deep enough copy to mutate independently."""
        return _State(
            [list(s) for s in self.seqs],
            list(self.ends),
            list(self.count),
            self.obj,
            None if self.starts is None else [list(s) for s in self.starts],
            None if self.breaks is None else list(self.breaks),
        )

    def key(self) -> tuple[float, float]:
        """Comparison key: objective first, then less total time used."""
        return (self.obj, -sum(self.ends))


class _RouteCache:
    """Arrays computed from one route's sequence, kept by a ``(route, sequence, ...)`` key.

    In the pure-TOP case a route's insertion arrays depend on its sequence only (its end time
    follows from it), its swap arrays also on its time limit, and most routes leave an
    iteration unchanged, so the arrays are reused across repairs and iterations; the oldest
    entry goes first when full.
    """

    __slots__ = ("size", "store")

    def __init__(self, size: int) -> None:
        self.size = size
        self.store: dict[tuple[object, ...], tuple[np.ndarray, ...]] = {}

    def get(
        self, key: tuple[object, ...], build: Callable[[], tuple[np.ndarray, ...]]
    ) -> tuple[np.ndarray, ...]:
        """Return the arrays of ``key``, built and stored on the first request."""
        hit = self.store.get(key)
        if hit is None:
            hit = build()
            self._put(key, hit)
        return hit

    def _put(self, key: tuple[object, ...], value: tuple[np.ndarray, ...]) -> None:
        """Store ``value`` under ``key``, dropping the oldest entry when full."""
        if len(self.store) >= self.size:
            del self.store[next(iter(self.store))]
        self.store[key] = value


class _Settled(_RouteCache):
    """Keys of routes or route pairs that a deterministic local search found it cannot improve.

    A move's result depends only on what the key holds, so a settled key is skipped until
    its routes change; the oldest key goes first when full.
    """

    __slots__ = ()

    def __contains__(self, key: tuple[object, ...]) -> bool:
        return key in self.store

    def add(self, key: tuple[object, ...]) -> None:
        """Remember ``key`` as settled."""
        self._put(key, ())
