"""Checking a draft against what was decided before: which earlier decisions govern the same matter, which of
their provisions each draft provision restates, and where the draft departs from them."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pathlib import Path

from .analysis import analyze, split_sentences
from .errors import AssistantError, LoadError
from .facts import QUANTITY_KINDS, Fact, facts
from .metadata import MONTHS, find_municipality
from .retrieval import HybridRetriever

# Two provisions address the same thing at this lexical similarity (Dice over stems, compounds matched by
# prefix); chosen on the generated benchmark and the plan PDFs (docs/consistency.md).
PAIR_THRESHOLD = 0.45
# One-sided differences (a time the source has and the draft lacks) are reported only for near restatements:
# between loosely related provisions they are noise.
RESTATEMENT = 0.6
SEARCH_PROVISIONS = 8
MAX_RELATED = 6

AMENDING_TITLE = re.compile(r"\b(?:endring\w*|tillegg)\s+(?:i|av|til)\s+", re.IGNORECASE)
REPEALING_TITLE = re.compile(r"\b(?:opphev\w*|oppheving)\s+(?:av\s+)?", re.IGNORECASE)
TITLE_PREFIX = re.compile(
    r"^(?:(?:forskrift\w*|vedtekt\w*|reglement|regler|bestemmelser)\s+(?:om|for|til|av)\s+)?"
    r"(?:(?:endring\w*|tillegg|opphev\w*|oppheving)\s+(?:i|av|til)\s+(?:forskrift\w*|vedtekt\w*|reglement)\s+(?:om|for|til)\s+)?",
    re.IGNORECASE,
)
_MONTHS = "|".join(sorted(MONTHS, key=len, reverse=True))
# "Fra samme tid oppheves forskrift av 30. juni 1994 nr. 759": Lovtidend's id is the date and the number.
STATEMENT = re.compile(
    rf"[^.\n]*\b(?P<verb>oppheves|opphever|oppheve|erstatter|kommer i stedet for|endret ved|endres)\b[^\n]*?"
    rf"(?:(?P<day>\d{{1,2}})\.\s*(?P<month>{_MONTHS})\s+(?P<year>\d{{4}})(?:\s+nr\.?\s*(?P<nr>\d+))?[^.\n]*)?(?:\.|$)",
    re.IGNORECASE | re.MULTILINE,
)


# "§ 3." or "II" before a provision's words is its number, not part of what it says.
# "4.1.1.f Sykkelparkering" on its own line is the heading of what follows.
LEADING_MARK = re.compile(
    r"^(?:(?:§\s*\d+[a-z]?\.?|[IVX]{1,4}\.?|\d+(?:\.\d+)*(?:\.?[a-z])?\.?)(?:[ \t]+[^\n.]{0,60})?[ \t]*\n\s*"
    r"|\d{1,2}(?:\.\d{1,2})*\.?[ \t]+(?=[A-ZÆØÅ]))"
)


@dataclass
class Provision:
    text: str  # exact substring of the text it came from
    start: int
    terms: tuple[str, ...]
    facts: list[Fact]
    chunk_id: str = ""
    page: int | None = None


@dataclass
class Related:
    doc_id: str
    meta: dict[str, Any]
    relation: str
    score: float = 0.0
    pairs: list[dict] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    statements: list[dict] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        meta = self.meta
        return {
            "doc_id": self.doc_id, "title": meta.get("title", ""), "body": meta.get("body"),
            "municipality": meta.get("municipality"), "date": meta.get("date"), "url": meta.get("url"),
            "regulation_id": meta.get("regulation_id"), "relation": self.relation, "score": round(self.score, 3),
            "pairs": self.pairs, "added": self.added, "dropped": self.dropped, "statements": self.statements,
        }


def provisions(text: str) -> list[Provision]:
    """The draft's or a decision's provisions: its sentences and list items, without bare headings."""
    out = []
    for start, end in split_sentences(text):
        sentence = LEADING_MARK.sub("", text[start:end].strip())
        start += text[start:end].index(sentence) if sentence else 0
        letters = [w for w in re.findall(r"[^\W\d_]{2,}", sentence)]
        if len(letters) < 3:
            continue
        out.append(Provision(sentence, start, tuple(dict.fromkeys(analyze(sentence))), facts(sentence)))
    return out


def topic_of(title: str) -> str:
    "'Forskrift om endring i forskrift om åpningstider for utsalgssteder, Røyken kommune' → 'åpningstider for utsalgssteder'."
    head = re.split(r",|\s+[-–]\s+|\s+i\s+[A-ZÆØÅ][\w-]+\s+kommune", title.strip(), maxsplit=1)[0]
    return TITLE_PREFIX.sub("", head.strip().rstrip(".")).strip().lower()


def _terms_match(a: str, b: str) -> bool:
    # Compounds: "solcell" (solceller) and "solcellepanel" name the same thing.
    return a == b or (min(len(a), len(b)) >= 5 and (a.startswith(b) or b.startswith(a)))


def similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    "Dice coefficient over stemmed content terms, numbers left out so a changed value does not unpair."
    a = tuple(t for t in a if not t.isdigit())
    b = tuple(t for t in b if not t.isdigit())
    if not a or not b:
        return 0.0
    matched_a = sum(any(_terms_match(x, y) for y in b) for x in a)
    matched_b = sum(any(_terms_match(y, x) for x in a) for y in b)
    return (matched_a + matched_b) / (len(a) + len(b))


def topic_similarity(a: str, b: str) -> float:
    return similarity(tuple(analyze(a)), tuple(analyze(b)))


def differences(draft: Provision, source: Provision, closeness: float) -> list[dict[str, str | None]]:
    """What a decision-maker must notice between two provisions on the same thing. Values both state alike
    are not differences; a value only one states is, when the two are otherwise close restatements."""
    out: list[dict[str, str | None]] = []
    # A provision cut at a chunk edge is shorter than the sentence it restates: what the draft says beyond the
    # cut is not missing from the decision.
    lengths = sorted((len(draft.terms), len(source.terms)))
    comparable = lengths[0] >= 0.8 * lengths[1]
    for kind in (*QUANTITY_KINDS, "zone", "purpose", "responsible"):
        mine = [f for f in draft.facts if f.kind == kind]
        theirs = [f for f in source.facts if f.kind == kind]
        if not mine and not theirs:
            continue
        only_mine = Counter(f.value for f in mine) - Counter(f.value for f in theirs)
        only_theirs = Counter(f.value for f in theirs) - Counter(f.value for f in mine)
        if not only_mine and not only_theirs:
            continue
        one_sided = not mine or not theirs
        if one_sided and (closeness < RESTATEMENT or kind in ("zone", "purpose", "responsible") or not comparable):
            continue
        out.append({
            "kind": kind,
            "draft": ", ".join(_texts(mine, only_mine)) or None,
            "source": ", ".join(_texts(theirs, only_theirs)) or None,
        })
    mine = next((f for f in draft.facts if f.kind == "obligation"), None)
    theirs = next((f for f in source.facts if f.kind == "obligation"), None)
    if mine and theirs and mine.value != theirs.value:
        out.append({"kind": "obligation", "draft": f"{mine.value.split(':')[0]} ({mine.text})",
                    "source": f"{theirs.value.split(':')[0]} ({theirs.text})"})
    return out


def _texts(facts_: list[Fact], wanted: Counter) -> list[str]:
    left = Counter(wanted)
    out = []
    for fact in facts_:
        if left[fact.value] > 0:
            out.append(fact.text)
            left[fact.value] -= 1
    return out


def pair(draft: list[Provision], source: list[Provision]) -> tuple[list[tuple[Provision, Provision, float]], list[Provision], list[Provision]]:
    """One-to-one pairs, best first; then the draft provisions nothing answers and the source provisions nothing
    restates."""
    scored = sorted(
        ((similarity(d.terms, s.terms), i, j) for i, d in enumerate(draft) for j, s in enumerate(source)),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    used_d: set[int] = set()
    used_s: set[int] = set()
    pairs = []
    # Two provisions that each say what the area is regulated to address the same thing in any wording.
    purpose = [(PAIR_THRESHOLD, i, j) for i, d in enumerate(draft) for j, s in enumerate(source)
               if any(f.kind == "purpose" for f in d.facts) and any(f.kind == "purpose" for f in s.facts)]
    scored = sorted(scored + purpose, key=lambda item: (-item[0], item[1], item[2]))
    for score, i, j in scored:
        if score < PAIR_THRESHOLD:
            break
        if i in used_d or j in used_s:
            continue
        used_d.add(i)
        used_s.add(j)
        pairs.append((draft[i], source[j], score))
    pairs.sort(key=lambda p: p[0].start)
    return pairs, [d for i, d in enumerate(draft) if i not in used_d], [s for j, s in enumerate(source) if j not in used_s]


def statements(text: str) -> list[dict[str, Any]]:
    "Relations a decision states itself: what it repeals, replaces or amends, with the Lovtidend id where dated."
    out = []
    for match in STATEMENT.finditer(text):
        verb = match.group("verb").lower()
        kind = "repeals" if verb.startswith("oppheve") else "replaces" if verb in ("erstatter", "kommer i stedet for") else "amends"
        target = None
        if match.group("year") and match.group("nr"):
            month = MONTHS[match.group("month").lower()]
            target = f"FOR-{match.group('year')}-{month:02d}-{int(match.group('day')):02d}-{match.group('nr')}"
        quote = match.group(0).strip()
        out.append({"kind": kind, "target": target, "quote": quote})
    return out


def read_draft(file: Path) -> tuple[str, str]:
    "A draft in any format ingest reads: its text and title. An unreadable draft is a clear error."
    from .loaders import load_file

    try:
        documents, _ = load_file(file, file.parent)
    except LoadError as exc:
        raise AssistantError(f"cannot read the draft {file.name}: {exc}") from exc
    if not documents:
        raise AssistantError(f"the draft {file.name} holds no text")
    return "\n\n".join(d.text for d in documents), documents[0].title


def draft_from_bytes(name: str, content: bytes) -> tuple[str, str]:
    "An uploaded draft, read by the loader for its format."
    import tempfile

    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / f"draft{suffix}"
        file.write_bytes(content)
        text, title = read_draft(file)
    return text, (title if title and title != "draft" else Path(name).stem)


class ConsistencyChecker:
    def __init__(self, retriever: HybridRetriever):
        self.retriever = retriever

    def document_provisions(self, doc_id: str) -> tuple[list[Provision], str]:
        "A stored decision's provisions, each quoting its chunk exactly; and its text, chunk after chunk."
        index = self.retriever.index
        chunk_ids = index.chunks_of(doc_id)
        stored = self.retriever.store.get(chunk_ids)
        out: list[Provision] = []
        texts = []
        for chunk_id in chunk_ids:
            if chunk_id not in stored:
                continue
            text, meta = stored[chunk_id]
            texts.append(text)
            page = meta.get("page")
            for provision in provisions(text):
                provision.chunk_id = chunk_id
                provision.page = page if isinstance(page, int) and page > 0 else None
                out.append(provision)
        return out, "\n".join(texts)

    def candidates(self, title: str, draft: list[Provision], municipality: str | None) -> dict[str, float]:
        "Decisions that may govern the same matter: found by the draft's title and its most specific provisions."
        queries = [title] if title.strip() else []
        queries += [p.text for p in sorted(draft, key=lambda p: -len(p.terms))[:SEARCH_PROVISIONS]]
        votes: dict[str, float] = {}
        for query in queries:
            if municipality and municipality.lower() not in query.lower():
                query = f"{query} {municipality}"
            for rank, hit in enumerate(self.retriever.search(query[:2000], k=8)):
                votes[hit.doc_id] = votes.get(hit.doc_id, 0.0) + 1.0 / (rank + 1)
        return votes

    def relation(self, meta: dict, topic: str, municipality: str | None, draft_date: str | None) -> str:
        same_place = bool(municipality) and str(meta.get("municipality") or "").lower() == municipality.lower()
        if not same_place or topic_similarity(topic_of(meta.get("title", "")), topic) < 0.6:
            return "same_topic"
        title = meta.get("title", "")
        if REPEALING_TITLE.search(title[:60]):
            return "repeals"
        if AMENDING_TITLE.search(title[:60]):
            return "amends"
        if draft_date and meta.get("date") and str(meta["date"]) > draft_date:
            return "later_version"
        return "earlier_version"

    def check(self, text: str, title: str = "", body: str | None = None, municipality: str | None = None,
              draft_date: str | None = None, as_of: date | None = None, limit: int = MAX_RELATED) -> dict[str, Any]:
        draft = provisions(text)
        if not draft:
            raise AssistantError("the draft has no provisions to compare (no sentence of three words or more)")
        title = title or next((line.strip() for line in text.splitlines() if line.strip()), "")
        municipality = municipality or find_municipality(text[:2000], body)
        topic = topic_of(title)
        index = self.retriever.index
        votes = self.candidates(title, draft, municipality)
        # The same municipality's other versions of this rule belong here even where search missed them.
        if municipality:
            for doc_id, meta in index.docs.items():
                if str(meta.get("municipality") or "").lower() == municipality.lower() and topic and \
                        topic_similarity(topic_of(meta.get("title", "")), topic) >= 0.6:
                    votes.setdefault(doc_id, 0.0)

        related: list[Related] = []
        for doc_id in votes:
            meta = index.docs.get(doc_id)
            if meta is None:
                continue
            source, full_text = self.document_provisions(doc_id)
            pairs, added, dropped = pair(draft, source)
            coverage = sum(score for _, _, score in pairs) / max(len(draft), 1)
            item = Related(doc_id, meta, self.relation(meta, topic, municipality, draft_date), coverage)
            item.statements = statements(full_text)
            for mine, theirs, score in pairs:
                found = differences(mine, theirs, score)
                item.pairs.append({
                    "draft_quote": mine.text, "source_quote": theirs.text, "similarity": round(score, 3),
                    "status": "differs" if found else "consistent", "differences": found,
                    "chunk_id": theirs.chunk_id, "page": theirs.page,
                })
            item.added = [p.text for p in added]
            item.dropped = [p.text for p in dropped]
            if item.pairs or item.relation != "same_topic":
                related.append(item)
        # The same municipality's versions of this rule first, then everything else; closest restatement first.
        related.sort(key=lambda r: (r.relation == "same_topic", -r.score, r.doc_id))
        timeline = build_timeline([r for r in related if r.relation != "same_topic"], as_of or date.today())
        return {
            "draft": {"title": title, "municipality": municipality, "body": body, "topic": topic,
                      "provisions": len(draft)},
            "related": [r.as_json() for r in related[:limit]],
            "timeline": timeline,
            "as_of": (as_of or date.today()).isoformat(),
        }


def build_timeline(versions: list[Related], as_of: date) -> list[dict[str, Any]]:
    """Newest first. A version is in force as of the date unless a later version, a repeal, or a statement in a
    later decision ("oppheves forskrift av …") ended it before then."""
    cutoff = as_of.isoformat()
    dated = sorted((v for v in versions if v.meta.get("date")), key=lambda v: str(v.meta["date"]))
    known = {v.meta.get("regulation_id") or v.doc_id: v for v in dated}
    ended_by: dict[str, str] = {}
    for v in dated:
        if str(v.meta["date"]) > cutoff:
            continue
        for statement in v.statements:
            if statement["kind"] in ("repeals", "replaces") and statement["target"] in known:
                ended_by[known[statement["target"]].doc_id] = v.doc_id
    bases = [v for v in dated if v.relation in ("earlier_version", "later_version") and str(v.meta["date"]) <= cutoff]
    repeals = [v for v in dated if v.relation == "repeals" and str(v.meta["date"]) <= cutoff]
    out = []
    for v in reversed(dated):
        when = str(v.meta["date"])
        if when > cutoff:
            status = "not yet adopted"
        elif v.relation in ("earlier_version", "later_version"):
            later = [b for b in bases if str(b.meta["date"]) > when] + [r for r in repeals if str(r.meta["date"]) > when]
            if v.doc_id in ended_by:
                status = f"repealed by {ended_by[v.doc_id]}"
            elif later:
                status = f"superseded by {later[0].doc_id}"
            else:
                status = "in force"
        elif v.relation == "amends":
            # An amendment lapses with the version it amended: a later version or repeal of the rule ends it.
            later = [b for b in bases + repeals if str(b.meta["date"]) > when]
            status = f"superseded by {later[0].doc_id}" if later else "in force (amendment)"
        else:
            status = "repeal in force"
        out.append({
            "doc_id": v.doc_id, "title": v.meta.get("title", ""), "date": when, "relation": v.relation,
            "status": status, "statements": v.statements,
        })
    return out
