"""The official vocabulary of how an information request ended, as the Cabinet Office and the Scottish
Information Commissioner count it, and how a case type's own closure outcomes map onto it.

A type's outcomes are configuration an administrator may rename or extend, so reports never read labels:
each outcome key maps to one official category (and, for a full refusal, its reason). The built-in keys
map by name; an administrator's own outcome may say which category it is with an ``official`` entry
(``"fully_withheld:cost_limit"``); one that says nothing is reported as unclassified, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Official(StrEnum):
    GRANTED_IN_FULL = "granted_in_full"
    PARTIALLY_WITHHELD = "partially_withheld"
    FULLY_WITHHELD = "fully_withheld"
    NOT_HELD = "not_held"
    ADVICE_AND_ASSISTANCE = "advice_and_assistance"
    ON_HOLD_OR_LAPSED = "on_hold_or_lapsed"


class RefusalReason(StrEnum):
    """Why a request was refused in full: the four reasons add up to "fully withheld"."""

    EXEMPTION = "exemption"
    COST_LIMIT = "cost_limit"
    VEXATIOUS = "vexatious"
    REPEATED = "repeated"


class ReviewOutcome(StrEnum):
    """How an internal review or a regulator's decision ended, measured against the original answer."""

    UPHELD_IN_FULL = "upheld_in_full"
    UPHELD_IN_PART = "upheld_in_part"
    OVERTURNED = "overturned"
    WITHDRAWN = "withdrawn"


OFFICIAL_LABELS: Mapping[Official, str] = MappingProxyType({
    Official.GRANTED_IN_FULL: "Granted in full",
    Official.PARTIALLY_WITHHELD: "Partially withheld",
    Official.FULLY_WITHHELD: "Fully withheld",
    Official.NOT_HELD: "Information not held",
    Official.ADVICE_AND_ASSISTANCE: "Advice and assistance provided",
    Official.ON_HOLD_OR_LAPSED: "On hold or lapsed",
})

REFUSAL_LABELS: Mapping[RefusalReason, str] = MappingProxyType({
    RefusalReason.EXEMPTION: "An exemption or exception",
    RefusalReason.COST_LIMIT: "Cost limit (s.12)",
    RefusalReason.VEXATIOUS: "Vexatious (s.14(1))",
    RefusalReason.REPEATED: "Repeated (s.14(2))",
})

REVIEW_LABELS: Mapping[ReviewOutcome, str] = MappingProxyType({
    ReviewOutcome.UPHELD_IN_FULL: "Original decision upheld in full",
    ReviewOutcome.UPHELD_IN_PART: "Original decision upheld in part",
    ReviewOutcome.OVERTURNED: "Original decision overturned",
    ReviewOutcome.WITHDRAWN: "Withdrawn",
})


@dataclass(frozen=True)
class Classified:
    category: Official
    reason: RefusalReason | None = None

    def encode(self) -> str:
        return f"{self.category}:{self.reason}" if self.reason else str(self.category)

    @classmethod
    def decode(cls, text: str) -> Classified | None:
        category, _, reason = text.partition(":")
        try:
            return cls(Official(category), RefusalReason(reason) if reason else None)
        except ValueError:
            return None


_F = Official.FULLY_WITHHELD
#: The built-in information-request outcome keys (``case_types.FOI_OUTCOMES``) in the official vocabulary.
BUILT_IN_OFFICIAL: Mapping[str, Classified] = MappingProxyType({
    "granted_in_full": Classified(Official.GRANTED_IN_FULL),
    "granted_in_part": Classified(Official.PARTIALLY_WITHHELD),
    "refused_in_full": Classified(_F, RefusalReason.EXEMPTION),
    "ncnd": Classified(_F, RefusalReason.EXEMPTION),
    "cost_limit": Classified(_F, RefusalReason.COST_LIMIT),
    "vexatious": Classified(_F, RefusalReason.VEXATIOUS),
    "repeated": Classified(_F, RefusalReason.REPEATED),
    "not_held": Classified(Official.NOT_HELD),
    "advice_and_assistance": Classified(Official.ADVICE_AND_ASSISTANCE),
    "fee_not_paid": Classified(Official.ON_HOLD_OR_LAPSED),
    "clarification_not_received": Classified(Official.ON_HOLD_OR_LAPSED),
    "withdrawn": Classified(Official.ON_HOLD_OR_LAPSED),
})

#: The built-in review and regulator outcome keys.
BUILT_IN_REVIEW: Mapping[str, ReviewOutcome] = MappingProxyType({o.value: o for o in ReviewOutcome})


def classify(entry: Mapping[str, str]) -> Classified | None:
    """The official category of one closure-outcome entry (``{"key", "label", "official"?}``)."""
    if entry.get("official"):
        return Classified.decode(entry["official"])
    return BUILT_IN_OFFICIAL.get(entry.get("key", ""))


def keys_by_category(entries: Iterable[Mapping[str, str]]) -> dict[Classified, set[str]]:
    """Outcome keys grouped by official category, over every type's entries (reports filter by key)."""
    grouped: dict[Classified, set[str]] = {}
    for entry in entries:
        classified = classify(entry)
        if classified is not None:
            grouped.setdefault(classified, set()).add(entry["key"])
    return grouped


def review_outcome(entry: Mapping[str, str]) -> ReviewOutcome | None:
    official = entry.get("official") or entry.get("key", "")
    try:
        return ReviewOutcome(official)
    except ValueError:
        return None


__all__ = [
    "BUILT_IN_OFFICIAL", "BUILT_IN_REVIEW", "OFFICIAL_LABELS", "REFUSAL_LABELS", "REVIEW_LABELS", "Classified",
    "Official", "RefusalReason", "ReviewOutcome", "classify", "keys_by_category", "review_outcome",
]
