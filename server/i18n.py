"""The server's message catalog: every error code in zh-CN (the default) and English."""

from __future__ import annotations

from typing import Literal

Language = Literal["zh-CN", "en"]
DEFAULT_LANGUAGE: Language = "zh-CN"
LANGUAGES: tuple[Language, ...] = ("zh-CN", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (zh-CN, en); {placeholders} are filled from the error's params.
    "bad_request": ("请求无效。", "The request is not valid."),
    "invalid_period": (
        "日期范围无效：结束日期不能早于开始日期，且不超过一年。",
        "The date range is not valid: it must not end before it starts or span over a year.",
    ),
    "unknown_filter": (
        "不支持筛选条件 {field}。",
        "The filter {field} is not known for this report.",
    ),
    "malformed_json": ("请求内容不是有效的 JSON。", "The request body is not valid JSON."),
    "validation_error": ("字段 {field} 无效：{detail}", "Field {field} is not valid: {detail}"),
    "not_authenticated": ("请先登录。", "Please sign in."),
    "session_expired": (
        "登录已过期，请重新登录。",
        "Your session has ended; please sign in again.",
    ),
    "invalid_credentials": ("用户名或密码错误。", "Wrong username or password."),
    "rate_limited": (
        "尝试次数过多，请在 {retry_after} 秒后再试。",
        "Too many attempts; try again in {retry_after} seconds.",
    ),
    "csrf_failed": (
        "安全校验失败，请刷新页面后重试。",
        "The security check failed; reload the page and try again.",
    ),
    "forbidden": ("您没有权限执行此操作。", "You are not allowed to do this."),
    "not_found": ("未找到。", "Not found."),
    "method_not_allowed": ("不支持此请求方法。", "This method is not allowed here."),
    "payload_too_large": (
        "请求内容过大（上限 {limit}）。",
        "The request is too large (limit {limit}).",
    ),
    "unsupported_media_type": ("不支持此内容类型。", "This content type is not supported."),
    "conflict": ("与现有数据冲突：{detail}", "Conflicts with existing data: {detail}"),
    "username_taken": ("用户名 {username} 已被使用。", "The username {username} is taken."),
    "unknown_site": ("项目 {site_id} 不存在。", "Site {site_id} does not exist."),
    "unknown_building": ("楼栋 {building_id} 不存在。", "Building {building_id} does not exist."),
    "device_mismatch": (
        "此设备已绑定其他用户，请重新登录本机账号。",
        "This device belongs to another user; sign in with this phone's own account.",
    ),
    "bad_cursor": ("同步位置无效，请重新同步。", "The sync cursor is not valid; sync again."),
    "bad_hash": (
        "照片名称必须是其 SHA-256（64 位小写十六进制）。",
        "A photo's name must be its SHA-256 (64 lower-case hex digits).",
    ),
    "photo_empty": ("照片内容为空。", "The photo is empty."),
    "photo_too_large": ("照片过大（上限 {limit}）。", "The photo is too large (limit {limit})."),
    "hash_mismatch": (
        "照片内容与其 SHA-256 名称不符，请重新上传。",
        "The photo's content does not match its SHA-256 name; upload it again.",
    ),
    "unsupported_media": (
        "只接受 JPEG、PNG 或 WebP 照片。",
        "Only JPEG, PNG or WebP photos are accepted.",
    ),
    "image_too_large": (
        "照片像素过多（上限 {limit}）。",
        "The photo has too many pixels (limit {limit}).",
    ),
    "image_corrupt": ("照片文件已损坏或不完整。", "The photo file is damaged or incomplete."),
    "photo_unknown": (
        "这张照片不是您上传的，也不属于本项目的记录，不能引用。",
        "This photo was not uploaded by you and is not one of this site's photos;"
        " it cannot be used.",
    ),
    "font_missing": (
        "服务器未安装中文字体（fonts-noto-cjk），无法打印标签。",
        "No Chinese font is installed on the server (fonts-noto-cjk); labels cannot be printed.",
    ),
    "csv_missing_columns": ("CSV 缺少列：{columns}", "The CSV lacks the columns: {columns}"),
    "csv_invalid": (
        "CSV 有 {count} 处错误，未导入任何数据。",
        "The CSV has {count} errors; nothing was imported.",
    ),
    "push_endpoint_invalid": (
        "推送地址无效。",
        "The push endpoint is not a valid address.",
    ),
    "push_endpoint_not_https": (
        "推送地址必须使用 https。",
        "The push endpoint must use https.",
    ),
    "push_endpoint_refused": (
        "不接受此推送服务地址（只接受各大浏览器的推送服务）。",
        "This push service is not accepted (only the major browsers' push services are).",
    ),
    "push_endpoint_private_address": (
        "推送地址指向内网或本机地址，已拒绝。",
        "The push endpoint points to a private or local address and was refused.",
    ),
    "push_keys_invalid": (
        "推送订阅的密钥无效，请重新开启通知。",
        "The subscription's keys are not valid; turn notifications on again.",
    ),
    "push_endpoint_taken": (
        "此推送地址属于另一位用户的设备，已拒绝。请在本浏览器中重新开启通知。",
        "This push address belongs to another user's device and was refused. "
        "Turn notifications on again in this browser.",
    ),
    # Sync refusals of key custody that name the person ({name}) whose step came first.
    "key_already_out": ("钥匙已被{name}借出。", "The key is out with {name}."),
    "key_handed_over": ("钥匙已转交给{name}。", "The key was handed over to {name}."),
    "key_held_by_other": ("钥匙现由{name}保管。", "The key is now held by {name}."),
    "key_checked_in_by_other": ("钥匙已由{name}归还。", "{name} has already checked the key in."),
    "key_handover_to_other": (
        "钥匙正转交给{name}，不是转交给你。",
        "The key is being handed over to {name}, not to you.",
    ),
    "key_receipt_by_other": (
        "{name}已扫码接收这把钥匙，正等待交出人同步。",
        "{name} has already scanned to receive this key; it waits for the giver's hand-over.",
    ),
    "invalid_args": ("参数 {field} 无效。", "The argument {field} is not valid."),
    # Parking: the slip (REST) and the shift refusals (sync).
    "slip_not_ready": (
        "还没有缴款单：班次交班清点后才能打印。",
        "There is no slip yet: it is printed once the shift's count is submitted.",
    ),
    "shift_not_open": (
        "该班次未开班或已交班，不能再记账。",
        "The shift is not open (not opened yet, or closed): nothing more can be recorded in it.",
    ),
    "shift_already_open": (
        "你在此出入口已有未交班的班次，请先交班。",
        "You already have an open shift at this gate; close it first.",
    ),
    "receipt_reused": (
        "该收据号已使用过，不能重复使用。",
        "This receipt number was used already and cannot be used again.",
    ),
    "count_already_submitted": (
        "该班次的现金清点已提交，不能再次提交。",
        "The cash count of this shift was submitted already.",
    ),
    "exemption_needs_approver": (
        "此免费放行原因需要有审批权限的人员批准，请选择审批人。",
        "This exemption reason needs approval by someone allowed to approve it; "
        "choose the approver.",
    ),
    "amount_invalid": (
        "金额无效：须为不小于 0 的整数分，且不超过上限。",
        "The amount is not valid: whole fen, not negative, not above the limit.",
    ),
    "shift_not_handed_to_you": (
        "该班次不是交接给你的。",
        "This shift is not being handed over to you.",
    ),
    "tariff_missing": (
        "该时间没有适用的停车收费标准，请联系管理员设置。",
        "No parking tariff applies at that time; ask an administrator to set one.",
    ),
    "tariff_backdated": (
        "新的收费标准不能从过去的时间开始生效（已收的费用不能改变）。",
        "A new tariff cannot take effect in the past (fees already charged must not change).",
    ),
    "settlement_rule_invalid": (
        "结算规则无效：须有一档从 0 分起，各档起点为 0–100 分（最多两位小数）且互不相同，"
        "得分越高的档扣款比例不得更高。",
        "The settlement rule is not valid: one tier must start at 0, tiers start at distinct "
        "scores from 0 to 100 (at most two decimals), and a higher tier may not deduct more.",
    ),
    "contract_period_invalid": (
        "合同结束日期不能早于开始日期。",
        "The contract cannot end before it starts.",
    ),
    "contract_overlap": (
        "该外委单位在所选项目已有与此期间重叠的合同。",
        "This vendor already has a contract on one of these sites for an overlapping period.",
    ),
    "template_points_total": (
        "检查项满分合计须为 100 分，当前为 {total} 分。",
        "The items' maximum points must add up to 100; they add up to {total}.",
    ),
    "template_item_duplicate": (
        "检查项编码 {item_code} 重复。",
        "The item code {item_code} is used twice.",
    ),
    "template_changed": (
        "检查表已被他人修改，请刷新后在最新版本上编辑。",
        "Someone changed this checklist meanwhile; reload and edit the current version.",
    ),
    "template_version_retired": (
        "该检查表版本（第 {version} 版）已停用，新的检查请使用最新版本。",
        "This checklist version ({version}) is retired; new inspections use the current one.",
    ),
    "evaluation_locked": (
        "{month} 的评价已签字确认并锁定，不能再修改。",
        "The evaluation of {month} is signed off and locked; it cannot change.",
    ),
    "inspection_not_approved": (
        "本月还有 {count} 条检查待审核，审核后才能签字确认。",
        "{count} inspections of this month still wait for review; review them before signing off.",
    ),
    "no_contract": (
        "该外委单位在 {month} 没有合同。",
        "The vendor has no contract in {month}.",
    ),
    "permit_revoked": ("该证件已注销。", "This permit has been revoked."),
    "permit_expired": ("该证件已过期。", "This permit has expired."),
    "permit_not_yet_valid": ("该证件尚未生效。", "This permit is not valid yet."),
    "permit_overlaps": (
        "车位 {space} 在此期间已有月租车证（编号 {serial}，{plate}）。",
        "Space {space} already has a monthly permit in this period (No. {serial}, {plate}).",
    ),
    "pass_already_used": ("该放行条已使用过。", "This release pass has already been used."),
    "not_single_use": ("只有放行条可以核销。", "Only a release pass can be used up."),
    "plate_invalid": (
        "车牌号 {plate} 格式不正确（例如 浙A·D12345）。",
        "The plate {plate} is not a valid number (e.g. 浙A·D12345).",
    ),
    "unknown_unit": ("该项目没有房屋 {unit_id}。", "The site has no unit {unit_id}."),
    "internal_error": (
        "服务器内部错误（编号 {request_id}），请联系管理员。",
        "Internal server error (id {request_id}); please tell your administrator.",
    ),
    "service_unavailable": ("服务暂不可用，请稍后再试。", "Service unavailable; try again later."),
}


def negotiate(accept_language: str | None) -> Language:
    """English when the caller's first preference is English, else Chinese."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    first = accept_language.split(",")[0].split(";")[0].strip().lower()
    return "en" if first.startswith("en") else DEFAULT_LANGUAGE


def language_of(saved: str | None, accept_language: str | None) -> Language:
    """What a signed-in caller reads (CSV headers, words for codes): the language they chose in
    the app when they chose one, else their browser's."""
    if saved:
        return "en" if saved.strip().lower().startswith("en") else DEFAULT_LANGUAGE
    return negotiate(accept_language)


def message(code: str, language: Language, **params: object) -> str:
    zh, en = MESSAGES.get(code, MESSAGES["bad_request"])
    template = en if language == "en" else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
