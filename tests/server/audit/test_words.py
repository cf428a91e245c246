"""The audit log says what happened in words: every audited REST write and every sync intent
has zh-CN and English words (a new route or intent without them fails here)."""

from __future__ import annotations

import re

import pytest

from server.app import create_app
from server.audit.middleware import WRITES
from server.audit.service import UNAUDITED_PATHS
from server.audit.words import action_words, outcome_words, source_words
from server.settings import Settings
from server.syncing.engine import handlers

LATIN = re.compile(r"[A-Za-z]")


def audited_route_actions(settings: Settings) -> list[str]:
    app = create_app(settings)
    return sorted(
        # Recorded as the request's path template: "/api/users/{user_id}".
        f"{method} {re.sub(r':[a-z]+}', '}', route.path)}"
        for route in app.routes
        for method in getattr(route, "methods", ())
        if method in WRITES
        and route.path.startswith("/api/")
        and not route.path.startswith(UNAUDITED_PATHS)
    )


def intent_actions() -> list[str]:
    names = []
    for handler in handlers():
        for intent in ("upsert", "delete", *sorted(handler.intents)):
            names.append(f"{handler.collection}.{intent}")
    return sorted(names)


def test_every_audited_route_and_intent_has_words_in_both_languages(settings: Settings) -> None:
    actions = audited_route_actions(settings) + intent_actions()
    assert len(actions) > 60
    unworded = [a for a in actions if action_words(a, "zh-CN") == a]
    assert unworded == []
    latin = [a for a in actions if LATIN.search(action_words(a, "zh-CN"))]
    assert latin == []
    assert all(action_words(a, "en") != action_words(a, "zh-CN") for a in actions)


@pytest.mark.parametrize(
    ("outcome", "zh", "en"),
    [
        ("applied", "已生效", "Applied"),
        (
            "rejected:forbidden",
            "被拒绝：您没有权限执行此操作。",
            "Refused: You are not allowed to do this.",
        ),
        ("rejected:some_new_code", "被拒绝", "Refused"),
        ("201", "成功", "Succeeded"),
    ],
)
def test_outcomes_in_words(outcome: str, zh: str, en: str) -> None:
    assert (outcome_words(outcome, "zh-CN"), outcome_words(outcome, "en")) == (zh, en)


def test_sources_and_generic_intents_in_words() -> None:
    assert source_words("sync", "zh-CN") == "手机同步"
    assert source_words("web", "en") == "Web"
    assert action_words("keys.delete", "zh-CN") == "删除钥匙"
    assert action_words("keys.delete", "en") == "Deleted a key"
    assert action_words("review.approve", "zh-CN") == "审核通过"
