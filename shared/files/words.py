"""Stored files described in words for people: a type ("PDF", not "application/pdf") and a size ("1.2 MB"),
as the GOV.UK attachment pattern shows them. One list for every app that offers documents."""

from __future__ import annotations

#: The document types the suite offers by name; any other stored type is "File" (and is served as a plain
#: download, never as what it claims to be).
TYPES_IN_WORDS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPG image",
    "image/png": "PNG image",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel spreadsheet",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "text/plain": "Text file",
    "text/csv": "CSV spreadsheet",
}


def media_type(content_type: str) -> str:
    """``text/csv; charset=utf-8`` is ``text/csv``."""
    return content_type.split(";", 1)[0].strip().lower()


def known_type(content_type: str) -> bool:
    return media_type(content_type) in TYPES_IN_WORDS


def type_in_words(content_type: str) -> str:
    return TYPES_IN_WORDS.get(media_type(content_type), "File")


def size_in_words(size: int) -> str:
    """``63 KB``, ``1.2 MB``, ``120 MB``: one decimal below ten."""
    if size < 1024:
        return f"{size} bytes"
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}".replace(".0 ", " ") if value < 10 else f"{round(value)} {unit}"
    return f"{size} bytes"  # pragma: no cover - the loop always returns for size >= 1024


__all__ = ["TYPES_IN_WORDS", "known_type", "media_type", "size_in_words", "type_in_words"]
