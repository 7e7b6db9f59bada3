"""The wire contracts both services speak, and the settings every process shares."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from interview_jobs.config import ConfigError, Settings, get_settings
from interview_jobs.contracts.callback import CallbackRequest
from interview_jobs.contracts.forward import ForwardRequest
from interview_jobs.contracts.media import content_type_for, sniff_container
from interview_jobs.contracts.webhooks import SignatureError, sign_headers, verify

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_forward_accepts_the_original_java_shape() -> None:
    forward = ForwardRequest.model_validate(
        {
            "videoUrl": "https://v/a.webm",
            "analysisType": "speech",
            "userId": "42",
            "jobId": "j",
            "fileId": "9",
        }
    )
    assert (forward.user_id, forward.file_id, forward.callback_url, forward.attempt) == (
        "42",
        9,
        None,
        1,
    )
    assert (
        ForwardRequest.model_validate({"jobId": "j", "videoUrl": "u", "userId": 7}).user_id == "7"
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"score": 1}, {"score": 1}),
        ('{"score": 85, "feedback": "ok"}', {"score": 85, "feedback": "ok"}),
        (None, None),
    ],
)
def test_callback_analysis_data_object_or_seed_string(data: object, expected: object) -> None:
    callback = CallbackRequest.model_validate(
        {"jobId": "j", "status": "COMPLETED", "analysisData": data}
    )
    assert callback.analysis_object() == expected


@pytest.mark.parametrize("data", ["not json", "[1, 2]", '"text"'])
def test_callback_analysis_string_must_hold_an_object(data: str) -> None:
    callback = CallbackRequest.model_validate(
        {"jobId": "j", "status": "COMPLETED", "analysisData": data}
    )
    with pytest.raises(ValueError, match="analysisData"):
        callback.analysis_object()


@pytest.mark.parametrize(
    "body",
    [
        {"jobId": "j", "status": "DONE"},
        {"jobId": "j", "status": "PROCESSING", "progress": 101},
        {"jobId": "", "status": "FAILED"},
        {"jobId": "j", "status": "COMPLETED", "attempt": 0},
    ],
)
def test_callback_rejects_bad_values(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CallbackRequest.model_validate(body)


def test_webhook_signature_roundtrip_and_tampering() -> None:
    body = json.dumps({"jobId": "j"})
    headers = sign_headers(SECRET, body)
    assert verify(SECRET, body.encode(), headers) == headers["webhook-id"]
    with pytest.raises(SignatureError):
        verify(SECRET, body.encode() + b" ", headers)
    with pytest.raises(SignatureError):
        verify("whsec_" + "A" * 43, body.encode(), headers)
    for broken in (
        {**headers, "webhook-signature": "garbage"},
        {**headers, "webhook-timestamp": "x"},
        {},
    ):
        with pytest.raises(SignatureError):
            verify(SECRET, body.encode(), broken)
    old = {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) - 600)}
    with pytest.raises(SignatureError, match="too old"):
        verify(SECRET, body.encode(), old)


@pytest.mark.parametrize(
    ("head", "container"),
    [
        (b"\x00\x00\x00\x18ftypmp42", "mp4"),
        (b"\x00\x00\x00\x14ftypqt  ", "mp4"),
        (b"\x00\x00\x00\x08wide\x00\x00", "mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm", "matroska"),
        (b"%PDF-1.7 ...", None),
        (b"\x89PNG\r\n\x1a\n", None),
        (b"", None),
    ],
)
def test_sniffing(head: bytes, container: str | None) -> None:
    assert sniff_container(head) == container


def test_content_types() -> None:
    assert content_type_for("matroska", b"\x1a\x45\xdf\xa3....webm") == "video/webm"
    assert content_type_for("matroska", b"\x1a\x45\xdf\xa3....matroska") == "video/x-matroska"
    assert content_type_for("mp4", b"\x00\x00\x00\x14ftypqt  ") == "video/quicktime"


def test_development_secrets_are_generated_once_and_private(tmp_path: Path) -> None:
    first = get_settings(data_dir=tmp_path)
    second = get_settings(data_dir=tmp_path)
    for name in ("jwt_secret", "ai_api_key", "callback_api_key", "webhook_secret"):
        assert first.secret(name) == second.secret(name)
        assert len(first.secret(name)) >= 32
    assert first.secret("webhook_secret").startswith("whsec_")
    mode = stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode)
    assert mode == 0o600


def test_production_refuses_missing_or_placeholder_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="INTERVIEW_JOBS_JWT_SECRET"):
        get_settings(data_dir=tmp_path, environment="production")
    good = "x" * 32
    with pytest.raises(ConfigError, match="INTERVIEW_JOBS_AI_API_KEY"):
        get_settings(
            data_dir=tmp_path,
            environment="production",
            jwt_secret=good,
            ai_api_key="changeme",
            callback_api_key=good,
            webhook_secret=SECRET,
        )
    settings = get_settings(
        data_dir=tmp_path,
        environment="production",
        jwt_secret=good,
        ai_api_key=good,
        callback_api_key=good,
        webhook_secret=SECRET,
    )
    assert not (tmp_path / "secrets.json").exists(), "production never writes secrets to disk"
    assert settings.secret("ai_api_key") == good


def test_analysis_threads_share_the_cores() -> None:
    assert (
        Settings(worker_processes=2, analysis_cpu_threads=None).analysis_options()["cpu_threads"]
        >= 1
    )
    assert Settings(analysis_cpu_threads=3).analysis_options()["cpu_threads"] == 3
