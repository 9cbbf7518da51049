"""Where the voice service starts a turn: once the caller's budgets allow it (one rule,
in shared/turns/charges.py; the reply's charge is settled where the engine finishes it)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

from shared.auth.access import Caller
from shared.knowledge import dense
from shared.turns import charges
from shared.turns.store import Started
from voice.deps import app_config, budget_checks, serving, writer
from voice.services import client_ip


async def begin(work: charges.Begin, caller: Caller, *args: Any) -> Started:
    """`work` (a `store.begin_*`) for `caller`, refused with 429 when a budget is spent."""
    return await charges.abegin(writer(), app_config(), client_ip(), work, caller, *args)


def reserved(caller: Caller) -> AbstractAsyncContextManager[charges.Reservation]:
    """A turn the budgets allow, started inside the block (after e.g. transcription)."""
    return charges.areserved(writer(), budget_checks(), app_config(), caller, client_ip())


async def prefetched(chat_id: int, question: str) -> None:
    """Embed the question before its turn locks the chat, when the chat answers from files
    (shared/knowledge/dense.py): no upstream call is made inside the lock."""
    await dense.aprefetch(serving().engine.sync_engine, chat_id, question)
