"""The help articles administrators keep, and the ones that match what someone is typing.

A body keeps tens of articles, not thousands, so matching is a score over all of them in memory: words of
the draft (three letters or more, common words left out) found in an article's title count three times
what they count in its body. That needs no index to keep in step, and answers in well under a millisecond.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.support.models import HelpArticle
from shared import audit
from shared.db import utcnow
from shared.errors import InvalidInput, NotFound

TITLE_LIMIT = 200
BODY_LIMIT = 20_000
#: Enough for any body's help; stops the collection becoming a second disclosure log.
MAX_ARTICLES = 500
SUGGESTIONS = 5
_WORD = re.compile(r"[a-z0-9]{3,}")
_COMMON = frozenset(["the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was", "one", "our", "out", "day", "get", "has", "him", "his", "how", "its", "may", "new", "now", "old", "see", "two", "way", "who", "did", "let", "put", "say", "she", "too", "use", "with", "this", "that", "have", "from", "they", "will", "what", "when", "your", "there", "their", "been", "were", "which", "would", "could", "should", "about", "into", "than", "then", "them", "some", "just", "only", "also", "very", "help", "please", "thanks", "hello"])


@dataclass(frozen=True)
class Suggestion:
    id: int
    title: str
    summary: str


def _words(text: str) -> set[str]:
    return {w.rstrip("s") if len(w) > 4 else w for w in _WORD.findall(text.lower())} - _COMMON


def articles(session: Session) -> list[HelpArticle]:
    return list(session.scalars(select(HelpArticle).order_by(HelpArticle.title, HelpArticle.id)))


def get_article(session: Session, article_id: int) -> HelpArticle:
    article = session.get(HelpArticle, article_id)
    if article is None:
        raise NotFound("No help article has this number")
    return article


def _clean(title: object, body: object) -> tuple[str, str]:
    errors: dict[str, str] = {}
    heading = title.strip() if isinstance(title, str) else ""
    text = body.strip() if isinstance(body, str) else ""
    if not heading:
        errors["title"] = "Enter a title"
    elif len(heading) > TITLE_LIMIT:
        errors["title"] = f"Title must be {TITLE_LIMIT} characters or fewer"
    if not text:
        errors["body"] = "Enter the article"
    elif len(text) > BODY_LIMIT:
        errors["body"] = f"The article must be {BODY_LIMIT:,} characters or fewer"
    if errors:
        raise InvalidInput("Check the article", errors)
    return heading, text


def save_article(session: Session, actor: audit.Actor, article_id: int | None, title: object,
                 body: object) -> HelpArticle:
    heading, text = _clean(title, body)
    if article_id is None:
        if (session.scalar(select(func.count(HelpArticle.id))) or 0) >= MAX_ARTICLES:
            raise InvalidInput("There are too many help articles", {"title": f"Keep {MAX_ARTICLES} articles or fewer"})
        article = HelpArticle(title=heading, body=text, updated_by=actor.label)
        session.add(article)
        session.flush()
        action = "help_article.added"
    else:
        article = get_article(session, article_id)
        article.title, article.body, article.updated_by, article.updated_at = heading, text, actor.label, utcnow()
        action = "help_article.changed"
    audit.record(session, actor, action, "help_article", article.id, heading)
    return article


def delete_article(session: Session, actor: audit.Actor, article_id: int) -> None:
    article = get_article(session, article_id)
    audit.record(session, actor, "help_article.deleted", "help_article", article.id, article.title)
    session.delete(article)


def suggest(session: Session, draft: str, limit: int = SUGGESTIONS) -> list[Suggestion]:
    wanted = _words(draft[:5000])
    if not wanted:
        return []
    scored: list[tuple[int, str, HelpArticle]] = []
    for article in session.scalars(select(HelpArticle).limit(MAX_ARTICLES)):
        score = 3 * len(wanted & _words(article.title)) + len(wanted & _words(article.body))
        if score >= 2:
            scored.append((-score, article.title, article))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [Suggestion(a.id, a.title, _summary(a.body)) for _, _, a in scored[:limit]]


def _summary(body: str, length: int = 160) -> str:
    text = " ".join(body.split())
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + "…"
