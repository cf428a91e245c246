"""Reading printed QR codes back the way a phone's scanner does: QR codes only.

A reader asked for every format now and then takes a line of printed text or a table rule for a
linear barcode; a gate phone never looks for those."""

from __future__ import annotations

from typing import Any

import zxingcpp


def qr_codes(image: Any) -> list[zxingcpp.Barcode]:
    """Every QR code in a PIL image."""
    return list(zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode))


def qr_texts(image: Any) -> list[str]:
    """The text of every QR code in a PIL image."""
    return [str(code.text) for code in qr_codes(image)]
