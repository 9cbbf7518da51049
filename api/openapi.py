"""Pieces that keep the OpenAPI document true to what the API really accepts and sends."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from marshmallow import ValidationError, fields
from werkzeug.routing import IntegerConverter

from shared.core.validation import MAX_ID, NO_NUL, has_text


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive 32-bit database id; anything else simply does not match (404)."""

    def __init__(self, map: Any) -> None:
        super().__init__(map, min=1, max=MAX_ID)


def id_schema(_converter: IdConverter) -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


class Text(fields.String):
    """A string that can be stored: valid Unicode (no lone surrogates), no NUL (documented)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("pattern", NO_NUL)
        super().__init__(*args, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationError("Not valid Unicode text.") from exc
        if "\x00" in text:  # query strings too: no database column can hold it
            raise ValidationError("Must not contain a NUL character.")
        return text


def not_blank(value: str) -> bool:
    """The marshmallow validator for text that must say something (documented as NOT_BLANK)."""
    if not has_text(value):
        raise ValidationError("Must not be blank.")
    return True


class StrictBool(fields.Boolean):
    """Only JSON true/false: 0, 1 and "yes" are refused (0 == False in Python)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Not a valid boolean.")
        return value


class ChatbotApi(Api):
    def _register_pagination_header(self) -> None:
        # The header carries a JSON document as a string; documenting it as an object
        # would make every client validator reject it.
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata as a JSON object: total, total_pages, "
                "first_page, last_page, page, previous_page, next_page",
                "schema": {"type": "string"},
            },
            lazy=True,
        )


def create_api(app: Flask) -> ChatbotApi:
    app.url_map.converters["id"] = IdConverter
    api = ChatbotApi(app)
    api.register_converter(IdConverter, id_schema)
    return api
