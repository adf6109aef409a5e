"""Places a question names that the index does not cover: "Hva vedtok bystyret i Bergen?" asked of an
index of Asker's records has no answer there, however close the nearest passage reads. The names come
from a shipped list of Norwegian municipalities (assistant/models/municipalities.json)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from .analysis import analyze
from .keyword import KeywordIndex

MUNICIPALITIES = Path(__file__).with_name("models") / "municipalities.json"


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    names = json.loads(MUNICIPALITIES.read_text(encoding="utf-8"))["names"]
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    # A name counts as a place only where the question uses it as one ("i Bergen", "Bergen kommune",
    # "Bergens bystyre", "in Bergen"): "Henrik Strand" is a person, "i Strand" a place.
    return re.compile(
        rf"(?<![\wæøå])(?:i|fra|frå|for|på|in|of|from)\s+(?P<a>{alternation})(?![\wæøåÆØÅ-])"
        rf"|(?<![\wæøåÆØÅ])(?P<b>{alternation})s?\s+(?:kommune|herad|bystyre|kommunestyre|formannskap|council|municipality)\b")


def uncovered_places(question: str, index: KeywordIndex) -> list[str]:
    """Municipalities the question names as places that no indexed text mentions at all."""
    found: list[str] = []
    for match in _pattern().finditer(question):
        name = match.group("a") or match.group("b")
        terms = analyze(name)
        if name in found or not terms:
            continue
        if name in index.places() or name.casefold() in index.municipalities():
            continue
        # Named in the texts (a village merged into a covered municipality): covered. A name the stemmer
        # shortens ("Bergen" → "berg") is not looked up by its stem, which a surname may share.
        if all(term == name.casefold() for term in terms[:1]) and any(index.df.get(term, 0) for term in terms):
            continue
        found.append(name)
    return found
