"""Exemptions recorded when FOI and EIR information is withheld (statutory reporting counts them)."""

from __future__ import annotations

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


def exemptions_for(case_type_key: str) -> dict[str, str]:
    if case_type_key == "eir":
        return EIR_EXCEPTIONS
    if case_type_key == "foi":
        return FOI_EXEMPTIONS
    return {}
