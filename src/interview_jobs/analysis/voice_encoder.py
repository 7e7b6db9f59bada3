"""A speaker embedding (a "voiceprint" of 1.6 s of speech) with Resemblyzer's pretrained encoder,
run with NumPy.

Resemblyzer 0.1.4 (Apache-2.0) ships its trained GE2E voice encoder (a 3-layer LSTM over 40 mel
bands, 17 MB) inside its wheel, but runs it with PyTorch. Torch would add ~0.9 GB to the
environment and a minute to every install, for a network that is three LSTM layers and a linear
layer; so the wheel is installed without its dependencies (scripts/install.sh), its weights are
read from the pickled state dict with an unpickler that only admits tensors (no code from the
file runs), and the forward pass is the dozen lines of :meth:`VoiceEncoder.embed`. Its mel
spectrogram is librosa's (power mel, 25 ms Hann window, 10 ms step, Slaney filters), rebuilt here.
"""

from __future__ import annotations

import collections
import hashlib
import importlib.util
import math
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interview_jobs.analysis.errors import ModelError
from interview_jobs.analysis.media import SAMPLE_RATE

# The weights file of resemblyzer==0.1.4 (pinned in scripts/install.sh).
WEIGHTS_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
N_FFT = 400  # 25 ms at 16 kHz
HOP = 160  # 10 ms
N_MELS = 40
PARTIAL_FRAMES = 160  # the encoder was trained on 1.6 s partial utterances
EMBEDDING_SIZE = 256
# Resemblyzer normalises utterances to −30 dBFS before embedding (increase only).
TARGET_DBFS = -30.0
_TORCH_MAGIC = 0x1950A86A20F9469CFC6C
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64}


class _LazyTensor:
    def __init__(self, key: str, offset: int, size: tuple[int, ...], stride: tuple[int, ...]):
        self.key, self.offset, self.size, self.stride = key, offset, size, stride


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickles a (legacy, pre-zip) torch state dict into lazy tensors; refuses anything else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return lambda storage, offset, size, stride, *_: _LazyTensor(
                storage, offset, tuple(size), tuple(stride)
            )
        if module == "torch" and name in _DTYPES:
            return name
        raise pickle.UnpicklingError(f"unexpected object {module}.{name} in the weights file")

    def persistent_load(self, pid: Any) -> Any:
        kind, dtype_name, key, _location, _numel, _view = pid
        if kind != "storage" or dtype_name not in _DTYPES:
            raise pickle.UnpicklingError(f"unexpected storage {pid!r} in the weights file")
        self.storage_types[key] = dtype_name
        return key

    storage_types: dict[str, str]


def load_torch_state(path: Path) -> dict[str, NDArray[Any]]:
    """The tensors of a legacy torch ``.pt`` file, by name (nested dicts flattened with dots);
    :class:`ModelError` for anything else, before any object named in the file is built."""
    try:
        return _load_torch_state(path)
    except (pickle.UnpicklingError, EOFError, KeyError, ValueError, TypeError) as exc:
        raise ModelError(f"{path} is not a usable weights file: {exc}", "model_corrupt") from exc


def _load_torch_state(path: Path) -> dict[str, NDArray[Any]]:
    with path.open("rb") as fh:
        if pickle.load(fh) != _TORCH_MAGIC:  # noqa: S301 - plain ints and a dict, then checked
            raise ModelError(f"{path} is not a legacy PyTorch file", "model_corrupt")
        pickle.load(fh)  # noqa: S301 - protocol version
        pickle.load(fh)  # noqa: S301 - sys info
        unpickler = _StateDictUnpickler(fh)
        unpickler.storage_types = {}
        root = unpickler.load()
        keys = pickle.load(fh)  # noqa: S301 - a list of storage keys
        storages: dict[str, NDArray[Any]] = {}
        for key in keys:
            dtype = np.dtype(_DTYPES[unpickler.storage_types[key]])
            (count,) = np.frombuffer(fh.read(8), dtype="<i8")
            storages[key] = np.frombuffer(fh.read(int(count) * dtype.itemsize), dtype=dtype)

    out: dict[str, NDArray[Any]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}{k}.", v)
        elif isinstance(value, _LazyTensor):
            data = storages[value.key]
            itemsize = data.dtype.itemsize
            out[prefix[:-1]] = np.lib.stride_tricks.as_strided(
                data[value.offset :],
                shape=value.size,
                strides=tuple(s * itemsize for s in value.stride),
            ).copy()

    walk("", root)
    return out


def _hz_to_mel(hz: NDArray[Any]) -> NDArray[Any]:
    """Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above."""
    f_sp, min_log_hz, min_log_mel, logstep = 200.0 / 3, 1000.0, 15.0, math.log(6.4) / 27.0
    mel = hz / f_sp
    log = hz >= min_log_hz
    mel[log] = min_log_mel + np.log(hz[log] / min_log_hz) / logstep
    return mel


def _mel_to_hz(mel: NDArray[Any]) -> NDArray[Any]:
    f_sp, min_log_hz, min_log_mel, logstep = 200.0 / 3, 1000.0, 15.0, math.log(6.4) / 27.0
    hz = f_sp * mel
    log = mel >= min_log_mel
    hz[log] = min_log_hz * np.exp(logstep * (mel[log] - min_log_mel))
    return hz


@lru_cache(maxsize=1)
def mel_filters() -> NDArray[np.float32]:
    """(N_MELS, N_FFT//2+1) triangular filters, area-normalised (librosa ``norm="slaney"``)."""
    fft_hz = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    edges = _mel_to_hz(
        np.linspace(
            _hz_to_mel(np.array([0.0]))[0],
            _hz_to_mel(np.array([SAMPLE_RATE / 2]))[0],
            N_MELS + 2,
        )
    )
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    out: NDArray[np.float32] = weights.astype(np.float32)
    return out


@lru_cache(maxsize=1)
def _hann() -> NDArray[np.float32]:
    n = np.arange(N_FFT)
    window: NDArray[np.float32] = (0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)).astype(np.float32)
    return window  # periodic, as librosa's


def mel_frames(audio: NDArray[Any]) -> NDArray[np.float32]:
    """Power mel spectrogram, one row per 10 ms: row ``i`` is centred on sample ``i * HOP``."""
    padded = np.pad(audio.astype(np.float32), N_FFT // 2)
    count = 1 + (len(padded) - N_FFT) // HOP
    if count <= 0:
        return np.zeros((0, N_MELS), dtype=np.float32)
    frames = np.lib.stride_tricks.as_strided(
        padded, shape=(count, N_FFT), strides=(HOP * padded.strides[0], padded.strides[0])
    )
    power = np.abs(np.fft.rfft(frames * _hann(), axis=1)) ** 2
    return (power.astype(np.float32) @ mel_filters().T).astype(np.float32)


class VoiceEncoder:
    """Resemblyzer's speaker encoder: mel frames of an utterance → a unit vector of 256 that is
    close (cosine ≥ ~0.8) for the same voice and further apart for different voices."""

    def __init__(self, weights: dict[str, NDArray[Any]]) -> None:
        hidden = weights["lstm.weight_hh_l0"].shape[1]
        # PyTorch's gate order is i, f, g, o. Halving the rows of the sigmoid gates lets one
        # tanh give all four: sigmoid(z) = (tanh(z / 2) + 1) / 2.
        scale = np.full(4 * hidden, 0.5, dtype=np.float32)
        scale[2 * hidden : 3 * hidden] = 1.0
        self._hidden = hidden
        self._layers = []
        for n in range(3):
            w_ih = weights[f"lstm.weight_ih_l{n}"].astype(np.float32).T * scale
            w_hh = weights[f"lstm.weight_hh_l{n}"].astype(np.float32).T * scale
            bias = (weights[f"lstm.bias_ih_l{n}"] + weights[f"lstm.bias_hh_l{n}"]) * scale
            self._layers.append(
                (
                    np.ascontiguousarray(w_ih),
                    np.ascontiguousarray(w_hh),
                    bias.astype(np.float32),
                )
            )
        self._w_out = np.ascontiguousarray(weights["linear.weight"].T.astype(np.float32))
        self._b_out = weights["linear.bias"].astype(np.float32)

    def embed(self, mels: NDArray[Any], lengths: NDArray[Any] | None = None) -> NDArray[np.float32]:
        """(B, T, 40) mel frames (rows past ``lengths[b]`` are padding) → (B, 256) unit vectors
        from the last layer's hidden state after each utterance's last frame.

        BLAS runs on one thread here: the matrices are small (B × 256 by 256 × 1024), and two
        threads were 2.5× slower on a busy machine, where the pipeline's other branch keeps the
        second core busy anyway.
        """
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return self._embed(mels, lengths)

    def _embed(self, mels: NDArray[Any], lengths: NDArray[Any] | None) -> NDArray[np.float32]:
        batch, steps, _ = mels.shape
        if lengths is None:
            lengths = np.full(batch, steps)
        hidden = self._hidden
        x = mels.astype(np.float32)
        last = np.zeros((batch, hidden), dtype=np.float32)
        gates = np.empty((batch, 4 * hidden), dtype=np.float32)
        for n, (w_ih, w_hh, bias) in enumerate(self._layers):
            inputs = x @ w_ih + bias  # (B, T, 4H): the input part of every step at once
            h = np.zeros((batch, hidden), dtype=np.float32)
            c = np.zeros((batch, hidden), dtype=np.float32)
            outputs = np.empty((batch, steps, hidden), dtype=np.float32)
            for t in range(steps):
                np.matmul(h, w_hh, out=gates)
                gates += inputs[:, t]
                np.tanh(gates, out=gates)
                i = gates[:, :hidden] + 1.0
                f = gates[:, hidden : 2 * hidden] + 1.0
                o = gates[:, 3 * hidden :] + 1.0
                c *= f
                c += i * gates[:, 2 * hidden : 3 * hidden]
                c *= 0.5  # the halves of (tanh + 1) / 2 for f and i
                h = 0.5 * o * np.tanh(c)
                outputs[:, t] = h
                if n == len(self._layers) - 1:
                    ended = lengths == t + 1
                    if ended.any():
                        last[ended] = h[ended]
            x = outputs
        raw = np.maximum(last @ self._w_out + self._b_out, 0.0)
        norm = np.linalg.norm(raw, axis=1, keepdims=True)
        unit: NDArray[np.float32] = (raw / np.maximum(norm, 1e-9)).astype(np.float32)
        return unit


def weights_path() -> Path:
    """``pretrained.pt`` of the installed resemblyzer package, found without importing it (its
    ``__init__`` imports torch, which we do not install)."""
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "The speaker encoder is not installed: run scripts/install.sh "
            "(pip install --no-deps resemblyzer==0.1.4).",
            "model_missing",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"


@lru_cache(maxsize=1)
def load_encoder() -> VoiceEncoder:
    """The encoder, its file's sha256 verified, loaded once per process."""
    path = weights_path()
    if not path.is_file():
        raise ModelError(f"The speaker encoder's weights are missing ({path}).", "model_missing")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise ModelError(
            f"The speaker encoder's weights ({path}) do not match resemblyzer 0.1.4 "
            f"(sha256 {digest[:12]}…).",
            "model_corrupt",
        )
    state = load_torch_state(path)
    prefix = "model_state."  # beside it, the training step and the optimiser's state
    return VoiceEncoder({k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)})
