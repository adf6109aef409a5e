"""Decode bytes from Norwegian archives, where cp1252 and latin-1 are as common as UTF-8."""

from __future__ import annotations

import codecs

from ..errors import LoadError


def decode_bytes(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    sample = data[:65536]
    if sample.count(b"\x00") > 0:
        raise LoadError("binary content (NUL bytes) in a text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Mostly UTF-8 with a few broken bytes (a truncated copy, one bad record): keep the UTF-8 and mark the
    # broken bytes, rather than read every æ, ø and å as two cp1252 characters.
    lenient = data.decode("utf-8", errors="replace")
    broken = lenient.count("\ufffd")
    multibyte = sum(1 for ch in lenient if ord(ch) > 0x7F) - broken
    if multibyte >= 3 and broken <= multibyte:
        return lenient
    # cp1252 is latin-1 plus printable characters in 0x80-0x9f (curly quotes, dashes);
    # it fails only on the five bytes cp1252 leaves undefined, which latin-1 maps to controls.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")
