"""The vendor's monthly statement (结算单): an A4 PDF in zh-CN and an XLSX workbook.

The PDF's pages are drawn with the CJK font (server/printing.py) and carry an invisible text
layer of the same words at the same places, so the statement can be searched and copied and
its text read back (pdftotext). The XLSX is written by hand (a few XML parts in a zip): numbers
are numeric cells, headers are zh-CN.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import tzinfo
from decimal import Decimal
from functools import lru_cache
from xml.sax.saxutils import escape

import anyio.to_thread
from PIL import Image, ImageDraw, ImageFont

from server.media.service import file_name
from server.media.storage import MediaStorage
from server.printing import cjk_font_path
from server.sites.service import site_zone
from server.vendors.schemas import SERVICE_NAMES, EvaluationRead
from server.vendors.settlement import yuan

DPI = 150
PAGE_W, PAGE_H = 1240, 1754  # A4 at 150 dpi
MARGIN = 90
PT_PER_PX = 72 / DPI
THUMB = 110
MAX_THUMBS = 6
DEDUCTION_W = 360


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont:
    """The CJK font with Pillow's basic layout: CJK needs no shaping, and it draws several times
    faster than the complex layout (a 300-line statement is thousands of strings)."""
    path = cjk_font_path()
    index = 2 if path.name.startswith("Noto") else 0  # Simplified Chinese in Noto's collection
    return ImageFont.truetype(
        str(path), size=size, index=index, layout_engine=ImageFont.Layout.BASIC
    )


@lru_cache(maxsize=8192)
def _width(size: int, char: str) -> float:
    return font(size).getlength(char)


@lru_cache(maxsize=8192)
def _glyph(size: int, char: str) -> tuple[Image.Image | None, int, int]:
    """A character drawn once as a mask, with its offset from the pen on the baseline: pages
    paste these (drawing each string through FreeType costs milliseconds)."""
    face = font(size)
    left, top, right, bottom = (int(v) for v in face.getbbox(char, anchor="ls"))
    if right <= left or bottom <= top:
        return None, 0, 0
    mask = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(mask).text((-left, -top), char, font=face, fill=255, anchor="ls")
    return mask, left, top


def _length(text: str, size: int) -> float:
    """The text's width in pixels, from cached widths of its characters (no kerning in CJK)."""
    return sum(_width(size, c) for c in text)


def fit(text: str, size: int, width: int) -> str:
    """The text, cut with an ellipsis until it fits `width` pixels."""
    if _length(text, size) <= width:
        return text
    while text and _length(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


@dataclass
class _Page:
    image: Image.Image
    draw: ImageDraw.ImageDraw
    runs: list[tuple[float, float, int, str]] = field(default_factory=list)  # x, baseline, px


class _Writer:
    """Pages drawn top to bottom; `text` draws a line and remembers it for the text layer."""

    def __init__(self) -> None:
        self.pages: list[_Page] = []
        self.y = 0
        self._new_page()

    def _new_page(self) -> None:
        image = Image.new("L", (PAGE_W, PAGE_H), 255)
        self.pages.append(_Page(image, ImageDraw.Draw(image)))
        self.y = MARGIN

    def room(self, height: int) -> None:
        if self.y + height > PAGE_H - MARGIN:
            self._new_page()

    @property
    def page(self) -> _Page:
        return self.pages[-1]

    def text(self, x: float, baseline: float, value: str, size: int, width: int = 0) -> None:
        if width:
            value = fit(value, size, width)
        if not value:
            return
        pen = x
        for char in value:
            mask, left, top = _glyph(size, char)
            if mask is not None:
                self.page.image.paste(0, (round(pen) + left, round(baseline) + top), mask)
            pen += _width(size, char)
        self.page.runs.append((x, baseline, size, value))

    def line(self, size: int, *cells: tuple[float, str, int]) -> None:
        """One row of text cells (x, text, width), `size` pixels high, then move down."""
        self.room(int(size * 1.6))
        baseline = self.y + size
        for x, value, width in cells:
            self.text(x, baseline, value, size, width)
        self.y += int(size * 1.6)

    def rule(self, thickness: int = 1) -> None:
        self.page.draw.line((MARGIN, self.y, PAGE_W - MARGIN, self.y), fill=0, width=thickness)
        self.y += 8


async def pdf(evaluation: EvaluationRead, storage: MediaStorage | None = None) -> bytes:
    """The statement as an A4 PDF: summary, deductions, each inspection line with thumbnails of
    its deduction photos, and signature lines."""
    zones: dict[int, tzinfo] = {s: await site_zone(s) for s in evaluation.site_ids}
    zones |= {i.site_id: await site_zone(i.site_id) for i in evaluation.items}
    w = _Writer()
    e = evaluation
    right = PAGE_W - MARGIN
    w.line(40, (MARGIN, "外委单位月度评价结算单", 0))
    w.y += 10
    service = SERVICE_NAMES.get(e.service, (e.service, e.service))[0]
    w.line(24, (MARGIN, f"外委单位：{e.vendor_name}", 700), (800, f"服务类别：{service}", 0))
    w.line(24, (MARGIN, f"评价月份：{e.month}", 700), (800, f"合同编号：{e.contract_id}", 0))
    w.line(24, (MARGIN, f"月服务费：{yuan(e.monthly_fee_fen)} 元", 0))
    w.rule(2)
    score = f"{e.score:.2f}" if e.score is not None else "—"
    r = e.rectifications
    w.line(
        24,
        (MARGIN, f"平均得分：{score}", 300),
        (400, f"检查次数：{e.inspections}", 300),
        (720, f"重大缺陷：{e.critical_failures} 次", 0),
    )
    w.line(24, (MARGIN, f"整改：按时 {r.on_time} 项，逾期 {r.late} 项，未完成 {r.open} 项", 0))
    w.y += 6
    w.line(26, (MARGIN, "扣款明细", 0))
    for line in e.lines:
        w.line(22, (MARGIN + 20, line.text, 820), (right - 180, f"{yuan(line.fen)} 元", 180))
    w.rule()
    w.line(24, (MARGIN, "扣款合计", 400), (right - 220, f"{yuan(e.deduction_fen)} 元", 220))
    w.line(24, (MARGIN, "应付金额", 400), (right - 220, f"{yuan(e.payable_fen)} 元", 220))
    w.rule(2)
    w.y += 6
    w.line(26, (MARGIN, "检查明细（已审核）", 0))
    columns = ((MARGIN, "日期时间", 210), (310, "区域", 230), (550, "检查人", 140))
    w.line(20, *columns, (700, "得分", 80), (790, "扣分项", 360))
    w.rule()
    for n, item in enumerate(e.items, start=1):
        at = item.at.astimezone(zones[item.site_id]).strftime("%m-%d %H:%M")
        deductions = [
            part for d in item.deductions or ["无扣分"] for part in _wrap(d, 20, DEDUCTION_W)
        ]
        w.line(
            20,
            (MARGIN, f"{n}. {at}", 210),
            (310, item.zone, 230),
            (550, item.inspector, 140),
            (700, str(item.score), 80),
            (790, deductions[0], DEDUCTION_W),
        )
        for more in deductions[1:]:
            w.line(20, (790, more, DEDUCTION_W))
        # The store may be S3: its reads go to a worker thread, not the event loop.
        thumbs = await anyio.to_thread.run_sync(_thumbs, storage, item.photos[:MAX_THUMBS])
        if thumbs:
            w.room(THUMB + 10)
            for k, thumb in enumerate(thumbs):
                w.page.image.paste(thumb, (310 + k * (THUMB + 8), w.y))
            w.y += THUMB + 10
    w.rule()
    w.room(260)
    w.y += 40
    if e.locked and e.signed_by:
        signed_at = e.signed_at.strftime("%Y-%m-%d") if e.signed_at else ""
        w.line(22, (MARGIN, f"已签字确认：{e.signed_by} {signed_at}", 0))
    w.y += 30
    w.line(
        24, (MARGIN, "外委单位负责人（签字）：________________", 560), (680, "日期：__________", 0)
    )
    w.y += 40
    w.line(24, (MARGIN, "项目经理（签字）：________________", 560), (680, "日期：__________", 0))
    return _pdf_with_text(w.pages)


def _wrap(text: str, size: int, width: int) -> list[str]:
    """The text in lines that fit `width` pixels (CJK breaks anywhere), at most three."""
    lines, used = [""], 0.0
    for char in text:
        w = _width(size, char)
        if used + w > width:
            lines.append("")
            used = 0.0
        lines[-1] += char
        used += w
    return [*lines[:2], fit("".join(lines[2:]), size, width)] if len(lines) > 3 else lines


def _thumbs(storage: MediaStorage | None, photos: list[str]) -> list[Image.Image]:
    return [t for t in (_thumb(storage, h) for h in photos) if t]


def _thumb(storage: MediaStorage | None, sha256: str) -> Image.Image | None:
    data = storage.get(file_name(sha256, thumb=True)) if storage else None
    if not data:
        return None
    try:
        image = Image.open(io.BytesIO(data))
        image.thumbnail((THUMB, THUMB))
        return image.convert("L")
    except OSError:
        return None


# ---- a PDF of page images with an invisible text layer --------------------------------------


def _pdf_with_text(pages: list[_Page]) -> bytes:
    """Each page: its image, and its text runs drawn invisibly (render mode 3) in a font with no
    glyphs of its own, whose codes are Unicode code points (Identity-H, ToUnicode identity)."""
    used = sorted({ord(c) for p in pages for *_, s in p.runs for c in s if ord(c) <= 0xFFFF})
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    widths = " ".join(f"{c} [{round(_width(100, chr(c)) * 10)}]" for c in used)
    to_unicode = _identity_cmap()
    cmap_id = add(_stream(to_unicode))
    descriptor = add(
        b"<< /Type /FontDescriptor /FontName /GlyphLess /Flags 4 /FontBBox [0 -200 1000 900]"
        b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>"
    )
    cid_font = add(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLess"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
        + f" /FontDescriptor {descriptor} 0 R /DW 1000 /W [{widths}]".encode()
        + b" /CIDToGIDMap /Identity >>"
    )
    font_id = add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLess /Encoding /Identity-H"
        + f" /DescendantFonts [{cid_font} 0 R] /ToUnicode {cmap_id} 0 R >>".encode()
    )
    pages_id = len(objects) + 1
    objects.append(b"")  # the page tree, filled in below
    page_ids = []
    width_pt, height_pt = PAGE_W * PT_PER_PX, PAGE_H * PT_PER_PX
    for page in pages:
        image = add(
            _stream(
                page.image.tobytes(),
                f"/Type /XObject /Subtype /Image /Width {PAGE_W} /Height {PAGE_H}"
                " /ColorSpace /DeviceGray /BitsPerComponent 8",
            )
        )
        content = [f"q {width_pt:.2f} 0 0 {height_pt:.2f} 0 0 cm /Im0 Do Q", "BT 3 Tr"]
        for x, baseline, size, value in page.runs:
            codes = "".join(f"{ord(c):04X}" for c in value if ord(c) <= 0xFFFF)
            content.append(
                f"/F1 {size * PT_PER_PX:.2f} Tf 1 0 0 1 {x * PT_PER_PX:.2f}"
                f" {height_pt - baseline * PT_PER_PX:.2f} Tm <{codes}> Tj"
            )
        content.append("ET")
        content_id = add(_stream("\n".join(content).encode()))
        page_ids.append(
            add(
                f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {width_pt:.2f}"
                f" {height_pt:.2f}] /Resources << /XObject << /Im0 {image} 0 R >>"
                f" /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>".encode()
            )
        )
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    objects[pages_id - 1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()
    catalog = add(f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{o:010d} 00000 n \n" for o in offsets).encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\n".encode()
        + f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _stream(data: bytes, keys: str = "") -> bytes:
    packed = zlib.compress(data, 1)  # pages are mostly white: fast compression does well
    head = f"<< {keys} /Filter /FlateDecode /Length {len(packed)} >>\nstream\n".encode()
    return head + packed + b"\nendstream"


def _identity_cmap() -> bytes:
    """Code = CID = the Unicode code point (two bytes), for text extraction."""
    ranges = [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256)]
    blocks = [
        f"{len(ranges[i : i + 100])} beginbfrange\n"
        + "\n".join(ranges[i : i + 100])
        + "\nendbfrange"
        for i in range(0, 256, 100)
    ]
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode()


# ---- XLSX ----------------------------------------------------------------------------------

Cell = str | int | float | Decimal | None
MONEY = 1  # the style of amounts in yuan: "0.00"
SCORE = 1


async def xlsx(evaluation: EvaluationRead) -> bytes:
    """Two sheets: 评价汇总 (the figures and deductions) and 检查明细 (each inspection)."""
    e = evaluation
    zones = {i.site_id: await site_zone(i.site_id) for i in e.items}
    r = e.rectifications
    lines: list[list[tuple[Cell, int]]] = [
        [(line.text, 0), (_yuan(line.fen), MONEY)] for line in e.lines
    ]
    summary: list[list[tuple[Cell, int]]] = [  # (value, style)
        [("外委单位", 0), (e.vendor_name, 0)],
        [("评价月份", 0), (e.month, 0)],
        [("月服务费（元）", 0), (_yuan(e.monthly_fee_fen), MONEY)],
        [("平均得分", 0), (e.score, SCORE)],
        [("检查次数", 0), (e.inspections, 0)],
        [("重大缺陷次数", 0), (e.critical_failures, 0)],
        [("按时整改", 0), (r.on_time, 0)],
        [("逾期整改", 0), (r.late, 0)],
        [("未完成整改", 0), (r.open, 0)],
        [("扣款项目", 0), ("金额（元）", 0)],
        *lines,
        [("扣款合计（元）", 0), (_yuan(e.deduction_fen), MONEY)],
        [("应付金额（元）", 0), (_yuan(e.payable_fen), MONEY)],
        [("已签字确认", 0), ("是" if e.locked else "否", 0)],
    ]
    details: list[list[tuple[Cell, int]]] = [
        [(h, 0) for h in ("序号", "检查时间", "区域", "检查人", "得分", "重大缺陷", "扣分项")]
    ]
    for n, item in enumerate(e.items, start=1):
        details.append(
            [
                (n, 0),
                (item.at.astimezone(zones[item.site_id]).strftime("%Y-%m-%d %H:%M"), 0),
                (item.zone, 0),
                (item.inspector, 0),
                (item.score, 0),
                (item.critical_failures, 0),
                ("；".join(item.deductions), 0),
            ]
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/styles.xml", _STYLES)
        z.writestr("xl/worksheets/sheet1.xml", _sheet(summary))
        z.writestr("xl/worksheets/sheet2.xml", _sheet(details))
    return out.getvalue()


def _yuan(fen: int) -> Decimal:
    """Fen as an exact amount in yuan (86000.00), written as a number."""
    return Decimal(fen).scaleb(-2)


def _column(n: int) -> str:
    name = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


def _sheet(rows: list[list[tuple[Cell, int]]]) -> str:
    body = []
    for y, row in enumerate(rows, start=1):
        cells = []
        for x, (value, style) in enumerate(row):
            ref = f"{_column(x)}{y}"
            s = f' s="{style}"' if style else ""
            if value is None:
                continue
            if isinstance(value, int | float | Decimal):
                cells.append(f'<c r="{ref}"{s}><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        body.append(f'<row r="{y}">{"".join(cells)}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(body)}</sheetData></worksheet>"
    )


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PKG = "http://schemas.openxmlformats.org/package/2006"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _part(name: str, kind: str) -> str:
    return f'<Override PartName="{name}" ContentType="{_MIME}.{kind}+xml"/>'


def _relation(n: int, kind: str, target: str) -> str:
    return f'<Relationship Id="rId{n}" Type="{_DOC}/{kind}" Target="{target}"/>'


_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    + _part("/xl/workbook.xml", "sheet.main")
    + _part("/xl/styles.xml", "styles")
    + _part("/xl/worksheets/sheet1.xml", "worksheet")
    + _part("/xl/worksheets/sheet2.xml", "worksheet")
    + "</Types>"
)
_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
    + _relation(1, "officeDocument", "xl/workbook.xml")
    + "</Relationships>"
)
_WORKBOOK = (
    f'{_XML}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    f' xmlns:r="{_DOC}"><sheets>'
    '<sheet name="评价汇总" sheetId="1" r:id="rId1"/>'
    '<sheet name="检查明细" sheetId="2" r:id="rId2"/>'
    "</sheets></workbook>"
)
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
    + _relation(1, "worksheet", "worksheets/sheet1.xml")
    + _relation(2, "worksheet", "worksheets/sheet2.xml")
    + _relation(3, "styles", "styles.xml")
    + "</Relationships>"
)
_STYLES = (
    f'{_XML}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)
