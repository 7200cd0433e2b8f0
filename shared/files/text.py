"""The text of a stored document, page by page, for search and for the personal-data check before publishing.

Each format is read with a well-kept library (pdfplumber, python-docx, odfpy, openpyxl, charset-normalizer).
Nothing here raises for a bad file: a corrupt or encrypted PDF, a ZIP that is not a DOCX, or bytes of an
unknown kind come back with no pages and a sentence for staff, so a document that cannot be read is still
published, without text, and flagged.

A PDF is also looked at for text that a black box covers but does not remove (the box is drawn over the
words, which are still in the file): that is a failed redaction, and the check refuses it.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAX_PAGES = 2000
#: About 20 MB of text a document: past it, the rest is not read (a huge spreadsheet says little more).
MAX_CHARS = 20_000_000
#: A DOCX, ODT or XLSX that unpacks to more than this is not parsed (its XML is read whole).
MAX_UNPACKED = 300_000_000
#: A fill this dark (0 black, 1 white) hides what is under it.
DARK = 0.25
#: Text this light shows on a dark box (white headings on a black banner), so it is not hidden.
LIGHT = 0.6

PDF = "pdf"
DOCX = "docx"
ODT = "odt"
XLSX = "xlsx"
CSV = "csv"
TEXT = "text"

_BY_TYPE = {
    "application/pdf": PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCX,
    "application/vnd.oasis.opendocument.text": ODT,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": XLSX,
    "text/csv": CSV,
    "text/plain": TEXT,
}
_BY_EXTENSION = {".pdf": PDF, ".docx": DOCX, ".odt": ODT, ".xlsx": XLSX, ".csv": CSV, ".txt": TEXT}

ENCRYPTED = "The PDF is encrypted, so its text cannot be read."
UNKNOWN_KIND = "Text cannot be read from this kind of file."
TOO_BIG = "The file is too large once unpacked, so its text cannot be read."


@dataclass(frozen=True)
class HiddenText:
    #: 1-based.
    page: int
    #: The words found under a filled dark box.
    text: str


@dataclass(frozen=True)
class DocumentText:
    #: One string a page; a DOCX, ODT, CSV or text file is one page, a spreadsheet one page a sheet.
    pages: tuple[str, ...] = ()
    #: "" when read; else a sentence for staff saying why not.
    problem: str = ""
    #: PDF only: text that can still be extracted from under black boxes.
    hidden: tuple[HiddenText, ...] = ()

    @property
    def readable(self) -> bool:
        return not self.problem


def kind_of(content_type: str, name: str = "") -> str | None:
    kind = _BY_TYPE.get(content_type.split(";")[0].strip().lower())
    return kind or _BY_EXTENSION.get(Path(name).suffix.lower())


def extract_text(path: Path, content_type: str, name: str = "") -> DocumentText:
    """The document's text by page, or a problem; never raises for what the file holds."""
    kind = kind_of(content_type, name)
    if kind is None:
        return DocumentText(problem=UNKNOWN_KIND)
    try:
        return _READERS[kind](path)
    except Exception as exc:  # noqa: BLE001 - any failure of a parser on a hostile file is "cannot be read"
        log.info("could not read %s as %s: %r", path.name, kind, exc)
        return DocumentText(problem=_PROBLEMS[kind])


_PROBLEMS = {
    PDF: "The PDF is damaged or not a PDF, so its text cannot be read.",
    DOCX: "The Word document is damaged or not a Word document, so its text cannot be read.",
    ODT: "The OpenDocument text is damaged or not an OpenDocument text, so its text cannot be read.",
    XLSX: "The spreadsheet is damaged or not an Excel spreadsheet, so its text cannot be read.",
    CSV: "The CSV file's text cannot be read.",
    TEXT: "The text file cannot be read.",
}


def _capped(pages: Iterable[str]) -> tuple[str, ...]:
    kept: list[str] = []
    size = 0
    for page in pages:
        if len(kept) >= MAX_PAGES or size >= MAX_CHARS:
            break
        page = page[:MAX_CHARS - size]
        kept.append(page)
        size += len(page)
    return tuple(kept)


def _decoded(data: bytes) -> str:
    """Text in UTF-8 (with or without a byte order mark), UTF-16 with one, else Windows-1252, which is what
    Excel saves a CSV in on a UK desktop; charset-normalizer guesses only when none of those fits, since on a
    short file it takes "£5" in Windows-1252 for Japanese."""
    from charset_normalizer import from_bytes

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:4096]:
        raise ValueError("binary data")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8-sig" and len(data) >= MAX_CHARS and exc.start >= len(data) - 3:  # cut by _head
                return data[:exc.start].decode(encoding)
    best = from_bytes(data).best()
    if best is None:
        raise ValueError("no text encoding fits")
    return str(best)


# PDF


def _brightness(colour: Any) -> float | None:
    """A pdfplumber colour (gray, RGB or CMYK, as a number or a tuple) as brightness, 0 black to 1 white;
    None for what is not a plain colour (a pattern, none given)."""
    if colour is None:
        return None
    values = colour if isinstance(colour, (tuple, list)) else (colour,)
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        return None
    if len(numbers) == 1:
        return numbers[0]
    if len(numbers) == 3:
        r, g, b = numbers
        return 0.299 * r + 0.587 * g + 0.114 * b
    if len(numbers) == 4:
        c, m, y, k = numbers
        return (1 - k) * (1 - max(c, m, y))
    return None


def _dark(colour: Any) -> bool:
    """A fill that hides what is under it."""
    brightness = _brightness(colour)
    return brightness is not None and brightness <= DARK


def _light(colour: Any) -> bool:
    """Whether a text colour stands out on a black box (white or a pale colour): such text is a dark banner's
    heading, drawn over its box and read by everyone, not words hidden under it. An unknown colour is not
    light, so text under a box errs towards being reported."""
    brightness = _brightness(colour)
    return brightness is not None and brightness >= LIGHT


def _hidden_on(page: Any) -> str:
    boxes = [r for r in page.rects if r.get("fill") and _dark(r.get("non_stroking_color"))]
    if not boxes:
        return ""

    def covered(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char" or _light(obj.get("non_stroking_color")):
            return False
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return any(b["x0"] <= x <= b["x1"] and b["top"] <= y <= b["bottom"] for b in boxes)

    # pdfplumber's own layout joins the covered glyphs into words (a gap between glyphs is a space), so words
    # set one glyph at a time, with no space characters, still come out apart.
    return " ".join((page.filter(covered).extract_text() or "").split())


def _pdf(path: Path) -> DocumentText:
    import pdfplumber

    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:
        if "Password" in repr(exc) or "Encrypt" in repr(exc):  # pdfplumber wraps pdfminer's PDFPasswordIncorrect
            return DocumentText(problem=ENCRYPTED)
        raise
    # An encrypted PDF that opened has an empty password to open it (its owner only forbids copying or
    # printing, as many exported letters do): anyone can read it once published, so it is read like any other.
    with pdf:
        try:
            return _pdf_pages(pdf)
        except Exception:
            if pdf.doc.encryption is not None:
                return DocumentText(problem=ENCRYPTED)
            raise


def _pdf_pages(pdf: Any) -> DocumentText:
    pages: list[str] = []
    hidden: list[HiddenText] = []
    size = 0
    for number, page in enumerate(pdf.pages[:MAX_PAGES], 1):
        text = page.extract_text() or ""
        pages.append(text)
        size += len(text)
        covered = _hidden_on(page)
        if covered:
            hidden.append(HiddenText(number, covered))
        page.close()
        if size >= MAX_CHARS:
            break
    if not pages:
        return DocumentText(problem="The PDF has no pages.")
    return DocumentText(pages=_capped(pages), hidden=tuple(hidden))


# Word processing


def _unpacks_small(path: Path) -> bool:
    """Whether a ZIP-based file (DOCX, ODT, XLSX) unpacks to a size its parser can hold: a few kilobytes can
    unpack to gigabytes (a ZIP bomb), and the parsers read the XML whole."""
    with zipfile.ZipFile(path) as archive:
        return sum(member.file_size for member in archive.infolist()) <= MAX_UNPACKED


def _word_paragraphs(element: Any) -> Iterator[str]:
    """Every paragraph's text under ``element``, in order: the body's, but also those in tables, text boxes and
    content controls, which python-docx's ``paragraphs`` leaves out. A text box drawn twice for old versions of
    Word (its ``mc:Fallback`` copy) is read once."""
    from docx.oxml.ns import qn

    fallback, paragraph = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback", qn("w:p")
    breaks = {qn("w:tab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n"}
    skip = {fallback, paragraph}  # a text box's own paragraphs are read on their own

    def walk(node: Any) -> Iterator[str]:
        for child in node:
            if child.tag == fallback:
                continue
            if child.tag == paragraph:
                yield "".join(_word_runs(child, qn("w:t"), breaks, skip))
            yield from walk(child)

    yield from walk(element)


def _word_runs(node: Any, text: str, breaks: dict[str, str], skip: set[str]) -> Iterator[str]:
    for child in node:
        if child.tag == text:
            yield child.text or ""
        elif child.tag in breaks:
            yield breaks[child.tag]
        elif child.tag not in skip:
            yield from _word_runs(child, text, breaks, skip)


def _docx(path: Path) -> DocumentText:
    import docx

    if not _unpacks_small(path):
        return DocumentText(problem=TOO_BIG)
    document = docx.Document(str(path))
    parts = list(_word_paragraphs(document.element.body))
    # Headers and footers often carry a name, an address or a phone number; each is read once, however many
    # sections share it.
    seen: set[int] = set()
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer,
                     section.even_page_header, section.even_page_footer):
            if part.is_linked_to_previous or id(part.part) in seen:
                continue
            seen.add(id(part.part))
            parts.extend(_word_paragraphs(part._element))
    return DocumentText(pages=_capped(["\n".join(part for part in parts if part)]))


def _odt(path: Path) -> DocumentText:
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    if not zipfile.is_zipfile(path):
        raise ValueError("not a ZIP")
    if not _unpacks_small(path):
        return DocumentText(problem=TOO_BIG)
    document = load(str(path))
    blocks = {(TEXTNS, "p"), (TEXTNS, "h")}

    def walk(node: Any) -> Iterator[str]:
        for child in node.childNodes:
            if getattr(child, "qname", None) in blocks:
                yield teletype.extractText(child)
            else:
                yield from walk(child)

    # The body in reading order (headings among their paragraphs, tables and frames too), then the headers
    # and footers, which live with the page styles.
    parts = list(walk(document.body)) + list(walk(document.masterstyles))
    return DocumentText(pages=_capped(["\n".join(part for part in parts if part)]))


# Spreadsheets and text


def _rows(sheet: Any) -> Iterator[str]:
    for row in sheet.iter_rows(values_only=True):
        cells = ["" if value is None else str(value) for value in row]
        if any(cells):
            yield "\t".join(cells).rstrip("\t")


def _sheet_text(sheet: Any, budget: list[int]) -> str:
    """A sheet's rows, stopping once the document's text reaches MAX_CHARS (``budget`` is what is left), so a
    sheet of a million rows is not all read to be cut afterwards."""
    rows: list[str] = []
    for row in _rows(sheet):
        if budget[0] <= 0:
            break
        rows.append(row)
        budget[0] -= len(row) + 1
    return "\n".join(rows)


def _xlsx(path: Path) -> DocumentText:
    import openpyxl

    if not _unpacks_small(path):
        return DocumentText(problem=TOO_BIG)
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    budget = [MAX_CHARS]
    try:
        return DocumentText(pages=_capped(_sheet_text(sheet, budget) for sheet in book.worksheets))
    finally:
        book.close()


def _head(path: Path) -> bytes:
    """The start of the file, enough for MAX_CHARS of text: a text file of gigabytes is not read whole."""
    with path.open("rb") as file:
        return file.read(MAX_CHARS)


def _csv(path: Path) -> DocumentText:
    text = _decoded(_head(path))
    rows = csv.reader(io.StringIO(text))
    return DocumentText(pages=_capped(["\n".join("\t".join(row) for row in rows)]))


def _text(path: Path) -> DocumentText:
    return DocumentText(pages=_capped([_decoded(_head(path))]))


_READERS = {PDF: _pdf, DOCX: _docx, ODT: _odt, XLSX: _xlsx, CSV: _csv, TEXT: _text}

__all__ = ["DocumentText", "HiddenText", "extract_text", "kind_of"]
