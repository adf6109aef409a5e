"""The page through Streamlit's AppTest: it calls the library and shows document text as text."""

from __future__ import annotations

from datetime import date

import pytest

from .conftest import REPO

APP = str(REPO / "ui" / "app.py")
QUESTION = "Hvor mye ble Asker kompensert for koronautgiftene?"


@pytest.fixture
def app(demo_settings, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(demo_settings.data_dir))
    return AppTest.from_file(APP, default_timeout=120)


def test_chat_answers_with_sources(app):
    app.run()
    assert not app.exception
    assert any("13 dokumenter" in t.value for t in app.sidebar.text)
    app.chat_input[0].set_value(QUESTION).run()
    assert not app.exception
    texts = [t.value for t in app.text]
    assert any("79 millioner kroner" in t and "[1]" in t for t in texts)
    assert app.expander and app.expander[0].label.startswith("[1] ")
    # The cited passage is shown with the quoted sentence highlighted, and a reference ready to copy.
    assert any(":orange-background[" in m.value and "79 millioner kroner" in m.value for m in app.markdown)
    assert any("Kommunestyret" in c.value and "15.06.2021" in c.value for c in app.code)
    assert len(app.session_state.history) == 1


def test_abstention_says_what_was_searched(app):
    app.run()
    app.chat_input[0].set_value("Hva koster det å feste ei grav i Førde?").run()
    assert not app.exception
    assert any("fant ikke" in i.value for i in app.info)
    assert any("Søkte i: 13 dokumenter" in t.value for t in app.text)


def test_an_abstention_shows_why_a_place_or_year_is_not_covered(app):
    app.run()
    app.chat_input[0].set_value("Hvor mye ble Asker kompensert for koronautgiftene i 2009?").run()
    assert not app.exception
    assert any("fant ikke" in i.value for i in app.info)
    assert any("nevner 2009" in t.value or "nevner ikke 2009" in t.value for t in app.text), [t.value for t in app.text]
    app.chat_input[0].set_value("Hva vedtok bystyret i Bergen om bompenger?").run()
    assert any("Kildene dekker ikke Bergen" in t.value for t in app.text), [t.value for t in app.text]


def test_a_date_filter_reaches_the_answer_and_is_offered_for_removal(app):
    app.run()
    app.sidebar.date_input(key="f_since").set_value(date(2030, 1, 1)).run()
    app.chat_input[0].set_value(QUESTION).run()
    assert not app.exception
    assert any("fant ikke" in i.value for i in app.info)
    assert any("since=2030-01-01" in t.value and "Prøv uten" in t.value for t in app.text)


def test_search_lists_documents_with_csv_and_citations(app):
    app.run()
    app.text_input(key="search_query").set_value("koronakompensasjon").run()
    assert not app.exception
    titles = [m.value for m in app.markdown if m.value.startswith("**1.")]
    assert titles, [m.value for m in app.markdown]
    assert any("Asker" in c.value for c in app.code)
    app.radio(key="search_sort").set_value("date").run()
    assert not app.exception


def test_english_interface(app):
    app.run()
    app.sidebar.radio(key="lang").set_value("en").run()
    assert app.title[0].value == "Ask about council decisions"


def test_generated_answer_through_the_page(demo_settings, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from .llm_stub import StubServer

    with StubServer("good") as stub:
        monkeypatch.setenv("ASSISTANT_DATA_DIR", str(demo_settings.data_dir))
        monkeypatch.setenv("ASSISTANT_LLM", "openai")
        monkeypatch.setenv("ASSISTANT_LLM_MODEL", "stub")
        monkeypatch.setenv("ASSISTANT_LLM_BASE_URL", stub.url)
        app = AppTest.from_file(APP, default_timeout=120)
        app.run()
        app.chat_input[0].set_value(QUESTION).run()
        assert stub.requests and stub.requests[0]["stream"] is True
    assert not app.exception
    assert app.session_state.history[0]["answer"]["generator"] == "llm"
    assert any("79 millioner kroner" in t.value and "[" in t.value for t in app.text)


def test_follow_up_question_uses_the_conversation(lovtidend_settings, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(lovtidend_settings.data_dir))
    app = AppTest.from_file(APP, default_timeout=180)
    app.run()
    app.chat_input[0].set_value("Kan butikkene i Hurum ha åpent på søndager før jul?").run()
    app.chat_input[0].set_value("Og i Røyken?").run()
    assert not app.exception
    follow = app.session_state.history[1]["answer"]
    assert follow["question"] == "Kan butikkene i Røyken ha åpent på søndager før jul?"
    assert follow["citations"][0]["doc_id"] in {"FOR-1988-12-01-960", "FOR-1998-06-25-766"}


def test_upload_is_off_by_default_and_reports_each_file(demo_settings, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from assistant.ingest import Ingestor
    from assistant.service import Assistant

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(demo_settings.data_dir))
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not any(s.value == "Legg til dokumenter" for s in app.subheader)

    # Staff deployment: a copy of the demo index with uploads on.
    settings = demo_settings.model_copy(update={"data_dir": tmp_path / "data", "allow_upload": True, "upload_max_mb": 1})
    Ingestor(settings).run([REPO / "corpus"])
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASSISTANT_ALLOW_UPLOAD", "true")
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert any(s.value == "Legg til dokumenter" for s in app.subheader)

    assistant = Assistant(settings)
    report = assistant.ingest_uploads([
        ("vedtak.txt", "Formannskapet i Asker vedtok å støtte Holmen båtforening med 20 000 kroner.".encode("cp1252")),
        ("stor.txt", b"a" * (2 * 2**20)),
        ("virus.exe", b"MZ"),
        ("skadet.pdf", b"%PDF-1.4 truncated"),
    ])
    reasons = {f["input"].rsplit("/", 1)[-1]: f["reason"] for f in report["failed"]}
    assert report["added"] == 1
    assert "larger than 1 MB" in reasons["stor.txt"] and "unknown format" in reasons["virus.exe"] and "skadet.pdf" in reasons
    assert any("Holmen" in r["text"] for r in assistant.search("Holmen båtforening støtte"))


@pytest.fixture(scope="module")
def minutes_data(tmp_path_factory, shared):
    "A whole kommunestyre møteprotokoll of Steinkjer (real texts, tests/minutes_fixture.py), ingested."
    from assistant.ingest import Ingestor

    from .conftest import make_settings
    from .minutes_fixture import minutes_text

    root = tmp_path_factory.mktemp("ui-minutes")
    (root / "kommunestyre-2026-09-16.txt").write_text(minutes_text(shared), encoding="utf-8")
    settings = make_settings(root / "data")
    assert Ingestor(settings).run([root / "kommunestyre-2026-09-16.txt"]).ok
    return settings


def test_meetings_and_votes_views(minutes_data, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(minutes_data.data_dir))
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception
    meeting = next(s for s in app.selectbox if s.label == "Møte")
    assert meeting.value["date"] == "2026-09-16" and meeting.value["body"] == "Kommunestyre"
    texts = [t.value for t in app.text]
    # The digest quotes each case's VEDTAK and gives the vote; a case opens to its path.
    assert any(t.startswith("Vedtak: «1. Vanningsanlegg ved Guldbergaunet fotballstadion etableres.") for t in texts)
    # The deciding votes as the fasit of this meeting (fasit/steinkjer/mote-1285.json) has them: PS 47/26 the
    # alternative proposal 29 to 10, PS 49/26 and PS 50/26 all 39 for.
    assert any(t.startswith("Avstemning: vedtatt 29–10") for t in texts)
    assert sum(t == "Avstemning: enstemmig (39 stemmer)" for t in texts) >= 2
    assert any(e.label == "Saksgang og status" for e in app.expander)
    # The votes view: every vote of the meeting, the party chart and its text version.
    assert app.dataframe and len(app.dataframe[0].value) == 42
    # Counts are numbers, shown as such (tests/test_presentation.py: votes between alternative proposals).
    votes = app.dataframe[0].value
    assert votes["for"].dtype.kind in "if" and votes["against"].dtype.kind in "if" and "alternatives" in votes
    app.text_input(key="v_party").set_value("H").run()
    app.radio(key="v_outcome").set_value("falt").run()
    assert not app.exception
    rows = app.dataframe[0].value
    assert len(rows) > 0 and set(rows["outcome"]) == {"falt"}


def test_a_case_opens_to_its_path_from_an_answer_and_a_search_result(minutes_data, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(minutes_data.data_dir))
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.chat_input[0].set_value("Blir det vanningsanlegg ved Guldbergaunet fotballstadion?").run()
    assert not app.exception
    # In the cited source: the case page (each treatment with its decision and votes).
    assert any(m.value == "Saksgang og status" for m in app.markdown)
    assert any("· Kommunestyre · PS 49/2026" in m.value for m in app.markdown)
    app.text_input(key="search_query").set_value("vanningsanlegg Guldbergaunet").run()
    assert not app.exception
    assert sum(e.label == "Saksgang og status" for e in app.expander) >= 2  # digest cases and search results


def test_follow_a_search_from_the_page(app, demo_settings):
    import shutil

    from assistant.follow.store import FollowStore

    try:
        app.run()
        app.text_input(key="search_query").set_value("klimabudsjett").run()
        app.text_input(key="follow_name").set_value("klima").run()
        app.button(key="follow_add").click().run()
        assert not app.exception
        assert any("Følger «klima»" in s.value for s in app.success)
        follow = FollowStore(demo_settings.data_dir).get("klima")
        assert follow["query"] == "klimabudsjett" and follow["seen"]
        app.button(key="news_check").click().run()
        assert any("Ingenting nytt" in i.value for i in app.info)
        assert any("klima" in m.value for m in app.markdown)
    finally:
        shutil.rmtree(demo_settings.data_dir / "follows", ignore_errors=True)
