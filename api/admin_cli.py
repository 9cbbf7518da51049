"""`flask --app api users ...` (list, disable, enable, grant-admin, revoke-admin) and `purge`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from api.deps import app_config
from api.extensions import db
from shared.auth.admin import LastAdmin, account_by_name_stmt, update_user
from shared.core.db import utcnow
from shared.core.models import User
from shared.usage.report import users_stmt, with_usage
from shared.usage.retention import purge as purge_stale

users = AppGroup("users", help="List accounts and change their state.")


def account(username: str) -> User:
    user = db.session.scalar(account_by_name_stmt(username))
    if user is None:
        raise click.ClickException(f"No account named {username!r}.")
    return user


def change(username: str, **changes: bool) -> User:
    user = account(username)
    try:
        update_user(db.session, user, changes)
    except LastAdmin as exc:
        raise click.ClickException(exc.message) from exc
    return user


@users.command("list")
@click.option("--search", "-q", default=None, help="Part of the username")
def list_users(search: str | None) -> None:
    """Accounts with their admin/disabled state and tokens (24 h / all time)."""
    rows = with_usage(db.session, list(db.session.scalars(users_stmt(search))))
    click.echo(f"{'id':>5}  {'username':<24} {'admin':<5} {'disabled':<8} {'24h':>9} {'total':>11}")
    for row in rows:
        click.echo(
            f"{row['id']:>5}  {row['username']:<24} {'yes' if row['is_admin'] else 'no':<5} "
            f"{'yes' if row['disabled'] else 'no':<8} {row['tokens_today']:>9,} "
            f"{row['tokens_total']:>11,}"
        )


@users.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable an account: its tokens are refused by both services at once."""
    click.echo(f"Disabled {change(username, disabled=True).username!r}.")


@users.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Let a disabled account log in again."""
    click.echo(f"Enabled {change(username, disabled=False).username!r}.")


@users.command("grant-admin")
@click.argument("username")
def grant_admin(username: str) -> None:
    """Make an account an administrator."""
    click.echo(f"{change(username, is_admin=True).username!r} is now an admin.")


@users.command("revoke-admin")
@click.argument("username")
def revoke_admin(username: str) -> None:
    """Take admin rights away (never from the last active admin)."""
    click.echo(f"{change(username, is_admin=False).username!r} is no longer an admin.")


@click.command("purge")
@click.option("--days", type=int, default=None, help="Idle days (default GUEST_RETENTION_DAYS)")
@with_appcontext
def purge(days: int | None) -> None:
    """Delete guest chats idle longer than GUEST_RETENTION_DAYS, expired revocations and budget
    hours past the budgets' window."""
    retention = days if days is not None else app_config().guest_retention_days
    done = purge_stale(db.session, utcnow(), retention)
    click.echo(
        f"Purged {done.guest_chats} guest chats ({done.messages} messages) idle over "
        f"{retention} days, {done.revocations} expired token revocations and "
        f"{done.budget_hours} budget hours past the budgets' window."
    )


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(purge)
