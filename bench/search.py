"""How fast is chat search, and is it an index lookup? (`python -m bench.search [--quick]`)

Fills a fresh database (SQLite temp file, or `--database-url postgresql://...`, which is
emptied first) with two users' chats and messages, then times `GET /api/chats?q=` in process
for a rare word, a common word, a prefix and two words, beside the full scan it replaces
(`lower(content) LIKE '%word%'` over every message). Prints medians and, on PostgreSQL, the
plan of the message match (it should name ix_messages_search, not a Seq Scan).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from api import create_app
from api.extensions import db
from shared.auth.passwords import hash_password
from shared.chats.search import message_matches
from shared.core.config import ROOT, Config
from shared.core.db import Base
from shared.core.models import Agent, Chat, Message, MessageBy, User

WORDS = [f"w{index:04d}" for index in range(3000)]
QUERIES = {
    "rare word": "zanzibar",
    "common word": "w0001",
    "prefix": "zanzi",
    "two words": "w0002 w0003",
}


def seed(messages: int, per_chat: int) -> None:
    """Two users with `messages` messages each; 'zanzibar' in about one message in 500."""
    rng = random.Random(17)
    started = datetime.now(UTC) - timedelta(days=30)
    agent_owner = User(username="bench-owner", password_hash=None)
    db.session.add(agent_owner)
    db.session.flush()
    agent = Agent(name="Bench", prompt="p", owner_id=agent_owner.id, is_public=True)
    db.session.add(agent)
    for name in ("searcher", "neighbour"):
        user = User(username=name, password_hash=hash_password("bench-password"))
        db.session.add(user)
        db.session.flush()
        chats = [
            {
                "agent_id": agent.id,
                "user_id": user.id,
                "title": f"Chat {n}",
                "created_at": started,
                "updated_at": started + timedelta(minutes=n),
            }
            for n in range(messages // per_chat)
        ]
        db.session.execute(sa.insert(Chat), chats)
        chat_ids = list(db.session.scalars(sa.select(Chat.id).where(Chat.user_id == user.id)))
        rows = []
        for index in range(messages):
            words = rng.choices(WORDS, k=20) + (["Zanzibar"] if rng.random() < 0.002 else [])
            rows.append(
                {
                    "chat_id": chat_ids[index // per_chat],
                    "user_id": user.id,
                    "message_by": MessageBy.USER if index % 2 == 0 else MessageBy.AI,
                    "content": " ".join(words),
                    "created_at": started + timedelta(seconds=index),
                    "depth": 1,  # unlinked: each its own first message
                }
            )
        db.session.execute(sa.insert(Message), rows)
    db.session.commit()


def median_ms(action: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def search_endpoint(client: FlaskClient, headers: dict[str, str], q: str) -> Callable[[], object]:
    def run() -> object:
        response = client.get("/api/chats", query_string={"q": q, "page_size": 20}, headers=headers)
        assert response.status_code == 200, response.json
        return response

    return run


def full_scan(q: str) -> Callable[[], object]:
    word = q.split()[0].lower()
    statement = sa.select(sa.func.count(sa.distinct(Message.chat_id))).where(
        sa.func.lower(Message.content).like(f"%{word}%")
    )
    return lambda: db.session.scalar(statement)


def postgres_plan() -> list[str]:
    statement = sa.select(Message.id).where(message_matches("postgresql", ["zanzibar"]))
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    return [row[0] for row in db.session.execute(sa.text(f"EXPLAIN {compiled}"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5,000 messages per user, 5 rounds")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite temp file")
    args = parser.parse_args()
    messages, rounds = (5_000, 5) if args.quick else (50_000, 15)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'search.db'}"
        app = create_app(Config(database_url=url, rate_limit_enabled=False))
        with app.app_context():
            with db.engine.begin() as connection:
                Base.metadata.drop_all(connection)
                connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            upgrade(directory=str(ROOT / "migrations"))
            started = time.perf_counter()
            seed(messages, per_chat=20)
            seeded = time.perf_counter() - started
            dialect = db.engine.dialect.name
            print(
                f"{dialect}: {2 * messages:,} messages, {messages // 10:,} chats ({seeded:.1f} s)"
            )
            client = app.test_client()
            login = client.post(
                "/api/auth/login", json={"username": "searcher", "password": "bench-password"}
            )
            headers = {"Authorization": f"Bearer {login.json['access_token']}"}
            search_endpoint(client, headers, "warm")()  # the first request pays for imports
            for label, q in QUERIES.items():
                endpoint = median_ms(search_endpoint(client, headers, q), rounds)
                scan = median_ms(full_scan(q), rounds)
                print(
                    f"  {label:<12} q={q!r:<15} GET /api/chats?q= p50 {endpoint:6.1f} ms"
                    f"   full LIKE scan p50 {scan:6.1f} ms"
                )
            listing = median_ms(lambda: client.get("/api/chats", headers=headers), rounds)
            print(f"  for scale: GET /api/chats (no q, the plain list) p50 {listing:6.1f} ms")
            if db.engine.dialect.name == "postgresql":
                print("  plan of the message match:", *postgres_plan(), sep="\n    ")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
