"""Projections: typed tables that mirror one sync collection's live records, column by column,
so that reports count with SQL over real types (integer fen, dates, instants) instead of JSON.

The SQL store (server/syncing/store.py) writes a record's projected row in the record's own
transaction: upserted from the merged fields when the record is written, deleted when it is
tombstoned. `fieldkeep sync reproject` rebuilds a table from `sync_record`, and so does
`fieldkeep migrate` (or `serve`) for a projection that is new or whose version was raised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from piccolo.columns import BigInt, Varchar
from piccolo.table import Table

# The columns every projection table has, which the store fills: the record's id and revision.
KEY_COLUMN = "id"
REVISION_COLUMN = "revision"

# (merged fields of a live record) -> the values of the table's other columns, by column name.
RowOf = Callable[[Mapping[str, Any]], Mapping[str, Any]]


class ProjectedRecord:
    """Mixin for a projection table: the record id as primary key and the record's revision."""

    id = Varchar(length=200, primary_key=True)
    revision = BigInt()


@dataclass(frozen=True)
class Projection:
    """Collection `collection` is projected into `table` (which mixes in ProjectedRecord) by
    `row`, a pure function of the record's merged fields."""

    collection: str
    table: type[Table]
    row: RowOf
    # Raise it when `row` or the table changes: `fieldkeep migrate` (and `serve`) then rebuild
    # the table from the records. A new projection is built the same way on first start.
    version: int = 1
    # Column names in the table's order, the key first; derived from the table.
    columns: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = tuple(c._meta.db_column_name for c in self.table._meta.columns)
        if names[:2] != (KEY_COLUMN, REVISION_COLUMN):
            raise TypeError(f"{self.table.__name__} must mix in ProjectedRecord first")
        object.__setattr__(self, "columns", names)

    @property
    def tablename(self) -> str:
        return str(self.table._meta.tablename)

    def values(self, record_id: str, fields: Mapping[str, Any], revision: int) -> tuple[Any, ...]:
        """The row of a live record, in `columns` order (a column the row function leaves out
        is NULL; one it names that the table lacks is an error, not silently dropped)."""
        row = self.row(fields)
        unknown = row.keys() - self.columns
        if unknown:
            raise KeyError(f"{self.tablename} has no column {sorted(unknown)[0]}")
        return (record_id, revision, *map(row.get, self.columns[2:]))


# ---- readers of field values, for row functions: None when absent or not of the type -------


def integer(fields: Mapping[str, Any], name: str) -> int | None:
    value = fields.get(name)
    return value if type(value) is int else None


def text_of(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    return value if isinstance(value, str) else None


def instant(fields: Mapping[str, Any], name: str) -> datetime | None:
    """An ISO 8601 time with offset, as an instant in UTC (a naive one is taken as UTC)."""
    value = fields.get(name)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(fields: Mapping[str, Any], name: str) -> date | None:
    value = fields.get(name)
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
