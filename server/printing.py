"""What every printed document shares: the CJK font (refusing without one rather than printing
boxes), crisp QR codes, text fitted to a width, and bilevel pages saved as one PDF."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import qrcode  # type: ignore[import-untyped]
from PIL import Image, ImageFont

# fonts-noto-cjk (Debian), then other common places.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
QR_M = qrcode.constants.ERROR_CORRECT_M
QR_Q = qrcode.constants.ERROR_CORRECT_Q


class FontMissing(RuntimeError):
    """No CJK font is installed (apt-get install fonts-noto-cjk)."""


def cjk_font_path() -> Path:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing("no CJK font: install fonts-noto-cjk")


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont:
    # index 2 of the Noto CJK collection is Simplified Chinese (SC).
    path = cjk_font_path()
    index = 2 if path.name.startswith("Noto") else 0
    return ImageFont.truetype(str(path), size=size, index=index)


def qr_image(text: str, size: int, error_correction: int = QR_M) -> Image.Image:
    """A bilevel QR code of `size` × `size` pixels with a 2-module quiet zone."""
    # A fixed mask pattern (any of the 8 is valid QR) skips qrcode's pure-Python search for the
    # best one, which costs ten times the rest of a label.
    code = qrcode.QRCode(error_correction=error_correction, border=2, box_size=1, mask_pattern=2)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    small = Image.new("1", (n, n), 1)
    small.putdata([0 if cell else 1 for row in matrix for cell in row])
    # Nearest-neighbour scaling keeps the modules sharp.
    return small.resize((size, size), Image.Resampling.NEAREST)


def fit(text: str, face: ImageFont.FreeTypeFont, width: int) -> str:
    """The text, cut with an ellipsis until it fits `width` pixels."""
    while text and face.getlength(text) > width:
        text = text[:-2] + "…"
    return text


def pdf_of(pages: Sequence[Image.Image], dpi: int) -> bytes:
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return out.getvalue()
