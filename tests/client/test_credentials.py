from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from interview_jobs.client import credentials
from interview_jobs.client.credentials import Login


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config"


def test_tokens_are_kept_per_api_in_a_private_file(config_home: Path) -> None:
    a = Login("http://a:8000", "ann", "token-a", time.time() + 3600)
    b = Login("http://b:8000", "bob", "token-b", time.time() + 3600)
    path = credentials.save(a)
    credentials.save(b)
    assert path == config_home / "interview-jobs" / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert credentials.load("http://a:8000") == a
    assert credentials.load("http://b:8000") == b
    assert credentials.load("http://c:8000") is None
    assert credentials.forget("http://a:8000") is True
    assert credentials.forget("http://a:8000") is False
    assert credentials.load("http://a:8000") is None
    assert credentials.load("http://b:8000") == b


def test_a_file_with_wider_permissions_is_narrowed(config_home: Path) -> None:
    path = config_home / "interview-jobs" / "credentials.json"
    path.parent.mkdir(parents=True)
    path.write_text("{}")
    path.chmod(0o644)
    credentials.save(Login("http://a", "ann", "t", time.time() + 60))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_expiry_and_damaged_files(config_home: Path) -> None:
    credentials.save(Login("http://a", "ann", "t", time.time() - 1))
    login = credentials.load("http://a")
    assert login is not None and login.expired
    credentials.credentials_path().write_text("not json")
    assert credentials.load("http://a") is None
