"""The hop records' store: the caller's alone, bounded in count and in time."""

from __future__ import annotations

from api_server.resource.hops import HopStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_record_is_its_callers_alone():
    store = HopStore(clock=Clock())
    hop_id = store.add("giftdeliveries@clients", {"status": 200})
    assert store.get(hop_id, "giftdeliveries@clients") == {"status": 200}
    assert store.get(hop_id, "someone-else@clients") is None
    assert store.get("guessed", "giftdeliveries@clients") is None
    assert store.get(store.add("", {"status": 200}), "") is None  # no sub: no one's
    assert store.get(hop_id, "gïftdeliveries@clients") is None  # any sub compares
    assert hop_id != store.add("giftdeliveries@clients", {"status": 200})  # ids never repeat


def test_records_expire_on_the_stores_clock():
    clock = Clock()
    store = HopStore(seconds=300, clock=clock)
    first = store.add("a", {"n": 1})
    clock.now += 200
    second = store.add("a", {"n": 2})
    clock.now += 101  # the first is 301 s old, the second 101 s
    assert store.get(first, "a") is None and store.get(second, "a") == {"n": 2}
    clock.now += 200
    assert store.get(second, "a") is None and len(store) == 0


def test_the_store_keeps_only_the_newest_records():
    store = HopStore(kept=64, clock=Clock())
    ids = [store.add("a", {"n": n}) for n in range(100)]
    assert len(store) == 64
    assert store.get(ids[35], "a") is None and store.get(ids[36], "a") == {"n": 36}
    assert store.get(ids[-1], "a") == {"n": 99}
