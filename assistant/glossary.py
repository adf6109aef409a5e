"""English questions over Norwegian documents: the Norwegian words for the English ones a question uses, from a
shipped glossary of the council corpora's own vocabulary (assistant/models/glossary_en.json, built by
scripts/build_glossary.py). The dense side reads English as it is (the e5 model is multilingual); the keyword
side, sentence choice and the abstention's word signals match words, and "serving hours" shares none with
"skjenketider"."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .analysis import words

GLOSSARY = Path(__file__).with_name("models") / "glossary_en.json"


@lru_cache(maxsize=1)
def _entries() -> dict[str, list[str]]:
    return json.loads(GLOSSARY.read_text(encoding="utf-8"))["entries"]


@lru_cache(maxsize=1)
def _longest() -> int:
    "Words in the longest English entry: no longer phrase is looked up."
    return max(len(key.split()) for key in _entries())


def _forms(word: str) -> list[str]:
    "The word and what it may be an inflection of: shops → shop, fees → fee, cities → city, adopted → adopt."
    forms = [word]
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 3:
        forms.append(word[:-2])
    if word.endswith("s") and len(word) > 3:
        forms.append(word[:-1])
    if word.endswith("ed") and len(word) > 4:
        forms += [word[:-2], word[:-1]]
    if word.endswith("ing") and len(word) > 5:
        forms += [word[:-3], word[:-3] + "e"]
    return forms


@lru_cache(maxsize=256)  # one question is matched for retrieval, for each document's evidence and for the model
def bridged(question: str) -> str:
    """The question with each English word or phrase the glossary knows put in Norwegian, longest phrase first
    ("serving hours" before "serving"), the rest (names, numbers, words it does not know) as written."""
    entries = _entries()
    tokens = words(question.replace("'s ", " "))
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(_longest(), len(tokens) - i), 0, -1):
            phrase = tokens[i:i + size]
            key = next((k for k in (" ".join(phrase[:-1] + [form]) for form in _forms(phrase[-1])) if k in entries), None)
            if key:
                out += entries[key]
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return " ".join(out)
