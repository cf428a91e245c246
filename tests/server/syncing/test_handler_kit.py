"""Intent arguments decoded by Structs: what msgspec refuses becomes `invalid_args` naming the
argument, with the reason at its full path."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from msgspec import UNSET, UnsetType

from server.syncing.handler_kit import (
    PhotoSet,
    PositiveId,
    RecordRef,
    Said,
    ZonedDateTime,
    decode_args,
    required,
)
from sync import Refusal

HASH = "a" * 64


class Args(msgspec.Struct, forbid_unknown_fields=True):
    id: RecordRef
    count: PositiveId | UnsetType = UNSET
    photos: PhotoSet | UnsetType = UNSET
    at: ZonedDateTime | None = None
    body: Said = "-"


def refusal(args: dict[str, Any], at: str = "") -> tuple[str, str | None, str]:
    with pytest.raises(Refusal) as caught:
        decode_args(args, Args, at)
    return caught.value.code, caught.value.field, caught.value.message


@pytest.mark.parametrize(
    ("args", "field", "said"),
    [
        ({}, "id", "missing required field `id`"),
        ({"id": ""}, "id", "id: Expected `str` of length >= 1"),
        ({"id": "x", "count": True}, "count", "count: Expected `int`, got `bool`"),
        ({"id": "x", "count": 0}, "count", "count: Expected `int` >= 1"),
        ({"id": "x", "photos": ["nope"]}, "photos", "photos[0]: Expected `str` matching"),
        ({"id": "x", "photos": {"add": [HASH], "drop": []}}, "photos", "unknown field `drop`"),
        ({"id": "x", "photos": {"add": [HASH] * 51}}, "photos", "at most 50 photo hashes"),
        ({"id": "x", "at": "2026-12-06T09:00:00"}, "at", "with a timezone component"),
        ({"id": "x", "body": "  "}, "body", "body: Expected `str` matching"),
        ({"id": "x", "surprise": 1}, "surprise", "unknown field `surprise`"),
    ],
)
def test_a_refusal_names_the_argument_and_the_reason(
    args: dict[str, Any], field: str, said: str
) -> None:
    code, named, message = refusal(args)
    assert (code, named) == ("invalid_args", field)
    assert said in message


def test_a_nested_value_is_named_by_where_it_sits() -> None:
    assert refusal({"id": 7}, at="items.door") == (
        "invalid_args",
        "items.door",
        "items.door.id: Expected `str`, got `int`",
    )


def test_good_arguments_decode_with_their_set_form_and_offset() -> None:
    args = decode_args(
        {"id": "x", "photos": {"add": [HASH]}, "at": "2026-12-06T09:00:00+08:00"}, Args
    )
    assert args.photos == msgspec.convert({"add": [HASH]}, PhotoSet)
    assert args.at is not None and args.at.utcoffset() is not None
    assert args.count is UNSET


@pytest.mark.parametrize("value", [UNSET, None, "", "   "])
def test_a_create_needs_what_is_required(value: object) -> None:
    with pytest.raises(Refusal) as caught:
        required(value, "code")
    assert (caught.value.code, caught.value.field) == ("invalid_args", "code")
    assert required("K-1", "code") == "K-1"
