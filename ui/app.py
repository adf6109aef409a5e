"""The page residents, journalists and staff use: chat, search, coverage. A thin caller of the library.

Document text is never rendered as live HTML or Markdown: it goes through st.text, st.code or
presentation.escape_markdown, and nothing here uses unsafe_allow_html.
"""

from __future__ import annotations

import re
from datetime import date

import streamlit as st

from assistant.answering import Answer
from assistant.config import Settings, get_settings
from assistant.errors import AssistantError
from assistant.presentation import (
    KIND_NB, RELATION_NB, UI_TEXT, VOTE_FIELDS, chat_markdown, escape_markdown, highlighted_passage, party_positions,
    reference, results_csv, sort_results, status_nb, timeline, vote_table,
)  # fmt: skip
from assistant.retrieval import Filters
from assistant.service import Assistant

st.set_page_config(page_title="Kommunale vedtak – spør kildene", page_icon="🏛️", layout="wide")


@st.cache_resource(show_spinner="Laster modell og indeks …")
def load_assistant(settings_json: str) -> Assistant:
    # Once per server process and configuration: the embedding model and the keyword index are the slow
    # part of a cold start; every session and question shares them.
    return Assistant(Settings.model_validate_json(settings_json))


def note(text: str) -> None:
    # Not st.caption: its faded grey fails WCAG 2.1 AA contrast (4.5:1) on a white page (axe color-contrast).
    st.markdown(escape_markdown(text))


def details(item: dict) -> str:
    return " · ".join(
        str(x) for x in (item.get("body"), item.get("date"), item.get("regulation_id") or item.get("case_number"),
                         f"{W['page']} {item['page']}" if item.get("page") else None) if x
    )  # fmt: skip


def show_sources(answer: dict) -> None:
    for citation in answer["citations"]:
        with st.expander(f"[{citation['n']}] {citation['title']}"):
            note(details(citation))
            note(W["passage"])
            st.markdown(highlighted_passage(citation.get("passage") or citation["quote"], citation["quote"]))
            st.code(reference(citation), language=None, wrap_lines=True)
            if citation.get("url"):
                st.link_button(W["open"], citation["url"])
            if is_record(citation["doc_id"]):
                # The case page inside the source (Streamlit does not nest expanders).
                note(W["case_path"])
                show_case(citation["doc_id"])


def is_record(doc_id: str) -> bool:
    "A meeting record, whose case has a path through the bodies to show."
    return doc_id in assistant.records().records


def shorten(text: str, limit: int) -> str:
    "At most `limit` characters, cut after a sentence (or a word) and marked with an ellipsis."
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    return (cut[: end + 1] if end > limit // 2 else cut.rsplit(" ", 1)[0]) + " …"


def show_case(doc_id: str) -> None:
    "A case's path through the bodies: each treatment with its decision and votes, and where it stands."
    try:
        view = assistant.case(doc_id)
    except AssistantError as exc:
        st.warning(str(exc))
        return
    if view["status"]:
        note(view["status"])
    for step in view["path"]:
        heading = f"{step.get('date') or ''} · {step.get('body') or ''} · {step.get('case_number') or ''}"
        st.markdown(f"**{escape_markdown(heading)}**")
        if step.get("vedtak"):
            st.text(f"{W['decision_label']}: {shorten(step['vedtak'], 600)}")
        for vote in (step.get("votes") or [])[:6]:
            from assistant.records.answering import vote_summary
            from assistant.records.votes import Vote

            st.text(f"{W['vote_label']}: {vote_summary(Vote.from_json(vote), language)}")
        if step.get("url"):
            st.link_button(W["open"], step["url"])


def show_answer(answer: dict) -> None:
    if answer["abstained"]:
        st.info(W["not_found"])
        if answer.get("reason"):
            st.text(answer["reason"])  # a place, body or year the sources do not cover
        searched = answer.get("searched", {})
        st.text(f"{W['searched']}: {searched.get('documents_in_index', '?')} {W['documents']}; filter: {searched.get('filters', 'none')}")
        if searched.get("filters", "none") != "none":
            st.text(W["suggest_filters"].format(filters=searched["filters"]))
        if searched.get("nearest"):
            note(W["related"])
            for near in searched["nearest"]:
                st.text(f"• {near['title']} ({near['doc_id']})")
        return
    # The answer is built from document sentences: shown as text, never as Markdown or HTML.
    st.text(answer["answer"])
    show_sources(answer)


def current_filters() -> Filters:
    return Filters(
        body=st.session_state.get("f_body") or None,
        municipality=st.session_state.get("f_municipality") or None,
        doc_type=st.session_state.get("f_doc_type") or None,
        since=st.session_state.get("f_since"),
        until=st.session_state.get("f_until"),
    )


try:
    assistant = load_assistant(get_settings().model_dump_json())
    info = assistant.stats()
except AssistantError as exc:
    st.error(str(exc))
    st.stop()

with st.sidebar:
    language = st.radio("Språk / Language", ["nb", "en"], format_func={"nb": "Norsk", "en": "English"}.get, horizontal=True, key="lang")
    W = UI_TEXT[language]
    st.subheader(W["filters"])
    choices = assistant.facets()
    st.selectbox(W["body"], [""] + choices["bodies"], format_func=lambda v: v or W["any"], key="f_body")
    st.selectbox(W["municipality"], [""] + choices["municipalities"], format_func=lambda v: v or W["any"], key="f_municipality")
    st.selectbox(W["doc_type"], [""] + choices["doc_types"], format_func=lambda v: v or W["any"], key="f_doc_type")
    first, last = (date.fromisoformat(d[:10]) if d else None for d in info["date_range"])
    updated = (info["last_ingest"] or "–").replace("T", " ").replace("+00:00", " UTC")
    bounds = {"min_value": date(1900, 1, 1), "max_value": date(2100, 12, 31), "format": "DD.MM.YYYY"}
    st.date_input(W["since"], value=None, key="f_since", **bounds)
    st.date_input(W["until"], value=None, key="f_until", **bounds)
    st.divider()
    st.text(f"{info['documents']} {W['documents']}, {info['chunks']} {W['chunks']}")
    st.text(f"{W['dates']}: {first or '–'} – {last or '–'}")
    st.text(f"{W['updated']}: {updated}")

st.title(W["title"])
note(W["caption"])
filters = current_filters()
chat_tab, search_tab, meetings_tab, votes_tab, check_tab, about_tab = st.tabs(
    [W["chat"], W["search"], W["meetings"], W["votes"], W["check"], W["about"]])

if "history" not in st.session_state:
    st.session_state.history = []

with chat_tab:
    # Messages go in a container made before the input, so the input stays below the conversation.
    conversation = st.container()
    question = st.chat_input(W["ask_placeholder"])
    with conversation:
        for turn in st.session_state.history:
            with st.chat_message("user"):
                st.text(turn["question"])
            with st.chat_message("assistant"):
                show_answer(turn["answer"])
    if question:
        with conversation:
            with st.chat_message("user"):
                st.text(question)
            with st.chat_message("assistant"):
                try:
                    final, streamed, live = None, "", st.empty()
                    with st.status(W["searching"], expanded=False) as status:
                        earlier = [turn["answer"]["question"] for turn in st.session_state.history]
                        for piece in assistant.ask_stream(question, filters=filters, history=earlier):
                            if isinstance(piece, Answer):
                                final = piece
                            else:
                                # A generated answer appears as it is written; as plain text, since it may echo documents.
                                streamed += piece
                                live.text(streamed)
                        status.update(label=f"{W['searched']} {final.searched.get('documents_in_index', '?')} {W['documents']}", state="complete")
                    live.empty()
                    answer = final.as_json()
                except AssistantError as exc:
                    st.warning(str(exc))
                else:
                    show_answer(answer)
                    st.session_state.history.append({"question": question, "answer": answer})
    if st.session_state.history:
        st.download_button(W["export"], chat_markdown(st.session_state.history, language), file_name="samtale.md", mime="text/markdown")

def show_news() -> None:
    "The saved searches with what each found since it was saved, and a button that looks again."
    from assistant.follow.atom import follow_feed
    from assistant.follow.runner import run_follows
    from assistant.follow.store import FollowStore

    st.header(W["news"], divider=False)
    if st.button(W["news_check"], key="news_check"):
        try:
            result = run_follows(assistant)
            if not any(f["new"] or f["answer_changed"] for f in result["follows"]):
                st.info(W["news_none"])
        except AssistantError as exc:
            st.warning(str(exc))
    follows = FollowStore(assistant.settings.data_dir).read()["follows"]
    if not follows:
        note(W["no_follows"])
    for follow in follows.values():
        with st.container(border=True):
            st.markdown(f"**{escape_markdown(follow['name'])}** · {escape_markdown(follow['query'])}")
            for item in follow.get("items", [])[:10]:
                st.text(" · ".join(str(x) for x in (item.get("date"), item.get("body"), item.get("case_number"), item.get("title")) if x))
            st.download_button(W["feed"], follow_feed(follow), file_name=f"{follow['name']}.atom",
                               mime="application/atom+xml", key=f"feed_{follow['name']}")


with search_tab:
    query = st.text_input(W["query"], key="search_query")
    order = st.radio(W["sort"], ["relevance", "date"], format_func={"relevance": W["relevance"], "date": W["newest"]}.get, horizontal=True, key="search_sort")
    if query.strip():
        try:
            results = sort_results(assistant.search(query, k=30, filters=filters), order)
        except AssistantError as exc:
            st.warning(str(exc))
            results = []
        if not results:
            st.info(W["no_results"])
        else:
            st.download_button(W["download_csv"], results_csv(results), file_name="vedtak.csv", mime="text/csv")
            years = timeline(results)
            if len(years) > 1:
                note(W["timeline"])
                st.bar_chart([{"år": str(y["year"]), W["documents"]: y["count"]} for y in years], x="år", y=W["documents"], height=160)
            for row in results:
                with st.container(border=True):
                    st.markdown(f"**{row['rank']}. {escape_markdown(row['title'] or row['doc_id'])}**")
                    note(details(row))
                    st.text(row["text"][:500] + ("…" if len(row["text"]) > 500 else ""))
                    st.code(reference(row), language=None, wrap_lines=True)
                    if row.get("url"):
                        st.link_button(W["open"], row["url"])
                    if is_record(row["doc_id"]):
                        with st.expander(W["case_path"]):
                            show_case(row["doc_id"])

    if query.strip():
        with st.expander(W["follow"]):
            name = st.text_input(W["follow_name"], value=re.sub(r"[^\w\-æøå]+", "-", query.strip().casefold())[:60].strip("-"),
                                 key="follow_name")
            if st.button(W["follow"], key="follow_add"):
                from assistant.follow.runner import add_follow

                try:
                    add_follow(assistant, name, search=query, filters=filters)
                    st.success(W["follow_saved"].format(name=name))
                except AssistantError as exc:
                    st.warning(str(exc))
    show_news()


def show_meeting(digest: dict) -> None:
    info = digest["meeting"]
    note(" · ".join(str(x) for x in (info.get("municipality"), info.get("body"), info.get("date"), info.get("place")) if x))
    for case in digest["cases"]:
        with st.container(border=True):
            st.markdown(f"**{escape_markdown(str(case['case_number'] or ''))} {escape_markdown(case['title'])}**")
            st.text(f"{W['decision_label']}: «{case['decision']}»" if case["decision"] else W["no_decision"])
            if case["outcome"]:
                st.text(f"{W['vote_label']}: {case['outcome']}")
            if case["fallen"]:
                note(W["fallen"])
                st.text("\n".join(f"• {line}" for line in case["fallen"]))
            if case.get("url"):
                st.link_button(W["open"], case["url"])
            with st.expander(W["case_path"]):
                show_case(case["doc_id"])
    if digest["folded"]:
        note(W["folded"])
        st.text("\n".join(f"• {f['case_number']} {f['title']}" for f in digest["folded"]))


def show_check(result: dict) -> None:
    if not result["related"]:
        st.info(W["check_none"])
    for n, item in enumerate(result["related"], start=1):
        differing = [p for p in item["pairs"] if p["differences"]]
        relation = RELATION_NB.get(item["relation"], item["relation"]) if language == "nb" else item["relation"].replace("_", " ")
        with st.expander(f"[{n}] {item['title']} ({relation}) – {len(differing)} {W['differs']}, "
                         f"{len(item['pairs']) - len(differing)} {W['consistent']}", expanded=n == 1):
            st.code(reference(item), language=None, wrap_lines=True)
            for pair in item["pairs"]:
                with st.container(border=True):
                    note(f"{W['draft_label']}:")
                    st.text(pair["draft_quote"])
                    note(f"{W['decision_label']}" + (f" ({W['page']} {pair['page']})" if pair.get("page") else "") + ":")
                    st.text(pair["source_quote"])
                    if pair["differences"]:
                        for difference in pair["differences"]:
                            kind = KIND_NB.get(difference["kind"], difference["kind"]) if language == "nb" else difference["kind"]
                            st.warning(f"{kind}: {W['draft_label'].lower()} {difference['draft'] or '–'} · "
                                       f"{W['decision_label'].lower()} {difference['source'] or '–'}")
                    else:
                        note(f"✓ {W['consistent']}")
            if item["added"] and n == 1:
                note(W["added"])
                st.text("\n".join(f"• {text}" for text in item["added"]))
            if item["dropped"] and item["relation"] != "same_topic":
                note(W["dropped"])
                st.text("\n".join(f"• {text}" for text in item["dropped"]))
            if item.get("url"):
                st.link_button(W["open"], item["url"])
    if result["timeline"]:
        st.subheader(W["timeline"])
        note(f"{W['in_force_as_of']} {result['as_of']}")
        st.dataframe([
            {"dato": entry["date"], "vedtak": entry["title"], "id": entry["doc_id"],
             "status": status_nb(entry["status"]) if language == "nb" else entry["status"]}
            for entry in result["timeline"]
        ], hide_index=True)


with meetings_tab:
    held = assistant.meetings(municipality=filters.municipality, body=filters.body)
    if not held:
        st.info(W["no_meetings"])
    else:
        chosen = st.selectbox(W["meeting"], held, key="meeting_pick", format_func=lambda m: (
            f"{m['date']} · {m['body']} · {m['municipality']} ({m['cases']} {W['cases']})"))
        try:
            digest = assistant.meeting(chosen["body"], chosen["date"], chosen["municipality"] or None)
        except AssistantError as exc:
            st.warning(str(exc))
        else:
            from assistant.records.digest import digest_markdown

            st.download_button(W["digest_md"], digest_markdown(digest), file_name=f"kort-fra-motet-{chosen['date']}.md",
                               mime="text/markdown")
            show_meeting(digest)

with votes_tab:
    columns = st.columns(3)
    party = columns[0].text_input(W["party"], key="v_party").strip() or None
    member = columns[1].text_input(W["member"], key="v_member").strip() or None
    outcome = columns[2].radio(W["outcome"], ["", "vedtatt", "falt"], horizontal=True, key="v_outcome",
                               format_func=lambda v: {"": W["all"], "vedtatt": W["adopted"], "falt": W["fell"]}[v])
    margin = st.number_input(W["max_margin"], min_value=0, max_value=100, value=0, step=1, key="v_margin")
    rows = assistant.votes(body=filters.body, municipality=filters.municipality, since=filters.since, until=filters.until,
                           party=party, member=member, outcome=outcome or None, max_margin=margin or None)
    if not rows:
        st.info(W["no_votes"])
    else:
        table = vote_table(rows)
        st.download_button(W["download_votes"], results_csv(table, VOTE_FIELDS), file_name="voteringer.csv", mime="text/csv")
        st.dataframe(table, hide_index=True, column_order=VOTE_FIELDS[:VOTE_FIELDS.index("text")])
        positions = party_positions(rows[:40])
        if positions:
            note(W["party_chart"])
            st.vega_lite_chart(positions, {
                "mark": {"type": "rect", "tooltip": True},
                "encoding": {
                    "x": {"field": "party", "type": "nominal", "title": W["party"]},
                    "y": {"field": "vote", "type": "nominal", "title": None, "sort": None},
                    "color": {"field": "position", "type": "nominal", "title": W["outcome"],
                              "scale": {"domain": ["for", "mot", "delt"], "range": ["#1a7f37", "#b42318", "#8a6d00"]}},
                    "tooltip": [{"field": "vote"}, {"field": "party"}, {"field": "position"}, {"field": "for"},
                                {"field": "against"}],
                },
            }, use_container_width=True)
            with st.expander(W["positions_text"]):
                st.dataframe(positions, hide_index=True)

with check_tab:
    draft_text = st.text_area(W["draft"], height=220, key="draft_text")
    draft_file = st.file_uploader(W["draft_file"], key="draft_file")
    draft_place = st.text_input(W["draft_municipality"], key="draft_municipality")
    if st.button(W["check_button"], type="primary", key="check_button"):
        from assistant.consistency import draft_from_bytes

        try:
            text, title = draft_from_bytes(draft_file.name, draft_file.getvalue()) if draft_file else (draft_text, "")
            with st.spinner(W["searching"]):
                st.session_state.check_result = assistant.check(text, title=title, municipality=draft_place.strip() or None)
        except AssistantError as exc:
            st.warning(str(exc))
            st.session_state.pop("check_result", None)
    if st.session_state.get("check_result"):
        show_check(st.session_state.check_result)

with about_tab:
    st.text(f"{info['documents']} {W['documents']}, {info['chunks']} {W['chunks']}")
    st.text(f"{W['dates']}: {first or '–'} – {last or '–'}")
    st.text(f"{W['updated']}: {updated}")
    note(W["bodies"])
    st.dataframe([{W["body"]: body, W["documents"]: count} for body, count in info["bodies"].items()], hide_index=True)
    if assistant.settings.allow_upload:
        st.subheader(W["upload"])
        files = st.file_uploader(W["upload"], accept_multiple_files=True, label_visibility="collapsed")
        if files and st.button(W["upload"], type="primary"):
            try:
                report = assistant.ingest_uploads([(f.name, f.getvalue()) for f in files])
            except AssistantError as exc:
                st.error(str(exc))
                report = {"added": 0, "updated": 0, "failed": []}
            if report["added"] or report["updated"]:
                st.success(W["upload_done"].format(n=report["added"] + report["updated"]))
            for failure in report["failed"]:
                st.error(f"{W['upload_failed']}: {failure['input']}: {failure['reason']}")
