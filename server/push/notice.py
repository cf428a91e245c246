"""What a domain hands push: a `Notice` (one thing to tell one user), an `Occasion` (notices
queued once, for an overdue check), and its `Notices` (which events and checks become notices).

A domain declares `NOTICES = Notices(...)` in its notices.py and exports it from its package;
the push sender asks every domain in server/domains.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from server.auth.service import names_of
from server.i18n import Language
from server.push.texts import text
from server.sites.service import SiteSettings

# (recipient's language) -> (title, body)
Render = Callable[[Language], tuple[str, str]]


@dataclass(frozen=True)
class Notice:
    """One thing to tell one user; rendered per device language when queued."""

    kind: str
    user_id: int
    url: str
    tag: str
    render: Render


@dataclass(frozen=True)
class Occasion:
    """Something overdue, told once: `key` names it (e.g. the key and its checkout time);
    `notices` are made only when it was not queued before."""

    key: str
    notices: Callable[[], Awaitable[Sequence[Notice]]]


async def who(user_id: object) -> Callable[[Language], str]:
    """How a notice names a user: their display name, or "a colleague" in the reader's language
    (no such user, or none given)."""
    name = (await names_of([user_id])).get(user_id) if isinstance(user_id, int) else None
    return lambda lang: name or text("someone", lang)


# (event payload) -> the notices the event raises
EventNotices = Callable[[dict[str, Any]], Awaitable[list[Notice]]]
# (site id, its settings, now in epoch ms) -> what is overdue at the site now
OverdueCheck = Callable[[int, SiteSettings, int], Awaitable[list[Occasion]]]


@dataclass(frozen=True)
class Notices:
    """A domain's notifications: per event kind (what its handlers `emit`), who is told what;
    and periodic checks of what is overdue."""

    events: Mapping[str, EventNotices] = field(default_factory=dict)
    checks: Sequence[OverdueCheck] = ()
