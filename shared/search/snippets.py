"""Snippets cut from plain text: the words around a query's matches, as segments with the matched words flagged.

Whoosh's own highlighter returns markup and needs the text's term vectors or offsets in the index; the
suite's page texts live in the database, so snippets are cut here from any text with the field's analyzer.
A word matches when one of its analysed forms (stemmed, for a TEXT field) is an analysed query term, so
"repairs" in the text is flagged for a search for "repair". Everything stays plain text: the template
escapes every character.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from shared.search import Segment, Snippet

#: About this many words a snippet (a sentence or two either side of the match).
WINDOW = 25
#: Words kept before the first match of a window, so the match reads in context.
LEAD = 8
#: Words either side of a window's matches that decide whether it repeats another.
CORE = 3
#: Snippets sharing this much of their words with one already chosen say nothing new.
NEAR_DUPLICATE = 0.7
#: Past this many characters a text's tail is not looked at (a page of text is far shorter).
MAX_TEXT = 200_000

_WORD = re.compile(r"\S+")
_SPACE = re.compile(r"\s+")

Analyzer = Callable[..., Iterator[Any]]


def analysed_terms(analyzer: Analyzer, words: Iterable[str]) -> frozenset[str]:
    """The analysed forms of the query's words (stop words and too-short words drop out)."""
    terms: set[str] = set()
    for word in words:
        terms.update(t.text for t in analyzer(word, mode="query"))
    return frozenset(terms)


#: Whoosh's default tokenizer: the words the analyzer would see.
_TOKEN = re.compile(r"\w+(?:\.?\w+)*", re.UNICODE)


def _matches(text: str, analyzer: Analyzer, terms: frozenset[str]) -> list[tuple[int, int, str]]:
    """The spans of words whose analysed form is a query term.

    Running the whole analyzer over every word of every page costs about 12 µs a word; a stem keeps its
    word's first two letters, so only words starting like a term are analysed, each distinct word once.
    """
    starts = {term[:2] for term in terms}
    forms: dict[str, frozenset[str]] = {}
    found: list[tuple[int, int, str]] = []
    for match in _TOKEN.finditer(text):
        word = match.group().lower()
        if word[:2] not in starts:
            continue
        known = forms.get(word)
        if known is None:
            known = forms[word] = frozenset(t.text for t in analyzer(word, mode="index")) & terms
        if known:
            found.append((match.start(), match.end(), min(known)))
    return found


def _segments(text: str, start: int, end: int, spans: list[tuple[int, int, str]]) -> Snippet:
    segments: list[Segment] = []
    at = start
    for m_start, m_end, _ in spans:
        if m_start < at or m_end > end:
            continue
        if m_start > at:
            segments.append(Segment(_SPACE.sub(" ", text[at:m_start]), False))
        segments.append(Segment(text[m_start:m_end], True))
        at = m_end
    if at < end:
        segments.append(Segment(_SPACE.sub(" ", text[at:end]), False))
    return tuple(segments)


def _words_of(text: str, start: int, end: int) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD.findall(text[start:end]))


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= NEAR_DUPLICATE


def cut(text: str, analyzer: Analyzer, terms: frozenset[str], max_snippets: int = 3) -> tuple[Snippet, ...]:
    """Up to ``max_snippets`` snippets of ``text`` around words whose analysed form is in ``terms``.

    The windows with the most distinct matched terms (then the most matches) win; they come back in the
    text's order, and one whose words around the matches repeat another's (a letterhead, a footer) is dropped.
    """
    if not terms or not text or max_snippets < 1:
        return ()
    text = text[:MAX_TEXT]
    spans = _matches(text, analyzer, terms)
    if not spans:
        return ()
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    starts = [w[0] for w in words]
    # The analysed term of each matched word, to prefer windows with several of the query's words.
    term_at: dict[int, str] = {}
    for s_start, _, term in spans:
        term_at.setdefault(max(0, bisect_right(starts, s_start) - 1), term)
    matched_words = sorted(term_at)
    candidates: list[tuple[int, int, int, int]] = []
    for index in matched_words:
        first = max(0, index - LEAD)
        last = min(len(words), first + WINDOW)
        inside = [i for i in matched_words[bisect_right(matched_words, first - 1):] if i < last]
        distinct = len({term_at.get(i, "") for i in inside})
        candidates.append((-distinct, -len(inside), first, last))
    candidates.sort()
    chosen: list[tuple[int, int, frozenset[str]]] = []
    for _, _, first, last in candidates:
        if len(chosen) >= max_snippets:
            break
        if any(first < c_last and c_first < last for c_first, c_last, _ in chosen):
            continue
        # Two windows say the same when the words right around their matches are (mostly) the same.
        inside = [i for i in matched_words if first <= i < last]
        core_first, core_last = max(first, inside[0] - CORE), min(last, inside[-1] + CORE + 1)
        vocabulary = _words_of(text, words[core_first][0], words[core_last - 1][1])
        if any(_similar(vocabulary, c_words) for _, _, c_words in chosen):
            continue
        chosen.append((first, last, vocabulary))
    chosen.sort()
    return tuple(_segments(text, words[first][0], words[last - 1][1], spans) for first, last, _ in chosen)


__all__ = ["analysed_terms", "cut"]
