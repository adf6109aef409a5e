"""Evaluation on QA sets in the council_dev.jsonl format: document-level retrieval metrics and the
quality of the answers a user gets from `ask`."""

from __future__ import annotations

import json
import math
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


def load_qa(path: Path) -> list[QAItem]:
    items = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(QAItem(row["id"], row["question"], row.get("type", "fact"), list(row.get("gold_doc_ids") or []),
                                list(row.get("evidence") or []), row.get("lang", "nb")))
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


def answer_metrics(results: list[tuple[QAItem, Any, float]]) -> dict[str, float]:
    """results: (item, Answer, seconds). Citation precision counts every citation given, unanswerable included."""
    cited = correct = 0
    evidence_total = evidence_found = 0
    unanswerable = abstained_right = answerable = abstained_wrong = 0
    for item, answer, _ in results:
        if item.gold:
            answerable += 1
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
        report["answers_by_question"] = [
            {"id": item.id, "abstained": a.abstained, "evidence": round(a.evidence, 3),
             "cited": [c.doc_id for c in a.citations], "gold": item.gold}
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
    return "\n".join(lines)
