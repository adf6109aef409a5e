"""The dev questions asked in English: eval/dev_questions_en.jsonl holds an English wording of each Norwegian
council and minutes dev question (ids as in ../shared/eval), and this joins it with the shared set's gold
documents and evidence, so that `assistant eval` measures the English path on the same answers.

    python scripts/english_questions.py ../shared/eval/council_dev.jsonl /tmp/council_dev_en.jsonl
    ASSISTANT_DATA_DIR=IDX assistant eval /tmp/council_dev_en.jsonl

The output stays outside the repository: it carries the shared set's evidence strings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

TRANSLATIONS = Path(__file__).resolve().parent.parent / "eval" / "dev_questions_en.jsonl"


def main(shared_set: str, out: str) -> None:
    english = {row["id"]: row["question"] for row in map(json.loads, TRANSLATIONS.open(encoding="utf-8"))}
    rows = []
    for line in open(shared_set, encoding="utf-8"):
        question = json.loads(line)
        if question["id"] in english:
            rows.append(question | {"id": question["id"] + "-en", "question": english[question["id"]], "lang": "en",
                                    "norwegian": question["question"]})
    Path(out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} questions -> {out}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
