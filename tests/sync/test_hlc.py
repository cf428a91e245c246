"""Hybrid logical clock stamps: format, parse, tick, receive, clamp."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import MAX_AHEAD_MS, BadStamp, Clock, Stamp, clamp, format_stamp, parse_stamp

from .kit import DAY_MS, NOW, FakeClock

DEVICE = "0b7e2a64-1f1c-4c57-9f1e-5a3c2d1e0f9a"
OTHER = "f3c1a2b4-5d6e-4f70-8a9b-0c1d2e3f4a5b"

walls = st.integers(min_value=0, max_value=10**15 - 1)
counters = st.integers(min_value=0, max_value=99_999)
nodes = st.sampled_from(["server", DEVICE, OTHER])


def test_stamp_has_the_documented_wire_form() -> None:
    assert format_stamp(1_732_345_678_901, 7, DEVICE) == f"001732345678901-00007-{DEVICE}"


@given(walls, counters, nodes)
def test_format_and_parse_round_trip(wall: int, counter: int, node: str) -> None:
    text = format_stamp(wall, counter, node)
    assert parse_stamp(text) == Stamp(wall, counter, node)
    assert str(parse_stamp(text)) == text


@given(walls, counters, nodes, walls, counters, nodes)
def test_string_order_is_stamp_order(w1: int, c1: int, n1: str, w2: int, c2: int, n2: str) -> None:
    a, b = format_stamp(w1, c1, n1), format_stamp(w2, c2, n2)
    assert (a < b) == ((w1, c1, n1) < (w2, c2, n2))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1732345678901-00000-server",  # wall not 15 digits
        "001732345678901-0-server",  # counter not 5 digits
        "001732345678901-00000-",  # no node
        "001732345678901-00000-laptop",  # node neither uuid nor server
        f"001732345678901-00000-{DEVICE.upper()}",  # upper-case uuid
        f"001732345678901-00000-{DEVICE}\n",  # trailing newline
        f"00173234567890\u0661-00000-{DEVICE}",  # a non-ASCII digit
        f"001732345678901_00000_{DEVICE}",
    ],
)
def test_malformed_stamps_are_refused(text: str) -> None:
    with pytest.raises(BadStamp):
        parse_stamp(text)


def test_format_refuses_parts_that_would_not_round_trip() -> None:
    for args in [(-1, 0, DEVICE), (10**15, 0, DEVICE), (0, 100_000, DEVICE), (0, 0, "x")]:
        with pytest.raises(BadStamp):
            format_stamp(*args)


def test_tick_is_monotonic_even_when_the_wall_clock_goes_back() -> None:
    wall = FakeClock(NOW)
    clock = Clock(DEVICE, wall)
    stamps = [clock.tick()]
    for now in [NOW, NOW - 5_000, NOW - DAY_MS, NOW + 1, NOW + 1, NOW - 1]:
        wall.now = now
        stamps.append(clock.tick())
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)
    assert parse_stamp(stamps[-1]).wall_ms == NOW + 1


def test_tick_counter_overflow_borrows_the_next_millisecond() -> None:
    clock = Clock(DEVICE, FakeClock(NOW))
    clock.receive(format_stamp(NOW, 99_999, OTHER))
    assert parse_stamp(clock.last)[:2] == (NOW + 1, 0)
    assert clock.tick() == format_stamp(NOW + 1, 1, DEVICE)


def test_receive_moves_past_a_remote_stamp_ahead_of_the_wall_clock() -> None:
    clock = Clock("server", FakeClock(NOW))
    remote = format_stamp(NOW + 10_000, 3, DEVICE)
    got = clock.receive(remote)
    assert got > remote
    assert parse_stamp(got) == Stamp(NOW + 10_000, 4, "server")
    assert clock.tick() > got


def test_receive_of_an_old_stamp_still_advances() -> None:
    clock = Clock("server", FakeClock(NOW))
    first = clock.tick()
    got = clock.receive(format_stamp(NOW - 1_000, 50, DEVICE))
    assert got > first
    assert parse_stamp(got) == Stamp(NOW, 1, "server")


def test_receive_refuses_a_malformed_stamp() -> None:
    with pytest.raises(BadStamp):
        Clock("server", FakeClock()).receive("nonsense")


def test_a_stamp_one_day_ahead_is_clamped_to_the_server_clock() -> None:
    ahead = format_stamp(NOW + DAY_MS, 12, DEVICE)
    assert clamp(ahead, NOW) == format_stamp(NOW, 12, DEVICE)


def test_a_stamp_four_minutes_ahead_is_not_clamped() -> None:
    ahead = format_stamp(NOW + 4 * 60_000, 12, DEVICE)
    assert clamp(ahead, NOW) == ahead
    edge = format_stamp(NOW + MAX_AHEAD_MS, 0, DEVICE)
    assert clamp(edge, NOW) == edge
    assert clamp(format_stamp(NOW + MAX_AHEAD_MS + 1, 0, DEVICE), NOW) != edge


@given(walls, counters, nodes, st.integers(min_value=0, max_value=10**14))
def test_clamping_holds(wall: int, counter: int, node: str, now: int) -> None:
    stamp = format_stamp(wall, counter, node)
    clamped = parse_stamp(clamp(stamp, now))
    assert clamped.wall_ms <= now + MAX_AHEAD_MS
    assert clamped.node == node  # ties between nodes stay impossible
    assert clamped.counter == counter
    if wall <= now + MAX_AHEAD_MS:
        assert clamp(stamp, now) == stamp
    else:
        assert clamped.wall_ms == now
    assert clamp(clamp(stamp, now), now) == clamp(stamp, now)  # deterministic, idempotent
