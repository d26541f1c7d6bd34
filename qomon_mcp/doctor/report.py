"""What `qomon-mcp doctor` found, and how it is printed: as text for a person, as JSON for a bug report.

Nothing here holds a value from the space or the API key: reads are counted,
fields are named by their path, and shapes by their JSON type.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["Drift", "RateLimitCheck", "ReadOutcome", "Report"]

ReadStatus = Literal["ok", "failed", "not enabled"]


@dataclass(slots=True)
class ReadOutcome:
    """One read endpoint called once: `request` is "GET /roles", `records` how many came back."""

    label: str
    request: str
    status: ReadStatus
    detail: str | None = None
    records: int | None = None


@dataclass(slots=True)
class Drift:
    """A field whose shape differs from the client's model, in every answer item where it did."""

    request: str
    path: str
    expected: str
    seen: list[str]
    count: int = 1


@dataclass(slots=True)
class RateLimitCheck:
    ok: bool
    summary: str
    answers: int = 0
    burst: float | None = None
    rate: float | None = None


@dataclass(slots=True)
class Report:
    api_url: str
    region: str
    reads: list[ReadOutcome] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    rate_limit: RateLimitCheck | None = None
    # One sentence when the doctor could not go on (a refused key, with the region advice).
    problem: str | None = None
    fundraising: Literal["enabled", "not enabled", "unknown"] = "unknown"

    @property
    def reads_work(self) -> bool:
        return self.problem is None and all(r.status != "failed" for r in self.reads)

    @property
    def warnings(self) -> int:
        """Shape differences and rate-limit header problems: the reads worked, something is off."""
        return len(self.drift) + (0 if self.rate_limit is None or self.rate_limit.ok else 1)

    def exit_code(self, *, strict: bool = False) -> int:
        """0 when every read works (with `strict`: and nothing differs from what the client expects), else 1."""
        if not self.reads_work:
            return 1
        return 1 if strict and self.warnings else 0

    def to_json(self, *, strict: bool = False) -> dict[str, Any]:
        return {
            "api_url": self.api_url,
            "region": self.region,
            "reads_work": self.reads_work,
            "exit_code": self.exit_code(strict=strict),
            "problem": self.problem,
            "fundraising": self.fundraising,
            "reads": [asdict(r) for r in self.reads],
            "rate_limit_headers": asdict(self.rate_limit) if self.rate_limit else None,
            "shape_differences": [asdict(d) for d in self.drift],
        }

    def to_text(self, *, strict: bool = False) -> str:
        lines = [f"Qomon doctor: {self.api_url} (region {self.region.upper()}), read-only"]
        if self.reads:
            label_width = max(len(r.label) for r in self.reads)
            request_width = max(len(r.request) for r in self.reads)
            for read in self.reads:
                mark = {"ok": "ok  ", "failed": "FAIL", "not enabled": "off "}[read.status]
                what = read.detail or _records(read.records)
                lines.append(f"  {mark}  {read.label:<{label_width}}  {read.request:<{request_width}}  {what}")
        if self.problem:
            lines.append(self.problem)
        if self.rate_limit is not None:
            lines.append(f"Rate-limit headers: {self.rate_limit.summary}")
        if self.drift:
            lines.append(f"Shapes: {len(self.drift)} field(s) differ from what the client expects:")
            for d in self.drift:
                times = f" ({d.count} times)" if d.count > 1 else ""
                seen = " or ".join(d.seen)
                lines.append(f"  {d.request}  {d.path}: expected {d.expected}, seen {seen}{times}")
        elif self.reads and self.problem is None:
            lines.append("Shapes: every answer has the shape the client expects.")
        lines.append(self._verdict(strict))
        return "\n".join(lines)

    def _verdict(self, strict: bool) -> str:
        if self.problem is not None:
            return "Result: the doctor could not read the space (exit 1)."
        failed = sum(r.status == "failed" for r in self.reads)
        if failed:
            return f"Result: {failed} read(s) failed (exit 1)."
        if self.warnings:
            code = self.exit_code(strict=strict)
            return f"Result: every read works, with {self.warnings} warning(s) above (exit {code})."
        return "Result: every read works (exit 0)."


def _records(count: int | None) -> str:
    if count is None:
        return ""
    return f"{count} record" if count == 1 else f"{count} records"
