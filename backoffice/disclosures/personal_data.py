"""Finding personal data in what is about to be published: the requester's name and email, any email
address, UK phone numbers, National Insurance numbers, postcodes and NHS numbers.

Patterns err towards finding: a caseworker acknowledges a false hit with a reason in a second, while a
missed phone number in a published PDF is a breach. Two checks keep the noise down where a number alone
would say little: an NHS number must pass its modulus 11 check digit, and a National Insurance number
must have a prefix HMRC issues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REQUESTER_NAME = "requester name"
REQUESTER_EMAIL = "requester email"
EMAIL = "email address"
PHONE = "phone number"
NATIONAL_INSURANCE = "national insurance number"
POSTCODE = "postcode"
NHS_NUMBER = "nhs number"

#: When two hits overlap, the more specific one is kept.
SPECIFICITY = {REQUESTER_EMAIL: 0, REQUESTER_NAME: 1, EMAIL: 2, NHS_NUMBER: 3, NATIONAL_INSURANCE: 4, PHONE: 5,
               POSTCODE: 6}
CONTEXT = 40

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# 01/02/03/07/08 numbers, national or +44/0044/(+44) (with an optional (0), or a 0 left in): groups of digits apart by one space, a
# hyphen or a closing bracket, a few groups at most (a long run of numbers is a table, and reading it all would be
# slow). Where the run goes on past the number ("07700 900123 24 hours"), _phone_end cuts it.
_PHONE = re.compile(r"(?<![\w£$€/+-])(?<!\d[.,])(?:(?:\(?\+|00)44\)?\s?(?:\(0\)\s?|0)?|\(?0)(?=[1-378])"
                    r"\d{1,12}(?:(?:\)\s?|\s?-\s?|\s)\d{1,12}){0,10}(?!\w|-\w)")
#: A national number's first group is never two digits followed by one or two: "01-02-2026" is a date.
_DATE_LIKE = re.compile(r"\(?0\d\)?[\s-]\d{1,2}(?!\d)")
#: "A4 3rd", "M4 2nd": a lower-case ordinal after a letter and digit is not the inward half of a postcode.
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)")
_NI = re.compile(r"(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z])([A-CEGHJ-NPR-TW-Z])\s?(\d{2})\s?(\d{2})\s?(\d{2})\s?([A-D])"
                 r"(?![A-Za-z0-9])", re.IGNORECASE)
_NI_NOT_ISSUED = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}
_POSTCODE = re.compile(r"(?<![A-Za-z0-9])(?:GIR\s?0AA|[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
                       r"\s?[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])", re.IGNORECASE)
_NHS = re.compile(r"(?<![\d-])(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})(?![\d-])")


@dataclass(frozen=True)
class Found:
    kind: str
    found: str
    start: int
    end: int
    #: Up to about 40 characters either side, cut at a word boundary, for the caseworker to judge.
    before: str
    after: str


def _before(text: str, start: int) -> str:
    piece = text[max(0, start - CONTEXT):start]
    if start > CONTEXT:  # cut at a space or a line break (a PDF's text is mostly lines), not inside a word
        cut = re.search(r"\s", piece)
        piece = piece[cut.end():] if cut else ""
    return " ".join(piece.split()) + (" " if piece[-1:].isspace() else "")


def _after(text: str, end: int) -> str:
    piece = text[end:end + CONTEXT]
    if end + CONTEXT < len(text) and not text[end + CONTEXT].isspace():
        cuts = [m.start() for m in re.finditer(r"\s", piece)]
        piece = piece[:cuts[-1]] if cuts else ""
    return (" " if piece[:1].isspace() else "") + " ".join(piece.split())


def _nhs_valid(digits: str) -> bool:
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9]) and len(set(digits)) > 1


def _phone_digits(found: str) -> int:
    digits = re.sub(r"\D", "", found)
    if digits.startswith(("44", "0044")):
        digits = "0" + digits.removeprefix("00")[2:].removeprefix("0")
    return len(digits) if digits.startswith("0") else 0


def _phone_end(run: str) -> int:
    """Where the phone number in a run of digit groups ends (0 if none): at the last group that makes 10 or
    11 digits, so a number followed by another ("07700 900123 24 hours") is still found."""
    if not run.startswith(("+", "00")) and _DATE_LIKE.match(run):
        return 0
    end = 0
    for group in re.finditer(r"\d+", run):
        if _phone_digits(run[:group.end()]) in (10, 11):
            end = group.end()
    return end


def _name_pattern(name: str) -> str:
    """The name as a pattern: any run of spaces between its words, and any apostrophe for another (O'Brien,
    O’Brien)."""
    words = [re.sub(r"['’‘]", "['’‘]", re.escape(word)) for word in name.split()]
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


def _spans(text: str, requester_name: str, requester_email: str) -> list[tuple[str, int, int]]:
    spans: list[tuple[str, int, int]] = []
    name = " ".join(requester_name.split())
    if len(name) >= 3:
        spans += [(REQUESTER_NAME, m.start(), m.end())
                  for m in re.finditer(_name_pattern(name), text, re.IGNORECASE)]
    email = requester_email.strip().lower()
    for m in _EMAIL.finditer(text):
        spans.append((REQUESTER_EMAIL if email and m.group().lower() == email else EMAIL, m.start(), m.end()))
    for m in _NHS.finditer(text):
        if _nhs_valid("".join(m.groups())):
            spans.append((NHS_NUMBER, m.start(), m.end()))
    for m in _NI.finditer(text):
        if (m.group(1) + m.group(2)).upper() not in _NI_NOT_ISSUED:
            spans.append((NATIONAL_INSURANCE, m.start(), m.end()))
    for m in _PHONE.finditer(text):
        end = _phone_end(m.group())
        if end:
            spans.append((PHONE, m.start(), m.start() + end))
    spans += [(POSTCODE, m.start(), m.end()) for m in _POSTCODE.finditer(text)
              if not _ORDINAL.fullmatch(m.group()[-3:])]
    return spans


def find_personal_data(text: str, *, requester_name: str = "", requester_email: str = "") -> list[Found]:
    """Every hit in ``text``, in order; where hits overlap, the most specific kind."""
    kept: list[tuple[str, int, int]] = []
    for kind, start, end in sorted(_spans(text, requester_name, requester_email),
                                   key=lambda s: (SPECIFICITY[s[0]], s[1])):
        if not any(start < k_end and k_start < end for _, k_start, k_end in kept):
            kept.append((kind, start, end))
    return [Found(kind, text[start:end], start, end, _before(text, start), _after(text, end))
            for kind, start, end in sorted(kept, key=lambda s: s[1])]


__all__ = ["Found", "find_personal_data"]
