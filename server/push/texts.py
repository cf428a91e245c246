"""What a notification says, in the recipient's language (zh-CN first, English second)."""

from __future__ import annotations

from server.i18n import Language

KINDS = (
    "review_requested",
    "rejected",
    "key_overdue",
    "finding_overdue",
    "parking_variance",
    "permit_expiring",
)

TEXTS: dict[str, tuple[str, str]] = {
    # key: (zh-CN, en); {placeholders} are filled by `text`.
    "review_requested.title": ("待审核：空置房巡查", "To review: vacant-unit patrol"),
    "review_requested.body": (
        "{author}提交了 {place} 的巡查报告{problems}，请审核。",
        "{author} submitted the patrol of {place}{problems}. Please review it.",
    ),
    "review_requested.problems": ("（发现 {n} 个问题）", " (problems found: {n})"),
    "review_requested.inspection.title": ("待审核：外委检查", "To review: vendor inspection"),
    "review_requested.inspection.body": (
        "{author}检查了{vendor}（{place}），得分 {score}，请审核。",
        "{author} inspected {vendor} ({place}): score {score}. Please review it.",
    ),
    "rejected.title": ("巡查报告被退回", "Patrol report returned"),
    "rejected.body": (
        "{reviewer}退回了 {place} 的巡查报告：{comment}",
        "{reviewer} returned your patrol of {place}: {comment}",
    ),
    "rejected.inspection.title": ("外委检查被退回", "Vendor inspection returned"),
    "rejected.inspection.body": (
        "{reviewer}退回了您对{vendor}（{place}）的检查：{comment}",
        "{reviewer} returned your inspection of {vendor} ({place}): {comment}",
    ),
    "key_overdue.title.holder": ("请归还钥匙 {code}", "Please return key {code}"),
    "key_overdue.body.holder": (
        "您借出的钥匙 {code}（{label}）已超过 {hours} 小时，请尽快归还。借出于 {since}。",
        "Key {code} ({label}) has been out with you for more than {hours} hours; please return"
        " it. Out since {since}.",
    ),
    "key_overdue.title": ("钥匙超时未还：{code}", "Key overdue: {code}"),
    "key_overdue.body": (
        "{holder}借出的钥匙 {code}（{label}）已超过 {hours} 小时未归还。借出于 {since}。",
        "Key {code} ({label}), out with {holder}, has not come back within {hours} hours."
        " Out since {since}.",
    ),
    "finding_overdue.title": ("整改超期：{place}", "Finding overdue: {place}"),
    "finding_overdue.body": (
        "{description}（截止 {due}，状态：{status}）",
        "{description} (was due {due}; status: {status})",
    ),
    "parking_variance.title": ("收费差异待审核：{gate}", "Cash variance to review: {gate}"),
    "parking_variance.over": (
        "{cashier}交班清点长款 {amount} 元（缴款单 {slip}），请审核。",
        "{cashier}'s count is {amount} yuan over (slip {slip}). Please review it.",
    ),
    "parking_variance.short": (
        "{cashier}交班清点短款 {amount} 元（缴款单 {slip}），请审核。",
        "{cashier}'s count is {amount} yuan short (slip {slip}). Please review it.",
    ),
    "permit_expiring.title": ("月租车证即将到期：{plate}", "Monthly permit ending: {plate}"),
    "permit_expiring.body": (
        "{plate}（车位 {space}）的月租车证 {last} 到期，请提醒车主办理续租手续。",
        "The monthly permit of {plate} (space {space}) ends on {last}; please remind the renter"
        " to renew.",
    ),
    "status.open": ("待处理", "open"),
    "status.assigned": ("已指派", "assigned"),
    "place.unknown": ("未知位置", "unknown place"),
    "someone": ("某位同事", "a colleague"),
}


def language_of(value: str | None) -> Language:
    return "en" if (value or "").lower().startswith("en") else "zh-CN"


def text(key: str, language: Language, **params: object) -> str:
    zh, en = TEXTS[key]
    return (en if language == "en" else zh).format(**params)


def shorten(value: str, limit: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"
