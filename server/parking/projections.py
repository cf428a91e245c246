"""How parking_shifts and parking_transactions records become rows of the typed tables the day
report counts (`parking_shift`, `parking_transaction`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.parking.tables import ParkingShift, ParkingTransaction
from server.syncing.projection import Projection, instant, integer, text_of


def shift_row(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "site_id": integer(fields, "site_id"),
        "gate_id": integer(fields, "gate_id"),
        "cashier_id": integer(fields, "cashier_id"),
        "status": text_of(fields, "status") or "",
        "opened_at": instant(fields, "opened_at"),
        "closed_at": instant(fields, "closed_at"),
        "float_fen": integer(fields, "float_fen") or 0,
        "cards_received": integer(fields, "cards_received") or 0,
        "counted_fen": integer(fields, "counted_fen"),
        "cards_on_hand": integer(fields, "cards_on_hand"),
        "expected_cash_fen": integer(fields, "expected_cash_fen"),
        "variance_fen": integer(fields, "variance_fen"),
        "slip_no": text_of(fields, "slip_no"),
        "bag_no": text_of(fields, "bag_no"),
        "next_cashier_id": integer(fields, "next_cashier_id"),
        "handover_by": integer(fields, "handover_by"),
    }


def transaction_row(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "site_id": integer(fields, "site_id"),
        "gate_id": integer(fields, "gate_id"),
        "shift_id": text_of(fields, "shift_id"),
        "cashier_id": integer(fields, "cashier_id"),
        "receipt_no": text_of(fields, "receipt_no") or "",
        "kind": text_of(fields, "kind") or "",
        "plate": text_of(fields, "plate") or "",
        "vehicle_class": text_of(fields, "vehicle_class") or "",
        "entry_at": instant(fields, "entry_at"),
        "exit_at": instant(fields, "exit_at"),
        "lost_ticket": fields.get("lost_ticket") is True,
        "fee_fen": integer(fields, "fee_fen") or 0,
        "amount_fen": integer(fields, "amount_fen") or 0,
        "method": text_of(fields, "method"),
        "variance_reason": text_of(fields, "variance_reason"),
        "exemption_reason": text_of(fields, "exemption_reason"),
        "approver_id": integer(fields, "approver_id"),
        "voids": text_of(fields, "voids"),
        "reason": text_of(fields, "reason"),
        "recorded_at": instant(fields, "recorded_at"),
    }


SHIFTS = Projection("parking_shifts", ParkingShift, shift_row)
TRANSACTIONS = Projection("parking_transactions", ParkingTransaction, transaction_row)
