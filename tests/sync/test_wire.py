"""The wire types decode and encode the v1 contract's JSON."""

from __future__ import annotations

import re
import uuid
from typing import Any

import msgspec
import pytest

from sync import (
    Change,
    Conflict,
    ErrorInfo,
    MutationResult,
    PullResponse,
    PushRequest,
    PushResponse,
    new_id,
)
from sync._wire import UUID_PATTERN

DEVICE = "0b7e2a64-1f1c-4c57-9f1e-5a3c2d1e0f9a"
MUTATION = "5d1f8a2c-3b4e-4c6d-8e9f-a0b1c2d3e4f5"


def body(**mutation: Any) -> bytes:
    m = {
        "id": MUTATION,
        "seq": 42,
        "name": "patrols.save",
        "args": {"id": "r1", "note": "ok"},
        "hlc": f"001732345678901-00000-{DEVICE}",
        **mutation,
    }
    return msgspec.json.encode({"device_id": DEVICE, "mutations": [m]})


def test_a_push_body_decodes() -> None:
    request = msgspec.json.decode(body(), type=PushRequest)
    (m,) = request.mutations
    assert (request.device_id, m.id, m.seq, m.name, m.args["note"]) == (
        DEVICE,
        MUTATION,
        42,
        "patrols.save",
        "ok",
    )


@pytest.mark.parametrize(
    "bad",
    [{"id": "not-a-uuid"}, {"id": MUTATION.upper()}, {"seq": 0}, {"seq": 2**53}, {"extra": 1},
     {"args": []}],
)  # fmt: skip
def test_a_push_body_without_identity_or_with_unknown_fields_is_refused(
    bad: dict[str, Any],
) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(body(**bad), type=PushRequest)


def test_a_bad_name_or_stamp_still_decodes_so_it_can_be_refused_alone() -> None:
    request = msgspec.json.decode(body(name="??", hlc="whenever"), type=PushRequest)
    assert request.mutations[0].hlc == "whenever"


def test_results_carry_every_contract_field() -> None:
    result = MutationResult(
        id=MUTATION,
        status="merged",
        revision=1234,
        conflicts=[Conflict(field="note", kept="a", discarded="b", why="newer_edit")],
    )
    encoded = msgspec.json.decode(msgspec.json.encode(PushResponse([result], 42)))
    assert encoded == {
        "results": [
            {
                "id": MUTATION,
                "status": "merged",
                "revision": 1234,
                "conflicts": [
                    {"field": "note", "kept": "a", "discarded": "b", "why": "newer_edit"}
                ],
                "error": None,
            }
        ],
        "applied_through": 42,
    }
    refused = MutationResult(id=MUTATION, status="rejected", error=ErrorInfo("forbidden", "no"))
    assert msgspec.json.decode(msgspec.json.encode(refused))["error"] == {
        "code": "forbidden",
        "message": "no",
        "field": None,
        "args": {},
    }


def test_a_pull_response_encodes_to_the_contract() -> None:
    page = PullResponse(
        changes=[
            Change(
                collection="notes",
                id="n1",
                revision=7,
                deleted=False,
                fields=msgspec.Raw(b'{"a": 1}'),
            )
        ],
        cursor="opaque",
        has_more=False,
    )
    assert msgspec.json.decode(msgspec.json.encode(page)) == {
        "changes": [
            {"collection": "notes", "id": "n1", "revision": 7, "deleted": False, "fields": {"a": 1}}
        ],
        "cursor": "opaque",
        "has_more": False,
        "reset": False,
    }


def test_new_ids_are_v7_uuids_that_sort_by_the_time_they_were_made() -> None:
    made = [new_id(ms) for ms in (0, 1, 255, 256, 1_796_594_400_000, 2**48 - 1)]
    assert all(re.match(UUID_PATTERN, i) and uuid.UUID(i).version == 7 for i in made)
    assert sorted(made) == made
    assert new_id(1_796_594_400_000).startswith("01a24d5e-fb00-7")  # as the PWA makes it
    assert new_id(5) != new_id(5)
    assert new_id() > made[-2]  # now, after 2026-12-06
