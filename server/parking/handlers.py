"""A cashier's shift at a gate, plugged into the sync engine: `parking_shifts` (open, close with
a blind count, hand-over), the append-only ledger `parking_transactions` (fees, exemptions,
voids) and `parking_events` (abnormal events). Every record is made by an intent; devices never
upsert or delete them.

Rules the engine's record reads cannot say by themselves (a receipt number used once per site,
one open shift per cashier and gate, the cash a shift took, the slip sequence of a day) are kept
in `parking_books`: server records that belong to no site, so nobody pulls them, written in the
same transaction as the mutation they count (refused with it, never counted twice).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from server.access import CASHIER
from server.parking import service
from server.parking.schemas import (
    EventArgs,
    HandoverArgs,
    ShiftCloseArgs,
    ShiftOpenArgs,
    TransactionArgs,
    VoidArgs,
)
from server.parking.tariff import StayInvalid, quote
from server.sites.service import members_with_role, zone_named
from server.syncing.handler_kit import (
    LedgerHandler,
    ServerKeptHandler,
    Services,
    SiteHandler,
    decode_args,
    in_site,
    live,
    server_time,
)
from sync import Handler, MutationContext, Refusal, StoredRecord, Write

# One payment at a booth above this is a typing slip, not a fee (a year at the large-vehicle
# cap is 14,640 yuan).
MAX_AMOUNT_FEN = 2_000_000
# As the quote API: a stay at a booth is at most a year (bounds the fee engine's work).
MAX_STAY = timedelta(days=366)
# A shift waits for review when its count differs from what it should hold.
REVIEW_WAITING = frozenset({"closed", "handed_over"})
BOOKS = "parking_books"
# Master data the rules read on every mutation changes rarely: cached briefly.
CACHE_TTL_S = 30.0

K = TypeVar("K")
V = TypeVar("V")


def _cached(load: Callable[..., Awaitable[V]]) -> Callable[..., Awaitable[V]]:
    entries: dict[tuple[Any, ...], tuple[float, V]] = {}

    async def get(*key: Any) -> V:
        hit = entries.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_TTL_S:
            return hit[1]
        value = await load(*key)
        entries[key] = (time.monotonic(), value)
        return value

    return get


class Lookups:
    """The parking master data and memberships the shift rules read, cached per engine."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.gate = _cached(service.gate_of)
        self.tariffs = _cached(service.tariff_versions)
        self.exemption_roles = _cached(service.exemption_roles)
        self.denominations = _cached(service.denominations)
        self.site_code = _cached(service.site_code)
        self.with_role = _cached(members_with_role)


def counted_fen(counts: Mapping[str, int]) -> int:
    return sum(int(fen) * n for fen, n in counts.items())


async def _check_counts(
    lookups: Lookups, site_id: int, counts: Mapping[str, int], field: str
) -> int:
    known = await lookups.denominations(site_id)
    for fen in counts:
        if int(fen) not in known:
            raise Refusal("invalid_args", f"{field}: the site counts no {fen} fen", field)
    return counted_fen(counts)


def _book(record_id: str, **fields: Any) -> Write:
    # Decided: stamped after every stamp on the record, so a slow phone clock cannot make a
    # later count lose the merge to an earlier one.
    return Write(collection=BOOKS, id=record_id, fields=fields, decided=True)


def _cashier(ctx: MutationContext) -> int:
    # Only cashiers send parking intents at all (server/access.py).
    return int(ctx.actor.user_id)


def _slip_prefix(code: str) -> str:
    letters = "".join(c for c in code.upper() if c.isascii() and c.isalnum())
    return letters[:8] or "P"


class ShiftsHandler(SiteHandler):
    collection = "parking_shifts"
    intents = frozenset({"open", "close", "confirm_handover"})

    def __init__(self, lookups: Lookups) -> None:
        self._lookups = lookups

    def is_locked(self, fields: Mapping[str, Any]) -> bool:
        return fields.get("status") == "approved"

    async def check_upsert(
        self,
        ctx: MutationContext,
        record_id: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Mapping[str, Any]:
        raise Refusal("unknown_mutation", "shifts are made by parking_shifts.open and close")

    async def check_delete(self, ctx: MutationContext, current: StoredRecord | None) -> None:
        raise Refusal("unknown_mutation", "a shift is never deleted")

    async def apply(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Sequence[Write]:
        if intent == "open":
            return await self._open(ctx, decode_args(args, ShiftOpenArgs), current)
        if intent == "close":
            return await self._close(ctx, decode_args(args, ShiftCloseArgs))
        return await self._confirm(ctx, decode_args(args, HandoverArgs))

    async def _open(
        self, ctx: MutationContext, given: ShiftOpenArgs, current: StoredRecord | None
    ) -> Sequence[Write]:
        me = _cashier(ctx)
        in_site(ctx, given.site_id)
        if current is not None:
            if (current.fields.get("cashier_id"), current.fields.get("gate_id")) == (
                me,
                given.gate_id,
            ):
                return []  # the same open sent again (a new mutation id): it is recorded
            raise Refusal("invalid_args", "another shift has this id", "id")
        gate = await self._lookups.gate(given.gate_id)
        if gate is None or gate[0] != given.site_id or not gate[1]:
            raise Refusal("invalid_args", "no such gate at this site", "gate_id")
        float_fen = await _check_counts(
            self._lookups, given.site_id, given.float_counts, "float_counts"
        )
        open_key = f"open:{given.gate_id}:{me}"
        book = await ctx.get(BOOKS, open_key)
        if book is not None and book.fields.get("shift_id"):
            raise Refusal(
                "shift_already_open",
                "you have a shift open at this gate; close it first",
                "gate_id",
            )
        shift = {
            "site_id": given.site_id,
            "gate_id": given.gate_id,
            "cashier_id": me,
            "opened_at": given.opened_at.isoformat(),
            "float_counts": dict(given.float_counts),
            "float_fen": float_fen,
            "cards_received": given.cards_received,
            "status": "open",
            "closed_at": None,
            "count_counts": None,
            "counted_fen": None,
            "cards_on_hand": None,
            "bag_no": None,
            "next_cashier_id": None,
            "expected_cash_fen": None,
            "variance_fen": None,
            "slip_no": None,
            "handover_confirmed_at": None,
            "handover_by": None,
            "handover_float_counts": None,
            "handover_cards_received": None,
            "reviewed_by": None,
            "reviewed_at": None,
            "review_comment": None,
            "opened_recorded_at": server_time(ctx),
        }
        return [
            Write(collection=self.collection, id=given.id, fields=shift, decided=True),
            _book(open_key, shift_id=given.id),
            _book(f"shift:{given.id}", cash_in_fen=0, cash_void_fen=0),
        ]

    async def _close(self, ctx: MutationContext, given: ShiftCloseArgs) -> Sequence[Write]:
        me = _cashier(ctx)
        shift = await live(ctx, self.collection, given.id, "id")
        fields = shift.fields
        site_id = int(fields["site_id"])
        if fields.get("cashier_id") != me:
            raise Refusal("forbidden", "only the shift's cashier closes it", "id")
        status = fields.get("status")
        recount = status == "returned"  # the supervisor sent the count back: counted again
        if status != "open" and not recount:
            if status in ("closed", "handed_over", "approved"):
                raise Refusal(
                    "count_already_submitted", "this shift's count was submitted already", "id"
                )
            raise Refusal("shift_not_open", "the shift is not open", "id")
        counted = await _check_counts(self._lookups, site_id, given.count_counts, "count_counts")
        nxt = given.next_cashier_id
        if nxt is not None and (
            nxt == me or nxt not in await self._lookups.with_role(site_id, CASHIER)
        ):
            raise Refusal(
                "invalid_args", "hand over to another cashier of the site", "next_cashier_id"
            )
        totals = await ctx.get(BOOKS, f"shift:{given.id}")
        books = totals.fields if totals is not None else {}
        expected = (
            int(fields.get("float_fen") or 0)
            + int(books.get("cash_in_fen") or 0)
            - int(books.get("cash_void_fen") or 0)
        )
        variance = counted - expected
        # The slip is numbered in the site's day of the close, in the order closes reach us.
        settings = await self._lookups.services.site_settings(site_id)
        day = given.closed_at.astimezone(zone_named(settings.timezone)).date()
        slip_key = f"slip:{site_id}:{day.isoformat()}"
        slips = await ctx.get(BOOKS, slip_key)
        n = int(slips.fields.get("n") or 0) + 1 if slips is not None else 1
        code = _slip_prefix(await self._lookups.site_code(site_id))
        slip_no = fields.get("slip_no") if recount else f"{code}{day:%Y%m%d}-{n:03d}"
        handed = nxt is not None and fields.get("handover_by") == nxt
        changes = {
            "status": "handed_over" if handed else "closed",
            "closed_at": given.closed_at.isoformat(),
            "count_counts": dict(given.count_counts),
            "counted_fen": counted,
            "cards_on_hand": given.cards_on_hand,
            "bag_no": given.bag_no,
            "next_cashier_id": nxt,
            "expected_cash_fen": expected,
            "variance_fen": variance,
            "slip_no": slip_no,
            "closed_recorded_at": server_time(ctx),
        }
        if variance != 0:
            ctx.emit(
                "parking_variance",
                shift_id=given.id,
                site_id=site_id,
                gate_id=fields.get("gate_id"),
                cashier_id=me,
                variance_fen=variance,
            )
        writes = [Write(collection=self.collection, id=given.id, fields=changes, decided=True)]
        if not recount:
            writes += [
                _book(f"open:{fields.get('gate_id')}:{me}", shift_id=None),
                _book(slip_key, n=n),
            ]
        return writes

    async def _confirm(self, ctx: MutationContext, given: HandoverArgs) -> Sequence[Write]:
        me = _cashier(ctx)
        shift = await live(ctx, self.collection, given.id, "id")
        fields = shift.fields
        site_id = int(fields["site_id"])
        if fields.get("cashier_id") == me:
            raise Refusal("shift_not_handed_to_you", "nobody hands a shift over to herself", "id")
        nxt = fields.get("next_cashier_id")
        if fields.get("status") != "open" and nxt != me:
            raise Refusal(
                "shift_not_handed_to_you", "the shift is handed over to someone else", "id"
            )
        by = fields.get("handover_by")
        if by == me:
            return []  # confirmed already (sent again)
        # Before the close anyone may confirm, and the first one waits; once the close names
        # the next cashier, her confirmation replaces one made by someone else.
        if by is not None and fields.get("status") == "open":
            raise Refusal(
                "shift_not_handed_to_you", "another cashier confirmed this hand-over", "id"
            )
        await _check_counts(self._lookups, site_id, given.float_counts, "float_counts")
        changes: dict[str, Any] = {
            "handover_confirmed_at": given.confirmed_at.isoformat(),
            "handover_by": me,
            "handover_float_counts": dict(given.float_counts),
            "handover_cards_received": given.cards_received,
        }
        # Before the close it waits on the shift; the close completes it (either order).
        if fields.get("status") == "closed" and nxt == me:
            changes["status"] = "handed_over"
        return [Write(collection=self.collection, id=given.id, fields=changes, decided=True)]


async def _own_shift(ctx: MutationContext, shift_id: str, me: int) -> StoredRecord:
    """The actor's own shift: what every ledger entry is written into."""
    shift = await live(ctx, ShiftsHandler.collection, shift_id, "shift_id")
    if shift.fields.get("cashier_id") != me:
        raise Refusal("forbidden", "only the shift's cashier records in it", "shift_id")
    return shift


def _must_be_open(shift: StoredRecord) -> None:
    if shift.fields.get("status") != "open":
        raise Refusal("shift_not_open", "the shift is not open", "shift_id")


async def _receipt(ctx: MutationContext, site_id: int, receipt_no: str, record_id: str) -> Write:
    key = f"receipt:{site_id}:{receipt_no}"
    used = await ctx.get(BOOKS, key)
    if used is not None and used.fields.get("transaction_id") != record_id:
        raise Refusal("receipt_reused", "this receipt number was used already", "receipt_no")
    return _book(key, transaction_id=record_id)


def _same_entry(current: StoredRecord | None, given: TransactionArgs | VoidArgs) -> bool:
    """The record exists already: True when it is this entry sent again (a new mutation id
    for the same transaction: stored once), refused when the id names another entry."""
    if current is None:
        return False
    if (current.fields.get("shift_id"), current.fields.get("receipt_no")) == (
        given.shift_id,
        given.receipt_no,
    ):
        return True
    raise Refusal("invalid_args", "another entry has this id", "id")


class TransactionsHandler(LedgerHandler):
    """The shift's ledger: fees and exemptions as they happen, a correction as a void."""

    collection = "parking_transactions"
    written_by = "parking_transactions.record and void"
    intents = frozenset({"record", "void"})

    def __init__(self, lookups: Lookups) -> None:
        self._lookups = lookups

    async def apply(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Sequence[Write]:
        me = _cashier(ctx)
        if intent == "void":
            return await self._void(ctx, decode_args(args, VoidArgs), current, me)
        given = decode_args(args, TransactionArgs)
        shift = await _own_shift(ctx, given.shift_id, me)
        if _same_entry(current, given):
            return []  # already stored, even if the shift has closed since
        _must_be_open(shift)
        site_id = int(shift.fields["site_id"])
        amount = given.amount_fen
        if not isinstance(amount, int) or not 0 <= amount <= MAX_AMOUNT_FEN:
            raise Refusal(
                "amount_invalid", "an amount is whole fen, not negative, not huge", "amount_fen"
            )
        fee = await self._fee(site_id, given)
        if fee[0] != given.fee_fen:
            raise Refusal("invalid_args", f"fee_fen: the tariff gives {fee[0]} fen", "fee_fen")
        if given.kind == "fee":
            if given.method is None:
                raise Refusal("invalid_args", "a fee is paid by a method", "method")
            if given.exemption_reason is not None:
                raise Refusal("invalid_args", "a fee has no exemption reason", "exemption_reason")
            if amount != given.fee_fen and given.variance_reason is None:
                raise Refusal(
                    "invalid_args", "an amount other than the fee needs a reason", "variance_reason"
                )
        else:
            if given.method is not None:
                raise Refusal("invalid_args", "an exemption is not paid", "method")
            if amount != 0:
                raise Refusal("amount_invalid", "an exemption collects nothing", "amount_fen")
            await self._check_exemption(site_id, me, given)
        entry = {
            "site_id": site_id,
            "gate_id": shift.fields.get("gate_id"),
            "shift_id": given.shift_id,
            "cashier_id": me,
            "receipt_no": given.receipt_no,
            "kind": given.kind,
            "plate": given.plate,
            "vehicle_class": given.vehicle_class,
            "entry_at": given.entry_at.isoformat(),
            "exit_at": given.exit_at.isoformat(),
            "lost_ticket": given.lost_ticket,
            "fee_fen": given.fee_fen,
            "amount_fen": amount,
            "method": given.method,
            "variance_reason": given.variance_reason,
            "exemption_reason": given.exemption_reason,
            "approver_id": given.approver_id,
            "voids": None,
            "reason": None,
            "tariff_id": fee[1],
            "tariff_version": fee[2],
            "recorded_at": server_time(ctx),
        }
        writes = [
            Write(collection=self.collection, id=given.id, fields=entry),
            await _receipt(ctx, site_id, given.receipt_no, given.id),
        ]
        if given.kind == "fee" and given.method == "cash" and amount:
            writes.append(await _add_cash(ctx, given.shift_id, "cash_in_fen", amount))
        return writes

    async def _fee(self, site_id: int, given: TransactionArgs) -> tuple[int, int, int]:
        """(fee in fen, tariff id, version) under the tariff in force at entry."""
        versions = await self._lookups.tariffs(site_id, given.vehicle_class)
        tariff = service.in_force(versions, given.entry_at)
        if tariff is None:
            raise Refusal("tariff_missing", "no tariff applies at the entry time", "entry_at")
        if given.exit_at - given.entry_at > MAX_STAY:
            raise Refusal("invalid_args", "exit_at: a stay is at most a year", "exit_at")
        settings = await self._lookups.services.site_settings(site_id)
        try:
            fee = quote(
                tariff.rules,
                given.entry_at,
                given.exit_at,
                lost_ticket=given.lost_ticket,
                zone=zone_named(settings.timezone),
            )
        except StayInvalid as exc:
            field = "exit_at" if exc.field == "exit" else "entry_at"
            raise Refusal("invalid_args", f"{field}: {exc.reason}", field) from None
        return fee.fee_fen, tariff.id, tariff.version

    async def _check_exemption(self, site_id: int, me: int, given: TransactionArgs) -> None:
        if given.exemption_reason is None:
            raise Refusal("invalid_args", "an exemption needs its reason", "exemption_reason")
        roles = await self._lookups.exemption_roles(site_id)
        role = roles.get(given.exemption_reason)
        if role is None:
            raise Refusal("invalid_args", "the site has no such reason", "exemption_reason")
        if role == CASHIER:
            return  # the cashier on duty lets it through herself
        approver = given.approver_id
        if (
            approver is None
            or approver == me
            or approver not in await self._lookups.with_role(site_id, role)
        ):
            raise Refusal(
                "exemption_needs_approver",
                f"this exemption is approved by a {role} of the site",
                "approver_id",
            )

    async def _void(
        self, ctx: MutationContext, given: VoidArgs, current: StoredRecord | None, me: int
    ) -> Sequence[Write]:
        shift = await _own_shift(ctx, given.shift_id, me)
        if _same_entry(current, given):
            return []  # already stored, even if the shift has closed since
        _must_be_open(shift)
        site_id = int(shift.fields["site_id"])
        voided = await ctx.get(self.collection, given.voids)
        if (
            voided is None
            or voided.fields.get("shift_id") != given.shift_id
            or voided.fields.get("kind") not in ("fee", "exemption")
        ):
            raise Refusal("invalid_args", "void an entry of this shift", "voids")
        void_key = f"void:{given.voids}"
        if await ctx.get(BOOKS, void_key) is not None:
            raise Refusal("invalid_args", "this entry is voided already", "voids")
        fields = voided.fields
        amount = int(fields.get("amount_fen") or 0)
        entry = {
            "site_id": site_id,
            "gate_id": shift.fields.get("gate_id"),
            "shift_id": given.shift_id,
            "cashier_id": me,
            "receipt_no": given.receipt_no,
            "kind": "void",
            "plate": fields.get("plate"),
            "vehicle_class": fields.get("vehicle_class"),
            "entry_at": fields.get("entry_at"),
            "exit_at": fields.get("exit_at"),
            "lost_ticket": fields.get("lost_ticket"),
            # What the voided entry took, given back: the report subtracts it.
            "fee_fen": fields.get("fee_fen"),
            "amount_fen": amount,
            "method": fields.get("method"),
            "variance_reason": None,
            "exemption_reason": fields.get("exemption_reason"),
            "approver_id": None,
            "voids": given.voids,
            "reason": given.reason,
            "tariff_id": fields.get("tariff_id"),
            "tariff_version": fields.get("tariff_version"),
            "recorded_at": server_time(ctx),
        }
        writes = [
            Write(collection=self.collection, id=given.id, fields=entry),
            await _receipt(ctx, site_id, given.receipt_no, given.id),
            _book(void_key, void_id=given.id),
        ]
        if fields.get("kind") == "fee" and fields.get("method") == "cash" and amount:
            writes.append(await _add_cash(ctx, given.shift_id, "cash_void_fen", amount))
        return writes


async def _add_cash(ctx: MutationContext, shift_id: str, name: str, fen: int) -> Write:
    book = await ctx.get(BOOKS, f"shift:{shift_id}")
    before = int(book.fields.get(name) or 0) if book is not None else 0
    return _book(f"shift:{shift_id}", **{name: before + fen})


class EventsHandler(LedgerHandler):
    """Abnormal events at the gate (a barrier fault, a drive-off …), with photos."""

    collection = "parking_events"
    written_by = "parking_events.record"
    intents = frozenset({"record"})
    set_fields = frozenset({"photos"})
    photo_fields = set_fields

    async def apply(
        self,
        ctx: MutationContext,
        intent: str,
        args: Mapping[str, Any],
        current: StoredRecord | None,
    ) -> Sequence[Write]:
        me = _cashier(ctx)
        given = decode_args(args, EventArgs)
        shift = await _own_shift(ctx, given.shift_id, me)
        if current is not None:
            if current.fields.get("shift_id") == given.shift_id:
                return []
            raise Refusal("invalid_args", "another event has this id", "id")
        _must_be_open(shift)
        event = {
            "site_id": shift.fields["site_id"],
            "gate_id": shift.fields.get("gate_id"),
            "shift_id": given.shift_id,
            "cashier_id": me,
            "kind": given.kind,
            "at": given.at.isoformat(),
            "note": given.note,
            "photos": list(given.photos),
            "recorded_at": server_time(ctx),
        }
        return [Write(collection=self.collection, id=given.id, fields=event)]


class BooksHandler(ServerKeptHandler):
    """The server's own counts for the rules above."""

    collection = BOOKS


def handlers(services: Services) -> list[Handler]:
    lookups = Lookups(services)
    return [
        ShiftsHandler(lookups),
        TransactionsHandler(lookups),
        EventsHandler(),
        BooksHandler(),
    ]
