"""OpenAI's voices, per speech API (text-to-speech and realtime guides)."""

from __future__ import annotations

OPENAI_SPEECH_VOICES = (
    "alloy", "ash", "ballad", "cedar", "coral", "echo", "fable",
    "marin", "nova", "onyx", "sage", "shimmer", "verse",
)  # fmt: skip
# The Realtime models do not offer fable, nova or onyx.
OPENAI_REALTIME_VOICES = (
    "alloy", "ash", "ballad", "cedar", "coral", "echo", "marin", "sage", "shimmer", "verse",
)  # fmt: skip
SPEECH_ONLY_VOICES = frozenset(OPENAI_SPEECH_VOICES) - frozenset(OPENAI_REALTIME_VOICES)
