"""Read what a council text states about itself: who decided, when, and under which case or regulation number."""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    "januar": 1, "februar": 2, "mars": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7, "august": 8,
    "september": 9, "oktober": 10, "november": 11, "desember": 12,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10, "december": 12,
}
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
WRITTEN_DATE = re.compile(rf"\b(\d{{1,2}})\.\s*({_MONTH_ALT})\s+(\d{{4}})\b", re.IGNORECASE)
NUMERIC_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
REGULATION_ID = re.compile(r"\b(?:FOR|LOV)-\d{4}-\d{2}-\d{2}-\d+\b")
CASE_NUMBER = re.compile(
    r"\b(?:(?:PS|FS|KS|RS|OS)\s+(\d{1,4}/\d{2,4})|(?:arkiv)?sak(?:snr\.?|snummer|\s+nr\.?)?\s*:?\s*(\d{1,4}/\d{1,6}))",
    re.IGNORECASE,
)
BODY_WORDS = (
    "kommunestyre|bystyre|formannskap|heradsstyre|fylkesting|fylkesutvalg|bydelsutvalg|planutvalg|"
    "hovedutvalg|kontrollutvalg|valgstyre|stemmestyre|eldreråd|ungdomsråd|kommuneråd"
)
# "Asker kommunestyre", "Nore og Uvdal kommunestyre", "Bergen bystyre"
NAMED_BODY = re.compile(
    rf"\b((?:[A-ZÆØÅ][\wæøåÆØÅ\-]+)(?:\s(?:og|i)\s[A-ZÆØÅ][\wæøåÆØÅ\-]+|\s[A-ZÆØÅ][\wæøåÆØÅ\-]+)*)\s({BODY_WORDS})(?:et|a|t|n)?\b"
)
# "Kommunestyret i Asker"
BODY_IN_PLACE = re.compile(
    rf"\b({BODY_WORDS})(?:et|a|t|n)?\s+i\s+([A-ZÆØÅ][\wæøåÆØÅ\-]+(?:\s(?:og)\s[A-ZÆØÅ][\wæøåÆØÅ\-]+)?)", re.IGNORECASE
)
# "Asker kommune", "Østre Toten kommune", "Nore og Uvdal kommune", "Sør-Varanger kommune"
MUNICIPALITY = re.compile(
    r"\b([A-ZÆØÅ][\wæøåÆØÅ\-]+(?:\s(?:og\s)?[A-ZÆØÅ][\wæøåÆØÅ\-]+)?)\s(?:kommune|herad|fylkeskommune)\b"
)
DECISION_CUES = re.compile(r"vedt(?:att|ok|eke|ekne)|fastsatt|fastsett|møtedato|møte\s|behandlet|stadfest", re.IGNORECASE)
NOT_PLACES = {
    "Den", "Det", "Denne", "Dette", "Ny", "Nye", "Hele", "Heile", "Vedtatt", "Fastsatt", "Fastsett", "Om", "For",
    "Til", "Fra", "Frå", "Av", "I", "Ved", "Og", "Forskrift", "Vedtekt", "Vedtekter", "Gjeld", "Gjelder", "Hver",
    "Kvar", "All", "Alle", "Kommunestyret", "Bystyret", "Heradsstyret", "Formannskapet", "Samme", "Same", "Annen",
}


def clean_place(name: str) -> str | None:
    "Drop a leading function word caught by the capitalised-words pattern ('I Asker' → 'Asker')."
    words = name.split()
    while words and words[0] in NOT_PLACES:
        words = words[1:]
    while words and words[0] == "og":
        words = words[1:]
    place = " ".join(words)
    return place if len(place) > 2 and place not in NOT_PLACES else None


def parse_date(text: str) -> date | None:
    """The first Norwegian, numeric or ISO date in `text`."""
    found = find_dates(text)
    return found[0] if found else None


def find_dates(text: str) -> list[date]:
    hits: list[tuple[int, date]] = []
    for match in WRITTEN_DATE.finditer(text):
        _add(hits, match.start(), int(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1)))
    for match in NUMERIC_DATE.finditer(text):
        year = int(match.group(3))
        if year < 100:
            year += 2000 if year < 50 else 1900
        _add(hits, match.start(), year, int(match.group(2)), int(match.group(1)))
    for match in ISO_DATE.finditer(text):
        _add(hits, match.start(), int(match.group(1)), int(match.group(2)), int(match.group(3)))
    return [value for _, value in sorted(hits, key=lambda hit: hit[0])]


def _add(hits: list, position: int, year: int, month: int, day: int) -> None:
    try:
        hits.append((position, date(year, month, day)))
    except ValueError:
        pass


def date_to_int(value: str | date | None) -> int | None:
    """Chroma's range filters take numbers only, so dates are stored as YYYYMMDD."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        parsed = ISO_DATE.search(value)
        value = _safe_date(parsed) if parsed else parse_date(value)
        if value is None:
            return None
    return value.year * 10000 + value.month * 100 + value.day


def _safe_date(match: re.Match) -> date | None:
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def extract_metadata(text: str, title: str = "") -> dict[str, str]:
    """Metadata the text itself states; used where a file carries none."""
    head = f"{title}\n{text[:4000]}"
    found: dict[str, str] = {}
    regulation = REGULATION_ID.search(head)
    if regulation:
        found["regulation_id"] = regulation.group(0)
    case = CASE_NUMBER.search(head)
    if case:
        prefix = case.group(0).split()[0].upper() if case.group(1) else ""
        found["case_number"] = f"{prefix} {case.group(1)}" if case.group(1) else case.group(2)
    body = find_body(head)
    if body:
        found["body"] = body
    municipality = find_municipality(head, body)
    if municipality:
        found["municipality"] = municipality
    decided = decision_date(head)
    if decided:
        found["date"] = decided.isoformat()
    return found


def find_body(text: str) -> str | None:
    for match in NAMED_BODY.finditer(text):
        place = clean_place(match.group(1))
        if place:
            return f"{place} {match.group(2)}"
    match = BODY_IN_PLACE.search(text)
    if match:
        return f"{match.group(2)} {match.group(1).lower()}"
    return None


def find_municipality(text: str, body: str | None = None) -> str | None:
    if body:
        return body.rsplit(" ", 1)[0]
    for match in MUNICIPALITY.finditer(text):
        place = clean_place(match.group(1))
        if place:
            return place
    return None


def decision_date(text: str) -> date | None:
    """Prefer a date in a sentence that says something was decided; else the first date stated."""
    from .analysis import split_sentences

    for start, end in split_sentences(text):
        sentence = text[start:end]
        if DECISION_CUES.search(sentence):
            dates = find_dates(sentence)
            if dates:
                return dates[0]
    return parse_date(text)


DOC_TYPES = (
    ("forskrift", re.compile(r"\bforskrift|\bvedtekter?\b|\bFOR-\d{4}", re.IGNORECASE)),
    ("møteprotokoll", re.compile(r"møtebok|møteprotokoll|protokoll fra|valgprotokoll", re.IGNORECASE)),
    ("saksframlegg", re.compile(r"saksframlegg|saksfremlegg|innstilling", re.IGNORECASE)),
    ("reguleringsplan", re.compile(r"reguleringsbestemmelse|planbeskrivelse|reguleringsplan|detaljregulering", re.IGNORECASE)),
    ("høringsuttalelse", re.compile(r"høringsuttalelse|høringsinnspill", re.IGNORECASE)),
    ("nyhet", re.compile(r"kort fra|nyhetssak", re.IGNORECASE)),
)


def guess_doc_type(title: str, text: str) -> str | None:
    head = f"{title}\n{text[:600]}"
    for name, pattern in DOC_TYPES:
        if pattern.search(head):
            return name
    return None


def enrich(metadata: dict, text: str, title: str, doc_id: str) -> dict:
    """Fill what the source did not say with what the text states; never overwrite given fields."""
    result = dict(metadata)
    if result.get("body") and not result.get("municipality"):
        # A stated body names the municipality; the text may mention others.
        result["municipality"] = find_municipality("", str(result["body"]))
    for key, value in extract_metadata(text, title).items():
        result.setdefault(key, value)
    if "regulation_id" not in result and REGULATION_ID.fullmatch(doc_id):
        result["regulation_id"] = doc_id
    if not result.get("municipality"):
        applies = str(result.get("applies_to", ""))
        found = find_municipality(applies) if applies else None
        if found is None and result.get("body"):
            found = find_municipality("", str(result["body"]))
        if found:
            result["municipality"] = found
    if not result.get("doc_type"):
        guessed = guess_doc_type(f"{doc_id} {title}", text)
        if guessed:
            result["doc_type"] = guessed
    date_int = date_to_int(result.get("date"))
    if date_int:
        result["date_int"] = date_int
        result["date"] = f"{date_int // 10000:04d}-{date_int // 100 % 100:02d}-{date_int % 100:02d}"
    else:
        result.pop("date", None)
    return result
