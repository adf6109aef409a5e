"""Minimal chat page: a thin caller of the library. Document text is always shown as plain text."""

from __future__ import annotations

import streamlit as st

from assistant.answering import Answer
from assistant.config import Settings, get_settings
from assistant.errors import AssistantError
from assistant.service import Assistant

st.set_page_config(page_title="Kommunale vedtak – spør kildene", page_icon="🏛️", layout="centered")


@st.cache_resource(show_spinner="Laster modell og indeks …")
def load_assistant(settings_json: str) -> Assistant:
    # Once per server process and configuration: the embedding model and the keyword index are the slow
    # part of a cold start.
    return Assistant(Settings.model_validate_json(settings_json))


def show_answer(answer: dict) -> None:
    # The answer is built from document sentences: show it as text, never as Markdown or HTML.
    st.text(answer["answer"])
    for citation in answer["citations"]:
        label = f"[{citation['n']}] {citation['title']}"
        with st.expander(label):
            details = " · ".join(str(x) for x in (citation.get("body"), citation.get("date"),
                                                  citation.get("regulation_id") or citation.get("case_number"),
                                                  f"side {citation['page']}" if citation.get("page") else None) if x)
            st.caption(details)
            st.text(citation["quote"])
            if citation.get("url"):
                st.link_button("Åpne originalen", citation["url"])


st.title("Spør om kommunale vedtak")
st.caption("Svar hentes ordrett fra dokumentene, med kildehenvisning. Finner den ikke noe, sier den det.")

try:
    assistant = load_assistant(get_settings().model_dump_json())
    info = assistant.stats()
except AssistantError as exc:
    st.error(str(exc))
    st.stop()

with st.sidebar:
    st.subheader("Indeksen")
    st.text(f"{info['documents']} dokumenter, {info['chunks']} tekstbiter")
    st.text(f"Datoer: {info['date_range'][0]} – {info['date_range'][1]}")
    st.text(f"Sist oppdatert: {info['last_ingest']}")

if "history" not in st.session_state:
    st.session_state.history = []

for turn in st.session_state.history:
    with st.chat_message("user"):
        st.text(turn["question"])
    with st.chat_message("assistant"):
        show_answer(turn["answer"])

question = st.chat_input("Spør om et vedtak, f.eks. «Hvor mye ble Asker kompensert for koronautgiftene?»")
if question:
    with st.chat_message("user"):
        st.text(question)
    with st.chat_message("assistant"):
        try:
            final = None
            streamed = ""
            live = st.empty()
            with st.spinner("Søker i kildene …"):
                earlier = [turn["answer"]["question"] for turn in st.session_state.history]
                for piece in assistant.ask_stream(question, history=earlier):
                    if isinstance(piece, Answer):
                        final = piece
                    else:
                        # A generated answer appears as it is written; as plain text, since it may echo documents.
                        streamed += piece
                        live.text(streamed)
            live.empty()
            answer = final.as_json()
        except AssistantError as exc:
            st.warning(str(exc))
        else:
            show_answer(answer)
            st.session_state.history.append({"question": question, "answer": answer})
