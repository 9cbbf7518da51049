"""Register, log in, refresh and guest tokens; stores the tokens later folders use."""

from __future__ import annotations

from .checks import equals, error_fields, is_type, js, lacks_fields, non_empty_string, saves, var
from .rows import Folder, Row

UNIQUE_NAMES = """
// A fresh account per run, so the collection passes on any database and on reruns.
const stamp = Date.now().toString(36) + Math.floor(Math.random() * 1e6).toString(36);
const base = pm.environment.get("username") || "postman";
pm.collectionVariables.set("run_username", `${base}_${stamp}`);
pm.collectionVariables.set("other_username", `${base}_other_${stamp}`);
"""

# The access token with its signature changed, so only the signature check can refuse it.
TAMPERED_TOKEN = """
const token = pm.collectionVariables.get("access_token");
const signature = token.endsWith("AAAA") ? "BBBB" : "AAAA";
pm.collectionVariables.set("tampered_token", token.slice(0, -4) + signature);
"""

CREDENTIALS = {"username": "{{run_username}}", "password": "{{password}}"}
OTHER = {"username": "{{other_username}}", "password": "{{password}}"}
REGISTER = "/api/auth/register"
LOGIN = "/api/auth/login"
ME = "/api/auth/me"

FOLDER = Folder(
    "Auth",
    "Register, log in, refresh, guest tokens. Stores access_token, refresh_token, "
    "other_token (a second user) and guest_token.",
    (
        Row(
            "Register",
            "POST",
            REGISTER,
            201,
            token=None,
            body=CREDENTIALS,
            prerequest=UNIQUE_NAMES,
            checks=(
                equals("username", var("run_username")),
                lacks_fields("password", "password_hash"),
                saves("user_id", "id"),
            ),
        ),
        Row("Register a taken username", "POST", REGISTER, 409, token=None, body=CREDENTIALS),
        Row(
            "Register with a bad body",
            "POST",
            REGISTER,
            422,
            token=None,
            body={"username": "x"},
            checks=(error_fields("password"),),
        ),
        Row(
            "Register as anonymous is refused",
            "POST",
            REGISTER,
            (409, 422),
            token=None,
            body={"username": "anonymous", "password": "{{password}}"},
        ),
        Row(
            "Log in with a wrong password",
            "POST",
            LOGIN,
            401,
            token=None,
            body={"username": "{{run_username}}", "password": "wrong-password"},
        ),
        Row(
            "Log in",
            "POST",
            LOGIN,
            200,
            token=None,
            body=CREDENTIALS,
            checks=(
                *non_empty_string("access_token", "refresh_token"),
                js(
                    "the token type is bearer",
                    'pm.expect(body.token_type.toLowerCase()).to.eql("bearer");',
                ),
                is_type("expires_in", "number"),
                saves("access_token", "access_token"),
                saves("refresh_token", "refresh_token"),
            ),
        ),
        Row(
            "Me",
            "GET",
            ME,
            200,
            checks=(equals("username", var("run_username")), equals("is_guest", False)),
        ),
        Row("Me without a token", "GET", ME, 401, token=None),
        Row(
            "Me with a tampered token",
            "GET",
            ME,
            401,
            token="tampered_token",
            prerequest=TAMPERED_TOKEN,
        ),
        Row(
            "Me with a refresh token",
            "GET",
            ME,
            (401, 422),
            token="refresh_token",
            description="Refresh tokens are not access tokens.",
        ),
        Row(
            "Refresh",
            "POST",
            "/api/auth/refresh",
            200,
            token="refresh_token",
            description="Refresh tokens rotate: the next one replaces the one sent.",
            checks=(
                *non_empty_string("access_token", "refresh_token"),
                saves("access_token", "access_token"),
                saves("refresh_token", "refresh_token"),
            ),
        ),
        Row("Refresh with an access token", "POST", "/api/auth/refresh", (401, 422)),
        Row("Register another user", "POST", REGISTER, 201, token=None, body=OTHER),
        Row(
            "Log in as the other user",
            "POST",
            LOGIN,
            200,
            token=None,
            body=OTHER,
            checks=(saves("other_token", "access_token"),),
        ),
        Row(
            "Guest token",
            "POST",
            "/api/auth/guest",
            201,
            token=None,
            checks=(
                *non_empty_string("access_token", "guest_id"),
                saves("guest_token", "access_token"),
            ),
        ),
        Row(
            "Me as a guest", "GET", ME, 200, token="guest_token", checks=(equals("is_guest", True),)
        ),
    ),
)
