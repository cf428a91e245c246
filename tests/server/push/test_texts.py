"""Every notification text exists in zh-CN and English with the same placeholders, and every
refusal code has both texts in the server's catalog."""

from __future__ import annotations

import string

from server.i18n import MESSAGES
from server.push.texts import TEXTS


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_notification_texts_exist_in_both_languages_with_the_same_placeholders() -> None:
    for key, (zh, en) in TEXTS.items():
        assert zh.strip() and en.strip(), key
        assert placeholders(zh) == placeholders(en), key


def test_push_error_codes_are_in_the_catalog() -> None:
    for code in (
        "push_endpoint_invalid",
        "push_endpoint_not_https",
        "push_endpoint_refused",
        "push_endpoint_private_address",
        "push_keys_invalid",
    ):
        zh, en = MESSAGES[code]
        assert zh and en
