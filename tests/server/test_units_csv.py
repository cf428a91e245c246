"""Units CSV import (UTF-8 with BOM or GBK, preview, all-or-nothing) and export."""

from __future__ import annotations

import csv
import io

import pytest

from server.sites.tables import Unit
from tests.conftest import ApiClient, make_user

GOOD = (
    "楼栋,单元,房号,面积,状态\n"
    "1栋,1单元,101,89.5,空置\n"
    "1栋,1单元,102,105.2,已入住\n"
    "2栋,,201,,空置\n"
)


@pytest.fixture
async def site(client: ApiClient) -> int:
    await make_user("root", ["admin"])
    await client.sign_in("root")
    r = await client.post("/api/sites", json={"name": "翠湖花园", "code": "cuihu"})
    return int(r.json()["id"])


async def post_csv(client: ApiClient, site: int, body: bytes, dry_run: bool = False):  # type: ignore[no-untyped-def]
    return await client.post(
        f"/api/sites/{site}/units/import",
        params={"dry_run": str(dry_run).lower()},
        content=body,
        headers={"Content-Type": "text/csv"},
    )


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8-sig", "utf-8"), ("utf-8", "utf-8"), ("gbk", "gbk")],
)
async def test_import_reads_utf8_with_bom_and_gbk(
    client: ApiClient, site: int, encoding: str, expected: str
) -> None:
    r = await post_csv(client, site, GOOD.encode(encoding))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["encoding"], body["imported"], body["new_buildings"]) == (
        expected,
        3,
        ["1栋", "2栋"],
    )
    units = await Unit.select(Unit.number, Unit.vacant, Unit.building.name).order_by(Unit.number)
    assert [(u["building.name"], u["number"], u["vacant"]) for u in units] == [
        ("1栋", "101", True),
        ("1栋", "102", False),
        ("2栋", "201", True),
    ]


async def test_preview_writes_nothing(client: ApiClient, site: int) -> None:
    r = await post_csv(client, site, GOOD.encode(), dry_run=True)
    assert r.status_code == 200
    assert (r.json()["rows"], r.json()["imported"]) == (3, 0)
    assert await Unit.count() == 0


async def test_missing_columns_are_named(client: ApiClient, site: int) -> None:
    r = await post_csv(client, site, "楼栋,面积\n1栋,80\n".encode())
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "csv_missing_columns"
    assert "房号" in r.json()["error"]["message"]


async def test_one_bad_row_imports_nothing_and_every_error_is_listed(
    client: ApiClient, site: int
) -> None:
    bad = GOOD + "1栋,1单元,101,90,空置\n3栋,1单元,,80,空置\n3栋,1单元,301,-5,入伙\n"
    preview = await post_csv(client, site, bad.encode(), dry_run=True)
    assert preview.status_code == 200
    codes = sorted((e["line"], e["code"]) for e in preview.json()["errors"])
    assert codes == [
        (5, "duplicate_in_file"),
        (6, "required"),
        (7, "bad_area"),
        (7, "bad_status"),
    ]
    r = await post_csv(client, site, bad.encode())
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "csv_invalid"
    assert len(r.json()["error"]["errors"]) == 4
    assert await Unit.count() == 0


async def test_units_already_in_the_site_are_refused(client: ApiClient, site: int) -> None:
    assert (await post_csv(client, site, GOOD.encode())).status_code == 200
    again = await post_csv(client, site, GOOD.encode())
    assert again.status_code == 422
    assert {e["code"] for e in again.json()["error"]["errors"]} == {"unit_exists"}
    assert await Unit.count() == 3


async def test_garbage_bytes_are_a_clear_error_not_a_500(client: ApiClient, site: int) -> None:
    r = await post_csv(client, site, b"\xff\xfe\x00\x01\x80\x81" * 100)
    assert 400 <= r.status_code < 500


async def test_export_round_trips_and_opens_in_excel(client: ApiClient, site: int) -> None:
    await post_csv(client, site, GOOD.encode())
    r = await client.get(f"/api/sites/{site}/units.csv")
    assert r.status_code == 200
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["楼栋", "单元", "房号", "面积", "状态"]
    assert rows[1] == ["1栋", "1单元", "101", "89.50", "空置"]


async def test_export_headers_follow_the_callers_language_and_import_back(
    client: ApiClient, site: int
) -> None:
    await post_csv(client, site, GOOD.encode())
    r = await client.get(f"/api/sites/{site}/units.csv", headers={"Accept-Language": "en-GB"})
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["Building", "Entrance", "Unit", "Area (m²)", "Status"]
    assert [row[4] for row in rows[1:]] == ["vacant", "occupied", "vacant"]
    # The English file reads back: every unit is already there.
    r = await post_csv(client, site, r.content, dry_run=True)
    assert [e["code"] for e in r.json()["errors"]] == ["unit_exists"] * 3
    # The language chosen in the app wins over the browser's.
    assert (await client.patch("/api/auth/me", json={"language": "zh-CN"})).status_code == 200
    r = await client.get(f"/api/sites/{site}/units.csv", headers={"Accept-Language": "en"})
    assert r.content.decode("utf-8-sig").startswith("楼栋,单元,房号,面积,状态")


async def test_only_admins_import(client: ApiClient, another_client: ApiClient, site: int) -> None:
    await make_user("boss", ["supervisor"], [site])
    await another_client.sign_in("boss")
    r = await post_csv(another_client, site, GOOD.encode())
    assert r.status_code == 403


async def test_export_does_not_let_a_unit_number_run_as_a_formula(
    client: ApiClient, site: int
) -> None:
    number = '=HYPERLINK("http://e.vil/x","1")'
    body = f'楼栋,单元,房号,面积,状态\n1栋,1单元,"{number.replace(chr(34), chr(34) * 2)}",,\n'
    assert (await post_csv(client, site, body.encode())).status_code == 200
    r = await client.get(f"/api/sites/{site}/units.csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[1][2] == "'" + number
    # Our own export imports back as the same units (the quote comes off again).
    r = await post_csv(client, site, r.content, dry_run=True)
    assert [(e["column"], e["code"]) for e in r.json()["errors"]] == [("房号", "unit_exists")]
