"""What a provision commits to, in comparable form: numbers, amounts, times, dates, distances, areas, zones,
who is responsible and whether it obliges, permits or forbids. The consistency check compares these."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .metadata import MONTHS

QUANTITY_KINDS = ("number", "amount", "time", "date", "distance", "area", "percent", "duration")

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
NUMBER_WORDS = {
    "én": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "sju": 7, "syv": 7, "åtte": 8, "ni": 9, "ti": 10,
    "elleve": 11, "tolv": 12, "femten": 15, "tjue": 20, "tretti": 30, "førti": 40, "femti": 50, "hundre": 100,
}
_NUM = r"\d+(?:[ .]\d{3})*(?:,\d+)?"
_WORD_NUM = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))

# Order matters: a span claimed by an earlier pattern is not read again by a later one.
PATTERNS: list[tuple[str, re.Pattern]] = [
    ("reference", re.compile(r"(?:§§?|\bnr\.?|\bpkt\.?|\bpunkt|\bkap\.?|\bkapittel|\bledd|\bsak(?:\s+nr\.?)?|\bgnr\.?/bnr\.?|\bplanID)\s*\d+(?:[-./]\d+)*[a-z]?", re.IGNORECASE)),
    # Section numbers: glued to the heading ("4.3Uttalelse") or the next section's number ending a line ("… lov.  4.").
    ("reference", re.compile(r"\b\d+(?:\.\d+)*\.?(?=[A-ZÆØÅ])|(?<=\s)\d{1,2}\.\s*$")),
    # A street number is an address, not a quantity.
    ("address", re.compile(r"\b(?:gate|gata|gaten|vei|veien|veg|vegen|allé|plass)\s+\d+[a-zA-Z]?\b", re.IGNORECASE)),
    ("date", re.compile(rf"\b\d{{1,2}}\.\s*(?:{_MONTH_ALT})(?:\s+\d{{4}})?\b|\b\d{{1,2}}\.\d{{1,2}}\.(?:\d{{4}}|\d{{2}})\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b", re.IGNORECASE)),
    ("time", re.compile(r"\bkl\.?\s*(?:[01]\d|2[0-4])[0-5]\d\b|\bkl\.?\s*\d{1,2}(?:[.:]\d{2})?\b|\b(?:[01]?\d|2[0-4])[.:][0-5]\d\b(?!\.\d)", re.IGNORECASE)),
    ("amount", re.compile(rf"\b(?:kr\.?|NOK)\s*{_NUM}(?:,-)?|\b{_NUM}\s*(?:kr\b\.?|kroner\b|NOK\b|,-)", re.IGNORECASE)),
    ("percent", re.compile(rf"\b{_NUM}\s*(?:%|prosent\b)", re.IGNORECASE)),
    ("area", re.compile(rf"\b{_NUM}\s*(?:m²|m2\b|kvm\b|kvadratmeter\b|daa\b|dekar\b|mål\b|hektar\b|ha\b)", re.IGNORECASE)),
    ("distance", re.compile(rf"\b{_NUM}\s*(?:m\b|meter\b|km\b|kilometer\b|cm\b|centimeter\b|mil\b|nautiske mil\b)", re.IGNORECASE)),
    ("duration", re.compile(rf"\b(?:{_NUM}|{_WORD_NUM})\s+(?:timer?|døgn|dager?|dagar|uker?|veker?|måneder?|månader?|år)\b", re.IGNORECASE)),
    ("number", re.compile(rf"\b{_NUM}\b|\b(?:{_WORD_NUM})\b(?=\s+\w)", re.IGNORECASE)),
]

ZONE = re.compile(
    r"\b(?:felt|sone|delområde|område|formål)\s+(?:[A-ZÆØÅ]{1,4}\d{0,3}|\d{1,3})\b"
    r"|\b(?:[A-ZÆØÅ]{1,3}_?\d{1,4})\b"
    r"|\b(?:reguleres|regulert|regulere\s[^.]{0,60}?)\s+til\s+[“\"«]?((?:(?!i\b|med\b|for\b|som\b|samt\b)[^\s”\"».,;]+\s?){1,4})",
)
ACTORS = re.compile(
    r"\b(kommunestyret|bystyret|formannskapet|rådmannen|kommunedirektøren|administrasjonssjefen|kommunen|"
    r"fylkeskommunen|fylkesmannen|statsforvalteren|politiet|lensmannen|brannsjefen|brannvesenet|"
    r"bygningsrådet|planutvalget|teknisk etat|helserådet|kommunelegen|grunneier(?:en|e)?|eier(?:en)?|"
    r"tiltakshaver(?:en)?|utbygger(?:en)?|forslagsstiller(?:en)?|forslagstiller(?:en)?|hundeeier(?:en|e)?|"
    r"besitter(?:en)?|innehaver(?:en)?|bevillingshaver(?:en)?|Statens vegvesen|departementet)\b",
    re.IGNORECASE,
)
NEGATION = re.compile(r"\b(?:ikke|ikkje|forbudt|forbode|forbud|ingen|aldri|uten(?: at)?)\b", re.IGNORECASE)
DUTY = re.compile(r"\b(?:skal|må|plikter|plikt|pålegges|påbudt|kreves)\b", re.IGNORECASE)
PERMISSION = re.compile(r"\b(?:kan|tillates|tillatt|tillatast|tillete|lov til|gis adgang|gis tillatelse|åpent)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Fact:
    kind: str
    value: str  # normalised, comparable across wordings ("kl. 23" and "23.00" are both "23:00")
    text: str  # as written


def _number(text: str) -> str:
    word = text.strip().lower()
    if word in NUMBER_WORDS:
        return str(NUMBER_WORDS[word])
    digits = re.sub(r"(?<=\d)[ .](?=\d{3}\b)", "", text.strip()).replace(",", ".")
    try:
        value = float(digits)
    except ValueError:
        return text.strip().lower()
    return str(int(value)) if value.is_integer() else str(value)


def _normalise(kind: str, text: str) -> str:
    if kind == "time":
        match = re.search(r"(\d{2})(\d{2})\b", text) or re.search(r"(\d{1,2})(?:[.:](\d{2}))?", text)
        return f"{int(match.group(1)):02d}:{match.group(2) or '00'}" if match else text
    if kind == "date":
        return re.sub(r"\s+", " ", text.lower().replace(". ", ".")).strip()
    if kind in ("amount", "percent", "area", "distance", "duration", "number"):
        number = re.search(rf"{_NUM}|\b(?:{_WORD_NUM})\b", text, re.IGNORECASE)
        unit = re.sub(rf"{_NUM}|\b(?:{_WORD_NUM})\b", "", text, count=1, flags=re.IGNORECASE).strip(" .,-").lower()
        unit = {"m2": "m²", "kvm": "m²", "kvadratmeter": "m²", "meter": "m", "kroner": "kr", "nok": "kr", ",": "kr",
                "prosent": "%", "kilometer": "km"}.get(unit, unit)
        return f"{_number(number.group(0)) if number else ''} {unit}".strip()
    return text.strip().lower()


def quantities(sentence: str) -> list[Fact]:
    "Numbers, amounts, times, dates, distances, areas, percentages and durations, left to right."
    claimed: list[tuple[int, int]] = []
    found: list[tuple[int, Fact]] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(sentence):
            start, end = match.span()
            if any(start < e and s < end for s, e in claimed):
                continue
            claimed.append((start, end))
            if kind in ("reference", "address"):
                continue
            found.append((start, Fact(kind, _normalise(kind, match.group(0)), match.group(0).strip())))
    ordered = [fact for _, fact in sorted(found, key=lambda item: item[0])]
    # "mellom kl. 1400 og 1900": the second clock time is written without its "kl.".
    if any(f.kind == "time" for f in ordered):
        ordered = [
            Fact("time", _normalise("time", f.text), f.text)
            if f.kind == "number" and re.fullmatch(r"(?:[01]\d|2[0-4])[0-5]\d|(?:[01]?\d|2[0-4])[.:][0-5]\d", f.text) else f
            for f in ordered
        ]
    return ordered


def zones(sentence: str) -> list[Fact]:
    out = []
    for match in ZONE.finditer(sentence):
        purpose = match.group(1)
        text = (purpose or match.group(0)).strip()
        if not purpose and (text.upper() in {"BYA", "BRA", "PS", "FOR", "LOV"} or text.isdigit()):
            continue
        value = re.sub(r"\s*/\s*|\s+(?:eller|og)\s+", "/", re.sub(r"\s+", " ", text.lower()))
        out.append(Fact("purpose" if purpose else "zone", value, text))
    return out


def actors(sentence: str) -> list[Fact]:
    seen: dict[str, Fact] = {}
    for match in ACTORS.finditer(sentence):
        value = re.sub(r"(?:en|e)$", "", match.group(1).lower()) if match.group(1).lower().endswith(("eren", "eiere", "haveren", "haver")) else match.group(1).lower()
        seen.setdefault(value, Fact("responsible", value, match.group(1)))
    return list(seen.values())


MODAL = re.compile(r"\b(?:skal|må|plikter|pålegges|kan|tillates|tillatt|ikke|ikkje|forbudt|forbode)\b", re.IGNORECASE)


def obligation(sentence: str) -> Fact | None:
    """Forbids, obliges or permits: 'ikke'/'forbudt' with a modal or on its own forbids; 'skal'/'må' oblige;
    'kan'/'tillates' permit. The value also keeps the modal words in order, so "skal … kan" turned into
    "skal … skal" is a change even though the sentence still obliges. A sentence without these has none."""
    negation = NEGATION.search(sentence)
    duty = DUTY.search(sentence)
    permission = PERMISSION.search(sentence)
    modals = "/".join(m.group(0).lower() for m in MODAL.finditer(sentence))
    if negation and (duty or permission or re.search(r"forb[ou]d", negation.group(0), re.IGNORECASE)):
        words = " ".join(m.group(0) for m in (duty or permission, negation) if m)
        return Fact("obligation", f"forbids:{modals}", words)
    if duty:
        return Fact("obligation", f"obliges:{modals}", modals.replace("/", ", ") if "/" in modals else duty.group(0))
    if permission:
        return Fact("obligation", f"permits:{modals}", modals.replace("/", ", ") if "/" in modals else permission.group(0))
    return None


def facts(sentence: str) -> list[Fact]:
    found = quantities(sentence) + zones(sentence) + actors(sentence)
    duty = obligation(sentence)
    return found + ([duty] if duty else [])
