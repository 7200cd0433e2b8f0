"""What may be withheld, by the law the request is answered under (statutory reporting counts them).

Exemptions belong to the law, not to the case type: the same FOI type is
answered under FOIA by an English body and under FOISA by a Scottish one, whose
sections differ. So the choices offered come from the case's effective rule's
law (``backoffice.deadlines.rules``); the keys are stable within a law.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sqlalchemy.orm import Session

from backoffice.cases.models import CaseType
from backoffice.clocks import Law
from backoffice.deadlines.rules import effective_rule

FOI_EXEMPTIONS: dict[str, str] = {
    "s21": "s.21 Information accessible by other means",
    "s22": "s.22 Information intended for future publication",
    "s22A": "s.22A Research",
    "s23": "s.23 Security bodies",
    "s24": "s.24 National security",
    "s26": "s.26 Defence",
    "s27": "s.27 International relations",
    "s28": "s.28 Relations within the UK",
    "s29": "s.29 The economy",
    "s30": "s.30 Investigations and proceedings",
    "s31": "s.31 Law enforcement",
    "s32": "s.32 Court records",
    "s33": "s.33 Audit functions",
    "s34": "s.34 Parliamentary privilege",
    "s35": "s.35 Formulation of government policy",
    "s36": "s.36 Prejudice to effective conduct of public affairs",
    "s37": "s.37 Communications with the Royal Family and honours",
    "s38": "s.38 Health and safety",
    "s39": "s.39 Environmental information",
    "s40": "s.40 Personal information",
    "s41": "s.41 Information provided in confidence",
    "s42": "s.42 Legal professional privilege",
    "s43": "s.43 Commercial interests",
    "s44": "s.44 Prohibitions on disclosure",
}

EIR_EXCEPTIONS: dict[str, str] = {
    "r12_4_a": "reg. 12(4)(a) Information not held",
    "r12_4_b": "reg. 12(4)(b) Manifestly unreasonable",
    "r12_4_c": "reg. 12(4)(c) Too general",
    "r12_4_d": "reg. 12(4)(d) Material in the course of completion",
    "r12_4_e": "reg. 12(4)(e) Internal communications",
    "r12_5_a": "reg. 12(5)(a) International relations, defence, national security or public safety",
    "r12_5_b": "reg. 12(5)(b) Course of justice",
    "r12_5_c": "reg. 12(5)(c) Intellectual property rights",
    "r12_5_d": "reg. 12(5)(d) Confidentiality of proceedings",
    "r12_5_e": "reg. 12(5)(e) Commercial confidentiality",
    "r12_5_f": "reg. 12(5)(f) Interests of the person who provided the information",
    "r12_5_g": "reg. 12(5)(g) Protection of the environment",
    "r13": "reg. 13 Personal data",
}


FOISA_EXEMPTIONS: dict[str, str] = {
    "s25": "s.25 Information otherwise accessible",
    "s26": "s.26 Prohibitions on disclosure",
    "s27": "s.27 Information intended for future publication",
    "s28": "s.28 Relations within the United Kingdom",
    "s29": "s.29 Formulation of Scottish Administration policy etc.",
    "s30": "s.30 Prejudice to effective conduct of public affairs",
    "s31": "s.31 National security and defence",
    "s32": "s.32 International relations",
    "s33": "s.33 Commercial interests and the economy",
    "s34": "s.34 Investigations by Scottish public authorities and proceedings arising out of such investigations",
    "s35": "s.35 Law enforcement",
    "s36": "s.36 Confidentiality",
    "s37": "s.37 Court records, etc.",
    "s38": "s.38 Personal information",
    "s39": "s.39 Health, safety and the environment",
    "s40": "s.40 Audit functions",
    "s41": "s.41 Communications with Her Majesty etc. and honours",
}

EIR_SCOTLAND_EXCEPTIONS: dict[str, str] = {
    "r10_4_a": "reg. 10(4)(a) Information not held",
    "r10_4_b": "reg. 10(4)(b) Manifestly unreasonable",
    "r10_4_c": "reg. 10(4)(c) Too general",
    "r10_4_d": "reg. 10(4)(d) Material in the course of completion",
    "r10_4_e": "reg. 10(4)(e) Internal communications",
    "r10_5_a": "reg. 10(5)(a) International relations, defence, national security or public safety",
    "r10_5_b": "reg. 10(5)(b) Course of justice",
    "r10_5_c": "reg. 10(5)(c) Intellectual property rights",
    "r10_5_d": "reg. 10(5)(d) Confidentiality of proceedings",
    "r10_5_e": "reg. 10(5)(e) Commercial confidentiality",
    "r10_5_f": "reg. 10(5)(f) Interests of the person who provided the information",
    "r10_5_g": "reg. 10(5)(g) Protection of the environment",
    "r11": "reg. 11 Personal data",
}

#: Each law's exemptions or exceptions; a law with none recorded here (UK GDPR) offers none.
EXEMPTIONS: Mapping[Law, Mapping[str, str]] = MappingProxyType({
    Law.FOIA: MappingProxyType(FOI_EXEMPTIONS),
    Law.FOISA: MappingProxyType(FOISA_EXEMPTIONS),
    Law.EIR: MappingProxyType(EIR_EXCEPTIONS),
    Law.EIR_SCOTLAND: MappingProxyType(EIR_SCOTLAND_EXCEPTIONS),
})


def exemptions_of(law: Law | None) -> Mapping[str, str]:
    """The exemptions (key: label) of ``law``; none where the law has none listed or there is no law."""
    return EXEMPTIONS.get(law, {}) if law is not None else {}


def exemptions_for(session: Session, case_type: CaseType) -> Mapping[str, str]:
    """The exemptions a case of ``case_type`` may record: those of its effective rule's law."""
    return exemptions_of(effective_rule(session, case_type).law)
