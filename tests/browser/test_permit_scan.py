"""The gate's offline permit check (issue 18) in real Chromium with the network cut: printed
permits (the server's A6 PDF, rasterised with pdftoppm, the QR read back by a decoder) typed
into the scanner: genuine, a tampered copy forged, a revoked one revoked, a release pass used
at its second scan; and a revocation reaching the phone on its next pull."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import base45  # type: ignore[import-untyped]
import cbor2
import httpx
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    DEMO_PASSWORD,
    LiveServer,
    assert_offline,
    go_offline,
    go_online,
    query,
    sign_in,
    synced,
    wait_for_service_worker,
)
from tests.qr import qr_texts
from tests.server.syncing.stress_kit import http_sign_in

WAIT = 20_000


def desk(server: LiveServer) -> httpx.Client:
    return http_sign_in(server.url, "zhangwei", DEMO_PASSWORD)


def demo_permits(client: httpx.Client) -> dict[str, dict[str, Any]]:
    site = client.get("/api/auth/me").json()["user"]["sites"][0]["id"]
    listed = client.get("/api/permits", params={"site_id": site}).json()
    return {p["subject"]: p for p in listed}


def printed_qr(client: httpx.Client, permit_id: str, folder: Path) -> str:
    """The QR text as a phone would read it off the printed A6 page."""
    pdf = folder / f"{permit_id}.pdf"
    pdf.write_bytes(client.get(f"/api/permits/{permit_id}.pdf").content)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "200",
            "-gray",
            "-png",
            "-singlefile",
            str(pdf),
            str(folder / permit_id),
        ],
        check=True,
        timeout=60,
    )
    (text,) = qr_texts(Image.open(folder / f"{permit_id}.png"))
    return text


def tampered(qr: str, subject: str) -> str:
    """The same paper with another plate written into its payload (the signature kept)."""
    outer = cbor2.loads(base45.b45decode(qr[4:]))
    protected, unprotected, payload, signature = outer.value
    claims = cbor2.loads(payload)
    claims["sub"] = subject
    message = cbor2.dumps(
        cbor2.CBORTag(18, [protected, unprotected, cbor2.dumps(claims), signature])
    )
    return "FK1:" + base45.b45encode(message).decode()


def push(client: httpx.Client, device: str, name: str, args: dict[str, Any], seq: int) -> Any:
    stamp = f"{int(time.time() * 1000):015d}-00000-{device}"
    body = {
        "device_id": device,
        "mutations": [
            {"id": str(uuid.uuid4()), "seq": seq, "name": name, "args": args, "hlc": stamp}
        ],
    }
    answer = client.post("/api/sync/push", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"][0]


def check(page: Page, qr: str) -> Any:
    box = page.get_by_test_id("permit-qr-input")
    box.fill(qr)
    page.get_by_test_id("permit-check").click()
    return page.get_by_test_id("permit-verdict")


def open_scanner(page: Page) -> None:
    page.get_by_test_id("home-open-permit-scan").first.click()
    page.get_by_test_id("permit-qr-input").wait_for()
    expect(page.get_by_test_id("permit-no-keys")).to_have_count(0)


def test_printed_permits_are_checked_offline(
    page: Page, context: BrowserContext, live_server: LiveServer, tmp_path: Path
) -> None:
    client = desk(live_server)
    permits = demo_permits(client)
    in_force, revoked = permits["浙A·D12345"], permits["浙A·Q7M20"]
    (release,) = [p for p in permits.values() if p["kind"] == "release_pass"]
    genuine_qr = printed_qr(client, in_force["id"], tmp_path)
    assert genuine_qr == in_force["qr"]
    revoked_qr = printed_qr(client, revoked["id"], tmp_path)
    pass_qr = printed_qr(client, release["id"], tmp_path)

    # The gate's cashier syncs once with the network, then loses it.
    sign_in(page, live_server, "chenjing")
    wait_for_service_worker(page)
    synced(page)
    page.get_by_test_id("nav-home").click()
    open_scanner(page)
    go_offline(context)
    assert_offline(page)

    verdict = check(page, genuine_qr)
    expect(verdict).to_have_attribute("data-reason", "genuine", timeout=WAIT)
    expect(page.get_by_test_id("permit-subject")).to_have_text("浙A·D12345")
    expect(verdict).to_contain_text("真实有效")

    expect(check(page, tampered(genuine_qr, "浙A·D99999"))).to_have_attribute(
        "data-reason", "forged"
    )
    expect(page.get_by_test_id("permit-subject")).to_have_text("浙A·D99999")  # what it claims
    expect(check(page, revoked_qr)).to_have_attribute("data-reason", "revoked")
    expect(check(page, genuine_qr[:-8])).to_have_attribute("data-reason", "malformed")

    # A release pass: taken at the first scan, "used" at the second, on this phone at once.
    expect(check(page, pass_qr)).to_have_attribute("data-reason", "genuine")
    expect(page.get_by_test_id("permit-pass-taken")).to_be_visible()
    expect(check(page, pass_qr)).to_have_attribute("data-reason", "used")
    expect(page.get_by_test_id("permit-verdict")).to_contain_text("已使用")

    # Back online: the use reaches the server, which then calls the pass used too.
    go_online(context)
    synced(page)
    [(used_at,)] = query(live_server, "SELECT used_at FROM permit WHERE id = ?", release["id"])
    assert used_at is not None
    assert client.post("/api/permits/verify", json={"qr": pass_qr}).json()["reason"] == "used"


def test_a_revocation_reaches_the_phone_on_its_next_pull(
    page: Page, context: BrowserContext, live_server: LiveServer, tmp_path: Path
) -> None:
    client = desk(live_server)
    permit = demo_permits(client)["浙A·D12345"]
    qr = printed_qr(client, permit["id"], tmp_path)
    sign_in(page, live_server, "chenjing")
    wait_for_service_worker(page)
    synced(page)
    page.get_by_test_id("nav-home").click()
    open_scanner(page)
    go_offline(context)
    expect(check(page, qr)).to_have_attribute("data-reason", "genuine", timeout=WAIT)

    # The desk revokes it; the phone, offline, does not know yet.
    result = push(
        client,
        str(uuid.uuid4()),
        "permits.revoke",
        {"permit_id": permit["id"], "reason": "车辆已转让"},
        1,
    )
    assert result["status"] == "applied", result
    expect(check(page, qr)).to_have_attribute("data-reason", "genuine")

    # Its next pull brings the revocation; offline again, the paper reads revoked.
    go_online(context)
    synced(page)
    page.get_by_test_id("nav-home").click()
    open_scanner(page)
    go_offline(context)
    assert_offline(page)
    expect(check(page, qr)).to_have_attribute("data-reason", "revoked", timeout=WAIT)


def test_the_desk_issues_offline_and_a_renewal_leaves_the_reminders(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "zhangwei")
    wait_for_service_worker(page)
    synced(page)
    page.get_by_test_id("nav-home").click()
    page.get_by_test_id("home-open-permits").click()
    reminders = page.get_by_test_id("permit-reminders")
    # The demo's permit ending in 3 days is listed for the renter to be reminded.
    expect(reminders.get_by_test_id("permit-reminder")).to_have_count(1, timeout=WAIT)
    expect(reminders.get_by_test_id("permit-reminder")).to_have_attribute(
        "data-subject", "浙A·F31688"
    )

    # Offline, a new monthly permit: saved at once, issued by the server when online.
    go_offline(context)
    form = page.get_by_test_id("permit-issue")
    form.get_by_test_id("issue-plate").fill("浙A·K5678")
    form.get_by_test_id("issue-space").fill("B2-050")
    form.get_by_test_id("issue-submit").click()
    expect(form.get_by_test_id("issue-error-to")).to_have_text("请填写此项。")
    expect(form.get_by_test_id("issue-error-fee")).to_be_visible()
    form.get_by_test_id("issue-fee").fill("300")
    form.get_by_test_id("issue-to").fill("2099-12-31")
    form.get_by_test_id("issue-submit").click()
    expect(form.get_by_test_id("issue-saved")).to_have_text("已保存（联网后同步）。")
    expect(page.get_by_test_id("permit-queued")).to_have_count(1)

    # Renew the one ending soon (still offline): it leaves the reminders at once.
    reminders.get_by_test_id("permit-renew").click()
    reminders.get_by_test_id("renew-to").fill("2099-06-30")
    reminders.get_by_test_id("renew-submit").click()
    expect(reminders.get_by_test_id("permit-reminder")).to_have_count(0)

    go_online(context)
    synced(page)
    [(plate, fee)] = query(
        live_server, "SELECT subject, fee_fen FROM permit WHERE space = ?", "B2-050"
    )
    assert (plate, fee) == ("浙A·K5678", 30000)
    renewed = query(
        live_server,
        "SELECT renewed_by FROM permit WHERE subject = ? AND renews IS NULL",
        "浙A·F31688",
    )
    assert renewed[0][0] is not None
    page.get_by_test_id("nav-home").click()
    page.get_by_test_id("home-open-permits").click()
    rows = page.locator('[data-testid="permit-row"][data-subject="浙A·K5678"]')
    expect(rows).to_have_count(1, timeout=WAIT)
    expect(page.get_by_test_id("permit-reminder")).to_have_count(0)
