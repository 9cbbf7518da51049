"""A typed `abort`: flask-smorest's raises an HTTPException that the error envelope renders."""

from __future__ import annotations

from typing import Any, NoReturn

from flask_smorest import abort as smorest_abort


def abort(code: int, message: str, **kwargs: Any) -> NoReturn:
    smorest_abort(code, message=message, **kwargs)
    raise AssertionError("unreachable: abort always raises")
