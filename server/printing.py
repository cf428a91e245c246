"""What every printed document shares: the CJK font (refusing without one rather than printing
boxes), crisp QR codes, text fitted to a width, and bilevel pages saved as one PDF (optionally
with the drawn text as an invisible layer, so the document reads back as text)."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import qrcode  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont

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


# ---- fast text: each glyph drawn once and pasted (a long ledger is tens of thousands of strings;
# drawing each through FreeType's complex layout cost ~1 ms a string) ----------------------------


@lru_cache(maxsize=16)
def basic_font(size: int) -> ImageFont.FreeTypeFont:
    """The CJK font with Pillow's basic layout: CJK needs no shaping."""
    path = cjk_font_path()
    index = 2 if path.name.startswith("Noto") else 0
    return ImageFont.truetype(
        str(path), size=size, index=index, layout_engine=ImageFont.Layout.BASIC
    )


@lru_cache(maxsize=16384)
def _advance(size: int, char: str) -> float:
    return basic_font(size).getlength(char)


@lru_cache(maxsize=16384)
def _glyph(size: int, char: str) -> tuple[Image.Image | None, int, int]:
    """A character as a bilevel mask, with its offset from the pen's top-left position."""
    face = basic_font(size)
    left, top, right, bottom = (int(v) for v in face.getbbox(char))
    if right <= left or bottom <= top:
        return None, 0, 0
    mask = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(mask).text((-left, -top), char, font=face, fill=255)
    return mask.point(lambda v: 255 if v >= 128 else 0, "1"), left, top


def text_width(text: str, size: int) -> float:
    """The text's width in pixels at `size` (no kerning in CJK: the sum of its advances)."""
    return sum(_advance(size, c) for c in text)


def fitted(text: str, size: int, width: float) -> str:
    """The text, cut with an ellipsis until it fits `width` pixels."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…" if text else ""


@lru_cache(maxsize=4096)
def _run(size: int, text: str) -> tuple[Image.Image | None, int, int]:
    """A string as one mask and its offset: a ledger repeats its names, states and dates."""
    placed = []
    pen = 0.0
    for char in text:
        mask, left, top = _glyph(size, char)
        if mask is not None:
            placed.append((mask, round(pen) + left, top))
        pen += _advance(size, char)
    if not placed:
        return None, 0, 0
    x0, y0 = min(p[1] for p in placed), min(p[2] for p in placed)
    width = max(p[1] + p[0].width for p in placed) - x0
    height = max(p[2] + p[0].height for p in placed) - y0
    run = Image.new("1", (width, height), 0)
    for mask, x, y in placed:
        run.paste(1, (x - x0, y - y0), mask)
    return run, x0, y0


def paste_text(page: Image.Image, x: int, y: int, text: str, size: int) -> None:
    """Black text on a page with its top-left at (x, y), as ImageDraw.text would draw it."""
    mask, left, top = _run(size, text)
    if mask is not None:
        page.paste(0, (x + left, y + top), mask)


# ---- pages: the one set of building blocks every printed report is drawn with ----------------

A4_MM = (210, 297)
A5_MM = (148, 210)


class Pages:
    """Pages of one size drawn top to bottom in the CJK font: lines of text cells placed in mm
    from the left margin, rules, a header drawn again at the top of every page (the title, site
    and period, a table's column headings), page numbers, and the signature lines at the end.
    Saved as one PDF whose text reads back (`pdf_with_text`)."""

    def __init__(
        self,
        size_mm: tuple[float, float] = A4_MM,
        *,
        dpi: int = 150,
        margin_mm: float = 12,
        header: Callable[[Pages], None] | None = None,
        page_label: str = "",  # "第 {n} / {of} 页": each page numbered at its foot
    ) -> None:
        cjk_font_path()  # refuse before drawing anything
        self.mm = dpi / 25.4
        self.dpi = dpi
        self.size = (round(size_mm[0] * self.mm), round(size_mm[1] * self.mm))
        self.margin = round(margin_mm * self.mm)
        self.header = header
        self.page_label = page_label
        self.foot = self.margin + (round(8 * self.mm) if page_label else 0)
        self.pages: list[tuple[Image.Image, list[TextRun]]] = []
        self.y = 0
        self.new_page()

    @property
    def width(self) -> int:
        return self.size[0] - 2 * self.margin

    def new_page(self) -> None:
        self.pages.append((Image.new("1", self.size, 1), []))
        self.y = self.margin
        if self.header:
            self.header(self)

    def room_for(self, mm: float) -> bool:
        return self.y + round(mm * self.mm) <= self.size[1] - self.foot

    def text(self, x: int, y: int, text: str, size: int) -> None:
        page, runs = self.pages[-1]
        paste_text(page, x, y, text, size)
        runs.append(TextRun(x, y, size, text))

    def row(
        self,
        cells: Sequence[tuple[float, str]],
        size_mm: float = 3.4,
        gap: float = 1.5,
        pad_mm: float = 2.0,
    ) -> None:
        """Texts on one line, each at its x (mm from the left margin), fitted to the next."""
        px = round(size_mm * self.mm)
        if not self.room_for(size_mm * gap):
            self.new_page()
        for k, (x_mm, text) in enumerate(cells):
            x = self.margin + round(x_mm * self.mm)
            end = (
                self.margin + round((cells[k + 1][0] - pad_mm) * self.mm)
                if k + 1 < len(cells)
                else self.size[0] - self.margin
            )
            text = fitted(text, px, end - x)
            if text:
                self.text(x, self.y, text, px)
        self.y += round(px * gap)

    def line(self, text: str, size_mm: float = 3.4, gap: float = 1.5, center: bool = False) -> None:
        px = round(size_mm * self.mm)
        text = fitted(text, px, self.width)
        x_mm = (self.width - text_width(text, px)) / 2 / self.mm if center else 0
        self.row([(x_mm, text)], size_mm, gap)

    def wrapped(self, text: str, indent_mm: float = 0, size_mm: float = 3.0) -> None:
        """A long text (a list of receipts) over as many lines as it needs."""
        px = round(size_mm * self.mm)
        room = self.width - round(indent_mm * self.mm)
        while text:
            n = len(text)
            while n > 1 and text_width(text[:n], px) > room:
                n -= 1
            self.row([(indent_mm, text[:n])], size_mm, 1.4)
            text = text[n:]

    def rule(self) -> None:
        ImageDraw.Draw(self.pages[-1][0]).line(
            (self.margin, self.y, self.size[0] - self.margin, self.y), fill=0, width=2
        )
        self.y += round(1.5 * self.mm)

    def signatures(self, labels: Sequence[str], size_mm: float = 3.4) -> None:
        """Signature lines (制表人签字：____ …) spread over one line, with room above to sign."""
        if not self.room_for(size_mm * 4):
            self.new_page()
        self.y += round(size_mm * self.mm * 1.5)
        step = self.width / self.mm / max(1, len(labels))
        self.row([(k * step, label) for k, label in enumerate(labels)], size_mm, 2.0)

    def pdf(self) -> bytes:
        count = len(self.pages)
        if self.page_label:
            px = round(3.0 * self.mm)
            for n, (page, runs) in enumerate(self.pages, start=1):
                label = self.page_label.format(n=n, of=count)
                x = round((self.size[0] - text_width(label, px)) / 2)
                y = self.size[1] - self.margin - px
                paste_text(page, x, y, label, px)
                runs.append(TextRun(x, y, px, label))
        return pdf_with_text(self.pages, self.dpi)


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
