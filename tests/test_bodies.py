"""Which body a question has act (assistant/bodies.py), and when an index knows its bodies well enough to say
that one is missing."""

from __future__ import annotations

import pytest

from assistant.bodies import acting_bodies, indexed_kinds, uncovered_bodies
from assistant.keyword import KeywordIndex


@pytest.mark.parametrize("question, acting", [
    ("Hva vedtok kontrollutvalget om årsregnskapet?", [("kontrollutvalg", "kontrollutvalget")]),
    ("Kva meinte kontrollutvalet om rekneskapen?", [("kontrollutvalg", "kontrollutvalet")]),
    ("Hvem stemte mot i klagenemnda i mars?", [("klagenemnd", "klagenemnda")]),
    ("What did the audit committee decide on the accounts?", [("kontrollutvalg", "audit committee")]),
    ("Hva mente rådet for personer med funksjonsnedsettelse om planprogrammet?",
     [("råd for personer med funksjonsnedsettelse", "rådet for personer med funksjonsnedsettelse")]),
    ("Når vedtok bystyret i Steinkjer budsjettet?", [("kommunestyre", "bystyret")]),
    # What is asked about, not who acted: another body's decision can answer these.
    ("Hvor mange medlemmer skal eldrerådet i Bodø ha?", []),
    ("Hva vedtok kommunestyret om eldrerådet?", [("kommunestyre", "kommunestyret")]),
    ("Hva sier reglene om valgstyret?", []),
    # What a regulation lets a body do: a council's regulation answers it.
    ("Kan teknisk utvalg godkjenne unntak fra parkeringsnormen i Asker?", []),
    ("Hvem avgjør om formannskapet skal behandle klagen?", []),
])
def test_a_body_counts_as_named_where_the_question_has_it_act(question, acting):
    assert acting_bodies(question) == acting


def _index(bodies: list[str]) -> KeywordIndex:
    return KeywordIndex.build("g1", [(f"c{i}", "Vedtak om skjenketider.", {"doc_id": f"d{i}", "body": body})
                                     for i, body in enumerate(bodies)])


def test_a_body_is_missing_only_from_an_index_that_knows_its_bodies():
    known = _index(["Kommunestyre", "Formannskap", "Eldrerådet"] * 4)
    assert indexed_kinds(known) == {"kommunestyre", "formannskap", "eldreråd"}
    assert uncovered_bodies("Hva vedtok kontrollutvalget om skjenketider?", known) == ["kontrollutvalget"]
    assert uncovered_bodies("Hva mente eldrerådet om skjenketider?", known) == []
    assert uncovered_bodies("What did the audit committee decide?", known) == ["the audit committee"]
    # Two documents in twelve say nothing of their body: either could be the kontrollutvalg's.
    unlabelled = _index(["Kommunestyre", "Formannskap", "Eldrerådet"] * 3 + ["", "", "Kommunestyre"])
    assert indexed_kinds(unlabelled) is None
    assert uncovered_bodies("Hva vedtok kontrollutvalget om skjenketider?", unlabelled) == []
