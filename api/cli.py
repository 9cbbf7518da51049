"""`flask --app api create-superuser`, and how `flask --app api ...` reports a bad setting."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from api.extensions import db
from shared.auth.passwords import hash_password
from shared.core.config import Config, ConfigError
from shared.core.config_check import EXIT_CONFIG
from shared.core.models import ANONYMOUS_USERNAME, User
from shared.core.validation import PASSWORD_MIN_CHARS


class ConfigProblem(click.ClickException):
    """A bad setting: click prints `Error: configuration error: ...` and exits 2."""

    exit_code = EXIT_CONFIG

    def format_message(self) -> str:
        return f"configuration error: {self.message}"


def env_config() -> Config:
    """The environment's settings; a ConfigError becomes one line under `flask --app api ...`.

    Flask's CLI builds the app inside click, which shows a ClickException as one line and exits
    with its code; anywhere else (gunicorn) it is an ordinary exception, as before.
    """
    try:
        return Config.from_env()
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None


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
