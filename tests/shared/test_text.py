"""Document text by page from real files of each kind, and every bad file a sentence rather than an error."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from shared.files import text
from shared.files.text import ENCRYPTED, TOO_BIG, UNKNOWN_KIND, extract_text
from tests.pdfs import encrypted_pdf, make_pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_pdf_page_by_page_and_text_left_under_a_black_box(tmp_path: Path) -> None:
    path = tmp_path / "appendix.pdf"
    path.write_bytes(make_pdf(["Roads budget", "Staffing", "The gritting depot"], boxed={2: "Sam Jones 07700 900123"}))
    found = extract_text(path, "application/pdf")
    assert found.readable and len(found.pages) == 3
    assert "gritting" in found.pages[2] and "gritting" not in found.pages[0]
    assert [(h.page, h.text) for h in found.hidden] == [(2, "Sam Jones 07700 900123")]
    path.write_bytes(make_pdf(["A box-free page"]))
    assert extract_text(path, "application/octet-stream", "letter.pdf").hidden == ()
    # White words on a black banner are a heading anyone reads, not a failed redaction.
    path.write_bytes(make_pdf(["Minutes"], banner="Highways Committee", boxed={1: "Jo Bloggs"}))
    found = extract_text(path, "application/pdf")
    assert "Highways Committee" in found.pages[0] and [(h.page, h.text) for h in found.hidden] == [(1, "Jo Bloggs")]
    # Encrypted with an empty password to open it (copying forbidden): anyone reads it, and so does this.
    path.write_bytes(make_pdf(["Copying forbidden", "Jo Bloggs"], boxed={2: "07700 900123"}, owner_locked=True))
    found = extract_text(path, "application/pdf")
    assert found.pages[0] == "Copying forbidden" and [(h.page, h.text) for h in found.hidden] == [(2, "07700 900123")]


def test_word_opendocument_spreadsheet_csv_and_text(tmp_path: Path) -> None:
    import docx
    import openpyxl
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    word = docx.Document()
    word.add_paragraph("Pothole repairs in 2025")
    word.save(str(tmp_path / "a.docx"))
    odt = OpenDocumentText()
    odt.text.addElement(P(text="Street lighting contracts"))
    odt.save(str(tmp_path / "b.odt"))
    book = openpyxl.Workbook()
    book.active.append(["Site", "Waiting"])
    book.active.append(["Northfield", 42])
    book.create_sheet("Second").append(["Tree felling"])
    book.save(tmp_path / "c.xlsx")
    (tmp_path / "d.csv").write_bytes("Café,Numbers\nRésumé,3\n".encode("latin-1"))
    (tmp_path / "e.txt").write_text("Plain words\n", encoding="utf-8")
    assert extract_text(tmp_path / "a.docx", DOCX).pages == ("Pothole repairs in 2025",)
    assert extract_text(tmp_path / "b.odt", ODT).pages == ("Street lighting contracts",)
    assert extract_text(tmp_path / "c.xlsx", XLSX).pages == ("Site\tWaiting\nNorthfield\t42", "Tree felling")
    assert "Café\tNumbers" in extract_text(tmp_path / "d.csv", "text/csv").pages[0]
    (tmp_path / "f.csv").write_bytes('Item,Cost\r\n"Grit, rock",“£5”\r\n'.encode("cp1252"))  # Excel on Windows
    assert extract_text(tmp_path / "f.csv", "application/vnd.ms-excel", "f.csv").pages == ("Item\tCost\nGrit, rock\t“£5”",)
    (tmp_path / "g.txt").write_bytes("Zoë".encode("utf-16"))
    assert extract_text(tmp_path / "g.txt", "text/plain").pages == ("Zoë",)
    assert extract_text(tmp_path / "e.txt", "text/plain").pages == ("Plain words\n",)


@pytest.mark.parametrize(("name", "content_type", "body", "problem"), [
    ("locked.pdf", "application/pdf", encrypted_pdf(), ENCRYPTED),
    ("empty.pdf", "application/pdf", make_pdf([]), "The PDF has no pages."),
    ("empty.pdf", "application/pdf", b"", "The PDF is damaged"),
    ("cut.pdf", "application/pdf", make_pdf(["cut short"])[:80], "The PDF is damaged"),
    ("junk.pdf", "application/pdf", b"\x00\x01\x02 not a pdf", "The PDF is damaged"),
    ("fake.docx", DOCX, b"PK\x03\x04 not really a zip", "The Word document is damaged"),
    ("binary.txt", "text/plain", b"\x00\x01\x02\x03" * 50, "The text file cannot be read"),
    ("tool.exe", "application/x-msdownload", b"MZ", UNKNOWN_KIND),
])
def test_bad_files_have_a_problem_for_staff(tmp_path: Path, name: str, content_type: str, body: bytes,
                                            problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(body)
    found = extract_text(path, content_type, name)
    assert not found.readable and found.pages == () and found.problem.startswith(problem)


def test_a_zip_that_is_not_an_opendocument(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "x.odt", "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert not extract_text(tmp_path / "x.odt", ODT).readable


@pytest.mark.parametrize(("colour", "dark"), [
    ((0,), True), (0.1, True), ((0.1, 0.1, 0.12), True), ((0, 0, 0, 1), True), ((1, 1, 1, 0), True),
    ((0.9,), False), ((1, 1, 0), False), ((0, 0, 0, 0), False), ((0.2, 0.6, 0.2), False), (None, False), ("P1", False),
])
def test_a_box_hides_text_when_its_fill_is_near_black_in_gray_rgb_or_cmyk(colour: object, dark: bool) -> None:
    from shared.files.text import _dark

    assert _dark(colour) is dark


def test_personal_data_in_a_word_header_footer_table_or_text_box_is_read(tmp_path: Path) -> None:
    import docx
    from docx.oxml import parse_xml

    word = docx.Document()
    word.add_paragraph("Dear resident")
    word.add_table(rows=1, cols=2).cell(0, 1).text = "Sam Jones"
    word.sections[0].header.paragraphs[0].text = "Flat 2, SW1A 1AA"
    word.sections[0].footer.paragraphs[0].text = "Call 07700 900123"
    # A text box as Word writes it: once for new versions, once more as a fallback for old ones.
    box = "<w:p><w:r><w:t>{}</w:t></w:r></w:p>"
    word.paragraphs[0].runs[0]._r.append(parse_xml(
        '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
        ' xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:wps="wps" xmlns:v="v">'
        f'<mc:Choice Requires="wps"><wps:txbx><w:txbxContent>{box.format("In a box")}</w:txbxContent></wps:txbx>'
        f'</mc:Choice><mc:Fallback><v:textbox><w:txbxContent>{box.format("In a box")}</w:txbxContent></v:textbox>'
        '</mc:Fallback></mc:AlternateContent>'))
    word.save(str(tmp_path / "letter.docx"))
    assert extract_text(tmp_path / "letter.docx", DOCX).pages == (
        "Dear resident\nIn a box\nSam Jones\nFlat 2, SW1A 1AA\nCall 07700 900123",)


def test_an_opendocument_in_reading_order_with_its_page_header(tmp_path: Path) -> None:
    from odf.opendocument import OpenDocumentText
    from odf.style import Header, MasterPage, PageLayout
    from odf.text import H, P

    odt = OpenDocumentText()
    layout = PageLayout(name="layout")
    odt.automaticstyles.addElement(layout)
    page = MasterPage(name="Standard", pagelayoutname=layout)
    header = Header()
    header.addElement(P(text="Pat Smith, 020 7946 0958"))
    page.addElement(header)
    odt.masterstyles.addElement(page)
    odt.text.addElement(H(outlinelevel=1, text="Gritting"))
    odt.text.addElement(P(text="Routes"))
    odt.save(str(tmp_path / "a.odt"))
    assert extract_text(tmp_path / "a.odt", ODT).pages == ("Gritting\nRoutes\nPat Smith, 020 7946 0958",)


def test_a_file_that_unpacks_to_too_much_is_not_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import docx

    docx.Document().save(str(tmp_path / "bomb.docx"))
    monkeypatch.setattr(text, "MAX_UNPACKED", 1000)
    assert extract_text(tmp_path / "bomb.docx", DOCX).problem == TOO_BIG


def test_a_spreadsheet_stops_at_the_text_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    for number in range(100):
        book.active.append([f"row {number}"])
    book.create_sheet("Later").append(["never read"])
    book.save(tmp_path / "big.xlsx")
    monkeypatch.setattr(text, "MAX_CHARS", 50)
    pages = extract_text(tmp_path / "big.xlsx", XLSX).pages
    assert pages[0].startswith("row 0\nrow 1") and len("".join(pages)) <= 50 and "never read" not in "".join(pages)


@pytest.mark.parametrize(("colour", "light"), [
    ((1,), True), ((1, 1, 1), True), ((1, 1, 0), True), ((0, 0, 0, 0), True),
    ((0,), False), ((0.2, 0.2, 0.2), False), ((0, 0, 0, 1), False), ((1, 0, 0), False), (None, False), ("P1", False),
])
def test_text_that_shows_on_a_black_box_is_white_or_pale(colour: object, light: bool) -> None:
    from shared.files.text import _light

    assert _light(colour) is light
