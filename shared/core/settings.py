"""The settings' fields, grouped (shared/core/config.py combines them into `Config`).

Each field is a setting: its environment variable is the name in upper case, its default and
one-line description are the documentation's source (bin/config-docs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, NoDecode

ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET = "dev-secret-change-me-dev-secret-change-me"
MIN_SECRET_LENGTH = 32
# The only environments (after trimming and lower-casing) that accept the development secret.
DEVELOPMENT_ENVS = frozenset({"development", "dev", "test", "testing"})
ProviderChoice = Literal["auto", "openai", "offline"]
TtsApi = Literal["auto", "speech", "realtime"]
# Replies may also come from a local model (in-process); see shared/providers/local_llm.py.
ReplyChoice = Literal["auto", "openai", "offline", "local"]
# A comma-separated list in the environment ("a, b"), a tuple in the code.
Names = Annotated[tuple[str, ...], NoDecode]


# Reasoning efforts OpenAI's reasoning models accept (gpt-6-luna: none to max).
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


def _default_database_url() -> str:
    return f"sqlite:///{ROOT / 'instance' / 'app.db'}"


def _d(description: str, **kwargs: Any) -> Any:
    """A field's default and its one-line description (the documentation's source)."""
    return Field(description=description, **kwargs)


class ServiceSettings(BaseSettings):
    """Where things are and who answers: environment, database, tokens, providers."""

    app_env: str = _d(
        "anything but development/dev/test/testing turns on the secret checks",
        default="development",
    )
    database_url: str = _d(
        "SQLite file or `postgresql://user@host/db` (drivers are chosen per service)",
        default_factory=_default_database_url,
    )
    jwt_secret_key: str = _d("HS256 signing key shared by both services", default=DEV_SECRET)
    jwt_access_minutes: int = _d("access token lifetime in minutes", default=15, ge=1)
    jwt_refresh_days: int = _d("refresh token lifetime in days", default=30, ge=1)
    openai_api_key: str = _d("enables OpenAI; empty means offline", default="")
    openai_base_url: str = _d(
        "any OpenAI-compatible server, e.g. `http://localhost:8000/v1`", default=""
    )
    # Defaults OpenAI still serves after the 2027 shutdowns (see README "Model lifecycle").
    openai_chat_model: str = _d(
        "default chat model (an agent's `model` overrides it)", default="gpt-6-luna"
    )
    openai_stt_model: str = _d(
        "speech-to-text model (`/v1/audio/transcriptions`)", default="gpt-transcribe"
    )
    openai_tts_model: str = _d("text-to-speech model", default="gpt-realtime-2.1-mini")
    openai_tts_voice: str = _d("default voice (an agent's `voice` overrides it)", default="alloy")
    # One upstream call may take this long, retried at most this often; a whole turn is
    # bounded by provider_timeout * (provider_max_retries + 1) plus backoff.
    provider_timeout: float = _d("seconds one upstream call may take", default=30.0, gt=0)
    provider_max_retries: int = _d("SDK retries on connection errors, 429 and 5xx", default=1, ge=0)
    llm_provider: ReplyChoice = _d(
        "replies: `auto`, `openai`, `offline` or `local`", default="auto"
    )
    stt_provider: ProviderChoice = _d(
        "speech to text: `auto`, `openai` or `offline`", default="auto"
    )
    tts_provider: ProviderChoice = _d(
        "text to speech: `auto`, `openai` or `offline`", default="auto"
    )
    cors_origins: Names = _d(
        "comma-separated browser origins allowed to call the services", default=()
    )
    public_api_url: str = _d("where the web page finds the API (empty: same origin)", default="")
    public_voice_url: str = _d(
        "where the web page finds the voice service (empty: same origin)", default=""
    )


class LimitSettings(BaseSettings):
    """How much anyone may ask for: sizes, rates, back-off, budgets."""

    max_message_chars: int = _d("longest text message", default=4000, ge=1)
    max_prompt_chars: int = _d("longest agent prompt", default=8000, ge=1)
    max_name_chars: int = _d("longest agent name", default=100, ge=1)
    max_audio_bytes: int = _d("largest voice upload in bytes", default=25 * 1024 * 1024, ge=1)
    max_audio_seconds: float = _d("longest recording in seconds", default=120.0, gt=0)
    max_page_size: int = _d(
        "largest `page_size` of every listing (1 to 100)", default=100, ge=1, le=100
    )
    history_max_messages: int = _d("most recent messages sent to the model", default=50, ge=1)
    history_budget_chars: int = _d("character budget for that history", default=16000, ge=1)
    # Abuse limits ("N/second|minute|hour|day"); counters shared through Redis when configured.
    rate_limit_enabled: bool = _d("turn all abuse limits off with `false`", default=True)
    rate_limit_storage_url: str = _d(
        "counters' storage (empty: `REDIS_URL`, else `memory://` per process)", default=""
    )
    rate_limit_replies: str = _d(
        "replies (text, stream, voice) per user or guest", default="20/minute"
    )
    rate_limit_replies_per_ip: str = _d("replies per client IP", default="60/minute")
    rate_limit_guest_tokens: str = _d("guest tokens per IP", default="30/hour")
    rate_limit_register: str = _d("registrations per IP", default="10/hour")
    rate_limit_login_per_ip: str = _d("login attempts per IP", default="30/minute")
    rate_limit_login_per_user: str = _d(
        "login attempts per username from one client IP", default="10/minute"
    )
    # Failed logins per (username, IP) and per IP before each further failure locks that
    # pair or IP for 1, 2, 4, ... seconds (see shared/limits/login_guard.py).
    login_backoff_after: int = _d(
        "failed logins per (username, IP) before the lock", default=5, ge=1
    )
    login_backoff_after_per_ip: int = _d("failed logins per IP before the lock", default=20, ge=1)
    login_backoff_max_seconds: int = _d("longest login lock in seconds", default=900, ge=1)

    # Speech allowances over a rolling day (0 = unlimited), see shared/usage/speech_budgets.py.
    quota_user_speech_chars_per_day: int = _d(
        "characters spoken per account per day", default=200_000, ge=0
    )
    quota_guest_speech_chars_per_day: int = _d(
        "characters spoken per guest per day", default=20_000, ge=0
    )
    quota_guest_ip_speech_chars_per_day: int = _d(
        "characters spoken for all guests of one IP per day", default=100_000, ge=0
    )
    quota_user_speech_seconds_per_day: int = _d(
        "seconds of speech transcribed per account per day", default=3_600, ge=0
    )
    quota_guest_speech_seconds_per_day: int = _d(
        "seconds transcribed per guest per day", default=600, ge=0
    )
    quota_guest_ip_speech_seconds_per_day: int = _d(
        "seconds transcribed for all guests of one IP per day", default=3_000, ge=0
    )
    max_speech_chars: int = _d("the most one read-aloud speaks", default=20_000, ge=1)
    tts_parallel_per_request: int = _d("synthesis calls at once for one request", default=4, ge=1)
    tts_parallel_per_process: int = _d("synthesis calls at once per process", default=8, ge=1)
    # Chat import bounds and an imported reply's length cap.
    max_reply_chars: int = _d("longest AI message an import may carry", default=20_000, ge=1)
    max_import_chats: int = _d("most chats in one import", default=50, ge=1)
    max_import_messages: int = _d("most messages in one import", default=5_000, ge=1)
    rate_limit_imports: str = _d("imports per user or guest", default="10/hour")
    rate_limit_imports_per_ip: str = _d("imports per client IP", default="30/hour")
    # Search: rate limits and the statement timeout of one search.
    rate_limit_searches: str = _d("searches per user or guest", default="30/minute")
    rate_limit_searches_per_ip: str = _d("searches per client IP", default="90/minute")
    search_timeout_ms: int = _d("longest a search may run in the database", default=3_000, ge=1)


class FeatureSettings(BaseSettings):
    """How the features run: sharing across processes, speech, local engines, conversation
    mode, tools and knowledge."""

    redis_url: str = _d("one Redis shared by every process and replica (empty: none)", default="")
    # Without shared rate-limit storage each process allows its share: the limit / workers.
    workers: int = _d(
        "worker processes of this service (entrypoint and `make run` set it)", default=1, ge=1
    )
    proxy_hops: int = _d(
        "reverse proxies in front whose `X-Forwarded-For` is trusted", default=0, ge=0
    )
    speech_cache_bytes: int = _d(
        "spoken messages kept for replay (bytes in memory; Redis entries up to a quarter)",
        default=64 * 1024 * 1024,
        ge=0,
    )
    tts_api: TtsApi = _d("how replies are spoken: `auto`, `speech` or `realtime`", default="auto")
    allowed_models: Names = _d(
        "models non-admins may give an agent (empty: listed ones)", default=()
    )
    allowed_voices: Names = _d(
        "voices non-admins may give an agent (empty: the provider's)", default=()
    )
    max_reply_tokens: int = _d("output cap per reply in tokens (0: none)", default=4096, ge=0)
    models_refresh_seconds: float = _d(
        "how often `GET /v1/models` is read again", default=3600.0, gt=0
    )
    local_llm_url: str = _d(
        "a local OpenAI-compatible server probed when offline (empty: Ollama's)", default=""
    )
    local_llm_model: str = _d("that server's model (empty: the first one listed)", default="")
    local_llm_max_tokens: int = _d("longest reply of the in-process local model", default=256, ge=1)
    local_llm_context: int = _d("its context window in tokens", default=4096, ge=2)
    local_llm_concurrency: int = _d("its replies written at once per process", default=1, ge=1)
    stt_concurrency: int = _d("offline transcriptions at once per process", default=2, ge=1)
    tts_max_in_flight: int = _d(
        "sentences synthesised at once in a streamed voice reply", default=2, ge=1
    )
    max_sentence_chars: int = _d("longest sentence sent to speech at once", default=400, ge=20)
    max_import_bytes: int = _d(
        "largest chat export file `POST /api/chats/import` accepts", default=5 * 1024 * 1024, ge=1
    )
    quota_user_tokens_per_day: int = _d(
        "tokens per account per rolling day (0: unlimited)", default=0, ge=0
    )
    quota_guest_tokens_per_day: int = _d(
        "tokens per guest per rolling day (0: unlimited)", default=20_000, ge=0
    )
    quota_guest_ip_tokens_per_day: int = _d(
        "tokens of all guests from one IP per rolling day (0: unlimited)", default=100_000, ge=0
    )
    guest_retention_days: int = _d(
        "`flask --app api purge` deletes guest chats idle longer", default=30, ge=1
    )
    metrics_allow: Names = _d(
        "addresses or networks that may read `/metrics`", default=("127.0.0.1", "::1")
    )

    # Conversation mode's voice-activity detection in the browser (published in /config.json).
    vad_positive_threshold: float = _d(
        "a frame is speech above this probability", default=0.5, gt=0, lt=1
    )
    vad_negative_threshold: float = _d(
        "a frame is silence below this probability", default=0.35, gt=0, lt=1
    )
    vad_min_speech_ms: int = _d(
        "shorter speech is ignored as noise (at least one 32 ms frame)", default=250, ge=32
    )
    vad_pause_ms: int = _d("a pause this long ends the utterance", default=800, ge=100)

    # Tools (MCP servers, docs/tools.md) and reasoning effort.
    tool_servers_file: str = _d(
        "JSON file of MCP servers in the `mcpServers` form (empty: no tools)", default=""
    )
    tool_timeout: float = _d("seconds one tool call may take", default=20.0, gt=0)
    max_tool_result_chars: int = _d("longest tool result sent to the model", default=20_000, ge=1)
    max_tool_rounds: int = _d("most tool rounds in one reply", default=5, ge=1)
    openai_reasoning_effort: str = _d(
        "reasoning effort sent to reasoning models (empty: the model's own; voice uses `low`)",
        default="",
    )

    # Knowledge (files an agent answers from, shared/knowledge).
    max_file_bytes: int = _d(
        "largest knowledge file upload in bytes", default=20 * 1024 * 1024, ge=1
    )
    max_agent_files: int = _d("most files per agent", default=50, ge=1)
    max_file_chars: int = _d("most text extracted from one file", default=2_000_000, ge=1)
    knowledge_budget_chars: int = _d(
        "reference text a turn may add from an agent's files", default=6000, ge=0
    )
    openai_embedding_model: str = _d(
        "embedding model for dense retrieval (empty, or no key: full text only)",
        default="text-embedding-3-small",
    )
    openai_embedding_dimensions: int = _d(
        "vector size asked of the model (text-embedding-3 accept it; 0: the model's own)",
        default=512,
        ge=0,
    )
    knowledge_embed_batch: int = _d("chunks embedded per upstream call", default=128, ge=1, le=2048)
    knowledge_embed_retries: int = _d(
        "retries of one embedding call on 429, 5xx and timeouts (worker)", default=5, ge=0
    )
    knowledge_query_timeout: float = _d(
        "seconds a turn waits for its question's embedding (then full text only)",
        default=3.0,
        gt=0,
    )
    knowledge_vectors_mb: int = _d(
        "agents' vectors kept in memory per process for dense search", default=256, ge=1
    )
    knowledge_extract_seconds: float = _d("longest the worker reads one file", default=60.0, gt=0)
    knowledge_extract_memory_mb: int = _d(
        "memory the worker may use reading one file", default=1024, ge=64
    )
    knowledge_queue_path: str = _d(
        "the embedded job queue's file (empty: under instance/; Redis with REDIS_URL)", default=""
    )
    knowledge_workers: int = _d("jobs the worker runs at once", default=1, ge=1)
