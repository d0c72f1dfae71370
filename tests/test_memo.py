"""The bounded memo shared by the app's session threads."""

import threading

from planner.memo import Memo


def test_memo_keeps_the_last_keys_and_survives_threads():
    memo: Memo[int] = Memo(3)
    calls: list[int] = []
    for key in (1, 2, 1, 3, 4):
        assert memo.get(key, lambda k=key: calls.append(k) or 10 * k) == 10 * key
    assert calls == [1, 2, 3, 4]  # 1 came from the memo the second time
    assert memo.get(1, lambda: -1) == 10  # 1, 3, 4 kept: 2 went first
    assert memo.get(2, lambda: -2) == -2
    errors: list[BaseException] = []

    def hammer(start: int) -> None:
        try:
            for key in range(start, start + 2000):
                assert memo.get(key % 7, lambda k=key: 10 * (k % 7)) in (10 * (key % 7), -2)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(memo._store) == 3


def test_a_value_put_or_recalled_is_the_most_recent():
    memo: Memo[str] = Memo(2)
    memo.put("a", "A")
    memo.put("b", "B")
    assert memo.recall("a") == "A"  # now the most recent: b goes first
    memo.put("c", "C")
    assert (memo.recall("b"), memo.recall("a"), memo.recall("c")) == (None, "A", "C")
    memo.put("a", "A2")  # put again: a new value, the most recent
    memo.put("d", "D")
    assert (memo.recall("c"), memo.recall("a")) == (None, "A2")
