"""Auth endpoints and the JWT rules of the API (who the caller is, which tokens are refused)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import current_app, g, request
from flask.views import MethodView
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    current_user,
    get_jwt,
    jwt_required,
)
from flask_smorest import Blueprint

from api.chat_ux_schemas import RegisteredSchema, SignedInSchema
from api.claims import CLAIM_DOC, claim_request_guest, registered
from api.deps import login_guard
from api.extensions import db, jwt
from api.http import abort
from api.schemas import CredentialsSchema, LoginSchema, MeSchema, TokenSchema
from api.throttle import client_ip, throttle
from shared.auth.access import Caller, caller_for
from shared.auth.accounts import GENERATION_CLAIM, accepts_token, end_all_sessions
from shared.auth.passwords import hash_password, verify_password
from shared.auth.rotation import REUSED, end_reused_login, rotate
from shared.auth.standing import MISSING_TOKEN
from shared.auth.tokens import (
    FAMILY_CLAIM,
    GUEST_CLAIM,
    TokenError,
    bearer_credentials,
    caller_row_stmt,
    decode_access_token,
    family_key,
    purge_expired_stmt,
    revocation,
)
from shared.core.models import ANONYMOUS_USERNAME, User

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Accounts and tokens")
F = TypeVar("F", bound=Callable[..., Any])


def login_required(view: F) -> F:
    """A valid, unrevoked access token (user or guest) is required."""
    return cast(F, jwt_required()(view))


TOKEN_CALLER_KEY = "_token_caller"


def token_required(view: F) -> F:
    """A valid access token (signature, expiry, type, claims) whose account the view's work
    checks in its first statement (a turn's lock, see shared/auth/standing.py): exactly the rules
    of `login_required`, without a query of their own. The caller: `token_caller()`."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        token = bearer_credentials(request.headers.get("Authorization", ""))
        if token is None:
            raise TokenError(MISSING_TOKEN)
        claims = decode_access_token(token, current_app.config["JWT_SECRET_KEY"])
        setattr(g, TOKEN_CALLER_KEY, Caller.of_token(claims))
        return view(*args, **kwargs)

    return cast(F, checked)


def token_caller() -> Caller:
    return cast(Caller, getattr(g, TOKEN_CALLER_KEY))


def current_caller() -> Caller:
    user = cast(User, current_user)
    return Caller(user_id=user.id, is_admin=user.is_admin, guest_id=get_jwt().get(GUEST_CLAIM))


# The blocklist check runs first and reads the account with it (one query, exact on every
# request); the user loader takes the account from there.
ACCOUNT_KEY = "_token_account"


@jwt.token_in_blocklist_loader
def token_revoked(_header: dict[str, Any], claims: dict[str, Any]) -> bool:
    stmt = caller_row_stmt(int(claims["sub"]), claims["jti"], claims.get(FAMILY_CLAIM))
    row = db.session.execute(stmt).first()
    setattr(g, ACCOUNT_KEY, row[0] if row is not None else None)
    revoked = row is not None and bool(row.revoked)
    if revoked and claims.get("type") == "refresh":  # rotated before, or its login ended
        end_reused_login(db.session, family_of(claims), family_lifetime())
    return revoked


def family_of(claims: dict[str, Any]) -> str:
    """The login a token belongs to (a token from before families: its own id)."""
    return str(claims.get(FAMILY_CLAIM) or claims["jti"])


def family_lifetime() -> datetime:
    """Until when revoking a login must last: its newest refresh token's expiry at most."""
    return datetime.now(UTC) + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]


@jwt.user_lookup_loader
def load_user(_header: dict[str, Any], claims: dict[str, Any]) -> User | None:
    user = cast(User | None, g.pop(ACCOUNT_KEY, None))
    if user is None or not accepts_token(user, claims.get(GENERATION_CLAIM), claims.get("iat")):
        return None
    return user if caller_for(user, claims.get(GUEST_CLAIM) or None) else None


def token_claims(user: User, guest_id: str | None, family: str) -> dict[str, Any]:
    """The claims besides `sub` every token of this account carries."""
    claims: dict[str, Any] = {GENERATION_CLAIM: user.token_generation, FAMILY_CLAIM: family}
    if guest_id:
        claims[GUEST_CLAIM] = guest_id
    return claims


def issue_tokens(user: User, guest_id: str | None = None) -> dict[str, Any]:
    claims = token_claims(user, guest_id, family=uuid.uuid4().hex)
    lifetime = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    tokens: dict[str, Any] = {
        "access_token": create_access_token(str(user.id), additional_claims=claims),
        "refresh_token": create_refresh_token(str(user.id), additional_claims=claims),
        "token_type": "Bearer",
        "expires_in": int(lifetime.total_seconds()),
    }
    if guest_id:
        tokens["guest_id"] = guest_id
    return tokens


def find_user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username.lower()))


@blp.route("/register")
class Register(MethodView):
    @blp.doc(security=[{}, {"bearerAuth": []}], description=CLAIM_DOC)
    @blp.arguments(CredentialsSchema)
    @blp.response(201, RegisteredSchema)
    @blp.alt_response(409, description="The username is taken")
    def post(self, data: dict[str, str]) -> dict[str, Any]:
        """Create an account"""
        throttle([("register", f"ip:{client_ip()}")])
        username = data["username"].lower()
        if username == ANONYMOUS_USERNAME or find_user(username) is not None:
            abort(409, "That username is taken.")
        user = User(username=username, password_hash=hash_password(data["password"]))
        db.session.add(user)
        try:
            claimed = claim_request_guest(user)
            db.session.commit()
        except sa.exc.IntegrityError:  # a concurrent registration won the race
            db.session.rollback()
            abort(409, "That username is taken.")
        return registered(user, claimed)


@blp.route("/login")
class Login(MethodView):
    @blp.doc(security=[{}, {"bearerAuth": []}], description=CLAIM_DOC)
    @blp.arguments(LoginSchema)
    @blp.response(200, SignedInSchema)
    @blp.alt_response(401, description="Invalid username or password")
    @blp.alt_response(403, description="The account is disabled")
    def post(self, data: dict[str, str]) -> dict[str, Any]:
        """Log in and get an access and a refresh token"""
        username, ip = data["username"].lower(), client_ip()
        throttle([("login_ip", f"ip:{ip}"), ("login_user", f"{username}|ip:{ip}")])
        guard = login_guard()
        guard.check(username, ip)
        user = find_user(username)
        # verify_password hashes even when the user is unknown, so timing reveals nothing.
        if not verify_password(data["password"], user.password_hash if user else None):
            guard.failed(username, ip)
            abort(401, "Invalid username or password.")
        guard.succeeded(username, ip)
        if cast(User, user).disabled:
            abort(403, "This account is disabled.", errors={"reason": "account_disabled"})
        tokens = issue_tokens(cast(User, user))
        tokens["claimed_chats"] = claim_request_guest(cast(User, user))
        db.session.commit()
        return tokens


@blp.route("/guest")
class Guest(MethodView):
    @blp.doc(security=[])
    @blp.response(201, TokenSchema)
    def post(self) -> dict[str, Any]:
        """Get a guest token (chat without an account)"""
        throttle([("guest_token", f"ip:{client_ip()}")])
        anonymous = find_user(ANONYMOUS_USERNAME)
        if anonymous is None:
            abort(503, "Guest access is not set up; run the database migrations.")
        return issue_tokens(anonymous, guest_id=str(uuid.uuid4()))


@blp.route("/refresh")
class Refresh(MethodView):
    @blp.doc(
        description="Send the **refresh** token as the bearer token. Refresh tokens rotate: "
        "the answer carries the login's next refresh token and the one sent stops working. A "
        "refresh token sent again after that ends its whole login (every token of it): two "
        "parties held it."
    )
    @blp.response(200, TokenSchema)
    @jwt_required(refresh=True)
    def post(self) -> dict[str, Any]:
        """Get a new access token and the login's next refresh token"""
        claims = get_jwt()
        family = family_of(claims)
        extra = token_claims(cast(User, current_user), claims.get(GUEST_CLAIM) or None, family)
        used_until = datetime.fromtimestamp(claims["exp"], UTC)
        if not rotate(db.session, claims["jti"], used_until):  # the same token twice at once
            end_reused_login(db.session, family, family_lifetime())
            abort(401, REUSED)
        lifetime = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
        return {
            "access_token": create_access_token(claims["sub"], additional_claims=extra),
            "refresh_token": create_refresh_token(claims["sub"], additional_claims=extra),
            "token_type": "Bearer",
            "expires_in": int(lifetime.total_seconds()),
        }


@blp.route("/logout")
class Logout(MethodView):
    @blp.doc(
        description="Revokes the token presented (access or refresh) and every token of the "
        "same login (the refresh token and the access tokens it minted) in both services."
    )
    @blp.response(204)
    @jwt_required(verify_type=False)
    def post(self) -> None:
        """Revoke the token presented"""
        claims = get_jwt()
        now = datetime.now(UTC)
        db.session.execute(purge_expired_stmt(now))
        db.session.add(revocation(claims["jti"], datetime.fromtimestamp(claims["exp"], UTC)))
        if claims.get(FAMILY_CLAIM):  # every token of this login, however it was refreshed
            db.session.add(revocation(family_key(claims[FAMILY_CLAIM]), family_lifetime()))
        try:
            db.session.commit()
        except sa.exc.IntegrityError:  # revoked twice at once: already done
            db.session.rollback()


@blp.route("/logout-all")
class LogoutAll(MethodView):
    @blp.doc(
        description="Ends every access and refresh token of the caller's account, on every "
        "device, in both services (the account's token generation moves on). Log in again "
        "afterwards. Guests share one anonymous account and use `/api/auth/logout` instead."
    )
    @blp.response(204)
    @blp.alt_response(403, description="Guests cannot end every session")
    @login_required
    def post(self) -> None:
        """End all my sessions"""
        if current_caller().is_guest:
            abort(403, "Guests cannot sign out of every device; just sign out here.")
        end_all_sessions(db.session, cast(User, current_user))
        db.session.commit()


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @login_required
    def get(self) -> dict[str, Any]:
        """The caller's account"""
        user = cast(User, current_user)
        caller = current_caller()
        return {
            "id": user.id,
            "username": user.username,
            "is_admin": user.is_admin,
            "created_at": user.created_at,
            "is_guest": caller.is_guest,
            "guest_id": caller.guest_id,
        }
