"""`flask --app api worker`: the background worker that ingests knowledge files (huey's
consumer, with the periodic job that takes again what a dead worker left); `flask --app api
reembed`: after a change of embedding model, queue the files to embed again."""

from __future__ import annotations

import logging

import click
from flask import Flask
from flask.cli import with_appcontext

from api import deps


@click.command("worker")
@click.option("--workers", type=int, default=None, help="Jobs at once (KNOWLEDGE_WORKERS)")
@with_appcontext
def worker(workers: int | None) -> None:
    """Run the background worker (knowledge ingestion) until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = deps.app_config()
    queue = deps.knowledge_queue()
    requeued = queue.requeue_stale()  # files a worker that died left behind
    if requeued:
        click.echo(f"Queued again {len(requeued)} file(s) left by a stopped worker.")
    consumer = queue.huey.create_consumer(
        workers=workers or config.knowledge_workers, periodic=True, worker_type="thread"
    )
    consumer.run()


@click.command("reembed")
@with_appcontext
def reembed() -> None:
    """Queue the knowledge files whose vectors are not of the configured embedding model
    (another model or size, or none yet) to be embedded again by the worker."""
    try:
        space, ids = deps.knowledge_queue().reembed()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Queued {len(ids)} file(s) to be embedded in {space}; the worker takes them.")


def register(app: Flask) -> None:
    app.cli.add_command(worker)
    app.cli.add_command(reembed)
