"""Follow-up questions ("Og i Røyken?") turned into standalone searches, by a model when one is
configured and by a heuristic otherwise."""

from __future__ import annotations

import re

from .analysis import content_terms
from .keyword import KeywordIndex
from .retrieval import mentioned_places

FOLLOW_UP_START = re.compile(
    r"^\s*(?:og|men|enn|hva med|kva med|hvordan med|korleis med|samme|same|and|what about|how about|also)\b",
    re.IGNORECASE,
)
REWRITE_PROMPT = (
    "Rewrite the user's last question as one standalone question that can be understood without the "
    "conversation, in the same language. Keep every place name, body, date and topic it depends on. "
    "Reply with the question only.\n\nConversation:\n{history}\n\nLast question: {question}"
)


def heuristic_standalone(question: str, history: list[str], index: KeywordIndex) -> str:
    if not history:
        return question
    previous = history[-1]
    places_now = mentioned_places(question, index)
    topic_now = [t for t in content_terms(question) if t not in set(content_terms(" ".join(places_now)))]
    looks_dependent = bool(FOLLOW_UP_START.match(question)) or len(topic_now) <= 1
    if not looks_dependent:
        return question
    places_before = mentioned_places(previous, index)
    if places_now and places_before and not topic_now:
        # "Og i Røyken?" after a question about Asker: the same question, about Røyken.
        rewritten = previous
        for old, new in zip(places_before, places_now + places_now[-1:] * len(places_before)):
            rewritten = re.sub(rf"(?<![\wæøå]){re.escape(old)}(?![\wæøå])", new, rewritten)
        if len(places_now) > len(places_before):
            rewritten = rewritten.rstrip("?") + " og " + " og ".join(places_now[len(places_before):]) + "?"
        return rewritten
    if topic_now and not places_now and places_before:
        # "Og på søndager?" keeps the place the conversation is about.
        return f"{question.rstrip('?')} i {' og '.join(places_before)}?"
    return f"{previous} {question}"


def model_standalone(question: str, history: list[str], model) -> str | None:
    try:
        reply = model.invoke([("human", REWRITE_PROMPT.format(history="\n".join(f"- {h}" for h in history[-4:]), question=question))])
    except Exception:
        return None
    text = (reply.content if isinstance(reply.content, str) else "").strip().strip('"').strip()
    return text if 3 <= len(text) <= 500 else None
