"""Evaluation on QA sets in the council_dev.jsonl format: document-level retrieval metrics and the
quality of the answers a user gets from `ask`."""

from __future__ import annotations

import json
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import AssistantError


@dataclass
class QAItem:
    id: str
    question: str
    type: str
    gold: list[str]
    evidence: list[str]
    lang: str = "nb"
    vote: dict[str, Any] | None = None  # {"for", "against", "outcome"} for vote questions


def load_qa(path: Path) -> list[QAItem]:
    items = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(QAItem(row["id"], row["question"], row.get("type", "fact"), list(row.get("gold_doc_ids") or []),
                                list(row.get("evidence") or []), row.get("lang", "nb"), row.get("vote")))
        except (ValueError, KeyError) as exc:
            raise AssistantError(f"{path}:{line_no}: not a QA record ({exc})") from exc
    if not items:
        raise AssistantError(f"{path}: no questions")
    return items


# ---- metric arithmetic (document level) ------------------------------------------------------------
def hit_at_1(ranked: list[str], gold: list[str]) -> float:
    return float(bool(ranked) and ranked[0] in gold)


def all_gold_at(ranked: list[str], gold: list[str], k: int) -> float:
    return float(set(gold) <= set(ranked[:k]))


def any_gold_at(ranked: list[str], gold: list[str], k: int) -> float:
    return float(bool(set(gold) & set(ranked[:k])))


def mrr_at(ranked: list[str], gold: list[str], k: int = 10) -> float:
    for rank, doc_id in enumerate(ranked[:k], start=1):
        if doc_id in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: list[str], gold: list[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(rank + 1) for rank, d in enumerate(ranked[:k], start=1) if d in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return dcg / ideal if ideal else 0.0


def retrieval_metrics(runs: list[tuple[list[str], list[str]]]) -> dict[str, float]:
    """runs: (ranked doc ids, gold doc ids) for answerable questions."""
    n = len(runs) or 1
    return {
        "n": len(runs),
        "r@1": sum(hit_at_1(r, g) for r, g in runs) / n,
        "r@5": sum(all_gold_at(r, g, 5) for r, g in runs) / n,
        "any@5": sum(any_gold_at(r, g, 5) for r, g in runs) / n,
        "mrr@10": sum(mrr_at(r, g) for r, g in runs) / n,
        "ndcg@10": sum(ndcg_at(r, g) for r, g in runs) / n,
    }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


OUTCOME_STATED = {
    "vedtatt": re.compile(r"\b(vedtatt|vedteke|adopted|enstemmig|samrøystes|unanimously)\b", re.IGNORECASE),
    "falt": re.compile(r"\b(falt|fall|fell|ikke vedtatt|ikkje vedteke|rejected)\b", re.IGNORECASE),
}
UNANIMOUS_STATED = re.compile(r"\b(enstemmig|samrøystes|unanimously)\b", re.IGNORECASE)


def states_vote(answer_text: str, vote: dict[str, Any]) -> bool:
    """The answer states the vote: one line of it holds both counts (or "enstemmig" for a vote with none
    against) and the outcome."""
    for line in answer_text.splitlines():
        numbers = set(re.findall(r"(?<![\d/.])\d+(?![\d/])", line))
        counts = str(vote["for"]) in numbers and (str(vote["against"]) in numbers
                                                  or (vote["against"] == 0 and bool(UNANIMOUS_STATED.search(line))))
        outcome = OUTCOME_STATED.get(vote.get("outcome", ""), OUTCOME_STATED["vedtatt"]).search(line)
        if counts and outcome:
            return True
    return False


def answer_metrics(results: list[tuple[QAItem, Any, float]]) -> dict[str, float]:
    """results: (item, Answer, seconds). Citation precision counts every citation given, unanswerable included."""
    cited = correct = 0
    evidence_total = evidence_found = 0
    unanswerable = abstained_right = answerable = abstained_wrong = 0
    gold_cited = votes = votes_stated = 0
    for item, answer, _ in results:
        if item.vote:
            votes += 1
            votes_stated += states_vote(answer.text, item.vote)
        if item.gold:
            answerable += 1
            gold_cited += any(c.doc_id in item.gold for c in answer.citations)
            abstained_wrong += answer.abstained
            quotes = _norm(" ".join(c.quote for c in answer.citations))
            for evidence in item.evidence:
                evidence_total += 1
                evidence_found += _norm(evidence) in quotes
        else:
            unanswerable += 1
            abstained_right += answer.abstained
        for citation in answer.citations:
            cited += 1
            correct += citation.doc_id in item.gold
    latencies = [seconds * 1000 for _, _, seconds in results]
    generated = [a for _, a, _ in results if a.generator == "llm"]
    checked = sum(a.verification.sentences for a in generated if a.verification)
    flagged = sum(len(a.verification.flagged) for a in generated if a.verification)
    return {
        "generated": len(generated),
        "fallbacks": sum(1 for _, a, _ in results if a.fallback_reason),
        "flagged_share": flagged / checked if checked else 0.0,
        "removed_markers": sum(len(a.verification.removed_markers) for a in generated if a.verification),
        "citation_precision": correct / cited if cited else 0.0,
        "citations": cited,
        "evidence_recall": evidence_found / evidence_total if evidence_total else 0.0,
        "abstain_unanswerable": abstained_right / unanswerable if unanswerable else 0.0,
        "false_abstain": abstained_wrong / answerable if answerable else 0.0,
        "gold_cited": gold_cited / answerable if answerable else 0.0,
        "votes": votes, "votes_stated": votes_stated / votes if votes else 0.0,
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
    }


def evaluate(assistant, items: list[QAItem], k: int = 10, modes: list[str] | None = None,
             answers: bool = True, progress: Callable[[int, int], None] | None = None,
             baselines: dict[str, Any] | None = None) -> dict[str, Any]:
    """Retrieval per mode of our retriever, then per baseline (objects with rank(question, k) -> doc ids)."""
    retriever = assistant.retriever
    report: dict[str, Any] = {"n": len(items), "answerable": sum(bool(i.gold) for i in items)}
    runs_by_mode: dict[str, dict[str, Any]] = {}
    per_question: list[dict[str, Any]] = []
    rankers = {mode: (lambda q, m=mode: [h.doc_id for h in retriever.search(q, k=k, mode=m)]) for mode in ["hybrid", *(modes or [])]}
    rankers.update({name: (lambda q, b=baseline: b.rank(q, k)) for name, baseline in (baselines or {}).items()})
    for mode, rank in rankers.items():
        runs, by_type = [], defaultdict(list)
        for item in items:
            if not item.gold:
                continue
            ranked = rank(item.question)
            runs.append((ranked, item.gold))
            by_type[item.type].append((ranked, item.gold))
            if mode == "hybrid":
                per_question.append({"id": item.id, "type": item.type, "gold": item.gold, "ranked": ranked[:5],
                                     "mrr": mrr_at(ranked, item.gold)})
        runs_by_mode[mode] = {"overall": retrieval_metrics(runs),
                              "by_type": {t: retrieval_metrics(r) for t, r in sorted(by_type.items())}}
    report["retrieval"] = runs_by_mode.pop("hybrid")
    if runs_by_mode:
        report["baselines"] = runs_by_mode
    if answers:
        results = []
        for done, item in enumerate(items, start=1):
            started = time.perf_counter()
            answer = assistant.ask(item.question)
            results.append((item, answer, time.perf_counter() - started))
            if progress:
                progress(done, len(items))
        report["answers"] = answer_metrics(results)
        by_type: dict[str, list] = defaultdict(list)
        for result in results:
            by_type[result[0].type].append(result)
        report["answers_by_type"] = {t: answer_metrics(r) for t, r in sorted(by_type.items())}
        report["answers_by_question"] = [
            {"id": item.id, "type": item.type, "abstained": a.abstained, "evidence": round(a.evidence, 3),
             "cited": [c.doc_id for c in a.citations], "gold": item.gold,
             "evidence_missing": [e for e in item.evidence
                                  if _norm(e) not in _norm(" ".join(c.quote for c in a.citations))],
             **({"vote_stated": states_vote(a.text, item.vote)} if item.vote else {})}
            for item, a, _ in results
        ]
    report["retrieval_by_question"] = per_question
    return report


def format_report(report: dict[str, Any]) -> str:
    lines = [f"questions: {report['n']} ({report['answerable']} answerable)", "",
             "| ranking | R@1 | all-gold@5 | any-gold@5 | MRR@10 | nDCG@10 |", "|---|---|---|---|---|---|"]

    def row(name: str, m: dict[str, float]) -> str:
        return f"| {name} | {m['r@1']:.3f} | {m['r@5']:.3f} | {m['any@5']:.3f} | {m['mrr@10']:.3f} | {m['ndcg@10']:.3f} |"

    lines.append(row("hybrid (ours)", report["retrieval"]["overall"]))
    for name, result in (report.get("baselines") or {}).items():
        lines.append(row(name, result["overall"]))
    lines += ["", "| type (hybrid) | n | R@1 | all-gold@5 | MRR@10 |", "|---|---|---|---|---|"]
    for name, m in report["retrieval"]["by_type"].items():
        lines.append(f"| {name} | {m['n']} | {m['r@1']:.3f} | {m['r@5']:.3f} | {m['mrr@10']:.3f} |")
    if "answers" in report:
        a = report["answers"]
        if a.get("generated") or a.get("fallbacks"):
            lines += ["", f"generated answers: {a['generated']}, fallbacks to extractive: {a['fallbacks']}, "
                          f"flagged sentences: {a['flagged_share']:.3f}, invalid markers removed: {a['removed_markers']}"]
        lines += ["", "| citation precision | evidence recall | abstain (unanswerable) | false abstain | ask p50 ms | ask p95 ms |",
                  "|---|---|---|---|---|---|",
                  f"| {a['citation_precision']:.3f} | {a['evidence_recall']:.3f} | {a['abstain_unanswerable']:.3f} | "
                  f"{a['false_abstain']:.3f} | {a['p50_ms']:.0f} | {a['p95_ms']:.0f} |"]
        lines += ["", "| answers by type | n | gold cited | evidence recall | votes stated | abstain (unanswerable) | false abstain |",
                  "|---|---|---|---|---|---|---|"]
        for name, m in [("all", a), *report.get("answers_by_type", {}).items()]:
            n = sum(1 for q in report["answers_by_question"] if name == "all" or q["type"] == name)
            votes = f"{m['votes_stated']:.3f} ({m['votes']})" if m.get("votes") else "–"
            lines.append(f"| {name} | {n} | {m['gold_cited']:.3f} | {m['evidence_recall']:.3f} | {votes} | "
                         f"{m['abstain_unanswerable']:.3f} | {m['false_abstain']:.3f} |")
        misses = [q for q in report["answers_by_question"]
                  if (q["gold"] and (q["abstained"] or q["evidence_missing"] or not set(q["cited"]) & set(q["gold"])
                                     or q.get("vote_stated") is False)) or (not q["gold"] and not q["abstained"])]
        if misses:
            lines += ["", "questions answered wrongly or refused (evidence score that decided):"]
            for q in misses:
                what = ("abstained" if q["abstained"] else "answered an unanswerable question") if (q["abstained"] or not q["gold"]) else \
                    ", ".join(x for x in ("no gold cited" if not set(q["cited"]) & set(q["gold"]) else "",
                                         f"{len(q['evidence_missing'])} evidence not quoted" if q["evidence_missing"] else "",
                                         "vote not stated" if q.get("vote_stated") is False else "") if x)
                lines.append(f"- {q['id']} ({q['type']}, evidence {q['evidence']:.3f}): {what}")
    return "\n".join(lines)
