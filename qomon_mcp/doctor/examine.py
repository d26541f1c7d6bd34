"""Run the doctor's reads against one space and build its `Report`.

The reads go through a read-only `QomonClient` (so the doctor cannot change the
space, and a read "works" exactly when a tool's call would). Its transport is
wrapped in a `Recorder`, which keeps each raw answer's status, headers and body:
that is what the shape check and the rate-limit header check look at.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import httpx2

from qomon_mcp.qomon import errors
from qomon_mcp.qomon.client import QomonClient
from qomon_mcp.settings import REGION_URLS, Settings

from .reads import READS, Read, count_of, records_mismatches
from .report import Drift, RateLimitCheck, ReadOutcome, Report

__all__ = ["Recorder", "examine"]

_RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-cost", "x-ratelimit-reset")


@dataclass(frozen=True, slots=True)
class Exchange:
    status: int
    headers: httpx2.Headers
    content: bytes


class Recorder(httpx2.AsyncBaseTransport):
    """Passes requests on and keeps every answer. Closing it leaves the inner transport open."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        self.exchanges.append(Exchange(response.status_code, response.headers, content))
        return httpx2.Response(response.status_code, headers=response.headers, content=content, request=request)

    async def aclose(self) -> None:
        pass


async def examine(settings: Settings, *, transport: httpx2.AsyncBaseTransport | None = None) -> Report:
    """Call every read once and check what came back; never raises for what Qomon answers."""
    if settings.api_key is None:
        raise ValueError("QOMON_API_KEY is not set")
    inner = transport or httpx2.AsyncHTTPTransport(retries=0)
    recorder = Recorder(inner)
    report = Report(api_url=settings.api_url, region=settings.region)
    try:
        async with _client(settings, settings.api_url, recorder) as client:
            if not await _run_reads(report, client, recorder):
                report.problem = await _key_advice(settings, inner)
    finally:
        if transport is None:
            await inner.aclose()
    report.rate_limit = _rate_limit_check(recorder.exchanges)
    return report


def _client(settings: Settings, base_url: str, transport: httpx2.AsyncBaseTransport) -> QomonClient:
    assert settings.api_key is not None
    return QomonClient(
        settings.api_key.get_secret_value(),
        base_url=base_url,
        read_only=True,
        request_timeout=settings.request_timeout,
        deadline=settings.deadline,
        max_retries=settings.max_retries,
        transport=transport,
    )


async def _run_reads(report: Report, client: QomonClient, recorder: Recorder) -> bool:
    """Every read, in order; False when the key was refused on the first, and nothing else was tried."""
    drift: dict[tuple[str, str, str], Drift] = {}
    for read in READS:
        if read.fundraising and report.fundraising == "not enabled":
            report.reads.append(ReadOutcome(read.label, read.request, "not enabled", "fundraising add-on not enabled"))
            continue
        start = len(recorder.exchanges)
        try:
            result = await read.call(client)
        except errors.AuthenticationFailed as error:
            if not report.reads:
                # The first read: the key or the region is wrong, and every other read would say the same.
                return False
            report.reads.append(ReadOutcome(read.label, read.request, "failed", _sentence(error)))
        except errors.PermissionDenied as error:
            if read.fundraising:
                report.fundraising = "not enabled"
                report.reads.append(
                    ReadOutcome(read.label, read.request, "not enabled", "fundraising add-on not enabled")
                )
            else:
                report.reads.append(ReadOutcome(read.label, read.request, "failed", _sentence(error)))
        except errors.QomonError as error:
            report.reads.append(ReadOutcome(read.label, read.request, "failed", _sentence(error)))
        else:
            if read.fundraising:
                report.fundraising = "enabled"
            found = count_of(result)
            total = f"{found} contacts in the space" if read.model is None else None
            report.reads.append(ReadOutcome(read.label, read.request, "ok", total, records=found))
        _collect_drift(drift, read, recorder.exchanges[start:])
    report.drift = list(drift.values())
    return True


def _collect_drift(drift: dict[tuple[str, str, str], Drift], read: Read, exchanges: Iterable[Exchange]) -> None:
    answered = [e for e in exchanges if 200 <= e.status < 300]
    if not answered:
        return
    try:
        body = json.loads(answered[-1].content) if answered[-1].content.strip() else None
    except ValueError:
        return  # not JSON at all: the read failed, and its sentence says so
    for mismatch in records_mismatches(read, body):
        found = drift.get((read.request, mismatch.path, mismatch.expected))
        if found is None:
            drift[(read.request, mismatch.path, mismatch.expected)] = Drift(
                read.request, mismatch.path, mismatch.expected, [mismatch.seen]
            )
        else:
            found.count += 1
            if mismatch.seen not in found.seen:
                found.seen.append(mismatch.seen)


def _sentence(error: errors.QomonError) -> str:
    """One sentence for a failed read; never Qomon's own text, which may echo data."""
    status = getattr(error, "status", None)
    if isinstance(error, errors.AuthenticationFailed):
        return "Qomon refused the API key on this read (HTTP 401)."
    if isinstance(error, errors.PermissionDenied):
        return "Qomon does not let this key read this (HTTP 403): check the key's role."
    if isinstance(error, errors.NotFound):
        return "Qomon does not know this route (HTTP 404): check --base-url."
    if isinstance(error, errors.RateLimited | errors.RateLimitHeld):
        return "Qomon kept answering 429 (rate limited): run the doctor again in a minute."
    if isinstance(error, errors.MalformedResponse):
        return f"the client could not read Qomon's answer (HTTP {status}); see the shapes below."
    if isinstance(error, errors.InvalidInput):
        return f"Qomon refused the doctor's request (HTTP {status}): please report this."
    if isinstance(error, errors.ServerError):
        return f"Qomon failed (HTTP {status}): try again later."
    if isinstance(error, errors.TransportError):
        return "Qomon could not be reached in time: check the network, the region or --base-url."
    return f"Qomon answered with an error (HTTP {status})." if status else "the read failed."


async def _key_advice(settings: Settings, inner: httpx2.AsyncBaseTransport) -> str:
    """One sentence on a refused key: which region knows it, if the other one does."""
    region, other = settings.region, "us" if settings.region == "eu" else "eu"
    if settings.base_url is not None:
        return (
            f"Qomon at {settings.api_url} refused this API key (HTTP 401): check QOMON_API_KEY, "
            f"or drop --base-url and try --region {region} or --region {other}."
        )
    try:
        async with _client(settings, REGION_URLS[other], Recorder(inner)) as probe:
            await probe.list_roles()
    except errors.AuthenticationFailed:
        return (
            "Qomon refused this API key in both regions (HTTP 401): check QOMON_API_KEY "
            "(a key copied incompletely, or revoked, is refused)."
        )
    except errors.QomonError:
        return (
            f"Qomon's {region.upper()} region refused this API key (HTTP 401): check QOMON_API_KEY, "
            f"or try the other region with --region {other}."
        )
    return (
        f"This API key belongs to Qomon's {other.upper()} region, not {region.upper()}: "
        f"run again with --region {other} (or QOMON_REGION={other})."
    )


def _rate_limit_check(exchanges: list[Exchange]) -> RateLimitCheck | None:
    # A refused key gets no rate-limit headers (docs, "Rate limits": the bucket is per key).
    answers = [e for e in exchanges if e.status != 401]
    if not answers:
        return None
    missing: dict[str, int] = {}
    unreadable: dict[str, int] = {}
    shape: dict[str, float] = {}
    for exchange in answers:
        for name in _RATE_HEADERS:
            value = exchange.headers.get(name)
            if value is None:
                missing[name] = missing.get(name, 0) + 1
                continue
            parsed = _limit_shape(value) if name == "x-ratelimit-limit" else _number(value)
            if parsed is None:
                unreadable[name] = unreadable.get(name, 0) + 1
            elif isinstance(parsed, dict):
                shape = parsed
    problems = [f"{_title(n)} missing on {c} of {len(answers)} answers" for n, c in missing.items()]
    problems += [f"{_title(n)} unreadable on {c} of {len(answers)} answers" for n, c in unreadable.items()]
    if problems:
        summary = "; ".join(problems) + " (the client then paces itself on its own estimate)."
        return RateLimitCheck(False, summary, len(answers), shape.get("burst"), shape.get("rate"))
    summary = f"present and readable on all {len(answers)} answers"
    if shape:
        summary += f" (burst {shape['burst']:g}, rate {shape['rate']:g}/s)"
    return RateLimitCheck(True, summary + ".", len(answers), shape.get("burst"), shape.get("rate"))


def _title(name: str) -> str:
    return "-".join(part.capitalize() if part != "x" else "X" for part in name.split("-"))


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _limit_shape(value: str) -> dict[str, float] | None:
    """ "burst:100;rate:10.0" (docs, "Rate limits") -> {"burst": 100.0, "rate": 10.0}; None if unreadable."""
    shape: dict[str, float] = {}
    for part in value.split(";"):
        name, _, number = part.partition(":")
        parsed = _number(number.strip())
        if parsed is not None:
            shape[name.strip().lower()] = parsed
    return shape if {"burst", "rate"} <= set(shape) else None
