"""A small bounded memo that threads can share (the app serves sessions on threads)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    """Remember the values of the ``size`` keys asked for last; the least recent goes first.

    A value is computed outside the lock, so two threads asking for the same new key may both
    compute it (the one put last is kept); the store itself is only touched under the lock.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._store: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        """Return the value of ``key``, computed by ``compute`` on the first request."""
        with self._lock:
            if key in self._store:
                self._store.move_to_end(key)
                return self._store[key]
        value = compute()
        self.put(key, value)
        return value

    def put(self, key: Hashable, value: V) -> None:
        """Remember ``value`` as that of ``key``, the most recent (the least recent may go)."""
        with self._lock:
            self._store[key] = value
            self._store.move_to_end(key)
            while len(self._store) > self.size:
                self._store.popitem(last=False)

    def recall(self, key: Hashable) -> V | None:
        """Return the value of ``key`` (now the most recent), or None if it is not kept."""
        with self._lock:
            if key not in self._store:
                return None
            self._store.move_to_end(key)
            return self._store[key]
