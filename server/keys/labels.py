"""Printable QR labels for keys: A4 pages of 2 × 6 labels, each the key's QR tag (an opaque
token URL) with its site, short code and unit in Chinese. Drawn with Pillow in a CJK font that
the setup installs; without one it refuses rather than print boxes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from server.printing import FontMissing, cjk_font_path, fit, pdf_of, qr_image
from server.printing import font as _font

__all__ = ["FontMissing", "Label", "render_pdf"]

DPI = 200
MM = DPI / 25.4
PAGE = (round(210 * MM), round(297 * MM))
COLUMNS, ROWS = 2, 6
MARGIN = round(8 * MM)
LABEL = ((PAGE[0] - 2 * MARGIN) // COLUMNS, (PAGE[1] - 2 * MARGIN) // ROWS)
QR_SIZE = round(38 * MM)


@dataclass(frozen=True)
class Label:
    url: str  # <base URL>/k/<token>
    site: str
    code: str
    unit: str


def _qr(url: str) -> Image.Image:
    return qr_image(url, QR_SIZE)


def _draw_label(page: Image.Image, draw: ImageDraw.ImageDraw, label: Label, x: int, y: int) -> None:
    pad = round(4 * MM)
    draw.rectangle((x, y, x + LABEL[0] - 1, y + LABEL[1] - 1), outline=0, width=1)
    qr_y = y + (LABEL[1] - QR_SIZE) // 2
    page.paste(_qr(label.url), (x + pad, qr_y))
    text_x = x + pad + QR_SIZE + pad
    width = LABEL[0] - (text_x - x) - pad
    lines = (
        (label.site, _font(round(4.2 * MM))),
        (label.code, _font(round(6.5 * MM))),
        (label.unit, _font(round(4.6 * MM))),
    )
    cursor = qr_y + round(2 * MM)
    for text, font in lines:
        draw.text((text_x, cursor), fit(text, font, width), font=font, fill=0)
        cursor += round(font.size * 1.45)


def render_pdf(labels: Sequence[Label]) -> bytes:
    """A4 pages of labels as one PDF (bilevel images: small and sharp when printed)."""
    cjk_font_path()  # refuse before drawing anything
    pages = []
    per_page = COLUMNS * ROWS
    for start in range(0, max(len(labels), 1), per_page):
        page = Image.new("1", PAGE, 1)
        draw = ImageDraw.Draw(page)
        for i, label in enumerate(labels[start : start + per_page]):
            col, row = i % COLUMNS, i // COLUMNS
            _draw_label(page, draw, label, MARGIN + col * LABEL[0], MARGIN + row * LABEL[1])
        pages.append(page)
    return pdf_of(pages, DPI)
