"""The configured text limits applied to API input."""

from __future__ import annotations

from typing import Any

from flask import current_app

from shared.app_state import config_in
from shared.config import Config
from shared.validation import bounded_text, trimmed


def app_config() -> Config:
    return config_in(current_app.extensions)


def checked_agent_fields(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with name and prompt checked against the limits (422 names the broken one)."""
    config = app_config()
    checked = dict(data)
    if "name" in checked:
        checked["name"] = bounded_text("name", trimmed(checked["name"]), config.max_name_chars)
    if "prompt" in checked:
        checked["prompt"] = bounded_text("prompt", checked["prompt"], config.max_prompt_chars)
    for optional in ("model", "voice"):
        if optional in checked and checked[optional] is not None:
            checked[optional] = trimmed(checked[optional]) or None
    return checked
