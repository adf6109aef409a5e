"""English questions matched in Norwegian (assistant/glossary.py): phrases before words, inflected forms, and
names and unknown words kept as written."""

from __future__ import annotations

from assistant.analysis import question_terms
from assistant.glossary import bridged


def test_phrases_are_looked_up_before_their_words_and_inflections_are_undone():
    said = bridged("What did the executive committee decide about serving hours in the shops of Asker?").split()
    assert {"formannskap", "skjenketider", "butikker"} <= set(said)
    assert "committee" not in said and "serving" not in said and "shops" not in said
    assert "asker" in said  # a name is kept as written


def test_only_english_questions_are_bridged():
    assert question_terms("Hva vedtok formannskapet om skjenketider?") == ["vedtok", "formannskap", "skjenketid"]
    assert {"formannskap", "skjenketid"} <= set(question_terms("What did the executive committee decide about serving hours?"))

