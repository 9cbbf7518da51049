"""`/api/admin/...`: accounts with their usage, disable/enable, admin rights, usage totals.

Administrators only: a user or guest gets 403, a request without a token 401.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from api.auth import current_caller, login_required
from api.extensions import db
from api.http import abort
from api.paging import page_of
from api.usage_schemas import (
    AdminUserPatchSchema,
    AdminUserQuerySchema,
    AdminUserSchema,
    UsageQuerySchema,
    UsageTotalSchema,
)
from shared.auth.admin import LastAdmin, account_stmt, update_user
from shared.core.models import User
from shared.usage.report import totals, users_stmt, with_usage

blp = Blueprint("admin", __name__, url_prefix="/api/admin", description="Administration")
F = TypeVar("F", bound=Callable[..., Any])
ADMIN_ONLY = {"description": "Administrators only"}


def admin_required(view: F) -> F:
    """An administrator's access token is required (403 for users and guests)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_caller().is_admin:
            abort(403, "Administrators only.")
        return view(*args, **kwargs)

    return cast(F, login_required(wrapper))


def account_or_404(user_id: int) -> User:
    user = db.session.scalar(account_stmt(user_id))
    if user is None:
        abort(404, "User not found.")
    return user


@blp.route("/users")
class AdminUsers(MethodView):
    @blp.arguments(AdminUserQuerySchema, location="query")
    @blp.response(200, AdminUserSchema(many=True))
    @blp.alt_response(403, **ADMIN_ONLY)
    @blp.paginate()
    @admin_required
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> Any:
        """List accounts (search with `q`) with their token usage"""
        users = page_of(users_stmt(query.get("q")), pagination_parameters)
        return with_usage(db.session, users)


@blp.route("/users/<id:user_id>")
class AdminUserById(MethodView):
    @blp.response(200, AdminUserSchema)
    @blp.alt_response(403, **ADMIN_ONLY)
    @admin_required
    def get(self, user_id: int) -> dict[str, Any]:
        """One account with its token usage"""
        return with_usage(db.session, [account_or_404(user_id)])[0]

    @blp.arguments(AdminUserPatchSchema)
    @blp.response(200, AdminUserSchema)
    @blp.alt_response(403, **ADMIN_ONLY)
    @blp.alt_response(409, description="The change would leave no active administrator")
    @admin_required
    def patch(self, changes: dict[str, bool], user_id: int) -> dict[str, Any]:
        """Disable or enable an account, grant or revoke admin

        Disabling ends every token of the account in both services at once (like a logout
        everywhere); enabling lets it log in again. The last active admin cannot be demoted
        or disabled.
        """
        if not request.get_data(cache=True):
            abort(400, "Send a JSON body with the fields to change.")
        user = account_or_404(user_id)
        try:
            update_user(db.session, user, changes)
        except LastAdmin as exc:
            abort(409, exc.message)
        return with_usage(db.session, [user])[0]


@blp.route("/usage")
class AdminUsage(MethodView):
    @blp.arguments(UsageQuerySchema, location="query")
    @blp.response(200, UsageTotalSchema(many=True))
    @blp.alt_response(403, **ADMIN_ONLY)
    @admin_required
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Usage totals by day, model or user over the last `days` days"""
        return totals(db.session, query["group_by"], query["days"])
