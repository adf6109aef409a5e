"""What kind of answer a question asks for, and whether a sentence holds one.

"Når …" is answered by a sentence with a date or a time, "hvor mye" by one with an amount, "hvem" by one
that names a body or a person, "kan jeg / er det lov" by one that permits or forbids. Word overlap alone
picks the sentence that repeats the question ("… forskrift om åpningstider …"); this picks the one that
answers it. Bokmål, Nynorsk and English question forms; the sentence patterns are Norwegian, since the
sources are."""

from __future__ import annotations

import re

MONTH = r"(?:januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember)"
YEAR = r"\b(?:1[5-9]\d\d|20\d\d)\b"
CLOCK = r"\bkl\.?\s*\d|\b\d{1,2}[.:]\d{2}\b|\b\d{1,2}\s*[–-]\s*\d{1,2}\b(?!\s*(?:%|prosent|år|kr|m\b))"
DATE = rf"\b\d{{1,2}}\.\s*{MONTH}|\b\d{{1,2}}\.\d{{1,2}}\.(?:\d{{2,4}})?\b|{YEAR}"
PERIOD = r"\bf\.o\.m\.|\bt\.o\.m\.|\btil og med\b|\bfra og med\b|\bfrå og med\b|\binntil\b|\binnan?\b|\bfram til\b|\bsenest\b|\bseinast\b" \
         r"|\b\d+\s*(?:år|årene|åra|måneder|månedene|månader|uker|ukene|veker|dager|dagene|dagar|døgn|timer|timar|minutter)\b|\b(?:ett|eitt|to|tre|fire|fem|seks|ti)\s+år\b"
AMOUNT = r"\b\d[\d .,]*\s*(?:kr\b|kroner|mill|milliard|prosent|%|kg|kilo|tonn|liter|l\b|stk|plasser|personer|medlemmer|representanter)" \
         r"|\bkr\.?\s*\d|\b\d+(?:[.,]\d+)?\b"
NUMBER_WORD = r"(?:en|ett|ein|eitt|to|tre|fire|fem|seks|sju|syv|åtte|ni|ti|elleve|tolv|femten|tjue|tretti|førti|femti|seksti|sytti|åtti|nitti)"
MEASURE = r"\b\d+(?:[.,]\d+)?\s*(?:m|meter|cm|mm|km|kvm|m2|m²|dekar|daa|mål|km/t)\b"
BODY = r"\b(?:\w*(?:kommunestyre|bystyre|herredsstyre|heradsstyre|fylkesting|formannskap|fylkesmann|statsforvalter|departement|" \
       r"direktorat|utvalg|utval|nemnd|styre|råd|rådmann|kommunedirektør|ordfører|politi|tilsyn|verk|etat|kontor|vesen)\w*|" \
       r"AP|H|FRP|SP|SV|KRF|V|MDG|R|PP|INP)\b"
# Two capitalised words in a row that do not open the sentence: a person's or an organisation's name.
NAME = r"(?<=[\w,;:)] )[A-ZÆØÅ][a-zæøåé]+(?:\s+[A-ZÆØÅ][a-zæøåé]+)+"
PERMISSION = r"\b(?:forbud|forbod|forbudt|forbode|forbydd|tillatt|tillate|tillates|tillatast|ikke lov|ikkje lov|lov til|" \
             r"kan ikke|kan ikkje|må ikke|må ikkje|skal ikke|skal ikkje|unntak|unnateke|frita[rs]?|fritak|dispensasjon|løyve|" \
             r"tillatelse|søknad|søke om|søkje om|plikt\w*|pålagt|påbudt|kreves|krevst)"
PLACE = r"\b(?:i|på|ved|fra|frå|til|mellom|langs|utenfor|utanfor|innenfor|innanfor)\s+[A-ZÆØÅ]"

# What a question asks for: its wording → the kinds of sentence that answer it.
ASKS = [
    (re.compile(r"\b(?:hvor|kor)\s+lenge\b|\bhow long\b|\b(?:hvilken|hvilket|kva|which|what)\s+(?:\w+\s+)?(?:periode|tidsrom|period)\b"
                r"|\btil\s+(?:når|hvilken dato|kva dato|kva tid)\b|\binnan?\s+når\b|\buntil\b|\bvarighet\b", re.IGNORECASE),
     # "Hvor lenge kan jeg stå på torget?" is answered by opening hours ("hverdager 06 – 20") as often as by a period.
     ("period", "date", "time")),
    (re.compile(r"\bnår\b|\bkva tid\b|\bwhen\b|\bwhat time\b|\bhow (?:late|early)\b|\b(?:hvor|kor)\s+(?:sent|seint|tidlig|tidleg)\b"
                r"|\bklokkeslett\b|\bopningstid|\båpningstid|\b(?:hvilken|hvilket|kva|which|what)\s+(?:\w+\s+)?(?:dato|date|dag|day|tidspunkt)\b"
                r"|\b(?:fra|frå)\s+(?:hvilken|kva)\b", re.IGNORECASE),
     ("time", "date")),
    (re.compile(r"\b(?:hvilke[tn]?|kva|which|what|i hvilket)\s+(?:[\w-]+\s+(?:og\s+)?){0,3}?(?:[\w-]*år|year)s?\b", re.IGNORECASE),
     ("year",)),
    (re.compile(r"\b(?:hvor|kor)\s+(?:mye|mykje|mange|stor|store|høy|høg|dyr|mykje)\b|\bhow (?:much|many)\b|\bantall\b|\bbeløp\w*\b"
                r"|\b(?:hva|kva|what)\s+(?:koster|kostar|costs?|er (?:gebyret|avgifta|avgiften|prisen|satsen))\b", re.IGNORECASE),
     ("amount",)),
    (re.compile(r"\b(?:hvor|kor)\s+(?:gammel|gamal|gammal|gamle)\b|\bhow old\b|\bi hvilken alder\b|\bkva alder\b", re.IGNORECASE),
     ("age",)),
    (re.compile(r"\b(?:hvor|kor)\s+(?:høyt|høgt|bredt|breitt|langt|dypt|djupt|nær|nært|tett|stort|brei|bred|lang|høg)\b"
                r"|\bhow (?:high|wide|far|deep|close|big|tall)\b|\bavstand\b|\bdistance\b", re.IGNORECASE),
     ("measure",)),
    (re.compile(r"\bhvem\b|\bkven\b|\bwho\b|\bwhom\b|\b(?:hvilket|hvilken|kva|which)\s+(?:organ|instans|body|myndighet|etat|parti)\b",
                re.IGNORECASE),
     ("body", "name")),
    (re.compile(r"(?:^|[.?!:]\s+)(?:\w+[,:]?\s+){0,12}?(?:kan|får|må|skal|trenger|treng|bør)\s+(?:jeg|eg|vi|me|man|ein|en|hunden|folk)\b"
                r"|\ber det (?:lov|tillatt|tillate|forbudt|forbode|lovlig|mulig|mogleg|krav|påbudt)\b|\bhar (?:jeg|eg) lov\b"
                r"|\b(?:can|may|must) (?:i|we|you|one)\b|\b(?:is it|am i|are we) (?:allowed|legal|permitted|forbidden)\b"
                r"|\bdo (?:i|we) need\b|\bis there a ban\b", re.IGNORECASE),
     ("permission",)),
    (re.compile(r"\b(?:hvor|kor)\b(?!\s+(?:mye|mykje|mange|lenge|stor|store|høy|høg|høyt|høgt|bredt|breitt|langt|dypt|djupt|sent|seint|"
                r"tidlig|tidleg|ofte|gammel|nær|nært|tett|dyr|brei|bred|lang))|\bwhere\b", re.IGNORECASE),
     ("place",)),
]

HOLDS = {
    "time": re.compile(f"{CLOCK}|{DATE}", re.IGNORECASE),
    "date": re.compile(f"{DATE}|{PERIOD}", re.IGNORECASE),
    "period": re.compile(PERIOD, re.IGNORECASE),
    "year": re.compile(YEAR),
    "amount": re.compile(AMOUNT, re.IGNORECASE),
    "measure": re.compile(MEASURE, re.IGNORECASE),
    "age": re.compile(rf"\b(?:\d+|{NUMBER_WORD})(?:\s+|-)år(?:ig|s|ene)?\b|\bgam[m]?[ae]l\b|\balder\b|\bfødt\b", re.IGNORECASE),
    "body": re.compile(BODY),
    "name": re.compile(NAME),
    "permission": re.compile(PERMISSION, re.IGNORECASE),
    "place": re.compile(PLACE),
}


def expected_types(question: str) -> tuple[str, ...]:
    "The kinds of sentence that would answer the question, most specific first; empty when it does not say."
    found: list[str] = []
    for pattern, kinds in ASKS:
        if pattern.search(question):
            found += [k for k in kinds if k not in found]
    return tuple(found)


def holds_answer(sentence: str, kinds: tuple[str, ...]) -> bool:
    "Whether the sentence holds something of a kind the question asks for."
    return any(HOLDS[kind].search(sentence) for kind in kinds)
