"""Settings for qomon-mcp, read from `QOMON_*` environment variables or the command line."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from qomon_mcp.toolset_table import DEFAULT_TOOLSETS, TOOLSETS

__all__ = ["REGION_URLS", "Region", "Settings", "settings_problem"]

_OFF_BY_DEFAULT = ", ".join(name for name in TOOLSETS if name not in DEFAULT_TOOLSETS)

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
    request_timeout: float = Field(default=30.0, gt=0, description="Seconds one HTTP request to Qomon may take.")
    deadline: float = Field(
        default=120.0,
        gt=0,
        description="Seconds one tool call may take, every request, retry and rate-limit wait included.",
    )
    max_retries: int = Field(default=3, ge=0, le=10, description="Retries of a call that is safe to repeat.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="WARNING", description="Level of the log lines written to stderr."
    )
    audit_log: str | None = Field(
        default=None, description="File each write attempt is appended to as a JSON line (default: stderr)."
    )
    privacy: Literal["full", "masked"] = Field(
        default="full",
        description="masked: emails, phones, streets and birth dates are masked in what the model reads.",
    )
    mcp_views: bool = Field(
        default=True,
        description="on: tools link their views (MCP Apps) and the views are listed; off: neither.",
    )
    gc_freeze: bool = Field(
        default=True,
        description="After start-up, set the long-lived heap aside from garbage collection (steadier latency).",
    )
    toolsets: Annotated[tuple[str, ...], NoDecode] = Field(
        default=DEFAULT_TOOLSETS,
        description=f"Comma-separated toolsets to expose: {', '.join(TOOLSETS)} (default: all but {_OFF_BY_DEFAULT}).",
    )

    @field_validator("api_key", mode="before")
    @classmethod
    def _blank_key_is_none(cls, value: object) -> object:
        # `QOMON_API_KEY=` (set but empty) means no key, not a key that Qomon would refuse.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("toolsets", mode="before")
    @classmethod
    def _split_toolsets(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            unknown = sorted(set(value) - set(TOOLSETS))
            if unknown:
                raise ValueError(
                    f"unknown toolsets {', '.join(unknown)}: set --toolsets or QOMON_TOOLSETS to some of "
                    f"{', '.join(TOOLSETS)}, comma-separated"
                )
            return tuple(name for name in TOOLSETS if name in value) or DEFAULT_TOOLSETS
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(
                    "the Qomon base URL must be an http(s) URL such as https://incoming.qomon.app: "
                    "fix --base-url or QOMON_BASE_URL, or unset it to use the region's"
                )
        return value.rstrip("/") if value else value

    @property
    def api_url(self) -> str:
        """The base URL requests go to: the override if set, else the region's host."""
        return self.base_url or REGION_URLS[self.region]

    # The remote connector (`qomon-mcp serve`, issue 5).
    host: str = Field(default="127.0.0.1", description="Interface `qomon-mcp serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `qomon-mcp serve` listens on.")
    public_url: str | None = Field(
        default=None,
        description="The https origin clients reach the server at (the OAuth issuer); default http://HOST:PORT.",
    )
    mcp_secret: SecretStr | None = Field(
        default=None,
        description="Keys that seal OAuth tokens, `id:secret` comma-separated, newest first (rotation).",
    )
    client_cache_size: int = Field(
        default=1000, ge=1, le=1_000_000, description="Callers whose Qomon client stays cached (HTTP)."
    )

    # Several replicas (issue 14): spent codes, refresh rotation, revocations and each key's rate limit on Redis.
    redis_url: SecretStr | None = Field(
        default=None,
        description="redis:// or rediss:// URL of the Redis every replica shares (default: state kept per process).",
    )

    @field_validator("redis_url", mode="before")
    @classmethod
    def _check_redis_url(cls, value: object) -> object:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str):
            if not value.strip():
                return None
            if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
                # The URL may hold a password: the refusal does not repeat it.
                raise ValueError(
                    "QOMON_REDIS_URL must be a redis://, rediss:// or unix:// URL such as redis://redis:6379/0: "
                    "fix it, or unset it to keep state per process"
                )
        return value

    @field_validator("public_url")
    @classmethod
    def _strip_public_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value


# The command-line flag of each setting that has one, to name it in a refusal.
_FLAGS = {
    "region": "--region",
    "base_url": "--base-url",
    "read_only": "--read-only",
    "log_level": "--log-level",
    "toolsets": "--toolsets",
    "privacy": "--privacy",
    "host": "--host",
    "port": "--port",
    "public_url": "--public-url",
}


def settings_problem(error: ValidationError) -> str:
    """What is wrong with the settings and how to fix it, one sentence per unusable setting."""
    sentences = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        variable = f"QOMON_{field.upper()}"
        where = f"{_FLAGS[field]} or {variable}" if field in _FLAGS else variable
        if problem["type"] == "value_error":
            # Our own validators already say what to do.
            message = str(problem["msg"]).removeprefix("Value error, ")
        else:
            message = f"{where} is not usable ({problem['msg'].lower()}): fix it, or unset it for the default"
        sentences.append(message + ".")
    return " ".join(sentences)
