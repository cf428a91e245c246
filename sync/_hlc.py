"""Hybrid logical clock stamps: parse, format, tick, receive and clamp."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

# A device clock may run at most this far ahead of the server's before its stamps are clamped.
MAX_AHEAD_MS = 300_000
MAX_WALL_MS = 10**15 - 1
MAX_COUNTER = 99_999
SERVER_NODE = "server"

_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Explicit [0-9] rather than \d: \d also matches non-ASCII digits, which would break ordering.
_STAMP_RE = re.compile(rf"([0-9]{{15}})-([0-9]{{5}})-(server|{_UUID})")
_NODE_RE = re.compile(rf"server|{_UUID}")


class BadStamp(ValueError):
    """A string that is not a well-formed stamp."""


class Stamp(NamedTuple):
    """A parsed stamp; `str(stamp)` gives the wire form."""

    wall_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return format_stamp(self.wall_ms, self.counter, self.node)


def is_node(node: str) -> bool:
    """True for `server` or a lower-case canonical uuid, the only nodes a stamp may name."""
    return _NODE_RE.fullmatch(node) is not None


def parse_stamp(text: str) -> Stamp:
    """Parse a wire stamp strictly (exact widths, lower-case uuid or `server`)."""
    match = _STAMP_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise BadStamp(f"not a hybrid-logical-clock stamp: {text!r:.80}")
    return Stamp(int(match[1]), int(match[2]), match[3])


def format_stamp(wall_ms: int, counter: int, node: str) -> str:
    """The wire form `%015d-%05d-%s`; refuses values that would not round-trip."""
    if not 0 <= wall_ms <= MAX_WALL_MS or not 0 <= counter <= MAX_COUNTER or not is_node(node):
        raise BadStamp(f"stamp parts out of range: {wall_ms}, {counter}, {node!r:.80}")
    return f"{wall_ms:015d}-{counter:05d}-{node}"


def _carry(wall_ms: int, counter: int) -> tuple[int, int]:
    # The counter has five digits; past that the stamp borrows the next millisecond, which keeps
    # the order strict at the cost of running at most a little ahead of the wall clock.
    if counter > MAX_COUNTER:
        return wall_ms + 1, 0
    return wall_ms, counter


def successor(stamp: str, node: str | None = None) -> str:
    """The smallest stamp of the same node that sorts after `stamp`; with `node`, that node's
    stamp one count after `stamp` (also later than it, whatever the nodes)."""
    s = parse_stamp(stamp)
    wall, counter = _carry(s.wall_ms, s.counter + 1)
    return format_stamp(wall, counter, s.node if node is None else node)


def clamp(stamp: str, server_now_ms: int) -> str:
    """Pull a stamp more than MAX_AHEAD_MS ahead of `server_now_ms` back to the server clock.

    The clamped stamp is `(server_now_ms, original counter, original node)`: a pure function of
    its inputs, so every replay clamps the same way; keeping the node keeps ties between
    nodes impossible, and keeping the counter keeps the order of one node's stamps within a
    millisecond. (Stamps of one node that differ only in their far-ahead wall time collapse to
    one value; the engine separates those by never letting a device's effective stamps go
    backwards, see SyncEngine.)
    """
    s = parse_stamp(stamp)
    if s.wall_ms - server_now_ms <= MAX_AHEAD_MS:
        return stamp
    return format_stamp(server_now_ms, s.counter, s.node)


class Clock:
    """A hybrid logical clock for one node; stamps it gives never go backwards."""

    def __init__(self, node: str, now_ms: Callable[[], int]) -> None:
        if not is_node(node):
            raise BadStamp(f"not a clock node: {node!r:.80}")
        self.node = node
        self._now_ms = now_ms
        self._wall = 0
        self._counter = 0

    @property
    def last(self) -> str:
        """The latest stamp given or received (the zero stamp before any)."""
        return format_stamp(self._wall, self._counter, self.node)

    def tick(self) -> str:
        """A new local stamp, later than every stamp this clock has given or received."""
        now = self._now_ms()
        if now > self._wall:
            self._wall, self._counter = now, 0
        else:
            # Wall clock stood still or went back: stay on the logical time and count up.
            self._wall, self._counter = _carry(self._wall, self._counter + 1)
        return self.last

    def receive(self, remote: str) -> str:
        """Take in a stamp from another node; returns a local stamp later than both."""
        r = parse_stamp(remote)
        now = self._now_ms()
        wall = max(self._wall, r.wall_ms, now)
        if wall == self._wall == r.wall_ms:
            counter = max(self._counter, r.counter) + 1
        elif wall == self._wall:
            counter = self._counter + 1
        elif wall == r.wall_ms:
            counter = r.counter + 1
        else:
            counter = 0
        self._wall, self._counter = _carry(wall, counter)
        return self.last
