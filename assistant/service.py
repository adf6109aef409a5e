"""The assistant as one object the CLI and the UI share: loads the model and index once, answers many."""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from .analysis import analyze
from .abstention import load_model
from .answering import Answer
from .config import Settings
from .errors import AssistantError
from .followup import heuristic_standalone, model_standalone
from .records.answering import RecordAnswerer, case_order
from .records.index import RecordIndex, record_index_for
from .retrieval import Filters, HybridRetriever

MAX_QUESTION_CHARS = 2000


class Assistant:
    def __init__(self, settings: Settings, chat_model=None):
        self.settings = settings
        self.retriever = HybridRetriever(settings)
        self.retriever.reorder = case_order(self.records, lambda doc_id: self.retriever.index.docs.get(doc_id, {}))
        # Meeting records are answered from their parts (VEDTAK first, proposals labelled, votes as data);
        # other documents by the general extractive answerer, which RecordAnswerer falls back to.
        self.extractive = RecordAnswerer(self.records, settings.abstain_threshold, settings.answer_sentences,
                                         settings.abstain_threshold_en,
                                         load_model() if settings.abstention == "model" else None)
        self.answerer = self.extractive
        if settings.llm != "none" or chat_model is not None:
            from .generation import LLMAnswerer

            self.answerer = LLMAnswerer(settings, self.retriever.embedder, self.extractive, chat_model)

    def records(self) -> RecordIndex:
        "The meeting records in the index, parsed (votes, parts, case paths); derived from Chroma."
        self.retriever.store.refresh()
        return record_index_for(self.retriever.store, self.settings.data_dir)

    @staticmethod
    def clean_question(question: str) -> str:
        """The question as searched, or a clear error: control characters become spaces, invisible formatting
        characters (zero-width spaces pasted from web pages) go, and a question must have a word to search for."""
        kept = []
        for ch in question or "":
            category = unicodedata.category(ch)
            if category == "Cf":
                continue
            kept.append(" " if category in ("Cc", "Cs", "Co", "Cn") else ch)
        cleaned = " ".join("".join(kept).split())
        if not cleaned:
            raise AssistantError("the question is empty")
        if len(cleaned) > MAX_QUESTION_CHARS:
            raise AssistantError(f"the question is too long ({len(cleaned):,} characters; at most {MAX_QUESTION_CHARS:,})")
        if not analyze(cleaned):
            raise AssistantError("the question has no words to search for (only common words such as 'hva', 'er', 'det')")
        return cleaned

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> list[dict[str, Any]]:
        hits = self.retriever.search(self.clean_question(query), k=k, filters=filters)
        results = []
        for rank, hit in enumerate(hits, start=1):
            passage = hit.passages[0] if hit.passages else None
            page = passage.meta.get("page") if passage else None
            results.append({
                "rank": rank, "doc_id": hit.doc_id, "chunk_id": passage.chunk_id if passage else None,
                "title": hit.meta.get("title", ""), "score": round(hit.score, 6),
                "text": passage.text if passage else "", "body": hit.meta.get("body"),
                "date": hit.meta.get("date"), "page": page if isinstance(page, int) and page > 0 else None,
                "url": hit.meta.get("url"), "municipality": hit.meta.get("municipality"),
                "doc_type": hit.meta.get("doc_type"), "case_number": hit.meta.get("case_number"),
                "regulation_id": hit.meta.get("regulation_id"),
            })
        return results

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None,
            history: list[str] | None = None) -> Answer:
        *_, answer = self.ask_stream(question, k, filters, history)
        return answer

    def standalone(self, question: str, history: list[str] | None) -> str:
        """The question as a search: a follow-up ("Og i Røyken?") is completed from the conversation."""
        if not history:
            return question
        model = getattr(self.answerer, "model", None)
        rewritten = model_standalone(question, history, model) if model is not None else None
        return rewritten or heuristic_standalone(question, history, self.retriever.index)

    def ask_stream(self, question: str, k: int | None = None, filters: Filters | None = None,
                   history: list[str] | None = None) -> Iterator[str | Answer]:
        """Text pieces as a generated answer is written (none for extractive answers), then the final Answer.
        `history`: the user's earlier questions in this conversation, oldest first."""
        question = self.standalone(self.clean_question(question), [self.clean_question(h) for h in history or [] if h and h.strip()])
        # More passages per document than search shows: the answering sentence is often not in the best chunk.
        hits = self.retriever.search(question, k=max(k or self.settings.top_k, 5), filters=filters, passages_per_doc=6)
        if hasattr(self.answerer, "stream"):
            yield from self.answerer.stream(question, hits, self.retriever.index, filters)
        else:
            yield self.answerer.answer(question, hits, self.retriever.index, filters)

    def check(self, text: str, title: str = "", body: str | None = None, municipality: str | None = None,
              as_of=None) -> dict[str, Any]:
        "The draft against earlier decisions on the same matter (assistant.consistency)."
        from .consistency import ConsistencyChecker

        return ConsistencyChecker(self.retriever).check(text, title=title, body=body, municipality=municipality, as_of=as_of)

    def votes(self, **filters) -> list[dict[str, Any]]:
        "Parsed votes as rows (assistant.records.views.vote_rows takes the filters)."
        from .records.views import vote_rows

        return vote_rows(self.records(), **filters)

    def case(self, key: str, municipality: str | None = None) -> dict[str, Any]:
        "A case's path through the bodies with innstilling, vedtak and votes at each step."
        from .records.views import case_view

        return case_view(self.records(), key, municipality)

    def meetings(self, municipality: str | None = None, body: str | None = None) -> list[dict[str, Any]]:
        "The meetings whose records are indexed, newest first."
        from .records.digest import meetings

        return meetings(self.records(), municipality, body)

    def meeting(self, body: str, day, municipality: str | None = None) -> dict[str, Any]:
        "A meeting's digest: each substantive case with its decision quoted, the vote, fallen proposals, the source."
        from .records.digest import meeting_digest

        return meeting_digest(self.records(), body, day, municipality)

    def facets(self) -> dict[str, list[str]]:
        "The values the filters can take, most common first."
        docs = self.retriever.index.docs.values()
        def values(key: str) -> list[str]:
            return [v for v, _ in Counter(str(m[key]) for m in docs if m.get(key)).most_common()]
        return {"bodies": values("body"), "municipalities": values("municipality"), "doc_types": values("doc_type")}

    def ingest_uploads(self, files: list[tuple[str, bytes]]) -> dict[str, Any]:
        """Files sent from the page: each over the size limit or of an unknown format is refused by name;
        the rest are saved under DATA_DIR/uploads and ingested like any other input."""
        from .ingest import Ingestor
        from .loaders import LOADERS

        folder = self.settings.data_dir / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        saved, refused = [], []
        for name, content in files:
            safe = Path(name).name.replace("\x00", "") or "upload"
            if len(content) > self.settings.upload_max_mb * 2**20:
                refused.append({"input": safe, "reason": f"larger than {self.settings.upload_max_mb} MB"})
            elif Path(safe).suffix.lower() not in LOADERS:
                refused.append({"input": safe, "reason": f"unknown format (supported: {', '.join(sorted(LOADERS))})"})
            else:
                (folder / safe).write_bytes(content)
                saved.append(folder / safe)
        report = Ingestor(self.settings).run(saved).as_dict() if saved else {"added": 0, "updated": 0, "failed": []}
        return {
            "added": report["added"], "updated": report["updated"],
            "failed": refused + report["failed"],
        }

    def stats(self) -> dict[str, Any]:
        index = self.retriever.index
        info = self.retriever.store.info()
        dates = sorted(m["date"] for m in index.docs.values() if m.get("date"))
        bodies = Counter(str(m.get("body")) for m in index.docs.values() if m.get("body"))
        return {
            "documents": len(index.doc_ids), "chunks": len(index.chunk_ids),
            "embedder": info.get("embedder") or self.retriever.embedder.signature,
            "date_range": [dates[0] if dates else None, dates[-1] if dates else None],
            "bodies": dict(bodies.most_common()), "last_ingest": info.get("last_ingest"),
            "index": self.settings.chroma_url or str(self.settings.data_dir),
        }
