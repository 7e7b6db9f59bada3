"""Wire shapes of the auth endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from interview_jobs.contracts.common import CamelModel

USERNAME_PATTERN = r"^[A-Za-z0-9._-]{3,64}$"


class Credentials(CamelModel):
    username: str = Field(
        pattern=USERNAME_PATTERN,
        description="3 to 64 characters: letters, digits, '.', '_' or '-'",
    )
    password: str = Field(min_length=8, max_length=1024)


class LoginRequest(CamelModel):
    # No pattern here: a login with a malformed name is simply a failed login (401).
    username: str = Field(min_length=1, max_length=256)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(CamelModel):
    id: int
    username: str
    video_retention_days: int | None = Field(
        default=None, description="(ext) the user's own retention of uploads, days (null: none)"
    )
    retention_days: int | None = Field(
        default=None,
        description="(ext) what applies: the shorter of the server's and the user's (null: kept)",
    )


class UserSettings(CamelModel):
    """``PATCH /api/auth/me``: the user's own settings."""

    model_config = ConfigDict(extra="forbid")

    video_retention_days: int | None = Field(
        ge=1, le=36500, description="delete my uploads after this many days; null = the server's"
    )


class TokenOut(CamelModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name, not a secret
    expires_in: int


class AccountDeletion(CamelModel):
    """``DELETE /api/auth/me``: the password again, so that a stolen token alone cannot."""

    password: str = Field(min_length=1, max_length=1024)
