"""Which kinds of file people may send, told apart by their bytes, not their names.

A browser's Content-Type and a file's extension are both whatever the sender
says. The bytes decide the kind; the name must then agree with it, so a PNG
called ``letter.pdf`` or a script called ``notes.txt.exe`` is refused rather
than stored under a misleading name.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype


@dataclass(frozen=True)
class FileKind:
    key: str
    label: str  # as people know it, for "must be a PDF, JPG or PNG"
    content_type: str
    extensions: tuple[str, ...]  # the first is the one added to a name that has none


PDF = FileKind("pdf", "PDF", "application/pdf", (".pdf",))
JPG = FileKind("jpg", "JPG", "image/jpeg", (".jpg", ".jpeg"))
PNG = FileKind("png", "PNG", "image/png", (".png",))
DOCX = FileKind("docx", "DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
XLSX = FileKind("xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
ODT = FileKind("odt", "ODT", "application/vnd.oasis.opendocument.text", (".odt",))
TXT = FileKind("txt", "TXT", "text/plain; charset=utf-8", (".txt",))
CSV = FileKind("csv", "CSV", "text/csv; charset=utf-8", (".csv",))
KINDS: dict[str, FileKind] = {k.key: k for k in (PDF, JPG, PNG, DOCX, XLSX, ODT, TXT, CSV)}


@dataclass(frozen=True)
class FileRules:
    """What one upload field accepts: kinds (in the order messages list them) and an optional tighter size cap."""

    kinds: tuple[FileKind, ...] = (PDF, JPG, PNG, DOCX, ODT, TXT)
    max_bytes: int | None = None

    def allows(self, kind: FileKind) -> bool:
        return kind in self.kinds

    @property
    def labels(self) -> str:
        """``PDF, JPG, PNG, DOCX, ODT or TXT``: the list as the GOV.UK error message wants it."""
        labels = [k.label for k in self.kinds]
        return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


DOCUMENTS = FileRules()
IMAGES = FileRules(kinds=(JPG, PNG))
SPREADSHEETS = FileRules(kinds=(XLSX, CSV))
ANY_SUPPORTED = FileRules(kinds=(PDF, JPG, PNG, DOCX, XLSX, ODT, TXT, CSV))

#: C0 controls other than tab, newline, form feed and carriage return, and DEL: binary, not text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_EXTENSION = re.compile(r"\.(?=[a-z0-9]*[a-z])[a-z0-9]{1,5}")
_OOXML_MAIN = {
    "word/document.xml": (DOCX, b"wordprocessingml.document.main+xml"),
    "xl/workbook.xml": (XLSX, b"spreadsheetml.sheet.main+xml"),
}
_ZIP_READ_LIMIT = 64 * 1024


class TextSniffer:
    """Fed every chunk while the upload is written: is the whole file UTF-8 text without NULs or control bytes?"""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.is_text = True

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if not self.is_text:
            return
        try:
            text = self._decoder.decode(chunk, final)
        except UnicodeDecodeError:
            self.is_text = False
            return
        if _CONTROL.search(text):
            self.is_text = False


def _zip_kind(path: Path) -> FileKind | None:
    """Open the zip's directory (nothing is decompressed but two small members) to tell DOCX, XLSX and ODT apart."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # macros: a .docm/.xlsm in disguise
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    if member.read(100).strip() == ODT.content_type.encode():
                        return ODT
                return None
            if "[Content_Types].xml" not in names:
                return None
            with archive.open("[Content_Types].xml") as member:
                content_types = member.read(_ZIP_READ_LIMIT)
            for part, (kind, main_type) in _OOXML_MAIN.items():
                if part in names and main_type in content_types:
                    return kind
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return None
    return None


def detect(path: Path, head: bytes, is_text: bool, extension: str) -> FileKind | None:
    """The kind of the file at ``path``; ``extension`` only chooses between TXT and CSV, which bytes cannot."""
    guess = filetype.guess(head)
    if guess is not None:
        for kind in (PDF, JPG, PNG):
            if guess.mime == kind.content_type:
                return kind
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    if is_text:
        return CSV if extension == ".csv" else TXT
    return None


def extension_of(name: str) -> str:
    """``.pdf`` from ``Letter.PDF``; nothing from ``Minutes v1.2``, whose dot is not an extension."""
    suffix = Path(name).suffix.lower()
    return suffix if _EXTENSION.fullmatch(suffix) else ""


def name_agrees(kind: FileKind, extension: str) -> bool:
    """A name with no extension is given one; a name claiming another kind is refused."""
    return extension == "" or extension in kind.extensions
