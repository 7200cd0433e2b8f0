"""PDFs written out by hand for tests (no PDF writer is a dependency): pages of text, text drawn and then
covered by a black box (a failed redaction), an encrypted file."""

from __future__ import annotations

import hashlib

_PADDING = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")
_ID = bytes.fromhex("0123456789abcdef0123456789abcdef")


def _rc4(key: bytes, data: bytes) -> bytes:
    box = list(range(256))
    j = 0
    for i in range(256):
        j = (j + box[i] + key[i % len(key)]) % 256
        box[i], box[j] = box[j], box[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + box[i]) % 256
        box[i], box[j] = box[j], box[i]
        out.append(byte ^ box[(box[i] + box[j]) % 256])
    return bytes(out)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _document(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R ".encode() + trailer_extra
    out += f">>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def make_pdf(pages: list[str], *, boxed: dict[int, str] | None = None, banner: str = "",
             encrypt: bool = False, owner_locked: bool = False) -> bytes:
    """A PDF of one page per string (lines split on newlines); ``boxed`` maps a page number (from 1) to text drawn
    lower on that page (words apart by a gap, with no space glyph) and then covered by a filled black rectangle;
    ``banner`` is white text on a black bar at the top of each page, which anyone can read. ``encrypt`` locks it
    with a password nobody knows; ``owner_locked`` encrypts it (RC4, 40-bit) with an empty password to open it,
    as a PDF whose owner only forbids copying or printing is, so it opens and reads like any other."""
    boxed = boxed or {}
    count = len(pages)
    # 1 catalog, 2 pages, 3 font, then a page object and its content stream for each page.
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for index, text in enumerate(pages):
        lines = text.split("\n")
        stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({_escape(line)}) '" for line in lines) + " ET"
        if index + 1 in boxed:
            # Words set apart by a kerning gap, not a space glyph, as many PDF writers do.
            words = " -600 ".join(f"({_escape(word)})" for word in boxed[index + 1].split())
            stream += f" BT /F1 12 Tf 72 600 Td [{words}] TJ ET 0 0 0 rg 68 594 460 20 re f"
        if banner:
            stream = (f"0 0 0 rg 60 750 490 24 re f BT 1 1 1 rg /F1 14 Tf 72 756 Td ({_escape(banner)}) Tj ET 0 g "
                      + stream)
        data = stream.encode("latin-1")
        if owner_locked:
            number = 5 + 2 * index
            data = _rc4(hashlib.md5(_owner_key() + number.to_bytes(3, "little") + b"\0\0", usedforsecurity=False).digest()[:10], data)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>"
                       f" /Contents {5 + 2 * index} 0 R >>".encode())
        objects.append(f"<< /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream")
    extra = b""
    if owner_locked:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <" + b"00" * 32 + b"> /U <"
                       + _rc4(_owner_key(), _PADDING).hex().encode() + b"> /P -4 >>")
        extra = f"/Encrypt {len(objects)} 0 R /ID [<{_ID.hex()}> <{_ID.hex()}>] ".encode()
    if encrypt:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <" + b"00" * 32 + b"> /U <" + b"11" * 32
                       + b"> /P -4 >>")
        extra = f"/Encrypt {len(objects)} 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] ".encode()
    return _document(objects, extra)


def _owner_key() -> bytes:
    """The file key for an empty open password (PDF 1.7, algorithm 2, revision 2), with /O all zeros, /P -4."""
    return hashlib.md5(_PADDING + b"\0" * 32 + (-4).to_bytes(4, "little", signed=True) + _ID, usedforsecurity=False).digest()[:5]


def encrypted_pdf() -> bytes:
    """A one-page PDF whose trailer has an /Encrypt dictionary (a file locked with a password)."""
    return make_pdf(["secret"], encrypt=True)
