"""The chat page through Streamlit's AppTest: it calls the library and shows document text as text."""

from __future__ import annotations

import pytest

from .conftest import REPO

APP = str(REPO / "ui" / "app.py")


@pytest.fixture
def app(demo_settings, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(demo_settings.data_dir))
    return AppTest.from_file(APP, default_timeout=120)


def test_chat_answers_with_sources(app):
    app.run()
    assert not app.exception
    assert any("3 dokumenter" in t.value for t in app.sidebar.text)
    app.chat_input[0].set_value("Hvor mye ble Asker kompensert for koronautgiftene?").run()
    assert not app.exception
    texts = [t.value for t in app.text]
    assert any("79 millioner kroner" in t and "[1]" in t for t in texts)
    assert app.expander and app.expander[0].label.startswith("[1] Asker kommunestyre")
    assert len(app.session_state.history) == 1


def test_abstention_is_shown(app):
    app.run()
    app.chat_input[0].set_value("Hva koster det å feste ei grav i Førde?").run()
    assert not app.exception
    assert any("fant ikke" in t.value for t in app.text)


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
        app.chat_input[0].set_value("Hvor mye ble Asker kompensert for koronautgiftene?").run()
        assert stub.requests and stub.requests[0]["stream"] is True
    assert not app.exception
    assert app.session_state.history[0]["answer"]["generator"] == "llm"
    assert any("79 millioner kroner" in t.value and "[" in t.value for t in app.text)
