"""Access tokens are verified once per worker and their expiry checked on every use."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest

from shared.auth import tokens
from shared.auth.tokens import EXPIRED, TokenError, decode_access_token

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def token(lifetime: float = 60, secret: str = SECRET, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": "7",
        "jti": uuid.uuid4().hex,
        "type": "access",
        "gen": 0,
        "iat": now,
        "exp": now + lifetime,
        **overrides,
    }
    return jwt.encode(claims, secret, algorithm=tokens.ALGORITHM)


def test_a_token_that_expires_after_its_first_use_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    short = token(lifetime=30)
    assert decode_access_token(short, SECRET).user_id == 7
    later = time.time() + 31
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    with pytest.raises(TokenError) as refused:
        decode_access_token(short, SECRET)
    assert str(refused.value) == EXPIRED


def test_a_verified_token_is_still_refused_under_another_secret() -> None:
    good = token()
    assert decode_access_token(good, SECRET).jti
    with pytest.raises(TokenError):
        decode_access_token(good, SECRET + "-rotated")


def test_refusals_are_not_remembered_as_valid() -> None:
    forged = token(secret="not-the-secret-but-long-enough-for-hs256")
    for _ in range(2):
        with pytest.raises(TokenError):
            decode_access_token(forged, SECRET)
    for wrong in (token(type="refresh"), token(sub="x"), token(exp=int(time.time()) - 5)):
        with pytest.raises(TokenError):
            decode_access_token(wrong, SECRET)
