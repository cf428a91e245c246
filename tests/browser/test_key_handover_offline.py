"""A key hand-over with both phones offline (issue 15): Zhang Wei hands the key to Liu Yang and
Liu Yang confirms by scanning the key's tag, both without network. Whichever phone syncs first,
the transfer completes once both have synced: a receipt that arrives first waits (and Liu
Yang's phone says so), custody is right on both phones and on the server, the key page changes
as soon as a sync lands, and the ledger shows both steps with the phones' times."""

from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    LiveServer,
    catalog_text,
    go_offline,
    go_online,
    query,
    sign_in,
    synced,
    wait_for_service_worker,
)
from tests.browser.test_key_refusal import open_key
from tests.browser.test_patrol_day import key_tag, open_tag, records, register_key, vacant_unit

WAIT = 20_000


def user_id(server: LiveServer, username: str) -> int:
    [(uid,)] = query(server, "SELECT id FROM app_user WHERE username = ?", username)
    return int(uid)


def key_events(server: LiveServer, key_id: str) -> dict[str, dict[str, Any]]:
    """The key's ledger on the server, by kind (one entry of each kind in these tests)."""
    events = [e for e in records(server, "key_events").values() if e["key_id"] == key_id]
    by_kind = {e["kind"]: e for e in events}
    assert len(by_kind) == len(events), events
    return by_kind


def expect_holder(page: Page, holder: int) -> None:
    status = page.get_by_test_id("key-status")
    expect(status).to_have_attribute("data-status", "out", timeout=WAIT)
    expect(status).to_have_attribute("data-holder", str(holder), timeout=WAIT)


@pytest.mark.parametrize("first", ["receiver", "giver"])
def test_hand_over_with_both_phones_offline_in_either_order(
    page: Page,
    other_context: BrowserContext,
    third_context: BrowserContext,
    live_server: LiveServer,
    first: str,
) -> None:
    unit_id, _ = vacant_unit(live_server)
    sign_in(page, live_server, "lina")
    register_key(page, unit_id, "CH-K021")
    synced(page)
    [key_id] = records(live_server, "keys")
    zhang_id, liu_id = user_id(live_server, "zhangwei"), user_id(live_server, "liuyang")

    # Zhang Wei takes the key; Liu Yang's phone has pulled it (out with Zhang Wei).
    zhang = other_context.new_page()
    sign_in(zhang, live_server, "zhangwei")
    synced(zhang)
    open_tag(zhang, live_server, key_id)
    zhang.get_by_test_id("key-purpose").select_option("patrol")
    zhang.get_by_test_id("key-checkout").click()
    synced(zhang)
    liu = third_context.new_page()
    sign_in(liu, live_server, "liuyang")
    wait_for_service_worker(liu)
    synced(liu)

    # Both offline: Zhang Wei hands the key over, Liu Yang scans its tag and confirms.
    go_offline(other_context)
    go_offline(third_context)
    open_key(zhang, key_id)
    zhang.get_by_test_id("key-handover-to").select_option(label="刘洋")
    zhang.get_by_test_id("key-handover").click()
    # Offline: the line says it syncs when online (and only then).
    expect(zhang.get_by_test_id("key-done")).to_have_text(
        catalog_text("key.done.handover") + catalog_text("key.sync_when_online")
    )
    liu.goto(f"{live_server.url}/k/{key_tag(live_server, key_id)}")
    expect(liu.get_by_test_id("key-page")).to_have_attribute("data-id", key_id)
    expect_holder(liu, zhang_id)
    offer = liu.get_by_test_id("key-receive-offer")
    expect(offer).to_have_attribute("data-waits", "true")
    liu.get_by_test_id("key-receive").click()
    expect(liu.get_by_test_id("key-done")).to_have_text(
        catalog_text("key.done.receive_waiting") + catalog_text("key.sync_when_online")
    )
    waiting = liu.get_by_test_id("key-receipt-waiting")
    expect(waiting).to_contain_text("张伟")
    expect_holder(liu, zhang_id)  # custody is Zhang Wei's until his hand-over syncs

    if first == "receiver":
        # Liu Yang syncs first: the receipt waits on the server, and his phone says so.
        go_online(third_context)
        synced(liu)
        stored = records(live_server, "keys")[key_id]
        assert (stored["holder_id"], stored["receipt_by"]) == (zhang_id, liu_id)
        liu.goto(f"{live_server.url}/k/{key_tag(live_server, key_id)}")
        expect(liu.get_by_test_id("key-receipt-waiting")).to_be_visible()
        expect(liu.get_by_test_id("key-receive")).to_have_count(0)
        # Zhang Wei comes online with the key page open: the sync completes the transfer and
        # the page shows it at once; his holder's actions are gone.
        open_key(zhang, key_id)
        expect(zhang.get_by_test_id("key-checkin")).to_be_visible()
        go_online(other_context)
        expect_holder(zhang, liu_id)
        expect(zhang.get_by_test_id("key-checkin")).to_have_count(0)
        expect(zhang.get_by_test_id("key-handover")).to_have_count(0)
        expect(zhang.get_by_test_id("key-out-with")).to_contain_text("刘洋")
        # Liu Yang's phone takes the key at its next sync.
        synced(liu)
        open_key(liu, key_id)
    else:
        # Zhang Wei syncs first: the hand-over waits for Liu Yang's receipt, as always.
        go_online(other_context)
        synced(zhang)
        stored = records(live_server, "keys")[key_id]
        assert (stored["holder_id"], stored["handover_to"]) == (zhang_id, liu_id)
        # Liu Yang comes online with the key page open: his receipt completes the transfer.
        go_online(third_context)
        synced(liu)
        open_key(liu, key_id)
        synced(zhang)
        open_key(zhang, key_id)
        expect_holder(zhang, liu_id)
        expect(zhang.get_by_test_id("key-checkin")).to_have_count(0)

    # Custody is Liu Yang's on his phone, on Zhang Wei's and on the server.
    expect_holder(liu, liu_id)
    expect(liu.get_by_test_id("key-receipt-waiting")).to_have_count(0)
    expect(liu.get_by_test_id("key-checkin")).to_be_visible()
    stored = records(live_server, "keys")[key_id]
    assert (stored["status"], stored["holder_id"], stored["handed_by"]) == ("out", liu_id, zhang_id)
    assert (stored["handover_to"], stored["receipt_by"]) == (None, None)

    # The ledger: both steps, each with the time its phone made it.
    ledger = key_events(live_server, key_id)
    assert set(ledger) == {"checkout", "handover", "receive"}
    assert (ledger["handover"]["by_id"], ledger["handover"]["to_user_id"]) == (zhang_id, liu_id)
    assert (ledger["receive"]["by_id"], ledger["receive"]["from_user_id"]) == (liu_id, zhang_id)
    assert ledger["receive"].get("waiting", False) is (first == "receiver")
    assert ledger["handover"]["device_at"] <= ledger["receive"]["device_at"]
    for p in (zhang, liu):
        for kind in ("handover", "receive"):
            line = p.locator(f'[data-testid="ledger-event"][data-kind="{kind}"]')
            expect(line).to_have_count(1, timeout=WAIT)
            expect(line).to_have_attribute("data-pending", "false")
            expect(line).to_have_attribute("data-device-at", ledger[kind]["device_at"])

    # The supervisor's phone (a third) sees the same custody and ledger.
    open_key(page, key_id)
    synced(page)
    open_key(page, key_id)
    expect_holder(page, liu_id)
    expect(page.get_by_test_id("key-holder")).to_have_text("刘洋")
    expect(page.locator('[data-testid="ledger-event"]')).to_have_count(3)
