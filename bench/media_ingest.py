"""Photo ingest: a 12 MP phone JPEG (4000×3000, EXIF orientation 6, GPS, capture time) through
our processing (verify, orient, strip, normalize to 2048, 320-px thumbnail) vs the naive path
(full decode, ImageOps.exif_transpose, LANCZOS resize to 2048 and to 320, save both).
Median of BENCH_MEDIA_RUNS runs each. Target: ours >= 3x faster."""

from __future__ import annotations

import io
import math
import os
import random
import statistics
import time
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps, ImageStat

from server.media.processing import LONG_EDGE, QUALITY, THUMB_EDGE, THUMB_QUALITY, process

RUNS = int(os.environ.get("BENCH_MEDIA_RUNS", "7"))
WIDTH, HEIGHT = 4000, 3000


def phone_photo(seed: int = 12) -> bytes:
    """Real-looking content: a sky-to-ground gradient, shapes with edges, sensor noise."""
    rnd = random.Random(seed)
    sky = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    im = Image.merge(
        "RGB",
        (
            sky.point(lambda v: 90 + v // 3),
            sky.point(lambda v: 140 + v // 4),
            sky.point(lambda v: 230 - v // 2),
        ),
    )
    draw = ImageDraw.Draw(im)
    for _ in range(60):
        x, y = rnd.randrange(WIDTH), rnd.randrange(HEIGHT // 3, HEIGHT)
        w, h = rnd.randrange(80, 900), rnd.randrange(80, 900)
        colour = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        if rnd.random() < 0.5:
            draw.rectangle((x, y, x + w, y + h), fill=colour, outline=(20, 20, 20), width=6)
        else:
            draw.ellipse((x, y, x + w, y + h), fill=colour)
    texture = Image.effect_noise((WIDTH // 4, HEIGHT // 4), 60).resize((WIDTH, HEIGHT))
    grain = Image.effect_noise((WIDTH, HEIGHT), 18)
    detail = Image.merge("RGB", (texture, grain, texture)).filter(ImageFilter.SMOOTH)
    im = Image.blend(im, detail, 0.22)
    exif = Image.Exif()
    exif[0x0112] = 6  # held upright, stored sideways
    exif[0x010F], exif[0x0110] = "HUAWEI", "P40"
    exif[0x8769] = {0x9003: "2026:11:20 09:30:00", 0x9011: "+08:00"}
    exif[0x8825] = {1: "N", 2: (31.0, 13.0, 48.0), 3: "E", 4: (121.0, 28.0, 12.0)}
    out = io.BytesIO()
    im.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def fit(size: tuple[int, int], edge: int) -> tuple[int, int]:
    ratio = min(1.0, edge / max(size))
    return round(size[0] * ratio), round(size[1] * ratio)


def naive(data: bytes) -> tuple[bytes, bytes]:
    im = Image.open(io.BytesIO(data))
    im.load()
    upright = ImageOps.exif_transpose(im)
    full = upright.resize(fit(upright.size, LONG_EDGE), Image.Resampling.LANCZOS)
    thumb = upright.resize(fit(upright.size, THUMB_EDGE), Image.Resampling.LANCZOS)
    outputs = []
    for image, quality in ((full, QUALITY), (thumb, THUMB_QUALITY)):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        outputs.append(out.getvalue())
    return outputs[0], outputs[1]


def ours(data: bytes) -> tuple[bytes, bytes]:
    processed = process(data)
    return processed.image, processed.thumb


def psnr(a: Image.Image, b: Image.Image) -> float:
    """How close two renderings are (dB; above ~35 the difference is hard to see)."""
    rms = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).rms
    mse = sum(channel**2 for channel in rms) / len(rms)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def median_seconds(fn: Callable[[bytes], tuple[bytes, bytes]], data: bytes) -> float:
    fn(data)  # warm up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def main() -> None:
    data = phone_photo()
    mine, naive_out = ours(data), naive(data)
    served = Image.open(io.BytesIO(mine[0]))
    reference = Image.open(io.BytesIO(naive_out[0]))
    ours_s = median_seconds(ours, data)
    naive_s = median_seconds(naive, data)
    print(
        f"media ingest: {WIDTH}×{HEIGHT} JPEG, {len(data) / 1e6:.1f} MB, orientation 6,"
        f" median of {RUNS} runs"
    )
    print(
        f"  ours  (draft decode, orient, strip, normalize, thumb): {ours_s * 1000:7.1f} ms"
        f"  -> {served.width}×{served.height} {len(mine[0]) // 1024} KB"
        f" + thumb {len(mine[1]) // 1024} KB"
    )
    print(
        f"  naive (full decode, exif_transpose, LANCZOS ×2):       {naive_s * 1000:7.1f} ms"
        f"  -> {reference.width}×{reference.height} {len(naive_out[0]) // 1024} KB"
        f" + thumb {len(naive_out[1]) // 1024} KB"
    )
    same_size = reference.resize(served.size, Image.Resampling.LANCZOS)
    print(f"  speed-up naive/ours: {naive_s / ours_s:.2f}x  (target >= 3x)")
    print(f"  ours vs naive output (naive resized to ours): PSNR {psnr(served, same_size):.1f} dB")
