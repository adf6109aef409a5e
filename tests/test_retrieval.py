from __future__ import annotations

import re
from datetime import date

import pytest

from assistant.retrieval import Filters, HybridRetriever, as_langchain_retriever


@pytest.fixture(scope="module")
def retriever(lovtidend_settings):
    return HybridRetriever(lovtidend_settings)


def test_dev_questions_find_a_gold_document_in_the_top_5(retriever, dev_questions):
    answerable = [q for q in dev_questions if q["gold_doc_ids"]]
    found = sum(bool(set(q["gold_doc_ids"]) & {h.doc_id for h in retriever.search(q["question"], k=5)}) for q in answerable)
    assert found / len(answerable) >= 0.9, f"{found}/{len(answerable)}"


def test_hybrid_beats_each_retriever_alone(retriever, dev_questions):
    answerable = [q for q in dev_questions if q["gold_doc_ids"]]

    def first_gold_rank_sum(mode: str) -> float:
        total = 0.0
        for q in answerable:
            ranked = [h.doc_id for h in retriever.search(q["question"], k=10, mode=mode)]
            total += next((1 / r for r, d in enumerate(ranked, 1) if d in q["gold_doc_ids"]), 0.0)
        return total / len(answerable)

    hybrid = first_gold_rank_sum("hybrid")
    assert hybrid >= first_gold_rank_sum("dense")
    assert hybrid >= first_gold_rank_sum("bm25_docs")


def test_english_question_finds_norwegian_rule(retriever):
    hits = retriever.search('In Lebesby in Finnmark, what counts as a "public place" under the local police bylaw?', k=5)
    assert "FOR-1992-09-10-654" in [h.doc_id for h in hits]


def test_filters_restrict_every_result(retriever):
    hits = retriever.search("åpningstider for utsalgssteder", k=10, filters=Filters(since=date(1995, 1, 1), until=date(1998, 12, 31)))
    assert hits
    assert all(19950101 <= h.meta["date_int"] <= 19981231 for h in hits)
    hits = retriever.search("ordensregler", k=10, filters=Filters(body="asker KOMMUNESTYRE"))
    assert hits and all(h.meta["body"] == "Asker kommunestyre" for h in hits)
    assert all(p.meta["body"] == "Asker kommunestyre" for h in hits for p in h.passages)


def test_exact_regulation_id_comes_first(retriever):
    hits = retriever.search("Hva sier FOR-1994-02-15-169?", k=5)
    assert hits[0].doc_id == "FOR-1994-02-15-169" and hits[0].exact


def test_passages_belong_to_their_document(retriever):
    for hit in retriever.search("snøscooter løyper", k=5):
        assert hit.passages and all(p.doc_id == hit.doc_id and p.meta["doc_id"] == hit.doc_id for p in hit.passages)


def test_langchain_retriever_contract(retriever):
    lc = as_langchain_retriever(retriever, k=3)
    documents = lc.invoke("Kan butikkene i Hurum ha åpent på søndager før jul?")
    assert len(documents) == 3
    assert documents[0].metadata["doc_id"] == "FOR-1994-02-15-169"
    assert documents[0].page_content and documents[0].metadata["rank"] == 1


def test_unknown_mode_is_an_error(retriever):
    with pytest.raises(ValueError, match="unknown retrieval"):
        retriever.search("x", mode="magic")


def test_documents_naming_a_place_match_it_as_a_whole_word(retriever):
    index = retriever.index
    for place in ("Hol", "Asker", "Nore og Uvdal", "Bergen"):
        pattern = re.compile(rf"(?<![\wæøåÆØÅ]){place}(?![\wæøåÆØÅ])")
        expected = {d for d, m in index.docs.items()
                    if pattern.search(" ".join(str(m.get(k, "")) for k in ("title", "body", "municipality", "applies_to")))}
        assert index.docs_naming(place) == expected
    assert index.docs_naming("Asker") and not index.docs_naming("Ask")  # a name inside a longer word is not named


def test_a_query_on_an_empty_collection_finds_nothing(tmp_path):
    from assistant.store import ChromaStore
    from tests.conftest import make_settings

    store = ChromaStore(make_settings(tmp_path / "empty"))
    assert store.query([0.1] * 384, 60) == []
