"""What a question asks for, and whether a sentence holds it (assistant.answer_types)."""

from __future__ import annotations

import pytest

from assistant.answer_types import expected_types, holds_answer


@pytest.mark.parametrize("question, kind", [
    ("Når stoppet ølsalget på lørdager?", "time"),
    ("Kva tid må butikkane stengje?", "time"),
    ("Hvilke klokkeslett kan jeg kjøre på en søndag?", "time"),
    ("For hvilken periode godtok fylkesmannen plankravet?", "period"),
    ("Hvor lenge kan jeg stå på torget?", "period"),
    ("Hvilket budsjett- og regnskapsår gjaldt forsøket for?", "year"),
    ("Which budget and accounting year did the trial cover?", "year"),
    ("Hvor mye må det være før jeg må melde fra?", "amount"),
    ("Hvor høyt over bakken må skiltet henge?", "measure"),
    ("Hvor gammel var han da han ble konge?", "age"),
    ("Hvem vedtok søppelreglene i Andebu?", "body"),
    ("Er det lov å køyre vasscooter i Hemsedal?", "permission"),
    ("Jeg har en kafé. Må jeg være med på ordningen?", "permission"),
    ("Hvor ble offeret funnet?", "place"),
])
def test_the_question_says_what_it_asks_for(question, kind):
    assert kind in expected_types(question)


def test_how_long_something_may_stay_open_is_answered_by_the_hours():
    """"Hvor lenge kan jeg stå på torget?" is answered by "hverdager 06 – 20, lørdager 06 – 18", a clock range,
    as well as by a period ("t.o.m. 30. juni")."""
    kinds = expected_types("Hvor lenge kan jeg stå på torget på Hvaler?")
    assert "time" in kinds and "period" in kinds
    assert holds_answer("Følger i utgangspunktet de alminnelige lukningsvedtektene (hverdager 06 – 20, lørdager 06 – 18)", kinds)
    assert "time" in expected_types("How long could shops in Stavanger stay open on Christmas Eve?")


@pytest.mark.parametrize("question", ["Hva sier reglene om hundehold?", "Hvorfor ble saken utsatt?"])
def test_a_question_that_does_not_say_asks_for_nothing_in_particular(question):
    assert expected_types(question) == ()


@pytest.mark.parametrize("sentence, kinds, holds", [
    ("Forskriften forlenges f.o.m. 1. juli 1989 t.o.m. 30. juni 1990.", ("period",), True),
    ("Kjøring er tillatt på søn- og helligdager fra 08 – 10 og fra 16 – 20.", ("time",), True),
    ("Forsøket gjøres gjeldende for budsjett- og regnskapsårene 1999.", ("year",), True),
    ("Det er forbod mot bruk av vannscooter i heile kommunen.", ("permission",), True),
    ("Uthengsskilt skal ha fri høyde på minst 2,20 m.", ("measure",), True),
    ("Han etterfulgte sin far da han var tjue år gammel.", ("age",), True),
    ("Forskriften ble vedtatt av Andebu kommunestyre.", ("body",), True),
    ("Forskriften gjelder for hele kommunen.", ("time", "date", "year", "amount", "measure"), False),
])
def test_whether_a_sentence_holds_it(sentence, kinds, holds):
    assert holds_answer(sentence, kinds) is holds


@pytest.mark.parametrize("text, first", [
    ("Brutto investeringsramme for prosjektet økes med kr. 1.400.000, finansiert med lån. Neste sak.",
     "Brutto investeringsramme for prosjektet økes med kr. 1.400.000, finansiert med lån."),
    ("Forskriften forlenges f.o.m. 1. juli 1989 t.o.m. 30. juni 1990. Den gjelder hele kommunen.",
     "Forskriften forlenges f.o.m. 1. juli 1989 t.o.m. 30. juni 1990."),
    ("Salg kan skje til kl. 20.00 på hverdager. Lørdag til kl. 18.00.", "Salg kan skje til kl. 20.00 på hverdager."),
])
def test_an_abbreviation_does_not_end_the_quoted_sentence(text, first):
    from assistant.analysis import split_sentences

    start, end = split_sentences(text)[0]
    assert text[start:end] == first


@pytest.mark.parametrize("term, variant", [
    ("køyr", "kjør"), ("kjør", "køyr"), ("vasscoot", "vannscoot"), ("sjukeheim", "sykehjem"), ("hjemmel", "heimel"),
])
def test_a_word_in_one_written_standard_has_its_form_in_the_other(term, variant):
    from assistant.analysis import spelling_variants

    assert variant in spelling_variants(term)
