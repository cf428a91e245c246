"""The audit log in words: what each recorded action, source and outcome means, in zh-CN and
English, for the log's screen and its CSV (codes stay in the JSON for scripts and filters)."""

from __future__ import annotations

import re

from server.i18n import MESSAGES, Language

Words = tuple[str, str]  # (zh-CN, en)

COLLECTIONS: dict[str, Words] = {
    "findings": ("问题", "finding"),
    "finding_comments": ("问题评论", "finding comment"),
    "keys": ("钥匙", "key"),
    "key_events": ("钥匙记录", "key record"),
    "key_tags": ("钥匙标签", "key tag"),
    "patrol_templates": ("巡查清单", "patrol checklist"),
    "patrols": ("巡查", "patrol"),
    "review": ("审核", "review"),
    "conflicts": ("冲突提醒", "conflict notice"),
    "parking_shifts": ("收费班次", "parking shift"),
    "parking_transactions": ("收费记录", "parking fee"),
    "parking_events": ("停车事件", "parking event"),
    "parking_books": ("票据本", "receipt book"),
    "inspections": ("外委检查", "vendor inspection"),
    "inspection_items": ("检查项", "inspection item"),
    "permits": ("卡证", "permit"),
}

# Sync intents, "<collection>.<intent>"; upsert and delete of any collection are worded from
# COLLECTIONS.
INTENTS: dict[str, Words] = {
    "findings.accept": ("接单", "Accepted a finding"),
    "findings.assign": ("派单", "Assigned a finding"),
    "findings.close": ("关闭问题", "Closed a finding"),
    "findings.comment": ("评论问题", "Commented on a finding"),
    "findings.fix": ("提交整改", "Reported a fix"),
    "findings.reopen": ("重新打开问题", "Reopened a finding"),
    "findings.verify": ("验收整改", "Verified a fix"),
    "keys.checkin": ("归还钥匙", "Returned a key"),
    "keys.checkout": ("借出钥匙", "Checked a key out"),
    "keys.handover": ("转交钥匙", "Handed a key over"),
    "keys.lost": ("登记钥匙遗失", "Reported a key lost"),
    "keys.receive": ("接收钥匙", "Received a key"),
    "keys.return_to_owner": ("钥匙退还业主", "Returned a key to its owner"),
    "patrols.save": ("保存巡查", "Saved a patrol"),
    "patrols.submit": ("提交巡查", "Submitted a patrol"),
    "review.approve": ("审核通过", "Approved"),
    "review.reject": ("审核退回", "Returned for rework"),
    "conflicts.dismiss": ("知悉冲突提醒", "Dismissed a conflict notice"),
    "parking_shifts.open": ("开班", "Opened a shift"),
    "parking_shifts.close": ("交班结账", "Closed a shift"),
    "parking_shifts.confirm_handover": ("确认接班", "Confirmed a hand-over"),
    "parking_transactions.record": ("收费登记", "Recorded a fee"),
    "parking_transactions.void": ("作废收费", "Voided a fee"),
    "parking_events.record": ("登记停车事件", "Recorded a parking event"),
    "inspections.submit": ("提交外委检查", "Submitted an inspection"),
    "inspections.verify": ("复核外委检查", "Verified an inspection"),
    "permits.issue": ("办理卡证", "Issued a permit"),
    "permits.renew": ("卡证续期", "Renewed a permit"),
    "permits.revoke": ("注销卡证", "Revoked a permit"),
    "permits.use": ("使用卡证", "Used a permit"),
}

# REST writes, "METHOD /route/template" as the audit middleware records them.
ROUTES: dict[str, Words] = {
    "POST /api/auth/login": ("登录", "Signed in"),
    "POST /api/auth/logout": ("退出登录", "Signed out"),
    "PATCH /api/auth/me": ("修改个人设置", "Changed own settings"),
    "POST /api/users": ("新建用户", "Created a user"),
    "PATCH /api/users/{user_id}": ("修改用户", "Changed a user"),
    "POST /api/sites": ("新建项目", "Created a site"),
    "PATCH /api/sites/{site_id}": ("修改项目", "Changed a site"),
    "POST /api/sites/{site_id}/buildings": ("新建楼栋", "Created a building"),
    "PATCH /api/buildings/{building_id}": ("修改楼栋", "Changed a building"),
    "POST /api/buildings/{building_id}/units": ("新建房屋", "Created a unit"),
    "PATCH /api/units/{unit_id}": ("修改房屋", "Changed a unit"),
    "POST /api/sites/{site_id}/units/import": ("导入房屋", "Imported units"),
    "POST /api/sites/{site_id}/parking/exemption-reasons": (
        "新增减免原因",
        "Added an exemption reason",
    ),
    "PUT /api/parking/exemption-reasons/{reason_id}": (
        "修改减免原因",
        "Changed an exemption reason",
    ),
    "POST /api/sites/{site_id}/parking/gates": ("新增出入口", "Added a gate"),
    "PUT /api/parking/gates/{gate_id}": ("修改出入口", "Changed a gate"),
    "POST /api/sites/{site_id}/parking/tariffs": ("设置收费标准", "Set a tariff"),
    "PUT /api/sites/{site_id}/parking/denominations": ("设置钱款面额", "Set denominations"),
    "POST /api/parking/receipt-prefix": ("设置票据前缀", "Set a receipt prefix"),
    "POST /api/vendors": ("新增外委单位", "Added a vendor"),
    "PATCH /api/vendors/{vendor_id}": ("修改外委单位", "Changed a vendor"),
    "POST /api/vendors/{vendor_id}/contracts": ("新增外委合同", "Added a contract"),
    "POST /api/vendors/templates": ("新增检查模板", "Added an inspection template"),
    "POST /api/vendors/zones": ("新增检查区域", "Added an inspection zone"),
    "POST /api/vendors/{vendor_id}/evaluations/{month}/sign-off": (
        "月度考评签字",
        "Signed off a monthly evaluation",
    ),
    "POST /api/permits/verify": ("核验卡证", "Verified a permit"),
}

SOURCES: dict[str, Words] = {"sync": ("手机同步", "Sync"), "web": ("网页", "Web")}

OUTCOMES: dict[str, Words] = {
    "applied": ("已生效", "Applied"),
    "merged": ("已合并", "Merged"),
    "rejected": ("被拒绝", "Refused"),
}

_PLACEHOLDER = re.compile(r" ?\{[^}]*\} ?")


def _pick(words: Words, language: Language) -> str:
    return words[1] if language == "en" else words[0]


def action_words(action: str, language: Language) -> str:
    """An intent or a REST write in words; an action nobody has worded yet is shown as
    recorded (the test of this module fails on any route or intent without words)."""
    words = INTENTS.get(action) or ROUTES.get(action)
    if words:
        return _pick(words, language)
    collection, _, intent = action.partition(".")
    noun = COLLECTIONS.get(collection)
    if noun and intent in ("upsert", "delete"):
        verb = {"upsert": ("保存", "Saved"), "delete": ("删除", "Deleted")}[intent]
        return f"{verb[0]}{noun[0]}" if language != "en" else f"{verb[1]} a {noun[1]}"
    return action


def source_words(source: str, language: Language) -> str:
    return _pick(SOURCES[source], language) if source in SOURCES else source


def outcome_words(outcome: str, language: Language) -> str:
    """`applied`, `merged`, `rejected:<code>` (with the code's message where the server has
    one), or an HTTP status of a REST write."""
    kind, _, code = outcome.partition(":")
    if kind in OUTCOMES:
        said = _pick(OUTCOMES[kind], language)
        if code in MESSAGES:
            reason = _PLACEHOLDER.sub("", _pick(MESSAGES[code], language)).rstrip("：:")
            said += ("：" if language != "en" else ": ") + reason
        return said
    if outcome.isdigit() and 200 <= int(outcome) < 300:
        return "成功" if language != "en" else "Succeeded"
    return outcome
