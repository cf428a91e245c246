"""500 key labels to a PDF: ours (fixed QR mask, bilevel pages) vs a naive path that lets
qrcode search for the best mask and renders each code through its PIL image factory.
Target: ours <= 2 s for 500 labels."""

from __future__ import annotations

import time

import qrcode  # type: ignore[import-untyped]
from PIL import Image

from server.keys import labels as L

COUNT = 500


def sample() -> list[L.Label]:
    return [
        L.Label(
            url=f"https://fk.example.cn/k/{i:06d}Qx3_vT9kLmP2aZ",
            site="翠湖花园",
            code=f"CH-{i:04d}",
            unit=f"{i % 9 + 1}栋{i % 2 + 1}单元{i % 30 + 1:02d}02",
        )
        for i in range(COUNT)
    ]


def naive_qr(url: str) -> Image.Image:
    image = qrcode.make(url, border=2).get_image()
    return image.convert("1").resize((L.QR_SIZE, L.QR_SIZE), Image.Resampling.NEAREST)


def timed(render: object) -> float:
    start = time.perf_counter()
    pdf = L.render_pdf(sample())
    elapsed = time.perf_counter() - start
    assert pdf.startswith(b"%PDF"), render
    return elapsed


async def main() -> None:
    ours = timed("ours")
    original = L._qr
    L._qr = naive_qr
    try:
        naive = timed("naive")
    finally:
        L._qr = original
    print(f"key labels: {COUNT} labels to PDF")
    print(f"  ours:  {ours:6.2f} s  ({COUNT / ours:6.0f} labels/s)  target <= 2 s")
    print(f"  naive: {naive:6.2f} s  ({COUNT / naive:6.0f} labels/s)")
    print(f"  ratio naive/ours: {naive / ours:.1f}x")
