"""The laws a deadline rule answers under.

The law belongs to the rule, not to the case type: the same "FOI request" type
is answered under FOIA by an English body and under FOISA by a Scottish one,
and what may be withheld (the exemptions) follows the law.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

__all__ = ["Law"]


class Law(StrEnum):
    """A statute a request is answered under; the value is stable (used as a key)."""

    FOIA = "foia"
    FOISA = "foisa"
    EIR = "eir"
    EIR_SCOTLAND = "eir_scotland"
    UK_GDPR = "uk_gdpr"

    @property
    def label(self) -> str:
        """The law's name, as staff read it."""
        return _LABELS[self]


_LABELS: Mapping[Law, str] = {
    Law.FOIA: "Freedom of Information Act 2000",
    Law.FOISA: "Freedom of Information (Scotland) Act 2002",
    Law.EIR: "Environmental Information Regulations 2004",
    Law.EIR_SCOTLAND: "Environmental Information (Scotland) Regulations 2004",
    Law.UK_GDPR: "UK GDPR and the Data Protection Act 2018",
}
