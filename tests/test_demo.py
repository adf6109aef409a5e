"""The demo a new user meets (corpus/): residents' questions about Asker kommunestyre 15 June 2021, each
checked against the fact it must state and the case it must cite. Every fact of the seed article has a
question here; one question the demo cannot answer must be declined."""

from __future__ import annotations

import json

import pytest

from assistant.records.digest import meeting_digest
from assistant.records.views import case_view, vote_rows
from assistant.service import Assistant

KS = "corpus/asker-kommunestyret-2021-06-15-moteprotokoll.pdf"

# (question, words the answer states, the case it cites first: the council's, or the saksframlegg's archive number)
FACTS = [
    ("Hvor mye ble Asker kompensert for koronautgiftene?", ["79 millioner"], "PS 41/2021"),
    ("Hvem rapporteres merutgiftene til koronapandemien til?", ["Statsforvalteren"], "PS 41/2021"),
    ("Skal kommunene få dekket merutgiftene til pandemien fullt ut?", ["fullt ut"], "PS 41/2021"),
    ("Hvor mye ble budsjettet for 2021 justert med?", ["90 millioner"], "PS 42/2021"),
    ("Når legger kommunedirektøren fram forslaget til handlingsprogram?", ["21. september"], ("PS 43/2021", "21/1234")),
    ("Når må partiene levere endringsforslag til handlingsprogrammet?", ["12. november"], "PS 43/2021"),
    ("Når kommer tilleggsinnstillingen til handlingsprogrammet?", ["23. november"], "PS 43/2021"),
    ("Når vedtar kommunestyret handlingsprogrammet endelig?", ["14. desember"], "PS 43/2021"),
    ("Hvilket klimabudsjett skal handlingsprogrammet 2022-2025 inneholde?", ["andre klimabudsjett"], "PS 43/2021"),
    ("Hvordan ligger elevenes resultater an sammenlignet med Bærum og Drammen?", ["Bærum", "Drammen"], "PS 44/2021"),
    ("Er lærernormen oppfylt i Asker-skolen?", ["Lærernormen"], "PS 44/2021"),
    ("Hvilken paragraf i opplæringsloven krever tilstandsrapporten?", ["13-3e"], "PS 44/2021"),
    ("Hva er målet med temaplanen for barnehage- og skolekapasitet?", ["rett bygg"], "PS 45/2021"),
    ("Hvilke steder hører til Asker sør i temaplanen for skolekapasitet?", ["Røyken", "Tofte"], "PS 45/2021"),
    ("Hva skal temaplanen for fysisk aktivitet, idrett og friluftsliv legge til rette for?", ["god helse"], "PS 46/2021"),
    ("Hva er klimalovens mål for 2050?", ["lavutslippssamfunn"], "PS 47/2021"),
    ("Hvor mye skal Norge kutte klimagassutslippene innen 2030?", ["50-55 prosent"], "PS 47/2021"),
    ("Hvilke seks innsatsområder har klimaplanen?", ["Klimasmart mat"], "PS 47/2021"),
]


@pytest.fixture(scope="module")
def demo(demo_settings):
    return Assistant(demo_settings)


def test_every_fact_of_the_article_is_answered_with_a_citation(demo):
    wrong = []
    for question, words, case in FACTS:
        answer = demo.ask(question)
        flat = " ".join(answer.text.split())
        cited = answer.citations[0] if answer.citations else None
        if answer.abstained or cited is None or cited.case_number not in (case if isinstance(case, tuple) else (case,)) \
                or not all(w in flat for w in words):
            wrong.append((question, cited.case_number if cited else None, flat[:160]))
            continue
        # The words stand in the quoted record itself, on a named page of the PDF.
        quotes = " ".join(" ".join(c.quote.split()) for c in answer.citations)
        assert all(w in quotes for w in words), question
        if cited.case_number.startswith("PS"):
            assert cited.doc_id.startswith(KS) and cited.page and cited.body == "Kommunestyret" and cited.date == "2021-06-15"
        else:
            assert answer.text.startswith("Saksframlegg") and cited.page is None
    assert not wrong, wrong


def test_a_vote_question_states_the_count_and_who(demo):
    answer = demo.ask("Hvordan stemte FrP om temaplanen Handling mot klimaendringene?")
    assert answer.citations[0].case_number == "PS 47/2021"
    assert "vedtatt mot 6 stemmer" in answer.text and "FRP (6)" in answer.text


def test_a_fallen_proposal_is_labelled_and_comes_after_the_decision(demo):
    answer = demo.ask("Ble forslaget om å utsette temaplanen for skolekapasitet vedtatt?")
    lines = answer.text.splitlines()
    decision = [i for i, line in enumerate(lines) if "vedtar temaplan for barnehage- og skolekapasitet" in line]
    proposal = [i for i, line in enumerate(lines) if "utsettes til høsten" in line]
    assert decision and proposal and max(decision) < min(proposal)
    assert all("falt, ikke vedtak" in lines[i] for i in proposal)


def test_the_case_path_runs_through_the_formannskap(demo):
    answer = demo.ask("Hva vedtok kommunestyret om strategiske mål og økonomiske rammer?")
    assert "Saksgang: Formannskapet 01.06.2021 (PS 79/2021) → Kommunestyret 15.06.2021 (PS 43/2021)." in answer.text
    records = demo.records()
    view = case_view(records, f"{KS}::PS 43/2021")
    assert [(s["body"], s["case_number"]) for s in view["path"]] == [("Formannskapet", "PS 79/2021"), ("Kommunestyret", "PS 43/2021")]


def test_digest_and_votes_of_the_meeting(demo):
    records = demo.records()
    digest = meeting_digest(records, "Kommunestyret", "2021-06-15")
    numbers = [case["case_number"] for case in digest["cases"]]
    assert numbers == [f"PS {n}/2021" for n in range(41, 48)], numbers
    assert [c["case_number"] for c in digest["folded"]] == ["PS 40/2021"]
    rows = vote_rows(records, body="Kommunestyret")
    alternatives = next(r for r in rows if r["case_number"] == "PS 43/2021" and r["alternatives"])
    assert [(a["count"], a["outcome"]) for a in alternatives["alternatives"]] == [(61, "vedtatt"), (6, "falt")]
    meeting = next(d for d, m in records.meta.items() if m.get("doc_type") == "møteprotokoll" and m.get("body") == "Kommunestyret")
    assert len(json.loads(records.meta[meeting]["attendance"])) == 67


@pytest.mark.parametrize("question, place", [
    ("Hva vedtok bystyret i Bergen om bompenger?", "Bergen"),
    ("What did the council in Oslo decide about parking fees?", "Oslo"),
])
def test_declines_a_question_about_a_place_it_does_not_cover(demo, question, place):
    answer = demo.ask(question)
    assert answer.abstained and not answer.citations
    assert place in answer.text and answer.searched["not_covered"] == [place]
