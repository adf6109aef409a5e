"""Norwegian-aware text analysis shared by the keyword index, sentence selection and abstention."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

# Hyphenated words stay whole ("Nord-Aurdal"); an apostrophe ends a word ("Asker's" → "asker", "s").
WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ]+(?:-[0-9A-Za-zÀ-ÖØ-öø-ÿ]+)*")

# Bokmål, Nynorsk and English function words, and question words that say nothing about the topic.
STOPWORDS = frozenset(
    """
    og i jeg det at en et den til er som på de med han av ikke ikkje der så var meg seg men ett har om vi min mitt ha
    hadde hun nå over da ved fra frå du ut sin dem oss opp man kan hans hvor kor eller hva kva skal selv sjøl her alle
    vil bli ble blei blitt kunne inn når kva kvar være vere vært kom noen noe nokon noko ville dere som deres kun ja
    etter ned skulle denne for deg si sine sitt mot å meget hvorfor kvifor dette disse desse uten utan hvordan korleis
    ingen inga din ditt blir samme same hvilken kva slags hvilke kva sånn inni mellom vår hver kvar hvem kven vors
    dei dykk eg ho me mi no oss også òg berre bare enn bli eit ein eitt ei sidan siden fordi då kor mykje mye
    må måtte får fikk fekk få gjeld gjelder gjaldt lov lenge seint sent sist senest
    the a an of to in on at for and or is are was were be been by with from as what which who whom when where why how
    does do did can could may might must shall should will would i my me we our you your it its this that these those
    there their they them under about if any some s
    """.split()
)

_local = threading.local()


def _stemmer():
    # PyStemmer objects are not thread-safe; Streamlit answers questions on many threads.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("norwegian")
    return stemmer


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def analyze(text: str) -> list[str]:
    "Lowercased, stop words removed, Snowball-stemmed terms: the keyword index's vocabulary."
    return [_stem(w) for w in words(text) if w not in STOPWORDS]


def content_terms(text: str) -> list[str]:
    "Distinct analyzed terms, in order of first appearance."
    return list(dict.fromkeys(analyze(text)))


def matched_text(question: str) -> str:
    """The question as its words are matched against the documents: an English one with its words in Norwegian
    where the glossary knows them (assistant/glossary.py), as the documents are written."""
    if question_language(question) == "en":
        from .glossary import bridged

        return bridged(question)
    return question


def question_terms(question: str) -> list[str]:
    "The distinct terms a question is matched by (see matched_text)."
    return content_terms(matched_text(question))


# A sentence ends at . ! ? before a capital, at a blank line, or where a new list item, heading or § starts;
# a single line break inside a paragraph (hard-wrapped text, PDF lines) does not end one.
# A line that starts "23. november" continues a wrapped sentence (pdftotext breaks lines anywhere); a line
# that starts "2. Planen …" is a numbered item.
SENTENCE_SPLIT = re.compile(
    r"(?<=[.!?])\s+(?=[«\"(]?[A-ZÆØÅ0-9§])|\n[ \t]*\n\s*|\n(?=[ \t]*(?:[-•*#§]|\d{1,2}\.\s(?!\s*(?:januar|februar|mars|"
    r"april|mai|juni|juli|august|september|oktober|november|desember)\b)|[a-z]\)\s|(?:PS|Sak)\s+\d))"
)


SHORT_LINE = 60  # a line this short without closing punctuation is a heading or a list entry, not a cut sentence

# Abbreviations that end in a full stop without ending the sentence ("f.o.m. 1. juli", "kl. 20.00").
ABBREVIATION_END = re.compile(
    r"(?:^|[\s(])(?:kl|kr|nr|jf|jfr|ca|pkt|dvs|mv|evt|st|tlf|kap|avd|lov|forskr|ang|bl\.a|m\.v|f\.eks|f\.o\.m|t\.o\.m|"
    r"o\.l|m\.m|m\.fl|o\.a|i\.e|e\.l|ev|vedr|iflg|hhv|pr|jan|feb|aug|sept|okt|nov|des)\.$"
)


def split_sentences(text: str, base: int = 0) -> list[tuple[int, int]]:
    "Sentence spans (absolute offsets) in text; abbreviations like 'kl.' or 'nr.' do not end a sentence."
    spans: list[tuple[int, int]] = []
    cursor = 0
    for match in SENTENCE_SPLIT.finditer(text):
        if match.group(0).strip() == "" and (
            ends_in_abbreviation(text[max(cursor, match.start() - 10):match.start()])
            # "§ 3. Tekst" and a numbered item "1. Søknadsplikt" keep their number; "nr. 82. Vedtatt" splits.
            or re.search(r"§\s*\d+\s?[a-z]?\.$", text[max(cursor, match.start() - 8):match.start()])
            or re.fullmatch(r"\d{1,2}[a-z]?\.", text[cursor:match.start()].strip())
        ):
            continue
        if match.start() > cursor:
            spans.append((base + cursor, base + match.start()))
        cursor = match.end()
    if cursor < len(text):
        spans.append((base + cursor, base + len(text)))
    return [(s, e) for s, e in spans if text[s - base:e - base].strip()]


# English function words that are not also Norwegian words ("i", "for", "at", "by", "me", "under" are).
ENGLISH_HINTS = frozenset(
    "the what which who whom when where why how does do did is are was were can could may might must should would "
    "will in of to and my we our you your it its that this these those been with from on an after before until "
    "about there their they have has had any some if or not".split()
)
NYNORSK_HINTS = frozenset("eg kva kven korleis kor ikkje frå berre heile dei ho vart vere òg mykje kvifor".split())


def question_language(text: str) -> str:
    tokens = words(text)
    if not tokens:
        return "nb"
    english = sum(t in ENGLISH_HINTS for t in tokens)
    if english >= 2 and english / len(tokens) >= 0.2:
        return "en"
    if any(t in NYNORSK_HINTS for t in tokens):
        return "nn"
    return "nb"


def ends_in_abbreviation(text: str) -> bool:
    "Whether the text's last full stop belongs to an abbreviation (sentence splitting and chunking ask this)."
    return bool(ABBREVIATION_END.search(text[-12:].lower()))


def ends_mid_sentence(text: str) -> bool:
    """Whether a chunk stops inside a sentence: on a full stop that belongs to an abbreviation ("t.o.m.",
    "kl."), or on a word or comma of a long line (pdftotext wraps lines anywhere). A short line without
    closing punctuation that starts with a capital is a heading or a list entry, not a cut sentence."""
    tail = text.rstrip()
    if not tail:
        return False
    if ends_in_abbreviation(tail):
        return True
    last_line = tail.rsplit("\n", 1)[-1].strip()
    if not re.search(r"[\w,–-]$", tail):
        return False
    return len(last_line) > SHORT_LINE or last_line[:1].islower()


# Nynorsk and Bokmål spell the same word apart, also inside compounds ("vasscooter" / "vannscooter", "sjukeheim" /
# "sykehjem"); analysed stems, Nynorsk first. A question in one form should find a sentence in the other. ("vasscooter"
# is "vass" + "scooter" with the third s dropped.)
SPELLING_PAIRS = (
    ("køyr", "kjør"), ("vassc", "vannsc"), ("vass", "vann"), ("skul", "skol"), ("forbod", "forbud"), ("tilskot", "tilskudd"),
    ("kyrkj", "kirk"), ("eigedom", "eiendom"), ("heimel", "hjemmel"), ("heim", "hjem"), ("sjuk", "syk"),
    ("born", "barn"), ("tenest", "tjenest"), ("namn", "navn"), ("vedtek", "vedtatt"), ("framlegg", "forslag"),
    ("handsam", "behandl"), ("utval", "utvalg"), ("røyst", "stemm"), ("fleirtal", "flertall"), ("meir", "mer"),
    ("månad", "måned"), ("heil", "hel"), ("løyv", "tillat"), ("høyr", "hør"), ("avgjer", "avgjør"),
    ("verksemd", "virksom"), ("tilsett", "ansatt"), ("jamn", "jevn"), ("veg", "vei"),
)


@lru_cache(maxsize=4096)
def spelling_variants(term: str) -> tuple[str, ...]:
    "The term in the other written standard, where a known Nynorsk or Bokmål stem is part of it."
    variants = []
    for source, target in ((0, 1), (1, 0)):
        variant = term
        for pair in SPELLING_PAIRS:
            if pair[source] in variant and pair[target] not in variant:
                variant = variant.replace(pair[source], pair[target])
        if variant != term:
            variants.append(variant)
    return tuple(variants)
