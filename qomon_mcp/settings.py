"""Settings for qomon-mcp, read from `QOMON_*` environment variables or the command line."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["REGION_URLS", "Region", "Settings"]

Region = Literal["eu", "us"]

REGION_URLS: dict[str, str] = {
    "eu": "https://incoming.qomon.app",
    "us": "https://incoming-us.qomon.app",
}


class Settings(BaseSettings):
    """Everything the server and the Qomon client need; nothing is read at import time."""

    model_config = SettingsConfigDict(env_prefix="QOMON_", extra="ignore", validate_default=True)

    api_key: SecretStr | None = Field(default=None, description="Qomon API key of the space to work with.")
    region: Region = Field(default="eu", description="Qomon region of the space: eu or us.")
    base_url: str | None = Field(
        default=None, description="Override of the Qomon API base URL (normally derived from the region)."
    )
    read_only: bool = Field(default=False, description="Refuse every write, in the tool list and in the client.")
    request_timeout: float = Field(
        default=30.0, gt=0, description="Seconds one HTTP request to Qomon may take."
    )
    deadline: float = Field(
        default=120.0, gt=0, description="Seconds one client call may take, retries and rate-limit waits included."
    )
    max_retries: int = Field(default=3, ge=0, le=10, description="Retries of a call that is safe to repeat.")

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @property
    def api_url(self) -> str:
        """The base URL requests go to: the override if set, else the region's host."""
        return self.base_url or REGION_URLS[self.region]
