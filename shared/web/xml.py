"""Writing XML feeds (Atom, sitemaps) with ElementTree: text XML cannot hold taken out, times as RFC 3339."""

from __future__ import annotations

import datetime as dt
import re
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
#: Characters XML 1.0 forbids (control characters, lone surrogates): dropped rather than failing the feed.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def stamp(when: dt.datetime) -> str:
    """RFC 3339, in UTC, to the second."""
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    """A child element, its text and attributes cleaned of what XML cannot hold."""
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element
