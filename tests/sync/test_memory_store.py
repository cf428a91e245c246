"""MemoryStore keeps the Store contract: atomic transactions, committed-only reads."""

from __future__ import annotations

import asyncio

import pytest

from sync import DeviceState, MemoryStore, Store, StoredRecord


def test_memory_store_satisfies_the_store_protocol() -> None:
    store: Store = MemoryStore()
    assert store is not None


async def test_a_transaction_commits_everything_or_nothing() -> None:
    store = MemoryStore()
    with pytest.raises(KeyError):
        async with store.transaction():
            await store.put_device(DeviceState(device_id="d", user_id="u"))
            rev = await store.next_revision()
            await store.put_record(StoredRecord(collection="c", id="1", revision=rev))
            raise KeyError("boom")
    assert store.devices == {} and store.records == {} and store.revision == 0
    async with store.transaction():
        await store.put_device(DeviceState(device_id="d", user_id="u"))
        assert await store.get_device("d") is not None  # reads see the transaction's writes
        rev = await store.next_revision()
        await store.put_record(StoredRecord(collection="c", id="1", revision=rev))
        assert (await store.info()).max_revision == 0  # not committed yet
    assert (await store.info()).max_revision == 1 and ("c", "1") in store.records


async def test_reads_outside_a_transaction_see_committed_state_only() -> None:
    store = MemoryStore()
    inside = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        async with store.transaction():
            await store.put_device(DeviceState(device_id="d", user_id="u"))
            inside.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await inside.wait()
    assert await store.get_device("d") is None
    release.set()
    await task
    assert await store.get_device("d") is not None


async def test_writes_need_a_transaction_and_transactions_do_not_nest() -> None:
    store = MemoryStore()
    with pytest.raises(RuntimeError):
        await store.put_device(DeviceState(device_id="d", user_id="u"))
    async with store.transaction():
        with pytest.raises(RuntimeError):
            async with store.transaction():
                pass
        with pytest.raises(RuntimeError):  # a record needs a revision from next_revision()
            await store.put_record(StoredRecord(collection="c", id="1", revision=7))


async def test_stored_values_cannot_be_changed_through_a_kept_reference() -> None:
    store = MemoryStore()
    record = StoredRecord(collection="c", id="1", fields={"a": [1]})
    async with store.transaction():
        record.revision = await store.next_revision()
        await store.put_record(record)
    record.fields["a"].append(2)
    got = await store.get_record("c", "1")
    assert got is not None and got.fields == {"a": [1]}
    got.fields["a"].append(3)
    assert store.records[("c", "1")].fields == {"a": [1]}


def test_each_store_has_its_own_random_epoch() -> None:
    assert asyncio.run(MemoryStore().info()).epoch != asyncio.run(MemoryStore().info()).epoch
