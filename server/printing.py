"""What every printed document shares: the CJK font (refusing without one rather than printing
boxes), crisp QR codes, text fitted to a width, and bilevel pages saved as one PDF (optionally
with the drawn text as an invisible layer, so the document reads back as text)."""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

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


# ---- pages with their text: the bitmap prints, the text is there to search and copy ------------


class TextRun(NamedTuple):
    """Text drawn on a page at (x, y) pixels from the top left, `size` pixels high."""

    x: int
    y: int
    size: int
    text: str


def _to_unicode_cmap() -> bytes:
    # Character codes are the text's UTF-16 code units (BMP), each its own code point.
    ranges = [
        f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256) if not 0xD8 <= hi < 0xE0
    ]
    blocks = []
    for i in range(0, len(ranges), 100):
        chunk = ranges[i : i + 100]
        blocks.append(f"{len(chunk)} beginbfrange\n" + "\n".join(chunk) + "\nendbfrange")
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()


def _hex(text: str) -> str:
    return "".join(
        f"{ord(c) if ord(c) <= 0xFFFF and not 0xD800 <= ord(c) < 0xE000 else 0x3F:04X}"
        for c in text
    )


def pdf_with_text(pages: Sequence[tuple[Image.Image, Sequence[TextRun]]], dpi: int) -> bytes:
    """Bilevel page images as a PDF, each with its text as an invisible layer over what is
    drawn (as a scanned page's OCR text): it prints as the bitmap and reads back as text
    (pdftotext, search, copy). The layer's font is named, not embedded: it is never painted."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(header: str, data: bytes) -> bytes:
        return f"<< {header} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"

    catalog = add(b"")  # filled in when the pages are known
    tree = add(b"")
    to_unicode = add(stream("/Filter /FlateDecode", zlib.compress(_to_unicode_cmap())))
    descriptor = add(
        b"<< /Type /FontDescriptor /FontName /NotoSansCJKsc-Regular /Flags 4"
        b" /FontBBox [0 -120 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120"
        b" /CapHeight 730 /StemV 80 >>"
    )
    cid_font = add(
        f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NotoSansCJKsc-Regular"
        f" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
        f" /FontDescriptor {descriptor} 0 R /DW 1000 /W [32 [{' '.join(['500'] * 95)}]]"
        f" /CIDToGIDMap /Identity >>".encode()
    )
    type0 = add(
        f"<< /Type /Font /Subtype /Type0 /BaseFont /NotoSansCJKsc-Regular /Encoding /Identity-H"
        f" /DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>".encode()
    )
    scale = 72 / dpi
    kids = []
    for image, runs in pages:
        bitmap = image.convert("1")
        w, h = bitmap.size
        width, height = w * scale, h * scale
        picture = add(
            stream(
                f"/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray"
                " /BitsPerComponent 1 /Filter /FlateDecode",
                zlib.compress(bitmap.tobytes()),
            )
        )
        ops = [f"q {width:.2f} 0 0 {height:.2f} 0 0 cm /Im0 Do Q", "BT 3 Tr"]
        for run in runs:
            size = run.size * scale
            baseline = height - (run.y + run.size * 0.88) * scale
            x = run.x * scale
            ops.append(f"/F0 {size:.2f} Tf 1 0 0 1 {x:.2f} {baseline:.2f} Tm <{_hex(run.text)}> Tj")
        ops.append("ET")
        content = add(stream("/Filter /FlateDecode", zlib.compress("\n".join(ops).encode())))
        kids.append(
            add(
                f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 {width:.2f} {height:.2f}]"
                f" /Resources << /XObject << /Im0 {picture} 0 R >> /Font << /F0 {type0} 0 R >> >>"
                f" /Contents {content} 0 R >>".encode()
            )
        )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {tree} 0 R >>".encode()
    refs = " ".join(f"{k} 0 R" for k in kids)
    objects[tree - 1] = f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>".encode()
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    trailer = f"<< /Size {len(objects) + 1} /Root {catalog} 0 R >>"
    out.write(f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()
