"""Model lifecycle: which models the upstream offers (`GET /v1/models`) and which configured or
agent models are missing there or carry an announced `shutdown_date`.

The listing is read at start and then at most every `MODELS_REFRESH_SECONDS` (one catalog per
process, shared by its threads); upstreams without the endpoint or the field are fine: they
simply produce no warnings. Each warning is logged once per process.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

import openai

from shared.core.config import Config
from shared.providers.openai_chat import client_options
from shared.providers.registry import resolve

log = logging.getLogger("chatbot.lifecycle")
# Within this many days of the shutdown the UI notice turns urgent.
URGENT_DAYS = 30


@dataclass(frozen=True)
class ListedModel:
    id: str
    shutdown_date: date | None = None

    def as_json(self) -> dict[str, Any]:
        shutdown = self.shutdown_date.isoformat() if self.shutdown_date else None
        return {"id": self.id, "shutdown_date": shutdown}


@dataclass(frozen=True)
class ModelWarning:
    model: str
    kind: Literal["missing", "retiring"]
    shutdown_date: date | None
    days_left: int | None
    message: str

    @property
    def urgent(self) -> bool:
        soon = self.days_left is not None and self.days_left <= URGENT_DAYS
        return self.kind == "missing" or soon

    def as_json(self) -> dict[str, Any]:
        shutdown = self.shutdown_date.isoformat() if self.shutdown_date else None
        return {
            "model": self.model,
            "kind": self.kind,
            "shutdown_date": shutdown,
            "days_left": self.days_left,
            "message": self.message,
        }


def today() -> date:
    return datetime.now(UTC).date()


def parse_date(raw: object) -> date | None:
    """A `YYYY-MM-DD` shutdown date, or None when absent or malformed."""
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def model_warnings(
    listing: Sequence[ListedModel] | None, models: Iterable[str], on: date
) -> list[ModelWarning]:
    """Warnings for `models` against the upstream's listing (None: it lists none, no warnings)."""
    if listing is None:
        return []
    by_id = {listed.id: listed for listed in listing}
    warnings: list[ModelWarning] = []
    for model in sorted(set(models)):
        listed = by_id.get(model)
        if listed is None:
            message = f"The AI provider does not list the model {model}; requests for it may fail."
            warnings.append(ModelWarning(model, "missing", None, None, message))
        elif listed.shutdown_date is not None:
            warnings.append(_retiring(model, listed.shutdown_date, on))
    return warnings


def _retiring(model: str, shutdown: date, on: date) -> ModelWarning:
    days_left = (shutdown - on).days
    if days_left < 0:
        message = f"The model {model} was shut down on {shutdown.isoformat()}; choose another."
    else:
        message = (
            f"The model {model} shuts down on {shutdown.isoformat()} "
            f"({days_left} days left); choose a replacement before then."
        )
    return ModelWarning(model, "retiring", shutdown, days_left, message)


def configured_models(config: Config) -> list[str]:
    """The configured default model of every stage that OpenAI (or a compatible server) serves."""
    stages = (
        (config.llm_provider, config.openai_chat_model),
        (config.stt_provider, config.openai_stt_model),
        (config.tts_provider, config.openai_tts_model),
    )
    return [model for choice, model in stages if resolve(choice, config) == "openai"]


def fetch_listing(config: Config) -> list[ListedModel] | None:
    """`GET /v1/models` through the SDK; None when the upstream has no such endpoint."""
    with openai.OpenAI(**client_options(config)) as client:  # type: ignore[arg-type]
        try:
            return [
                ListedModel(model.id, parse_date(getattr(model, "shutdown_date", None)))
                for model in client.models.list()
            ]
        except (openai.NotFoundError, openai.PermissionDeniedError):
            return None
        except openai.APIStatusError as exc:
            if exc.status_code == 405:
                return None
            raise


class ModelCatalog:
    """The upstream's model listing, fetched in the background at start and when stale."""

    def __init__(
        self,
        fetch: Callable[[], list[ListedModel] | None] | None,
        refresh_seconds: float,
        first_wait: float,
        on_listing: Callable[[ModelCatalog, list[ListedModel] | None], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._on_listing = on_listing
        self._refresh_seconds = refresh_seconds
        self._first_wait = first_wait
        self._clock = clock
        self._lock = threading.Lock()
        self._listing: list[ListedModel] | None = None
        self._fetched_at: float | None = None
        self._in_flight: threading.Event | None = None
        self._pid = os.getpid()
        self._logged: set[tuple[str, str]] = set()

    def start(self) -> None:
        """Read the listing now, in the background (a start-up must not wait on the upstream)."""
        self._refresh_in_background()

    def listing(self) -> list[ListedModel] | None:
        """The cached listing (None: none yet or not offered); waits briefly for the first read."""
        with self._lock:
            first = self._fetched_at is None
            stale = first or self._clock() - (self._fetched_at or 0.0) >= self._refresh_seconds
        pending = self._refresh_in_background() if stale else None
        if first and pending is not None:
            pending.wait(self._first_wait)
        with self._lock:
            return self._listing

    def log_once(self, warnings: Iterable[ModelWarning]) -> None:
        for warning in warnings:
            key = (warning.model, warning.kind)
            with self._lock:
                if key in self._logged:
                    continue
                self._logged.add(key)
            log.warning("model lifecycle: %s", warning.message)

    def _refresh_in_background(self) -> threading.Event | None:
        with self._lock:
            if self._fetch is None:
                self._fetched_at = self._clock()
                return None
            if self._pid != os.getpid():  # forked (e.g. gunicorn --preload): that thread is gone
                self._pid, self._in_flight = os.getpid(), None
            if self._in_flight is not None:
                return self._in_flight
            self._in_flight = done = threading.Event()
        threading.Thread(target=self._refresh, args=(done,), daemon=True).start()
        return done

    def _refresh(self, done: threading.Event) -> None:
        fetch = self._fetch
        assert fetch is not None
        try:
            listing = fetch()
        except Exception as exc:  # keep the last good listing; try again after the interval
            log.warning("could not read the upstream's model list: %s", type(exc).__name__)
            with self._lock:
                self._fetched_at = self._clock()
        else:
            with self._lock:
                self._listing = listing
                self._fetched_at = self._clock()
            if self._on_listing is not None:
                self._on_listing(self, listing)
        finally:
            with self._lock:
                self._in_flight = None
            done.set()


def catalog_for(config: Config) -> ModelCatalog:
    """A catalog reading the configured upstream (none when no stage uses it) that logs the
    configured defaults' warnings as soon as a listing arrives."""
    fetch = (lambda: fetch_listing(config)) if configured_models(config) else None

    def log_defaults(catalog: ModelCatalog, listing: list[ListedModel] | None) -> None:
        catalog.log_once(model_warnings(listing, configured_models(config), today()))

    return ModelCatalog(fetch, config.models_refresh_seconds, config.provider_timeout, log_defaults)
