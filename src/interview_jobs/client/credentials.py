"""The CLI's stored logins: one bearer token per API base URL, in the user's config directory.

``$XDG_CONFIG_HOME/interview-jobs/credentials.json`` on Linux (platformdirs elsewhere), written
atomically with mode 0600 in a 0700 directory, since a token is as good as the password for an hour.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "interview-jobs"
FILE_NAME = "credentials.json"


@dataclass(frozen=True, slots=True)
class Login:
    api_url: str
    username: str
    token: str
    expires_at: float

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def credentials_path() -> Path:
    return config_dir() / FILE_NAME


def _read(path: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    servers = data.get("servers") if isinstance(data, dict) else None
    return servers if isinstance(servers, dict) else {}


def _write(path: Path, servers: dict[str, dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"servers": servers}, fh, indent=2)
        os.chmod(tmp, 0o600)  # in case the file existed with wider permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def save(login: Login, path: Path | None = None) -> Path:
    path = path or credentials_path()
    servers = _read(path)
    servers[login.api_url] = {
        "username": login.username,
        "token": login.token,
        "expiresAt": login.expires_at,
    }
    _write(path, servers)
    return path


def load(api_url: str, path: Path | None = None) -> Login | None:
    entry = _read(path or credentials_path()).get(api_url)
    if not isinstance(entry, dict):
        return None
    try:
        return Login(
            api_url=api_url,
            username=str(entry["username"]),
            token=str(entry["token"]),
            expires_at=float(entry["expiresAt"]),  # type: ignore[arg-type]
        )
    except (KeyError, TypeError, ValueError):
        return None


def forget(api_url: str, path: Path | None = None) -> bool:
    path = path or credentials_path()
    servers = _read(path)
    if api_url not in servers:
        return False
    del servers[api_url]
    _write(path, servers)
    return True
