"""Parking REST: gates, tariff versions, exemption reasons and denominations per site (members
read, admins write), the fee quote for a stay at a gate, the receipt prefix of a cashier's device
and the setup the app caches for offline fees. The shift documents are in documents.py."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.di import Provide
from litestar.params import QueryParameter
from piccolo.columns import Column

from server.access import REPORT_READERS
from server.auth.guards import check_site_access, provide_current_user
from server.auth.service import CurrentUser, names_of, now
from server.errors import AppError
from server.i18n import negotiate
from server.openapi import PDF, XLSX, Id, files, refusals
from server.parking import service
from server.parking.documents import render_report_pdf, render_report_xlsx, render_slip
from server.parking.report import day_entries, day_report, shift_takings
from server.parking.schemas import (
    CashierRead,
    DenominationItem,
    ExemptionReasonCreate,
    ExemptionReasonRead,
    ExemptionReasonUpdate,
    GateCreate,
    GateRead,
    GateUpdate,
    ParkingSetupRead,
    QuoteLine,
    QuoteRead,
    ReceiptPrefixCreate,
    ReceiptPrefixRead,
    TariffCreate,
    TariffRead,
)
from server.parking.tables import (
    VEHICLE_CLASSES,
    Denomination,
    ExemptionReason,
    Gate,
    ReceiptPrefix,
    Tariff,
)
from server.parking.tariff import StayInvalid, line_texts, quote
from server.sites.service import members_with_role, site_clock, site_zone
from server.sites.tables import Site
from server.syncing.records import record_by_id

# A new version may not take effect in the past (it would change fees already charged); this
# much clock skew between the admin's device and the server is forgiven.
BACKDATE_SLACK = timedelta(minutes=5)
# Quotes are for stays at a booth; a year bounds the work a single request can ask for.
MAX_STAY = timedelta(days=366)
# A record id fits PostgreSQL's integer (a larger one would fail in the driver, not here).
_GATE_ID = re.compile(r"[1-9]\d{0,8}")
# A "+" left unencoded in a query string arrives as a space: "…T08:00:00 08:00".
_SPACE_FOR_PLUS = re.compile(r"^(.+T[\d:.]+) (\d\d(?::?\d\d)?)$")


# Reads select `site` as `site_id`, so a row converts to its *Read struct as it is.
GATE_COLUMNS = (*Gate.all_columns(exclude=[Gate.site]), Gate.site.as_alias("site_id"))
TARIFF_COLUMNS = (*Tariff.all_columns(exclude=[Tariff.site]), Tariff.site.as_alias("site_id"))
REASON_COLUMNS = (
    *ExemptionReason.all_columns(exclude=[ExemptionReason.site]),
    ExemptionReason.site.as_alias("site_id"),
)


async def _gate(gate_id: int) -> GateRead:
    row = await Gate.select(*GATE_COLUMNS).where(Gate.id == gate_id).first()
    if row is None:
        raise AppError("not_found", 404)
    return msgspec.convert(row, GateRead)


async def _reason(reason_id: int) -> ExemptionReasonRead:
    row = (
        await ExemptionReason.select(*REASON_COLUMNS).where(ExemptionReason.id == reason_id).first()
    )
    if row is None:
        raise AppError("not_found", 404)
    return msgspec.convert(row, ExemptionReasonRead)


def _tariff_read(row: dict[str, Any]) -> TariffRead:
    return msgspec.convert({**row, "rules": msgspec.json.decode(row["rules"])}, TariffRead)


def _given(data: msgspec.Struct) -> dict[Column | str, Any]:
    """The fields an update body gave (None: not given)."""
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}


async def _existing_site(site_id: int) -> None:
    if not await Site.exists().where(Site.id == site_id):
        raise AppError("unknown_site", 404, site_id=site_id)


async def _unique_gate_code(site_id: int, code: str | None, gate_id: int | None = None) -> None:
    if code is None:
        return
    query = Gate.exists().where((Gate.site == site_id) & (Gate.code == code))
    if gate_id is not None:
        query = query.where(Gate.id != gate_id)
    if await query:
        raise AppError("conflict", 409, field="code", detail=code)


async def _gates(site_id: int) -> list[GateRead]:
    rows = await Gate.select(*GATE_COLUMNS).where(Gate.site == site_id).order_by(Gate.id)
    return msgspec.convert(rows, list[GateRead])


async def _tariffs(site_id: int, vehicle_class: str | None = None) -> list[TariffRead]:
    query = Tariff.select(*TARIFF_COLUMNS).where(Tariff.site == site_id)
    if vehicle_class is not None:
        query = query.where(Tariff.vehicle_class == vehicle_class)
    rows = await query.order_by(Tariff.vehicle_class).order_by(Tariff.version, ascending=False)
    return [_tariff_read(r) for r in rows]


async def _reasons(site_id: int) -> list[ExemptionReasonRead]:
    rows = (
        await ExemptionReason.select(*REASON_COLUMNS)
        .where(ExemptionReason.site == site_id)
        .order_by(ExemptionReason.id)
    )
    return msgspec.convert(rows, list[ExemptionReasonRead])


async def _denominations(site_id: int) -> list[DenominationItem]:
    rows = await Denomination.select(Denomination.kind, Denomination.fen).where(
        Denomination.site == site_id
    )
    items = [DenominationItem(kind=r["kind"], fen=r["fen"]) for r in rows]
    return sorted(items, key=lambda d: (d.kind != "note", -d.fen))


def prefix_of(n: int) -> str:
    """The n-th receipt prefix (n ≥ 1): A00 … A99, B00 … Z99, AA00 …: letters in bijective base
    26 then two digits, so distinct numbers never give the same prefix."""
    letters, rest = "", (n - 1) // 100 + 1
    while rest:
        rest, digit = divmod(rest - 1, 26)
        letters = chr(ord("A") + digit) + letters
    return f"{letters}{(n - 1) % 100:02d}"


async def _issued_prefix(device_id: str) -> str | None:
    row = (
        await ReceiptPrefix.select(ReceiptPrefix.prefix)
        .where(ReceiptPrefix.device_id == device_id)
        .first()
    )
    return str(row["prefix"]) if row and row["prefix"] else None


def _instant(value: str | None, field: str) -> datetime:
    if not value:
        raise AppError("invalid_args", 400, field=field)
    try:
        at = datetime.fromisoformat(_SPACE_FOR_PLUS.sub(r"\1+\2", value.strip()))
    except ValueError:
        raise AppError("invalid_args", 400, field=field) from None
    if at.tzinfo is None:
        raise AppError("invalid_args", 400, field=field)
    return at


class ParkingController(Controller):
    path = "/api"
    dependencies = {"user": Provide(provide_current_user)}  # noqa: RUF012

    # ---- gates ---------------------------------------------------------------------------

    @get("/sites/{site_id:int}/parking/gates")
    async def list_gates(self, site_id: Id, user: CurrentUser) -> list[GateRead]:
        return await _gates(site_id)

    @post("/sites/{site_id:int}/parking/gates", responses=refusals(409))
    async def create_gate(self, site_id: Id, data: GateCreate) -> GateRead:
        await _existing_site(site_id)
        await _unique_gate_code(site_id, data.code)
        rows = await Gate.insert(
            Gate(site=site_id, created_at=now(), **msgspec.structs.asdict(data))
        ).returning(Gate.id)
        return await _gate(rows[0]["id"])

    @put("/parking/gates/{gate_id:int}", responses=refusals(409))
    async def update_gate(self, gate_id: Id, data: GateUpdate) -> GateRead:
        site_id = await service.site_of_gate(gate_id)
        if site_id is None:
            raise AppError("not_found", 404)
        await _unique_gate_code(site_id, data.code, gate_id)
        if changes := _given(data):
            await Gate.update(changes).where(Gate.id == gate_id)
        return await _gate(gate_id)

    # ---- tariffs -------------------------------------------------------------------------

    @get("/sites/{site_id:int}/parking/tariffs")
    async def list_tariffs(
        self, site_id: Id, user: CurrentUser, vehicle_class: str | None = None
    ) -> list[TariffRead]:
        """Every version, newest first."""
        return await _tariffs(site_id, vehicle_class)

    @post("/sites/{site_id:int}/parking/tariffs", responses=refusals(409, 422))
    async def create_tariff(self, site_id: Id, data: TariffCreate, user: CurrentUser) -> TariffRead:
        """The next version for the class. Earlier versions stay as they were."""
        await _existing_site(site_id)
        async with Tariff._meta.db.transaction():
            latest = (
                await Tariff.select(Tariff.version)
                .where((Tariff.site == site_id) & (Tariff.vehicle_class == data.vehicle_class))
                .order_by(Tariff.version, ascending=False)
                .first()
            )
            at = now()
            if latest and data.effective_from < at - BACKDATE_SLACK:
                raise AppError("tariff_backdated", 422, field="effective_from")
            try:
                rows = await Tariff.insert(
                    Tariff(
                        site=site_id,
                        vehicle_class=data.vehicle_class,
                        version=(latest["version"] if latest else 0) + 1,
                        effective_from=data.effective_from,
                        rules=msgspec.json.encode(data.rules).decode(),
                        created_at=at,
                        created_by=user.id,
                    )
                ).returning(Tariff.id)
            except Exception as exc:  # the unique version: another admin saved first
                if "unique" not in str(exc).lower():
                    raise
                raise AppError("conflict", 409, field="version", detail=str(exc)) from None
        row = await Tariff.select(*TARIFF_COLUMNS).where(Tariff.id == rows[0]["id"]).first()
        return _tariff_read(row or {})

    # ---- exemption reasons ---------------------------------------------------------------

    @get("/sites/{site_id:int}/parking/exemption-reasons")
    async def list_exemption_reasons(
        self, site_id: Id, user: CurrentUser
    ) -> list[ExemptionReasonRead]:
        return await _reasons(site_id)

    @post(
        "/sites/{site_id:int}/parking/exemption-reasons",
        responses=refusals(409),
    )
    async def create_exemption_reason(
        self, site_id: Id, data: ExemptionReasonCreate
    ) -> ExemptionReasonRead:
        await _existing_site(site_id)
        taken = ExemptionReason.exists().where(
            (ExemptionReason.site == site_id) & (ExemptionReason.code == data.code)
        )
        if await taken:
            raise AppError("conflict", 409, field="code", detail=data.code)
        rows = await ExemptionReason.insert(
            ExemptionReason(site=site_id, **msgspec.structs.asdict(data))
        ).returning(ExemptionReason.id)
        return await _reason(rows[0]["id"])

    @put("/parking/exemption-reasons/{reason_id:int}", responses=refusals(409))
    async def update_exemption_reason(
        self, reason_id: Id, data: ExemptionReasonUpdate
    ) -> ExemptionReasonRead:
        if changes := _given(data):
            await ExemptionReason.update(changes).where(ExemptionReason.id == reason_id)
        return await _reason(reason_id)

    # ---- denominations -------------------------------------------------------------------

    @get("/sites/{site_id:int}/parking/denominations")
    async def list_denominations(self, site_id: Id, user: CurrentUser) -> list[DenominationItem]:
        """Notes then coins, largest first: the order of a cash count."""
        return await _denominations(site_id)

    @put("/sites/{site_id:int}/parking/denominations")
    async def set_denominations(
        self, site_id: Id, data: list[DenominationItem]
    ) -> list[DenominationItem]:
        """Replaces the site's set."""
        await _existing_site(site_id)
        seen = set()
        for i, item in enumerate(data):
            if (item.kind, item.fen) in seen:
                raise AppError("invalid_args", 400, field=f"[{i}]")
            seen.add((item.kind, item.fen))
        async with Denomination._meta.db.transaction():
            await Denomination.delete().where(Denomination.site == site_id)
            if data:
                await Denomination.insert(
                    *(Denomination(site=site_id, kind=d.kind, fen=d.fen) for d in data)
                )
        return sorted(data, key=lambda d: (d.kind != "note", -d.fen))

    # ---- quote ---------------------------------------------------------------------------

    @get("/parking/quote", responses=refusals(404, 422))
    async def quote_fee(
        self,
        request: Request[Any, Any, Any],
        user: CurrentUser,
        gate_id: str | None = None,
        vehicle_class: str | None = None,
        entry: str | None = None,
        exit_at: Annotated[str | None, QueryParameter(name="exit")] = None,
        lost_ticket: bool = False,
    ) -> QuoteRead:
        """The fee for a stay at a gate under the tariff in force at entry. Any member of the
        gate's site may ask; another site's gate is answered as unknown."""
        if not gate_id or not _GATE_ID.fullmatch(gate_id):
            raise AppError("invalid_args", 400, field="gate_id")
        if vehicle_class not in VEHICLE_CLASSES:
            raise AppError("invalid_args", 400, field="vehicle_class")
        start, end = _instant(entry, "entry"), _instant(exit_at, "exit")
        if end < start or end - start > MAX_STAY:
            raise AppError("invalid_args", 400, field="exit")
        site_id = await service.site_of_gate(int(gate_id))
        if site_id is None:
            raise AppError("not_found", 404)
        check_site_access(user, site_id)
        tariff = await service.tariff_in_force(site_id, vehicle_class, start)
        if tariff is None:
            raise AppError("tariff_missing", 422, field="entry")
        try:
            fee = quote(
                tariff.rules, start, end, lost_ticket=lost_ticket, zone=await site_zone(site_id)
            )
        except StayInvalid as exc:
            raise AppError("invalid_args", 400, field=exc.field) from None
        texts = line_texts(fee, tariff.rules, negotiate(request.headers.get("accept-language")))
        return QuoteRead(
            fee_fen=fee.fee_fen,
            lines=[
                QuoteLine(text=t, fen=line.fen) for t, line in zip(texts, fee.lines, strict=True)
            ],
            tariff_id=tariff.id,
            tariff_version=tariff.version,
        )

    # ---- a cashier's device and the offline setup -----------------------------------------

    @post("/parking/receipt-prefix", status_code=200)
    async def receipt_prefix(
        self, data: ReceiptPrefixCreate, user: CurrentUser
    ) -> ReceiptPrefixRead:
        """The device's receipt prefix: the same for the same device id, a new one for a new
        id; a prefix is never issued twice (rows are never deleted)."""
        if prefix := await _issued_prefix(data.device_id):
            return ReceiptPrefixRead(prefix=prefix)
        try:
            async with ReceiptPrefix._meta.db.transaction():
                rows = await ReceiptPrefix.insert(
                    ReceiptPrefix(device_id=data.device_id, issued_to=user.id, created_at=now())
                ).returning(ReceiptPrefix.id)
                prefix = prefix_of(int(rows[0]["id"]))
                await ReceiptPrefix.update({ReceiptPrefix.prefix: prefix}).where(
                    ReceiptPrefix.id == rows[0]["id"]
                )
        except Exception as exc:  # the same device asked twice at once: the first one won
            if "unique" not in str(exc).lower():
                raise
            prefix = await _issued_prefix(data.device_id)
            if prefix is None:
                raise
        return ReceiptPrefixRead(prefix=prefix)

    @get("/sites/{site_id:int}/parking/setup")
    async def setup(self, site_id: Id, user: CurrentUser) -> ParkingSetupRead:
        """Gates, every tariff version, exemption reasons, denominations and the site's
        cashiers: what the app keeps to take fees with no network."""
        cashier_ids = await members_with_role(site_id, "cashier")
        names = await names_of(cashier_ids)
        return ParkingSetupRead(
            gates=await _gates(site_id),
            tariffs=await _tariffs(site_id),
            exemption_reasons=await _reasons(site_id),
            denominations=await _denominations(site_id),
            cashiers=[CashierRead(id=i, name=names.get(i, f"#{i}")) for i in cashier_ids],
        )

    # ---- documents: the remittance slip and the day report -------------------------------

    @get(
        "/parking/shifts/{shift_id:str}/slip.pdf",
        media_type=PDF,
        responses=refusals(409, 503),
    )
    async def slip(self, shift_id: str, user: CurrentUser) -> Response[bytes]:
        """The A5 remittance slip of a closed shift: its cashier and the site's supervisors,
        managers and admins may print it; to anyone else the shift does not exist."""
        shift = await record_by_id("parking_shifts", shift_id)
        if shift is None:
            raise AppError("not_found", 404)
        site_id = int(shift["site_id"])
        check_site_access(user, site_id)
        if shift.get("cashier_id") != user.id and not user.has_any_role(*REPORT_READERS):
            raise AppError("not_found", 404)
        if not shift.get("slip_no"):
            raise AppError("slip_not_ready", 409)
        gate = await Gate.select(Gate.name).where(Gate.id == shift.get("gate_id")).first()
        site = await Site.select(Site.name).where(Site.id == site_id).first()
        people = [shift["cashier_id"], shift.get("next_cashier_id")]
        names = await names_of([p for p in people if isinstance(p, int)])
        pdf = render_slip(
            shift,
            site_name=str(site["name"]) if site else "",
            gate_name=str(gate["name"]) if gate else "",
            cashier=names.get(shift["cashier_id"], ""),
            next_cashier=names.get(shift.get("next_cashier_id")),  # type: ignore[arg-type]
            takings=await shift_takings(shift_id),
            clock=await site_clock(site_id),
        )
        return Response(
            pdf,
            media_type=PDF,
            headers={"Content-Disposition": f'inline; filename="{shift["slip_no"]}.pdf"'},
        )

    @get(
        "/parking/reports/day",
        operation_class=files(answers=(PDF, XLSX)),
        responses=refusals(404, 503),
    )
    async def day(
        self,
        user: CurrentUser,
        site_id: str | None = None,
        date_: Annotated[str | None, QueryParameter(name="date")] = None,
        format_: Annotated[str, QueryParameter(name="format")] = "json",
    ) -> Any:
        """The site's day: per gate, fees by method with their receipts, exemptions, price
        variances, voids, shifts with cash expected and counted; JSON, XLSX or PDF."""
        if not site_id or not _GATE_ID.fullmatch(site_id):
            raise AppError("invalid_args", 400, field="site_id")
        try:
            day = date.fromisoformat(date_ or "")
        except ValueError:
            raise AppError("invalid_args", 400, field="date") from None
        if format_ not in ("json", "xlsx", "pdf"):
            raise AppError("invalid_args", 400, field="format")
        report = await day_report(int(site_id), day)
        name = f"parking-{day.isoformat()}"
        if format_ == "json":
            return report
        if format_ == "pdf":
            return Response(
                render_report_pdf(report),
                media_type=PDF,
                headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
            )
        entries = await day_entries(int(site_id), day)
        return Response(
            render_report_xlsx(report, entries, await site_clock(int(site_id))),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
