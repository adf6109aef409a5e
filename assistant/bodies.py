"""Bodies a question names as the one that acted, that no indexed document is from: "Hva vedtok
kontrollutvalget om …?" asked of minutes that hold no kontrollutvalg meeting has no answer there, however close
the nearest passage reads (a formannskap decision that mentions the kontrollutvalg is not its decision).

A body counts as named only where the question has it act (decide, treat, vote, say, meet) and not as what is
asked about ("Hvor mange medlemmer skal eldrerådet ha?", "vedtok kommunestyret om eldrerådet"): a topic can be
answered from another body's decision. And the check is made only on an index that knows its bodies (nearly
every document carries one of the kinds below in its metadata), so an index of web pages or unlabelled PDFs
never abstains on a body."""

from __future__ import annotations

import re

from .analysis import WORD
from .keyword import KeywordIndex

# Kinds of body, each with how it is written (nb, nn, en; stems: inflections follow). Kommunestyre, bystyre and
# heradsstyre are one kind, the council, which a municipality names one way or the other.
BODY_KINDS: dict[str, str] = {
    "kommunestyre": r"kommunestyre|bystyre|heradsstyre|herredsstyre|municipal council|city council|town council",
    "formannskap": r"formannskap|executive committee",
    "fylkesting": r"fylkesting|county council",
    "fylkesutvalg": r"fylkesutval|county executive committee",
    "kontrollutvalg": r"kontrollutval|control committee|audit committee|supervisory committee",
    "eldreråd": r"eldreråd|council for the elderly|elderly council|senior citizens'? council",
    "ungdomsråd": r"ungdomsråd|ungdommens kommunestyre|youth council",
    "råd for personer med funksjonsnedsettelse":
        r"råd(?:et)? for personer med funksjonsnedsett|råd(?:et)? for funksjonshem|funksjonshemmedes råd|"
        r"council for (?:people|persons) with disabilit|disability council",
    "hovedutvalg": r"hovedutval|hovudutval|main committee|standing committee",
    "planutvalg": r"planutval|planning committee",
    "klagenemnd": r"klagenemnd|appeals? (?:board|committee)",
    "valgstyre": r"valgstyre|valstyre|electoral board|election board",
    "administrasjonsutvalg": r"administrasjonsutval",
    "arbeidsmiljøutvalg": r"arbeidsmiljøutval|working environment committee",
    "trafikksikkerhetsutvalg": r"trafikksikkerhetsutval",
    "forretningsutvalg": r"forretningsutval",
    "bydelsutvalg": r"bydelsutval|district committee",
    "partssammensatt utvalg": r"partssammensatte? utval",
    "levekårsutvalg": r"levekårsutval",
    "teknisk utvalg": r"tekniske? utval",
    "driftsutvalg": r"driftsutval",
}
_KIND_PATTERNS = {kind: re.compile(rf"(?<![\wæøå])(?:{written})[\wæøå]*", re.IGNORECASE) for kind, written in BODY_KINDS.items()}

# Words that have a body act: decided, treated, voted, said, recommended, met (nb, nn, en). Past forms and
# nouns of a decision (and English after "did"), not the present: "Kan teknisk utvalg godkjenne …?" and
# "Hvem avgjør …?" ask what a regulation lets a body do, which a council's regulation answers. An opinion may
# be asked in the present ("Hva mener eldrerådet …?").
ACTING = re.compile(
    r"^(?:vedtok|vedtatt\w*|vedtek\w*|vedtak\w*|beslutta|besluttet|bestemte|behandl(?:et|a|ede|ing\w*)|"
    r"handsam(?:a|et|ing\w*)|mente|meinte|mener|meiner|sa|sier|seier|uttal(?:te|a|else\w*)|stemte|avstemning\w*|"
    r"røysta|røystet|røysting\w*|anbefalte|tilrådde|innstilte|innstilling\w*|godkjente|godkjent|avgjorde|avslo|"
    r"avslått|foreslo|fremmet|fremja|gjorde|gikk|gjekk|møte\w*|protokoll\w*|saker|sakene|saka|sakane|"
    r"decided?|adopt(?:ed)?|approved?|voted?|said|say|says|handled?|treat(?:ed)?|reject(?:ed)?|recommend(?:ed)?|resolved?|passed|"
    r"proposed|meeting\w*|minutes|decision\w*)$", re.IGNORECASE)
# A body right after one of these is what the question is about, not who acted.
TOPIC_BEFORE = {"om", "til", "angående", "vedrørende", "about", "on", "to", "into", "regarding"}
WINDOW = 3  # words between a body and the word that has it act
KNOWN_SHARE = 0.9  # the share of documents whose metadata names a known kind of body, for the check to be made


def kinds_in(text: str) -> set[str]:
    "The kinds of body a text names."
    return {kind for kind, pattern in _KIND_PATTERNS.items() if pattern.search(text)}


def acting_bodies(question: str) -> list[tuple[str, str]]:
    """(kind, as written) for each body the question has act, in order: "Hva vedtok kontrollutvalget",
    "kontrollutvalget behandlet", "stemte mot i kontrollutvalget"."""
    words = [(m.start(), m.end(), m.group()) for m in WORD.finditer(question)]
    found: list[tuple[str, str]] = []
    for kind, pattern in _KIND_PATTERNS.items():
        for match in pattern.finditer(question):
            at = next((i for i, (s, e, _) in enumerate(words) if s <= match.start() < e), None)
            last = next((i for i, (s, e, _) in enumerate(words) if s < match.end() <= e), at)
            if at is None or (at > 0 and words[at - 1][2].casefold() in TOPIC_BEFORE):
                continue
            near = words[max(0, at - WINDOW):at] + words[last + 1:last + 1 + WINDOW]
            if any(ACTING.match(word) for _, _, word in near) and kind not in {k for k, _ in found}:
                found.append((kind, match.group()))
    return found


def indexed_kinds(index: KeywordIndex) -> set[str] | None:
    """The kinds of body the index's documents are from (their metadata: the body, the adoption note), or None
    where too few documents say which body they are from to tell what is missing; computed once per index."""
    if index._body_kinds is None:
        kinds: set[str] = set()
        known = 0
        seen: dict[str, set[str]] = {}  # the same body and note recur across a council's documents
        for meta in index.docs.values():
            text = f"{meta.get('body', '')} | {meta.get('adoption_note', '')}"
            if text not in seen:
                seen[text] = kinds_in(text)
            kinds |= seen[text]
            known += bool(seen[text])
        index._body_kinds = (kinds, known / max(len(index.docs), 1))
    kinds, share = index._body_kinds
    return kinds if share >= KNOWN_SHARE else None


def uncovered_bodies(question: str, index: KeywordIndex) -> list[str]:
    """The bodies the question has act, as it writes them, that no indexed document is from."""
    kinds = indexed_kinds(index)
    if kinds is None:
        return []
    return [_definite(written) for kind, written in acting_bodies(question) if kind not in kinds]


def _definite(written: str) -> str:
    "'audit committee' -> 'the audit committee', for the abstention's sentence; Norwegian bodies are written so."
    return f"the {written}" if re.fullmatch(r"[a-z' ]+ (?:council|committee|board)", written.casefold()) else written
