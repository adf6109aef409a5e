"""The consistency check's benchmark: real regulations copied with numbers, times and obligations changed (each
change recorded), checked against an index holding the originals. Measures whether the original is found
first and how many changes are named (recall) by how many named differences are real changes (precision).

    python -m assistant.check_benchmark JSONL [--n 60] [--seed 11] [--out docs/consistency-benchmark]
(the index is the configured one, ASSISTANT_DATA_DIR / ASSISTANT_CHROMA_URL, and must hold the JSONL)."""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .consistency import ConsistencyChecker, provisions
from .facts import quantities

NUMBER_KINDS = {"number", "amount", "distance", "area", "percent", "duration"}
CATEGORY = {**{k: "number" for k in NUMBER_KINDS}, "time": "time", "obligation": "obligation"}
SWAPS = {"skal": "kan", "kan": "skal", "må": "kan"}


@dataclass
class Change:
    category: str  # number | time | obligation
    old: str
    new: str
    draft_sentence: str  # the changed provision as it reads in the draft


def _changed_number(text: str, rng: random.Random) -> str | None:
    match = re.search(r"\d+", text)
    if not match:
        return None
    value = int(match.group(0))
    new = value + rng.choice([1, 2, 5, 10]) if value < 1000 else value * 2
    return text[:match.start()] + str(new) + text[match.end():]


def _changed_time(text: str) -> str | None:
    match = re.search(r"(\d{1,2})([.:]?)(\d{2})?", text.split("kl")[-1])
    if not match:
        return None
    hour = int(match.group(1))
    if hour > 24:
        return None
    new_hour = (hour + 1) % 24 if hour != 23 else 21
    digits = f"{new_hour:0{len(match.group(1))}d}"
    offset = len(text) - len(text.split("kl")[-1])
    return text[:offset + match.start(1)] + digits + text[offset + match.end(1):]


def mutate(text: str, rng: random.Random, max_changes: int = 3) -> tuple[str, list[Change]]:
    """Up to max_changes edits, each in its own provision: a number, a clock time, or skal/kan swapped."""
    options: list[tuple[int, int, str, str, str]] = []  # (start, end, category, old, new) in text offsets
    for provision in provisions(text):
        local: list[tuple[int, int, str, str, str]] = []
        for fact in quantities(provision.text):
            if fact.kind not in CATEGORY or not re.search(r"\d", fact.text):
                continue
            new = _changed_time(fact.text) if fact.kind == "time" else _changed_number(fact.text, rng)
            position = provision.text.find(fact.text)
            if new and new != fact.text and position >= 0:
                start = provision.start + position
                local.append((start, start + len(fact.text), CATEGORY[fact.kind], fact.text, new))
        for match in re.finditer(r"\b(skal|kan|må)\b", provision.text):
            if not re.search(r"\bikke\b", provision.text):
                start = provision.start + match.start()
                local.append((start, start + len(match.group(1)), "obligation", match.group(1), SWAPS[match.group(1)]))
                break
        if local:
            options.append(rng.choice(local))
    rng.shuffle(options)
    chosen = sorted(options[:max_changes])
    draft = text
    changes = []
    for start, end, category, old, new in reversed(chosen):
        draft = draft[:start] + new + draft[end:]
    # Record each change with the draft sentence it now sits in.
    shift = 0
    for start, end, category, old, new in chosen:
        position = start + shift
        sentence = next((p.text for p in provisions(draft) if p.start <= position < p.start + len(p.text)), "")
        changes.append(Change(category, old, new, sentence))
        shift += len(new) - (end - start)
    return draft, changes


def score_case(result: dict[str, Any], original_id: str, changes: list[Change]) -> dict[str, Any]:
    related = result["related"]
    first = related[0]["doc_id"] if related else None
    match = next((r for r in related if r["doc_id"] == original_id), None)
    differences = [(pair["draft_quote"], d) for pair in (match["pairs"] if match else []) for d in pair["differences"]]
    found: dict[str, int] = {}
    matched_differences = set()
    flags = []
    for change in changes:
        hit = next((
            n for n, (quote, difference) in enumerate(differences)
            if n not in matched_differences and CATEGORY.get(difference["kind"]) == change.category
            and (quote in change.draft_sentence or change.draft_sentence in quote)
            and change.new in (difference["draft"] or "")
        ), None)
        flags.append(hit is not None)
        if hit is not None:
            matched_differences.add(hit)
            found[change.category] = found.get(change.category, 0) + 1
    reported: dict[str, int] = {}
    true_reported: dict[str, int] = {}
    for n, (_, difference) in enumerate(differences):
        category = CATEGORY.get(difference["kind"], difference["kind"])
        reported[category] = reported.get(category, 0) + 1
        if n in matched_differences:
            true_reported[category] = true_reported.get(category, 0) + 1
    return {
        "original": original_id, "first": first, "original_first": first == original_id,
        "original_rank": next((i + 1 for i, r in enumerate(related) if r["doc_id"] == original_id), None),
        "changes": [{"category": c.category, "old": c.old, "new": c.new, "found": f} for c, f in zip(changes, flags)],
        "changed": _count(c.category for c in changes), "found": found, "reported": reported, "true_reported": true_reported,
    }


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


def run(checker: ConsistencyChecker, records: list[dict], n: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    indexed = set(checker.retriever.index.doc_ids)
    pool = [r for r in records if r["id"] in indexed]
    rng.shuffle(pool)
    cases = []
    started = time.perf_counter()
    for record in pool:
        if len(cases) >= n:
            break
        draft, changes = mutate(record["text"], rng)
        if len(changes) < 2:
            continue
        result = checker.check(draft, title=record["title"])
        case = score_case(result, record["id"], changes)
        cases.append(case)
    seconds = time.perf_counter() - started
    summary: dict[str, Any] = {"cases": len(cases), "seconds_per_check": round(seconds / max(len(cases), 1), 2),
                               "original_first": round(sum(c["original_first"] for c in cases) / max(len(cases), 1), 3)}
    for category in ("number", "time", "obligation"):
        changed = sum(c["changed"].get(category, 0) for c in cases)
        found = sum(c["found"].get(category, 0) for c in cases)
        reported = sum(c["reported"].get(category, 0) for c in cases)
        true = sum(c["true_reported"].get(category, 0) for c in cases)
        summary[category] = {"changed": changed, "found": found, "recall": round(found / changed, 3) if changed else None,
                             "reported": reported, "precision": round(true / reported, 3) if reported else None}
    numeric = [summary["number"], summary["time"]]
    changed = sum(s["changed"] for s in numeric)
    reported = sum(s["reported"] for s in numeric)
    summary["numbers_and_times"] = {
        "recall": round(sum(s["found"] for s in numeric) / changed, 3) if changed else None,
        "precision": round(sum(round((s["precision"] or 0) * s["reported"]) for s in numeric) / reported, 3) if reported else None,
    }
    return {"summary": summary, "cases": cases}


def render(report: dict[str, Any], command: str) -> str:
    s = report["summary"]
    lines = ["# Consistency check benchmark (generated changes)", "", f"Command: `{command}`", "",
             f"Cases: {s['cases']}; original decision ranked first: **{s['original_first']:.1%}**; "
             f"{s['seconds_per_check']} s per check.", "",
             "| changed | in drafts | found | recall | differences reported | precision |", "|---|---|---|---|---|---|"]
    for category in ("number", "time", "obligation"):
        c = s[category]
        lines.append(f"| {category} | {c['changed']} | {c['found']} | {c['recall']} | {c['reported']} | {c['precision']} |")
    both = s["numbers_and_times"]
    lines += ["", f"Numbers and times together: recall **{both['recall']}** at precision **{both['precision']}**.", ""]
    missed = [f"{c['original']}: {ch['category']} {ch['old']} → {ch['new']}" for c in report["cases"] for ch in c["changes"] if not ch["found"]]
    lines.append("Changes not found: " + ("; ".join(missed) or "none") + ".")
    lines.append(f"Cases where the original was not first: "
                 + (", ".join(f"{c['original']} (first {c['first']}, original at {c['original_rank']})" for c in report["cases"] if not c["original_first"]) or "none") + ".")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    from .config import get_settings
    from .retrieval import HybridRetriever

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("jsonl", type=Path)
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=None, help="Write OUT.json and OUT.md")
    args = parser.parse_args(argv)
    records = [json.loads(line) for line in args.jsonl.open(encoding="utf-8") if line.strip()]
    report = run(ConsistencyChecker(HybridRetriever(get_settings())), records, args.n, args.seed)
    text = render(report, f"python -m assistant.check_benchmark {args.jsonl.name} --n {args.n} --seed {args.seed}")
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        args.out.with_suffix(".md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
