"""The supervisor reviews a parking shift's cash variance in the app (issue 16): 陈静 closes a
shift one yuan short; 李娜 finds it in her review queue with the figures she decides on (gate,
cashier, float, expected cash against the count by denomination, 短款 in yuan, cards, bag, the
slip) and sends it back with a comment; 陈静 sees the comment and counts again (now one yuan
over); 李娜 approves it and the server locks the shift: a further close is refused."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    DEMO_PASSWORD,
    LiveServer,
    catalog_text,
    query,
    sign_in,
    synced,
    wait_for_service_worker,
)
from tests.browser.test_parking_shift import fill_counts, take_fee, user_id
from tests.server.syncing.stress_kit import http_sign_in

FLOAT = {"1000": 5, "100": 10}  # 60 yuan
SHORT = {"1000": 6, "100": 4}  # 64 yuan: one yuan short of 65
OVER = {"1000": 6, "100": 6}  # 66 yuan: one yuan over
COMMENT = "现金少了一元，请重新清点"


def server_shift(server: LiveServer) -> dict[str, Any]:
    [(fields,)] = query(
        server, "SELECT fields FROM sync_record WHERE collection = 'parking_shifts'"
    )
    return dict(json.loads(fields))


def close_shift(page: Page, counts: dict[str, int], bag: str) -> None:
    fill_counts(page, "count", counts)
    page.get_by_test_id("cards-on-hand").fill("49")
    page.get_by_test_id("bag-no").fill(bag)
    page.get_by_test_id("close-submit").click()
    expect(page.get_by_test_id("parking-saved")).to_have_text(catalog_text("parking.closed_saved"))


def open_queue(page: Page, server: LiveServer) -> None:
    synced(page)
    page.goto(server.url + "/review")
    expect(page.get_by_test_id("shift-queue")).to_be_visible()


def test_a_supervisor_sends_a_short_shift_back_and_approves_the_recount(
    context: BrowserContext, other_context: BrowserContext, page: Page, live_server: LiveServer
) -> None:
    # ---- 陈静 works a short shift and closes it one yuan short -----------------------------
    sign_in(page, live_server, "chenjing")
    wait_for_service_worker(page)
    page.get_by_test_id("nav-parking").click()
    expect(page.get_by_test_id("shift-open-form")).to_be_visible()
    expect(page.get_by_test_id("parking-no-prefix")).to_have_count(0)
    fill_counts(page, "float", FLOAT)
    page.get_by_test_id("cards-received").fill("50")
    page.get_by_test_id("shift-open").click()
    take_fee(page, "A20001", "60", "cash", 500)
    take_fee(page, "A20002", "120", "wechat", 500)
    page.get_by_test_id("shift-close-open").click()
    close_shift(page, SHORT, "TB-0101")
    synced(page)
    shift = server_shift(live_server)
    assert (shift["status"], shift["expected_cash_fen"], shift["variance_fen"]) == (
        "closed",
        6500,
        -100,
    )
    [(gate,)] = query(live_server, "SELECT name FROM parking_gate WHERE id = ?", shift["gate_id"])

    # ---- 李娜: the shift in her queue with the figures ------------------------------------------
    lina = other_context.new_page()
    sign_in(lina, live_server, "lina")
    wait_for_service_worker(lina)
    open_queue(lina, live_server)
    item = lina.get_by_test_id("shift-review-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("短款 1.00 元")
    expect(item).to_contain_text("陈静")
    # Today's shifts of her sites, read-only, with their status.
    today = lina.get_by_test_id("shift-today")
    expect(today).to_have_count(1)
    expect(today).to_have_attribute("data-status", "closed")
    expect(today).to_contain_text("已交班")
    item.click()
    expect(lina.get_by_test_id("sr-gate")).to_have_text(gate)
    expect(lina.get_by_test_id("sr-cashier")).to_have_text("陈静")
    expect(lina.get_by_test_id("sr-float")).to_have_text("60.00 元")
    expect(lina.get_by_test_id("sr-cash-in")).to_have_text("5.00 元")
    expect(lina.get_by_test_id("sr-expected")).to_have_text("65.00 元")
    expect(lina.get_by_test_id("sr-counted")).to_have_text("64.00 元")
    expect(lina.get_by_test_id("sr-variance")).to_have_text("短款 1.00 元")
    row = lina.locator('[data-testid="sr-count-row"][data-fen="100"]')
    expect(row.get_by_test_id("sr-count-n")).to_have_text("4")
    expect(row).to_contain_text("4.00 元")
    expect(lina.get_by_test_id("sr-method-wechat")).to_have_text("5.00 元")
    expect(lina.get_by_test_id("sr-entries")).to_have_text("收费 2 笔，免费 0 笔，作废 0 笔")
    expect(lina.get_by_test_id("sr-cards")).to_have_text("领取 50 张，交回 49 张")
    expect(lina.get_by_test_id("sr-bag")).to_have_text("TB-0101")
    expect(lina.get_by_test_id("sr-slip-no")).to_have_text(shift["slip_no"])
    href = lina.get_by_test_id("sr-slip").get_attribute("href")
    assert href
    slip = other_context.request.get(live_server.url + href)
    assert slip.status == 200 and slip.body().startswith(b"%PDF")
    # No English on the Chinese screen.
    assert "Approve" not in lina.content() and "Short" not in lina.content()

    # ---- she sends it back: a comment is required --------------------------------------------
    lina.get_by_test_id("shift-review-return").click()
    expect(lina.get_by_test_id("shift-review-error")).to_have_text(
        catalog_text("review.comment_required")
    )
    lina.get_by_test_id("shift-review-comment").fill(COMMENT)
    lina.get_by_test_id("shift-review-return").click()
    expect(lina.get_by_test_id("shift-review-saved")).to_have_text(
        catalog_text("parking.review.returned_saved")
    )
    expect(lina.get_by_test_id("shift-review-item")).to_have_count(0)
    synced(lina)
    shift = server_shift(live_server)
    assert shift["status"] == "returned"
    assert shift["review_comment"] == COMMENT
    assert shift["reviewed_by"] == user_id(live_server, "lina")

    # ---- 陈静 sees the comment and counts again ------------------------------------------------
    synced(page)
    page.get_by_test_id("nav-parking").click()
    returned = page.get_by_test_id("shift-returned")
    expect(returned).to_be_visible()
    expect(page.get_by_test_id("shift-returned-comment")).to_have_text(f"退回意见：{COMMENT}")
    page.get_by_test_id("shift-recount").click()
    expect(page.get_by_test_id("recount-comment")).to_contain_text(COMMENT)
    close_shift(page, OVER, "TB-0102")
    synced(page)
    slip_no = shift["slip_no"]
    shift = server_shift(live_server)
    assert (shift["status"], shift["counted_fen"], shift["variance_fen"]) == ("closed", 6600, 100)
    assert shift["slip_no"] == slip_no  # the recount keeps the slip's number

    # ---- 李娜 approves the recount --------------------------------------------------------
    open_queue(lina, live_server)
    item = lina.get_by_test_id("shift-review-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("长款 1.00 元")
    item.click()
    expect(lina.get_by_test_id("sr-variance")).to_have_text("长款 1.00 元")
    expect(lina.get_by_test_id("sr-bag")).to_have_text("TB-0102")
    lina.get_by_test_id("shift-review-approve").click()
    expect(lina.get_by_test_id("shift-review-saved")).to_have_text(
        catalog_text("parking.review.approved_saved")
    )
    synced(lina)
    shift = server_shift(live_server)
    assert shift["status"] == "approved"
    assert shift["reviewed_by"] == user_id(live_server, "lina")
    lina.goto(live_server.url + "/review")
    expect(lina.get_by_test_id("shift-today")).to_have_attribute("data-status", "approved")
    expect(lina.get_by_test_id("shift-review-item")).to_have_count(0)

    # ---- the approved shift is locked: 陈静 sees it approved, a further close is refused ----
    synced(page)
    page.get_by_test_id("nav-parking").click()
    expect(page.get_by_test_id("shift-returned")).to_have_count(0)
    page.get_by_test_id("my-shift").first.click()
    expect(page.get_by_test_id("result-review")).to_contain_text("已审核")
    expect(page.get_by_test_id("shift-recount")).to_have_count(0)
    client = http_sign_in(live_server.url, "chenjing", DEMO_PASSWORD)
    device = str(uuid.uuid4())
    args = {
        "id": shift_id(live_server),
        "closed_at": "2026-12-06T20:00:00+08:00",
        "count_counts": FLOAT,
        "cards_on_hand": 49,
        "bag_no": "TB-0103",
    }
    mutation = {
        "id": str(uuid.uuid4()),
        "seq": 1,
        "name": "parking_shifts.close",
        "args": args,
        "hlc": f"{int(time.time() * 1000):015d}-00000-{device}",
    }
    try:
        answer = client.post("/api/sync/push", json={"device_id": device, "mutations": [mutation]})
    finally:
        client.close()
    assert answer.status_code == 200, answer.text
    [result] = answer.json()["results"]
    assert result["status"] == "rejected", result
    # The close intent's own rule: an approved shift's count is final.
    assert result["error"]["code"] == "count_already_submitted", result
    assert server_shift(live_server)["status"] == "approved"


def shift_id(server: LiveServer) -> str:
    sql = "SELECT record_id FROM sync_record WHERE collection = 'parking_shifts'"
    [(found,)] = query(server, sql)
    return str(found)


def test_the_demo_shift_over_by_five_yuan_waits_for_lina(
    page: Page, demo_server: LiveServer
) -> None:
    # The demo (`seed --demo`): 陈静's shift of yesterday five yuan over waits for 李娜; today's
    # shift, open since the morning, is in her read-only list of today's shifts.
    sign_in(page, demo_server, "lina")
    page.get_by_test_id("nav-review").click()
    item = page.get_by_test_id("shift-review-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("长款 5.00 元")
    expect(item).to_contain_text("东门")
    expect(item).to_contain_text("陈静")
    today = page.get_by_test_id("shift-today")
    expect(today).to_have_count(1)
    expect(today).to_have_attribute("data-status", "open")
    expect(today).to_contain_text("当班")
    item.click()
    expect(page.get_by_test_id("sr-variance")).to_have_text("长款 5.00 元")
    expect(page.get_by_test_id("shift-review-approve")).to_be_enabled()
