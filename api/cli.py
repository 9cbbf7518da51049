"""`flask --app api create-superuser`."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from api.extensions import db
from shared.auth.passwords import hash_password
from shared.core.models import ANONYMOUS_USERNAME, User
from shared.core.validation import PASSWORD_MIN_CHARS


@click.command("create-superuser")
@click.option("--username", prompt=True, help="The admin's username")
@click.password_option(help="The admin's password (prompted twice when omitted)")
@with_appcontext
def create_superuser(username: str, password: str) -> None:
    """Create an admin account, or make an existing account an admin with this password."""
    username = username.strip().lower()
    if username == ANONYMOUS_USERNAME or not username:
        raise click.BadParameter("that username is reserved", param_hint="--username")
    if len(password) < PASSWORD_MIN_CHARS:
        message = f"use at least {PASSWORD_MIN_CHARS} characters"
        raise click.BadParameter(message, param_hint="--password")
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        user = User(username=username)
        db.session.add(user)
    user.password_hash = hash_password(password)
    user.is_admin = True
    db.session.commit()
    click.echo(f"Superuser {username!r} is ready.")


def register(app: Flask) -> None:
    app.cli.add_command(create_superuser)
