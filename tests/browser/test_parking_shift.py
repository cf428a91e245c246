"""A parking cashier's whole shift in the app (issue 16), offline after sign-in: open with a
float, 30 entries (27 fees by every method, a variance with its reason, two exemptions, one
with an approver, a void), an abnormal event with a photo, the blind count; then online: the
server's shift closed with the right expected cash and the slip PDF, the day report adding up
to the fen to what was entered; and the next cashier confirms the hand-over on her own phone,
offline too."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    DEMO_PASSWORD,
    LiveServer,
    assert_offline,
    catalog_text,
    expect_pending,
    go_offline,
    go_online,
    open_sync_page,
    outbox,
    query,
    sign_in,
    synced,
    wait_for_service_worker,
)
from tests.server.syncing.stress_kit import http_sign_in

# The demo tariff of 翠湖花园, small cars: ≤ 30 min free, else 5 yuan for the first 2 h and
# 2 yuan per started hour after; large vehicles 10 yuan for the first 2 h; a lost ticket +10.
FLOAT = {"1000": 5, "100": 10}  # 60 yuan
METHODS = ("cash", "wechat", "alipay", "card")
# 19 more cars after the first eight fees: every method, stays of 1, 2 and 3 hours.
EXTRA = [
    (f"D{30001 + i}", ("60", "120", "180")[i % 3], METHODS[i % 4], (500, 500, 700)[i % 3])
    for i in range(19)
]
EXTRA_CASH = sum(fee for _, _, method, fee in EXTRA if method == "cash")
# float 60 + cash 5 + 7 + 10 + 15 + 4 − the voided 7, and the extra cash: one yuan short.
EXPECTED = 9400 + EXTRA_CASH
COUNTED = EXPECTED - 100
COUNT = {"1000": COUNTED // 1000, "100": COUNTED % 1000 // 100}


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 40, 40)).save(out, "JPEG", quality=85)
    return out.getvalue()


def shift_records(server: LiveServer) -> list[dict[str, Any]]:
    rows = query(server, "SELECT fields FROM sync_record WHERE collection = 'parking_shifts'")
    return [json.loads(r[0]) for r in rows]


def user_id(server: LiveServer, username: str) -> int:
    [(found,)] = query(server, "SELECT id FROM app_user WHERE username = ?", username)
    return int(found)


def day_report(server: LiveServer, shift: dict[str, Any]) -> dict[str, Any]:
    """The site's day report (JSON) of the shift's opening day in the site's own zone, as 李娜."""
    [(zone,)] = query(server, "SELECT timezone FROM site WHERE id = ?", shift["site_id"])
    day = datetime.fromisoformat(shift["opened_at"]).astimezone(ZoneInfo(zone)).date()
    client = http_sign_in(server.url, "lina", DEMO_PASSWORD)
    try:
        answer = client.get(
            "/api/parking/reports/day",
            params={"site_id": shift["site_id"], "date": day.isoformat()},
        )
    finally:
        client.close()
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def fill_counts(page: Page, prefix: str, counts: dict[str, int]) -> None:
    for fen, n in counts.items():
        page.get_by_test_id(f"{prefix}-{fen}").fill(str(n))


def take_fee(
    page: Page,
    rest: str,
    entry: str,
    method: str,
    fee_fen: int,
    large: bool = False,
    lost: bool = False,
) -> str:
    """One car out: plate, class, entry from the quick list, the fee shown, one tap to take it;
    returns the receipt number the saved message shows."""
    page.get_by_test_id("plate-rest").fill(rest)
    page.get_by_test_id("class-large" if large else "class-small").click()
    page.get_by_test_id(f"entry-{entry}").click()
    if lost:
        page.get_by_test_id("lost-ticket").check()
    expect(page.get_by_test_id("fee")).to_have_attribute("data-fen", str(fee_fen))
    page.get_by_test_id(f"pay-{method}").click()
    return saved_receipt(page)


def saved_receipt(page: Page) -> str:
    saved = page.get_by_test_id("parking-saved")
    expect(saved).to_contain_text("已保存")
    expect(page.get_by_test_id("plate-rest")).to_have_value("")
    m = re.search(r"[A-Z0-9]+-\d{6}", saved.inner_text())
    assert m, saved.inner_text()
    return m.group(0)


def test_a_cashier_works_a_whole_shift_offline_and_the_next_one_takes_over(
    context: BrowserContext, other_context: BrowserContext, page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "chenjing")
    wait_for_service_worker(page)
    # Her job on sign-in: the 收费 tab opens the shift screen.
    expect(page.get_by_test_id("nav-parking")).to_have_text("收费")
    page.get_by_test_id("nav-parking").click()
    expect(page).to_have_url(re.compile(r"/parking$"))
    # Online once: the site's setup and this install's receipt prefix are kept for offline use.
    expect(page.get_by_test_id("shift-open-form")).to_be_visible()
    expect(page.get_by_test_id("parking-no-prefix")).to_have_count(0)
    open_sync_page(page)
    expect_pending(page, 0)

    go_offline(context)
    page.goto(live_server.url + "/parking")
    assert_offline(page)

    # ---- open: the float counted by denomination, the total live ------------------------
    fill_counts(page, "float", FLOAT)
    expect(page.get_by_test_id("float-1000-sub")).to_have_text("50.00 元")
    expect(page.get_by_test_id("float-total")).to_have_attribute("data-fen", "6000")
    page.get_by_test_id("cards-received").fill("50")
    page.get_by_test_id("shift-open").click()
    expect(page.get_by_test_id("parking-saved")).to_have_text(catalog_text("parking.opened"))
    expect(page.get_by_test_id("fee-form")).to_be_visible()

    # ---- fees by every method --------------------------------------------------------------
    receipts = [
        take_fee(page, "A10001", "60", "cash", 500),
        take_fee(page, "A10002", "120", "wechat", 500),
        take_fee(page, "A10003", "180", "cash", 700),
        take_fee(page, "A10004", "60", "cash", 1000, large=True),
        take_fee(page, "A10005", "60", "cash", 1500, lost=True),
        take_fee(page, "A10007", "120", "alipay", 500),
        take_fee(page, "A10008", "60", "card", 500),
    ]
    # What was entered, to check the day report against: (receipt, method, amount in fen).
    entered = [
        (r, m, fen)
        for r, m, fen in zip(
            receipts,
            ("cash", "wechat", "cash", "cash", "cash", "alipay", "card"),
            (500, 500, 700, 1000, 1500, 500, 500),
            strict=True,
        )
    ]
    for rest, entry, method, fee in EXTRA:
        receipts.append(take_fee(page, rest, entry, method, fee))
        entered.append((receipts[-1], method, fee))
    # The fee is read out line by line, in Chinese.
    page.get_by_test_id("entry-180").click()
    expect(page.get_by_test_id("fee-lines")).to_contain_text("首 2 小时 5 元")

    # An amount other than the fee: refused without a reason, shown as a variance line.
    page.get_by_test_id("plate-rest").fill("A10006")
    page.get_by_test_id("class-small").click()
    page.get_by_test_id("entry-60").click()
    page.get_by_test_id("amount-differs").check()
    page.get_by_test_id("amount").fill("4")
    expect(page.get_by_test_id("variance-line")).to_have_text("差额 -1.00 元")
    page.get_by_test_id("pay-cash").click()
    expect(page.get_by_test_id("invalid-variance_reason")).to_have_text(
        catalog_text("parking.invalid.variance_reason_required")
    )
    page.get_by_test_id("variance-reason").fill("车主只有4元")
    page.get_by_test_id("pay-cash").click()
    receipts.append(saved_receipt(page))
    entered.append((receipts[-1], "cash", 400))
    varied = receipts[-1]

    # ---- two exemptions: police (the cashier lets it through), a visitor (李娜 approves) --------
    page.get_by_test_id("plate-province").click()
    page.get_by_test_id("province-粤").click()
    page.get_by_test_id("plate-rest").fill("B12345")
    page.get_by_test_id("entry-60").click()
    page.get_by_test_id("exempt-toggle").check()
    page.get_by_test_id("exempt-reason").select_option("police")
    expect(page.get_by_test_id("exempt-approver")).to_have_count(0)
    page.get_by_test_id("exempt-save").click()
    receipts.append(saved_receipt(page))
    exempted = [receipts[-1]]

    page.get_by_test_id("plate-rest").fill("C88888")
    page.get_by_test_id("entry-120").click()
    page.get_by_test_id("exempt-toggle").check()
    page.get_by_test_id("exempt-reason").select_option("visitor")
    page.get_by_test_id("exempt-save").click()
    expect(page.get_by_test_id("invalid-approver_id")).to_be_visible()
    page.get_by_test_id("exempt-approver").select_option(label="李娜")
    page.get_by_test_id("exempt-save").click()
    receipts.append(saved_receipt(page))
    exempted.append(receipts[-1])

    # ---- a void of the 7-yuan fee, with its reason ----------------------------------------------
    row = page.locator(f'[data-testid="txn-row"][data-receipt="{receipts[2]}"]')
    row.get_by_test_id("txn-void").click()
    row.get_by_test_id("void-reason").fill("车牌录错")
    row.get_by_test_id("void-confirm").click()
    expect(page.get_by_test_id("parking-saved")).to_contain_text("已作废")
    expect(page.locator('[data-testid="txn-row"][data-kind="void"]')).to_have_count(1)
    receipts.append(
        re.findall(r"[A-Z0-9]+-\d{6}", page.get_by_test_id("parking-saved").inner_text())[0]
    )

    # Receipt numbers: one prefix, a sequence never repeated.
    assert len(set(receipts)) == 30, receipts
    prefixes = {r.split("-")[0] for r in receipts}
    assert len(prefixes) == 1
    assert sorted(int(r.split("-")[1]) for r in receipts) == list(range(1, 31))
    voided = receipts[2]
    kept = [(r, m, fen) for r, m, fen in entered if r != voided]
    assert len(kept) == 26
    taken = sum(fen for _, _, fen in kept)
    # The running total (voided fee out) and the pending count, always in view.
    expect(page.get_by_test_id("parking-total")).to_have_attribute("data-fen", str(taken))
    expect(page.get_by_test_id("parking-pending")).to_have_text("31")

    # ---- an abnormal event with a photo ------------------------------------------------
    page.get_by_test_id("event-new").click()
    page.get_by_test_id("event-kind").select_option("barrier_fault")
    page.get_by_test_id("event-note").fill("道闸抬杆后不落")
    page.get_by_test_id("event-photo-gallery").set_input_files(
        files=[{"name": "gate.jpg", "mimeType": "image/jpeg", "buffer": photo()}]
    )
    expect(page.get_by_test_id("photo-thumb")).to_have_count(1)
    expect(page.get_by_test_id("event-save")).to_be_enabled()
    page.get_by_test_id("event-save").click()
    expect(page.get_by_test_id("parking-saved")).to_have_text(catalog_text("parking.event_saved"))
    expect(page.get_by_test_id("event-row")).to_have_count(1)

    # ---- close: a blind count ------------------------------------------------------------
    page.get_by_test_id("shift-close-open").click()
    form = page.get_by_test_id("close-form")
    expect(form).to_be_visible()
    fill_counts(page, "count", COUNT)
    expect(page.get_by_test_id("count-total")).to_have_attribute("data-fen", str(COUNTED))
    page.get_by_test_id("cards-on-hand").fill("48")
    page.get_by_test_id("bag-no").fill("TB-0001")
    page.get_by_test_id("next-cashier").select_option(label="孙丽")
    # The expected total is nowhere before the count is submitted.
    expected_text = f"{EXPECTED // 100}.{EXPECTED % 100:02d}"
    assert expected_text not in page.content()
    page.get_by_test_id("close-submit").click()
    expect(page.get_by_test_id("parking-saved")).to_have_text(catalog_text("parking.closed_saved"))
    expect(page.get_by_test_id("result-waiting")).to_be_visible()
    expect(page.get_by_test_id("result-expected")).to_have_count(0)
    assert expected_text not in page.content()
    assert_offline(page)
    names = [m["name"] for m in outbox(page)]
    assert names.count("parking_transactions.record") == 29
    assert names.count("parking_transactions.void") == 1
    assert names[0] == "parking_shifts.open" and names[-1] == "parking_shifts.close"
    assert shift_records(live_server) == []

    # ---- online: everything syncs once; the server closed the shift to the fen ------------------
    go_online(context)
    synced(page)
    [shift] = shift_records(live_server)
    assert shift["status"] == "closed"
    assert shift["float_fen"] == 6000
    assert shift["expected_cash_fen"] == EXPECTED
    assert shift["counted_fen"] == COUNTED
    assert shift["variance_fen"] == -100
    assert shift["bag_no"] == "TB-0001"
    assert shift["next_cashier_id"] == user_id(live_server, "sunli")
    [(n_tx,)] = query(
        live_server, "SELECT count(*) FROM sync_record WHERE collection = 'parking_transactions'"
    )
    assert n_tx == 30
    [(n_ev,)] = query(
        live_server, "SELECT count(*) FROM sync_record WHERE collection = 'parking_events'"
    )
    assert n_ev == 1

    page.get_by_test_id("nav-parking").click()
    page.get_by_test_id("my-shift").first.click()
    expect(page.get_by_test_id("result-expected")).to_have_text(f"{expected_text} 元")
    expect(page.get_by_test_id("result-variance")).to_have_text("-1.00 元")
    expect(page.get_by_test_id("result-slip-no")).to_have_text(shift["slip_no"])
    href = page.get_by_test_id("slip-link").get_attribute("href")
    assert href
    slip = context.request.get(live_server.url + href)
    assert slip.status == 200
    assert slip.headers["content-type"].startswith("application/pdf")
    assert slip.body().startswith(b"%PDF")

    # ---- the day report adds up, to the fen, to what was entered ----------------------------
    report = day_report(live_server, shift)
    by_method = {line["method"]: line for line in report["methods"]}
    for method in METHODS:
        mine = [(r, fen) for r, m, fen in kept if m == method]
        line = by_method[method]
        assert line["count"] == len(mine), (method, line)
        assert line["amount_fen"] == sum(fen for _, fen in mine), (method, line)
        assert sorted(line["receipts"]) == sorted(r for r, _ in mine), (method, line)
    assert sum(line["amount_fen"] for line in report["methods"]) == taken
    assert report["total_fen"] == taken
    assert report["exemption_count"] == 2
    [gate] = report["gates"]
    assert gate["total_fen"] == taken
    assert sum(line["amount_fen"] for line in gate["methods"]) == taken
    assert sorted(r for line in gate["exemptions"] for r in line["receipts"]) == sorted(exempted)
    [variance] = gate["variances"]
    assert (variance["receipt_no"], variance["difference_fen"]) == (varied, -100)
    [void] = gate["voids"]
    assert (void["voids_receipt_no"], void["amount_fen"], void["method"]) == (voided, 700, "cash")
    [day_shift] = gate["shifts"]
    assert day_shift["cash_fen"] == EXPECTED - 6000
    assert (day_shift["expected_cash_fen"], day_shift["counted_fen"]) == (EXPECTED, COUNTED)
    assert (report["cash_expected_fen"], report["cash_counted_fen"]) == (EXPECTED, COUNTED)
    assert report["cash_variance_fen"] == -100
    # Every receipt of the shift is on exactly one line of the report.
    named = Counter(
        [r for line in gate["methods"] for r in line["receipts"]]
        + [r for line in gate["exemptions"] for r in line["receipts"]]
        + [void["receipt_no"], voided]
    )
    assert sorted(named) == sorted(receipts) and set(named.values()) == {1}

    # ---- the hand-over: 孙丽 on her own phone, offline ------------------------------------------
    other = other_context.new_page()
    sign_in(other, live_server, "sunli")
    wait_for_service_worker(other)
    other.get_by_test_id("nav-parking").click()
    expect(other.get_by_test_id("handover-open")).to_have_count(1)
    expect(other.get_by_test_id("shift-open-form")).to_be_visible()  # her setup is kept too
    go_offline(other_context)
    other.goto(live_server.url + "/parking")
    assert_offline(other)
    other.get_by_test_id("handover-open").click()
    fill_counts(other, "handover", FLOAT)
    expect(other.get_by_test_id("handover-total")).to_have_attribute("data-fen", "6000")
    other.get_by_test_id("handover-cards").fill("48")
    other.get_by_test_id("handover-confirm").click()
    expect(other.get_by_test_id("parking-saved")).to_have_text(
        catalog_text("parking.handover_saved")
    )
    expect(other.get_by_test_id("handover-done")).to_be_visible()
    go_online(other_context)
    synced(other)
    [shift] = shift_records(live_server)
    assert shift["status"] == "handed_over"
    assert shift["handover_by"] == user_id(live_server, "sunli")
    assert shift["handover_cards_received"] == 48
