"""Extractive answers: the sentences from the top passages that answer the question, each with a [n]
marker, or an honest abstention that says what was searched."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from .analysis import analyze, question_language, question_terms, spelling_variants, split_sentences
from .answer_types import expected_types, holds_answer
from .keyword import KeywordIndex
from .retrieval import DocumentHit, Filters, mentioned_places

ABSTAIN = {
    "nb": "Jeg fant ikke noe vedtak om dette i kildene.",
    "nn": "Eg fann ikkje noko vedtak om dette i kjeldene.",
    "en": "I found no decision about this in the sources.",
}
NOT_COVERED = {
    "nb": "Kildene dekker ikke {places}: ingen av de {n} dokumentene i indeksen nevner {it}.",
    "nn": "Kjeldene dekkjer ikkje {places}: ingen av dei {n} dokumenta i indeksen nemner {it}.",
    "en": "The sources do not cover {places}: none of the {n} documents in the index mentions {it}.",
}
BODIES_NOT_COVERED = {
    "nb": "Ingen av de {n} dokumentene i indeksen er fra {bodies}. Organene i kildene: {kinds}.",
    "nn": "Ingen av dei {n} dokumenta i indeksen er frå {bodies}. Organa i kjeldene: {kinds}.",
    "en": "None of the {n} documents in the index is from {bodies}. The bodies in the sources: {kinds}.",
}
NOT_FOUND = {
    "nb": "Om {places} fant jeg ikke noe i kildene.",
    "nn": "Om {places} fann eg ikkje noko i kjeldene.",
    "en": "I found nothing on {places} in the sources.",
}
YEARS_NOT_FOUND = {
    "nb": ("Ingen av de {n} dokumentene i indeksen nevner {years}.", "Det nærmeste dokumentet nevner ikke {years}.",
           "Kildene er datert {first} til {last}."),
    "nn": ("Ingen av dei {n} dokumenta i indeksen nemner {years}.", "Det næraste dokumentet nemner ikkje {years}.",
           "Kjeldene er daterte {first} til {last}."),
    "en": ("None of the {n} documents in the index mentions {years}.", "The nearest document does not mention {years}.",
           "The sources are dated {first} to {last}."),
}
SEARCHED = {"nb": "Søkt i", "nn": "Søkt i", "en": "Searched"}
NEAREST = {"nb": "Nærmeste dokumenter", "nn": "Næraste dokument", "en": "Nearest documents"}
SOURCES = {"nb": "Kilder", "nn": "Kjelder", "en": "Sources"}
# Sentences that report a proposal that fell are not decisions; never present one as what was decided.
REJECTED = re.compile(
    r"\b(falt|fall|ble nedstemt|vart nedrøysta|fikk ikke flertall|fekk ikkje fleirtal|ble ikke vedtatt|vart ikkje vedteke|avvist|forkastet|rejected|voted down)\b",
    re.IGNORECASE,
)
PROPOSAL = re.compile(r"\b(forslag|framlegg|fremlegg|innstilling|foreslo|foreslått|proposal)\b", re.IGNORECASE)
YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b(?!-?(?:tal|årene|s\b))")  # a year, not a decade ("1980-talet")


# A question word that is also in the chosen document's title weighs this much when choosing its sentences
# (0.25 of NorQuAD's evidence recall +0.03, council dev unchanged; 0 and 0.5 both did worse: docs/evaluation.md).
TITLE_TERM_WEIGHT = 0.25
EVIDENCE_PASSAGES = 3  # the abstention threshold was calibrated on a document's three best passages
UNTIL_QUESTION = re.compile(r"\b(?:til når|innan? når|til hvilken dato|til kva dato|hvor lenge|kor lenge|until|how long)\b", re.IGNORECASE)
UNTIL_ANSWER = re.compile(r"\bt\.o\.m\.|\btil og med\b|\binntil\b|\binnen\b|\btil\s+(?:kl\.?\s*)?\d", re.IGNORECASE)


@dataclass
class Citation:
    n: int
    doc_id: str
    chunk_id: str
    title: str
    body: str | None
    date: str | None
    page: int | None
    quote: str
    url: str | None
    case_number: str | None = None
    regulation_id: str | None = None
    passage: str = ""  # the whole passage, for showing the quote in its context
    section: str = ""
    municipality: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "n": self.n, "doc_id": self.doc_id, "chunk_id": self.chunk_id, "title": self.title, "body": self.body,
            "date": self.date, "page": self.page, "quote": self.quote, "url": self.url,
            "case_number": self.case_number, "regulation_id": self.regulation_id,
            "passage": self.passage, "section": self.section, "municipality": self.municipality,
        }


@dataclass
class Answer:
    question: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    language: str = "nb"
    searched: dict[str, Any] = field(default_factory=dict)
    evidence: float = 0.0
    generator: str = "extractive"
    verification: Any = None  # generation.Verification for generated answers
    fallback_reason: str | None = None
    reason: str = ""  # for an abstention, why beyond "not found": a place, body or year the sources do not cover

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question, "answer": self.text, "abstained": self.abstained, "reason": self.reason,
            "citations": [c.as_json() for c in self.citations], "generator": self.generator,
            "searched": self.searched,
            **({"fallback_reason": self.fallback_reason} if self.fallback_reason else {}),
            **({"verification": {"removed_markers": self.verification.removed_markers,
                                 "sentences": self.verification.sentences,
                                 "flagged": self.verification.flagged}} if self.verification else {}),
        }

    def as_text(self) -> str:
        return "\n".join([self.text, self.sources_text()]).rstrip()

    def sources_text(self) -> str:
        lines: list[str] = []
        if self.verification and (self.verification.flagged or self.verification.removed_markers):
            lines.append(f"({len(self.verification.flagged)} setning(er) ikke funnet i kilden; "
                         f"{len(self.verification.removed_markers)} ugyldig(e) kildehenvisning(er) fjernet)")
        if self.citations:
            lines += ["", f"{SOURCES[self.language]}:"]
            for c in self.citations:
                where = ", ".join(str(x) for x in (c.body, c.date, c.regulation_id or c.case_number,
                                                   f"s. {c.page}" if c.page else None) if x)
                lines.append(f"[{c.n}] {c.title} ({where})" + (f"\n    {c.url}" if c.url else ""))
        return "\n".join(lines)


# How a candidate sentence is scored: each signal times its weight (hand-set; a model fitted on the same signals
# did worse on the set it was not fitted on: scripts/sentence_ranker_cv.py, docs/evaluation.md).
SENTENCE_WEIGHTS = {
    "coverage": 1.0,      # the share of the question's words, weighted by rarity, that the sentence holds
    "answer_type": 0.3,   # it holds what the question asks for (a date, an amount, a ban: answer_types.py)
    "until": 0.2,         # "til når / hvor lenge" met by "t.o.m.", "inntil", "til 20"
    "proposal": -0.3,     # it reports a proposal or a fallen one, not a decision
    "passage": -0.02,     # per place down the document's passages as retrieval ranked them
    # Question words that the sentence before holds, for a sentence that opens on "Han", "Det", "Da": it speaks of
    # what that one named ("Han ble stående med 15 scoringer"). NorQuAD evidence recall 0.771 -> 0.780 / 0.784 /
    # 0.775 at 0.3 / 0.5 / 1; council and minutes unchanged at each.
    "inherited": 0.5,
}


@dataclass
class _Scored:
    score: float
    hit: DocumentHit
    passage_index: int
    start: int
    end: int
    signals: dict[str, float] = field(default_factory=dict)  # SENTENCE_WEIGHTS' signals, before weighting

    @property
    def coverage(self) -> float:
        return self.signals.get("coverage", 0.0)


class Selection(NamedTuple):
    "The documents an answer quotes, how strongly the best of them answers, and the places it found nothing on."
    documents: list[DocumentHit]
    evidence: float
    not_found: list[str]  # places the question names that no document found answers well enough


class ExtractiveAnswerer:
    def __init__(self, threshold: float = 0.875, max_sentences: int = 3, threshold_en: float | None = None,
                 model=None):
        self.threshold = threshold
        # An abstention model (assistant.abstention) decides answer-or-abstain when given; the evidence
        # threshold then only drops weakly matching places from a multi-place answer.
        self.model = model
        # English questions over Norwegian text score lower on the same evidence (cross-lingual embedding).
        self.threshold_en = threshold if threshold_en is None else threshold_en
        self.max_sentences = max_sentences

    def answer(self, question: str, hits: list[DocumentHit], index: KeywordIndex, filters: Filters | None = None) -> Answer:
        language = question_language(question)
        searched = what_was_searched(hits, index, filters, question)
        if self.outside_index(question, index, searched):
            return self._abstain(question, language, searched, 0.0)
        chosen, evidence, not_found = self.select_documents(question, hits, index)
        answers, evidence = self.decide(question, hits, index, evidence, language)
        if not chosen or not answers:
            return self._abstain(question, language, searched, evidence)

        # The document is already chosen for its place: in its sentences the place name says nothing more.
        place_terms = set(analyze(" ".join(mentioned_places(question, index))))
        # A year the question names counts: the sentence that holds it is often the answer ("Hvordan har 2019 vært
        # for paven?" - "2019 har vært et krevende år for pave Frans."; NorQuAD +0.007, council and minutes unchanged).
        terms = [t for t in question_terms(question) if t not in place_terms]
        weights = {t: index.idf(t) for t in terms}
        kinds = expected_types(question)
        picked: list[_Scored] = []
        per_doc = max(1, self.max_sentences // len(chosen)) if len(chosen) < self.max_sentences else 1
        for hit in chosen:
            # Likewise the words of its title, which every sentence about it would repeat ("Hertha Berlin").
            title_terms = set(analyze(str(hit.meta.get("title", ""))))
            hit_weights = {t: w * (TITLE_TERM_WEIGHT if t in title_terms else 1.0) for t, w in weights.items()}
            scored = self._score_sentences(hit, hit_weights, kinds, bool(UNTIL_QUESTION.search(question)))
            if scored:
                # Only sentences nearly as relevant as the best one: short beats padded.
                floor = max(scored[0].score * 0.6, 0.05)
                picked.extend([scored[0]] + [s for s in scored[1:per_doc] if s.score >= floor])
        picked = picked[: max(self.max_sentences, len(chosen))]
        # What was decided comes before any proposal that is quoted beside it.
        picked.sort(key=lambda item: _is_proposal(item.hit.passages[item.passage_index].full_text[item.start:item.end],
                                                  item.hit.passages[item.passage_index]))
        if not picked:
            return self._abstain(question, language, searched, evidence)
        if weights and not any(item.coverage > 0 for item in picked):
            # Not one word of the question in any sentence found: whatever the document's closeness in meaning,
            # quoting its header or a date line is not an answer (an English question's words are matched in
            # Norwegian, through the glossary).
            return self._abstain(question, language, searched, evidence)
        if not_found:
            searched["not_found"] = not_found
        return self._compose(question, language, picked, searched, evidence)

    def outside_index(self, question: str, index: KeywordIndex, searched: dict[str, Any]) -> bool:
        """A question about a municipality no indexed text mentions, or about what a body decided that no
        indexed document is from, cannot be answered here, however near the nearest passage reads; noted in
        `searched` so the abstention says which place or body."""
        from .bodies import indexed_kinds, uncovered_bodies
        from .places import uncovered_places

        places = uncovered_places(question, index)
        if places:
            searched["not_covered"] = places
            return True
        bodies = uncovered_bodies(question, index)
        if bodies:
            searched["bodies_not_covered"] = bodies
            searched["bodies_in_index"] = sorted(indexed_kinds(index) or ())
        return bool(bodies)

    def decide(self, question: str, hits: list[DocumentHit], index: KeywordIndex, evidence: float,
               language: str) -> tuple[bool, float]:
        """Answer or abstain, and the score that decided: the model's probability that the best document
        answers, or (without a model) the evidence score against the threshold."""
        if self.model is not None:
            from .abstention import features

            if hits and hits[0].exact:
                return True, 1.0
            if evidence <= 0.0:
                return False, 0.0  # the question names a year the document never mentions
            return self.model.answers(features(question, hits, index, evidence))
        return evidence >= (self.threshold_en if language == "en" else self.threshold), evidence

    # ---- which documents answer, and how strongly ---------------------------------------------------
    def select_documents(self, question: str, hits: list[DocumentHit], index: KeywordIndex) -> Selection:
        """For each place the question names (or for the question as a whole), the document to quote: of the
        retrieved documents that could answer, the one whose best passages answer most closely, the first in
        the ranking on a tie. The ranking weighs whole documents, a quote comes from a passage (NorQuAD: gold
        cited 0.892 -> 0.924; council 0.925 -> 0.950; docs/evaluation.md). The evidence that decides whether
        to answer at all stays the ranking's first document's, as the abstention model was fitted on it."""
        if not hits:
            return Selection([], 0.0, [])
        places = mentioned_places(question, index)
        scores: dict[str, float] = {}

        def score(hit: DocumentHit) -> float:
            if hit.doc_id not in scores:
                scores[hit.doc_id] = self.evidence(question, hit, index, places)
            return scores[hit.doc_id]

        place_of: dict[str, list[str]] = {}
        firsts: list[DocumentHit] = []
        chosen: list[DocumentHit] = []
        for place in places:
            candidates = [h for h in hits if h.doc_id in index.docs_naming(place)]
            if not candidates:
                continue
            firsts.append(candidates[0])
            match = closest(candidates, score)
            if match not in chosen:
                chosen.append(match)
            place_of.setdefault(match.doc_id, []).append(place)
        if places and not chosen:
            return Selection([], 0.0, places)
        if not places:
            firsts, chosen = [hits[0]], [closest(hits, score)]
        # A place whose document barely matches is left out rather than cited; the answer stands on the rest and
        # says which places it found nothing on.
        threshold = self.threshold_en if question_language(question) == "en" else self.threshold
        strong = [hit for hit in chosen if score(hit) >= threshold] or chosen
        answered = {place for hit in strong for place in place_of.get(hit.doc_id, [])}
        return Selection(strong, max(score(hit) for hit in firsts), [place for place in places if place not in answered])

    def evidence(self, question: str, hit: DocumentHit, index: KeywordIndex, places: list[str]) -> float:
        """How strongly a document answers: its best passage's semantic similarity to the question, plus a
        little for the share of the question's rarer words it contains. A year the question names that the
        document never mentions rules it out ("i 2012" is not answered by a rule from 1996)."""
        if hit.exact:
            return 1.0
        haystack = _haystack(hit)
        years = set(YEAR.findall(question))
        if years and not any(year in haystack for year in years):
            return 0.0
        place_terms = set(analyze(" ".join(places)))
        terms = [t for t in question_terms(question) if t not in place_terms and not t.isdigit()]
        present = set(analyze(haystack))
        total = sum(index.idf(t) for t in terms)
        coverage = (sum(index.idf(t) for t in terms if t in present) / total) if total else 0.0
        return hit.dense + 0.1 * coverage

    # ---- sentences ----------------------------------------------------------------------------------
    def _score_sentences(self, hit: DocumentHit, weights: dict[str, float], kinds: tuple[str, ...],
                         wants_until: bool = False) -> list[_Scored]:
        scored: list[_Scored] = []
        for p_index, passage in enumerate(hit.passages):
            text = passage.full_text
            previous: dict[str, float] = {}
            for start, end in split_sentences(text):
                sentence = text[start:end]
                if len(sentence.strip()) < 12 or sentence.lstrip().startswith("#"):
                    continue
                matched = term_matches(sentence, weights)
                leaned_on = {t: max(0.0, previous.get(t, 0.0) - m) for t, m in matched.items()} \
                    if POINTS_BACK.match(sentence) else {}
                previous = matched
                signals = {
                    "coverage": weighted_share(matched, weights),
                    "answer_type": float(bool(kinds) and holds_answer(sentence, kinds)),
                    "until": float(wants_until and bool(UNTIL_ANSWER.search(sentence))),
                    "proposal": float(_is_proposal(sentence, passage)),
                    "passage": float(p_index),
                    "inherited": weighted_share(leaned_on, weights),
                }
                score = sum(SENTENCE_WEIGHTS[name] * value for name, value in signals.items())
                scored.append(_Scored(score, hit, p_index, start, end, signals))
        scored.sort(key=lambda s: -s.score)
        return scored

    def _compose(self, question, language, picked: list[_Scored], searched, evidence) -> Answer:
        citations: dict[str, Citation] = {}
        lines = []
        quotes = []
        for item in picked:
            passage = item.hit.passages[item.passage_index]
            text = passage.full_text
            end = _extend_over_list(text, _extend_continuation(text, item.end))
            start = _extend_to_antecedent(text, item.start)
            quotes.append((item, passage, text, text[start:end].strip()))
        # A sentence already inside a longer quote (the rest of a sentence the chunker cut, now quoted whole
        # from the chunk before) is not quoted a second time.
        flat = [" ".join(q[3].split()) for q in quotes]
        quotes = [q for i, q in enumerate(quotes)
                  if not any(i != j and flat[i] in flat[j] and (flat[i] != flat[j] or j < i) for j in range(len(flat)))]
        for item, passage, text, sentence in quotes:
            # One source, one number: passages of the same document share its citation.
            citation = citations.get(item.hit.doc_id)
            if citation is None:
                meta = passage.meta
                page = meta.get("page")
                citation = citations[item.hit.doc_id] = Citation(
                    n=len(citations) + 1, doc_id=item.hit.doc_id, chunk_id=passage.chunk_id,
                    title=str(meta.get("title", "")), body=meta.get("body"), date=meta.get("date"),
                    page=page if isinstance(page, int) and page > 0 else None, quote=sentence,
                    url=meta.get("url"), case_number=meta.get("case_number"),
                    regulation_id=meta.get("regulation_id"), passage=text, section=str(meta.get("section", "")),
                    municipality=meta.get("municipality"),
                )
            else:
                if sentence not in citation.quote:
                    citation.quote += " … " + sentence
                if text not in citation.passage:
                    citation.passage += "\n…\n" + text
            label = PROPOSAL_LABEL[language] if _is_proposal(sentence, passage) else ""
            lines.append(f"{label}{' '.join(sentence.split())} [{citation.n}]")
        if searched.get("not_found"):
            lines.append(not_found_line(searched, language))
        return Answer(question, "\n".join(lines), False, list(citations.values()), language, searched, evidence)

    def _abstain(self, question, language, searched, evidence) -> Answer:
        nearest = "; ".join(f"{n['title']} ({n['doc_id']})" for n in searched["nearest"])
        reason = ""
        if searched.get("not_covered"):
            places = searched["not_covered"]
            it = {"nb": "dem", "nn": "dei", "en": "them"}[language] if len(places) > 1 else \
                {"nb": "stedet", "nn": "staden", "en": "it"}[language]
            reason = NOT_COVERED[language].format(places=_listing(places, language), n=searched["documents_in_index"], it=it)
        elif searched.get("bodies_not_covered"):
            reason = BODIES_NOT_COVERED[language].format(n=searched["documents_in_index"],
                                                         bodies=_listing(searched["bodies_not_covered"], language),
                                                         kinds=", ".join(searched["bodies_in_index"]))
        elif searched.get("years_not_found"):
            reason = years_line(searched, language)
        text = f"{ABSTAIN[language]} {reason}".strip()
        documents = "documents" if language == "en" else "dok."
        text += f"\n{SEARCHED[language]}: {searched['documents_in_index']} {documents}, filter: {searched['filters']}."
        if nearest:
            text += f"\n{NEAREST[language]}: {nearest}"
        return Answer(question, text, True, [], language, searched, evidence, reason=reason)


def closest(candidates: list[DocumentHit], score: Callable[[DocumentHit], float]) -> DocumentHit:
    """Of the retrieved documents that could answer, the one whose passages answer most closely by `score`,
    the ranking's first on a tie. The ranking weighs whole documents; a quote comes from a passage. A document
    the question names by id or case number stays first."""
    if candidates[0].exact:
        return candidates[0]
    return max(candidates, key=lambda hit: (score(hit), -candidates.index(hit)))


def what_was_searched(hits: list[DocumentHit], index: KeywordIndex, filters: Filters | None,
                      question: str = "") -> dict[str, Any]:
    """What an answer or an abstention reports it searched: the filters, the index size, the nearest documents,
    and the years the question names that the nearest one does not mention (an answer from it would be about
    another time), with the dates the index spans ("i 2012" asked of regulations from the 1990s)."""
    searched: dict[str, Any] = {
        "filters": (filters or Filters()).describe(),
        "documents_in_index": len(index.doc_ids),
        "nearest": [{"doc_id": h.doc_id, "title": h.meta.get("title", "")} for h in hits[:3]],
    }
    years = sorted(set(YEAR.findall(question)))
    if years and hits and not any(year in _haystack(hits[0]) for year in years):
        searched["years_not_found"] = years
        searched["years_in_index"] = any(index.df.get(year, 0) for year in years)
        span = index.date_span()
        if span:
            searched["dated"] = list(span)
    return searched


def _haystack(hit: DocumentHit) -> str:
    "What a document's evidence is read from: its title, adoption note, date and best passages."
    return " ".join([str(hit.meta.get("title", "")), str(hit.meta.get("adoption_note", "")),
                     str(hit.meta.get("date", ""))] + [p.text for p in hit.passages[:EVIDENCE_PASSAGES]])


def years_line(searched: dict[str, Any], language: str) -> str:
    "What an abstention says of the years the question names that the sources do not (or '')."
    years = searched.get("years_not_found")
    if not years:
        return ""
    none_in_index, not_nearest, dated = YEARS_NOT_FOUND[language]
    line = (not_nearest if searched.get("years_in_index") else none_in_index).format(
        n=searched["documents_in_index"], years=_listing(years, language))
    if searched.get("dated"):
        line += " " + dated.format(first=_day(searched["dated"][0], language), last=_day(searched["dated"][1], language))
    return line


def _day(iso: str, language: str) -> str:
    "2026-03-25 -> 25.03.2026 (25/03/2026 in English)"
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}" if language == "en" else f"{day}.{month}.{year}"


def not_found_line(searched: dict[str, Any], language: str) -> str:
    "The line an answer in part ends on: the places the question names that it found nothing on (or '')."
    names = searched.get("not_found") or []
    return NOT_FOUND[language].format(places=_listing(names, language)) if names else ""


def _listing(names: list[str], language: str) -> str:
    "Hol, Ål og Gol"
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + (" and " if language == "en" else " og ") + names[-1]


PROPOSAL_LABEL = {"nb": "Forslag, ikke vedtak: ", "nn": "Framlegg, ikkje vedtak: ", "en": "Proposal, not a decision: "}
LIST_ITEM = re.compile(r"\s*\n[ \t]*(?:[-•*]|\d{1,2}[.)]|[a-z]\))[ \t]+[^\n]*")


# The first part of a shared compound: "søn- og helligdager" is "søndager og helligdager".
TRUNCATED_COMPOUND = re.compile(r"\b(\w{3,})-\s+(?:og|eller|and|or)\s")


# Words a sentence opens on when it speaks of what an earlier one named. Those that stand for a person or a thing
# named there take that sentence into the quote; "Det", "Da", "Der" also open sentences that point nowhere
# ("Det gjelder hele kommunen"), so they only lend the earlier sentence's words to the score.
NAMING_POINTERS = ("Han", "Hun", "Ho", "De", "Dei", "Disse", "Desse", "Dette", "Denne", "He", "She", "They")
POINTERS = NAMING_POINTERS + ("Den", "Det", "Da", "Der", "Her", "Hans", "Hennes", "Hennar", "Dens", "Deres", "Deira",
                              "Sistnevnte", "It", "This", "These", "There", "Then")


def _opens_on(words: tuple[str, ...]) -> re.Pattern:
    return re.compile(rf"\s*[«\"(–-]*\s*(?:{'|'.join(words)})\b")


POINTS_BACK = _opens_on(POINTERS)
NAMES_BACK = _opens_on(NAMING_POINTERS)


def term_matches(text: str, weights: dict[str, float]) -> dict[str, float]:
    "How well the text holds each of the question's words (see _sentence_match)."
    present = set(analyze(text))
    cut = {w.lower() for w in TRUNCATED_COMPOUND.findall(text)}
    return {term: _sentence_match(term, present, cut) for term in weights}


def weighted_share(matched: dict[str, float], weights: dict[str, float]) -> float:
    "The share of the question's words, weighted by rarity, among those matched (each 0 to 1)."
    return sum(w * matched.get(t, 0.0) for t, w in weights.items()) / (sum(weights.values()) or 1.0)


def coverage(text: str, weights: dict[str, float]) -> float:
    "The share of the question's words, weighted by rarity, that the text holds."
    return weighted_share(term_matches(text, weights), weights)


def _sentence_match(term: str, present: set[str], cut: set[str]) -> float:
    """As _match, and a question word that starts with a truncated compound part of the sentence matches it, and
    one written in the other standard ("køyre" / "kjøre") matches as the same word."""
    found = _match(term, present)
    for variant in spelling_variants(term) if not found else ():
        found = max(found, _match(variant, present))
    if not found and any(term.startswith(part) for part in cut):
        return 0.7
    return found


def _match(term: str, present: set[str]) -> float:
    """1 for the same stem; 0.7 where one is a compound part of the other ("piggtrådgjerd" ~ "piggtråd",
    "plankrav" ~ "krav"), which Norwegian forms freely; else 0."""
    if term in present:
        return 1.0
    if len(term) < 4:
        return 0.0
    for word in present:
        if len(word) >= 4 and (word.startswith(term) or term.startswith(word) or word.endswith(term) or term.endswith(word)):
            return 0.7
    return 0.0


def _is_proposal(sentence: str, passage) -> bool:
    return bool(REJECTED.search(sentence) or PROPOSAL.search(str(passage.meta.get("section", ""))))


CONTINUATION = re.compile(r"\s+(?:De|Den|Det|Dei|Dette|Denne|Disse|Desse|Slik|Så)\s[^.!?\n]{0,160}[.!?]")


def _extend_to_antecedent(text: str, start: int, max_chars: int = 300) -> int:
    """A sentence that opens on "Han", "Hun" or "De" is quoted from the sentence before it, where what it speaks
    of is named: a reader of the quote alone must know who or what it is about."""
    if not NAMES_BACK.match(text, start):
        return start
    spans = [span for span in split_sentences(text[:start]) if text[span[0]:span[1]].strip()]
    if not spans or start - spans[-1][0] > max_chars or text[spans[-1][0]:start].lstrip().startswith("#"):
        return start
    return spans[-1][0]


def _extend_continuation(text: str, end: int) -> int:
    "A short next sentence that leans on this one ('De skal ha fri høyde …') belongs to the same quote."
    match = CONTINUATION.match(text, end)
    return match.end() if match else end


def _extend_over_list(text: str, end: int, max_chars: int = 600) -> int:
    "A sentence that introduces a list ('Planen har fem strategier:') is quoted with its items."
    if not text[:end].rstrip().endswith(":"):
        return end
    limit = end + max_chars
    cursor = end
    while cursor < limit:
        item = LIST_ITEM.match(text, cursor)
        if item is None or item.end() > limit:
            break
        cursor = item.end()
    return cursor
