"""The printed permit: one A6 page in Chinese with the site, the kind, the subject in large
type, the signed QR (error correction Q, so a scuffed or folded paper still reads), the validity
and the serial."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from server.permits.schemas import PermitRead
from server.printing import QR_Q, cjk_font_path, fit, font, pdf_of, qr_image

DPI = 200
MM = DPI / 25.4
PAGE = (round(105 * MM), round(148 * MM))  # A6
MARGIN = round(7 * MM)
QR_SIZE = round(66 * MM)

TITLES = {
    "monthly_parking": "月租车停车证",
    "decoration": "装修许可证",
    "release_pass": "物品放行条",
    "access_card": "门禁卡",
}
VEHICLE_CLASSES = {"small": "小型车", "large": "大型车", "new_energy": "新能源车"}


def _day(epoch_s: int, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(epoch_s, zone).strftime("%Y-%m-%d")


def validity_text(permit: PermitRead, zone: ZoneInfo) -> str:
    first = _day(permit.not_before, zone)
    last = _day(permit.expires - 1, zone)  # expires is the start of the day after
    if permit.kind == "release_pass":
        return f"限 {first} 当日使用一次"
    return f"有效期 {first} 至 {last}"


def detail_lines(permit: PermitRead) -> list[str]:
    d = permit.details
    if permit.kind == "monthly_parking":
        return [f"车位 {d['space']}　{VEHICLE_CLASSES.get(d['vehicle_class'], '')}"]
    if permit.kind == "decoration":
        return [
            f"施工单位 {d['contractor']}",
            f"施工人员 {len(d['workers'])} 人　时段 {d['allowed_hours']}",
        ]
    if permit.kind == "release_pass":
        return ["放行物品 " + "、".join(d["items"])]
    return [f"持卡人 {d['holder']}　卡号 {d['card_number']}"]


def render_permit(permit: PermitRead, site_name: str, zone: ZoneInfo) -> bytes:
    """The permit as a one-page A6 PDF (a bilevel image: small and sharp when printed)."""
    cjk_font_path()  # refuse before drawing anything
    page = Image.new("1", PAGE, 1)
    draw = ImageDraw.Draw(page)
    width = PAGE[0] - 2 * MARGIN
    y = MARGIN

    def line(text: str, size_mm: float, gap: float = 1.35) -> None:
        nonlocal y
        face = font(round(size_mm * MM))
        text = fit(text, face, width)
        x = (PAGE[0] - round(face.getlength(text))) // 2
        draw.text((x, y), text, font=face, fill=0)
        y += round(face.size * gap)

    line(site_name, 4.5)
    line(TITLES[permit.kind], 6.5)
    # The subject as large as fits: the guard compares it with the plate or door at a glance.
    size = 11.0
    while size > 5 and font(round(size * MM)).getlength(permit.subject) > width:
        size -= 0.5
    line(permit.subject, size, 1.25)
    y += round(3 * MM)
    page.paste(qr_image(permit.qr, QR_SIZE, QR_Q), ((PAGE[0] - QR_SIZE) // 2, y))
    y += QR_SIZE + round(2 * MM)
    line(validity_text(permit, zone), 4.2)
    for text in detail_lines(permit):
        line(text, 3.6)
    line(f"No. {permit.serial:06d}", 3.6)
    return pdf_of([page], DPI)
