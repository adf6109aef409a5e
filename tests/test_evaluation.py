"""Metric arithmetic on tiny hand-checked cases."""

from types import SimpleNamespace

import pytest

from assistant.evaluation import QAItem, all_gold_at, answer_metrics, any_gold_at, hit_at_1, mrr_at, ndcg_at, percentile, retrieval_metrics


def test_ranking_metrics_by_hand():
    ranked, gold = ["x", "a", "y", "b"], ["a", "b"]
    assert hit_at_1(ranked, gold) == 0.0
    assert mrr_at(ranked, gold) == 0.5
    assert all_gold_at(ranked, gold, 3) == 0.0 and all_gold_at(ranked, gold, 4) == 1.0
    assert any_gold_at(ranked, gold, 1) == 0.0 and any_gold_at(ranked, gold, 2) == 1.0
    # DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3)
    assert ndcg_at(ranked, gold) == pytest.approx((1 / 1.5849625 + 1 / 2.3219281) / (1 + 1 / 1.5849625), rel=1e-6)
    summary = retrieval_metrics([(ranked, gold), (["a"], ["a"])])
    assert summary["r@1"] == 0.5 and summary["mrr@10"] == 0.75 and summary["r@5"] == 1.0


def test_percentile_interpolates():
    assert percentile([10, 20, 30, 40], 0.5) == 25
    assert percentile([5], 0.95) == 5
    assert percentile([], 0.5) == 0.0


def answer(abstained, cited, quotes=()):
    citations = [SimpleNamespace(doc_id=d, quote=q) for d, q in zip(cited, list(quotes) + [""] * len(cited))]
    return SimpleNamespace(abstained=abstained, citations=citations, generator="extractive", verification=None, fallback_reason=None)


def test_answer_metrics_by_hand():
    results = [
        (QAItem("1", "q", "fact", ["A"], ["fri  høyde"]), answer(False, ["A", "B"], ["De skal ha fri høyde på 2 m", "x"]), 0.1),
        (QAItem("2", "q", "fact", ["C"], ["kl. 20"]), answer(True, []), 0.3),
        (QAItem("3", "q", "unanswerable", [], []), answer(True, []), 0.2),
        (QAItem("4", "q", "unanswerable", [], []), answer(False, ["D"]), 0.2),
    ]
    m = answer_metrics(results)
    assert m["citation_precision"] == pytest.approx(1 / 3)
    assert m["evidence_recall"] == 0.5
    assert m["abstain_unanswerable"] == 0.5 and m["false_abstain"] == 0.5
    assert m["p50_ms"] == pytest.approx(200)
