"""Printable QR labels for keys: A4 pages of 2 × 6 labels, each the key's QR tag (an opaque
token URL) with its site, short code and unit in Chinese. Drawn with Pillow in a CJK font that
the setup installs; without one it refuses rather than print boxes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import qrcode  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont

# fonts-noto-cjk (Debian), then other common places.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
DPI = 200
MM = DPI / 25.4
PAGE = (round(210 * MM), round(297 * MM))
COLUMNS, ROWS = 2, 6
MARGIN = round(8 * MM)
LABEL = ((PAGE[0] - 2 * MARGIN) // COLUMNS, (PAGE[1] - 2 * MARGIN) // ROWS)
QR_SIZE = round(38 * MM)


class FontMissing(RuntimeError):
    """No CJK font is installed (apt-get install fonts-noto-cjk)."""


@dataclass(frozen=True)
class Label:
    url: str  # <base URL>/k/<token>
    site: str
    code: str
    unit: str


def cjk_font_path() -> Path:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing("no CJK font: install fonts-noto-cjk")


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    # index 2 of the Noto CJK collection is Simplified Chinese (SC).
    path = cjk_font_path()
    index = 2 if path.name.startswith("Noto") else 0
    return ImageFont.truetype(str(path), size=size, index=index)


def _qr(url: str) -> Image.Image:
    # A fixed mask pattern (any of the 8 is valid QR) skips qrcode's pure-Python search for the
    # best one, which costs ten times the rest of a label.
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=1, mask_pattern=2
    )
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    small = Image.new("1", (n, n), 1)
    small.putdata([0 if cell else 1 for row in matrix for cell in row])
    # Nearest-neighbour scaling keeps the modules sharp.
    return small.resize((QR_SIZE, QR_SIZE), Image.Resampling.NEAREST)


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
        draw.text((text_x, cursor), _fit(text, font, width), font=font, fill=0)
        cursor += round(font.size * 1.45)


def _fit(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    while text and font.getlength(text) > width:
        text = text[:-2] + "…"
    return text


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
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=DPI)
    return out.getvalue()
