"""What a turn with an agent that has ready files adds: the passages retrieved for the
question, as a delimited reference block after the agent's prompt, and as the reply's
`sources` (known before generation, so stored with the pending reply).

A turn whose agent has no ready file (the count read with the chat) adds no query at all.
Guests and other users are answered from the files but never shown them: their sources carry
no snippet."""

from __future__ import annotations

from sqlalchemy import orm as so

from shared.auth.access import Caller
from shared.chats.conversation import HistoryBudget
from shared.core.models import Message
from shared.knowledge.dense import Payer, remember_chat
from shared.knowledge.retrieval import answer_passages, reference_block
from shared.providers.base import ChatMessage
from shared.turns.lock import LockedChat


def with_references(
    session: so.Session,
    chat: LockedChat,
    caller: Caller,
    question: Message,
    reply: Message,
    context: list[ChatMessage],
    budget: HistoryBudget,
) -> list[ChatMessage]:
    """`context` with the agent's passages for `question`; `reply.sources` set to them."""
    if not chat.knowledge_files or budget.knowledge_chars <= 0:
        return context
    remember_chat(session, chat.id)  # its next questions are embedded before the lock
    payer = Payer(caller.user_id, caller.guest_id)
    passages = answer_passages(
        session, chat.agent_id, question.content, budget.knowledge_chars, payer
    )
    owner = not caller.is_guest and (caller.user_id == chat.owner_id or caller.is_admin)
    reply.sources = [passage.source(snippet=owner) for passage in passages]
    if not passages:
        return context
    block: ChatMessage = {"role": "system", "content": reference_block(passages)}
    return [context[0], block, *context[1:]]
