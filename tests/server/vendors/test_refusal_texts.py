"""Every refusal code the vendors domain sends has a text in both languages, on the server and
in the PWA (codes collected from the source, not listed by hand)."""

from __future__ import annotations

import re
from pathlib import Path

from server.i18n import MESSAGES

ROOT = Path(__file__).resolve().parents[3]


def codes_sent() -> set[str]:
    source = "".join(p.read_text() for p in (ROOT / "server" / "vendors").glob("*.py"))
    return set(re.findall(r'AppError\(\s*"(\w+)"', source))


def test_every_code_has_a_server_message_in_both_languages() -> None:
    codes = codes_sent()
    assert {"template_version_retired", "settlement_rule_invalid", "contract_overlap"} <= codes
    for code in codes:
        zh, en = MESSAGES[code]
        assert zh and en and zh != en
        assert re.search(r"[\u4e00-\u9fff]", zh) and not re.search(r"[\u4e00-\u9fff]", en)


def test_every_code_has_a_pwa_text_in_both_languages() -> None:
    # The refusal texts live in one lazily loaded catalog: zh first, then en.
    text = (ROOT / "pwa" / "src" / "i18n" / "error-texts.ts").read_text()
    zh, _, en = text.partition("const en")
    for name, part in (("zh", zh), ("en", en)):
        missing = [c for c in codes_sent() if f"'error.{c}':" not in part]
        assert not missing, (name, missing)
