# ruff: noqa: E501  (long SQL and report lines read better whole)
"""Knowledge figures: ingestion time of a 1 MB text and a 100-page PDF, the time retrieval adds
to a turn at 1,000 / 10,000 / 100,000 chunks, and recall@5 (full text) on a question set;
with `--dense`, the same with 512-dimension vectors (tests/fake_embeddings.py's, stored as the
worker stores them; the question embedded by the fake OpenAI server through the SDK): the
hybrid turn's retrieval time (question embedding + vector top-k + full text + fusion), the
vector search alone, the first (cold) read of an agent's vectors, and recall@5.

    python -m bench.knowledge [--database-url URL] [--sizes 1000,10000,100000] [--dense]
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import tempfile
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.core.db import sync_engine
from shared.knowledge.bounded import extract_bounded
from shared.knowledge.chunking import chunk_blocks
from shared.knowledge.formats import Kind
from shared.knowledge.retrieval import retrieve
from shared.knowledge.vectors import to_blob

SPACE = "text-embedding-3-small@512"

WORDS = [
    "valve",
    "pump",
    "filter",
    "pressure",
    "gauge",
    "intake",
    "grille",
    "seal",
    "gasket",
    "motor",
    "rotor",
    "bearing",
    "shaft",
    "coolant",
    "lever",
    "panel",
    "switch",
    "relay",
    "fuse",
    "breaker",
    "circuit",
    "sensor",
    "probe",
    "meter",
    "dial",
    "hose",
    "clamp",
]
FACTS = [(f"widget{n}", f"zone{n % 97}", f"colour{n % 13}") for n in range(50)]


def ingest_times() -> None:
    from tests.knowledge_files import pdf_file

    text = (" ".join(random.choices(WORDS, k=180)) + ".\n\n") * 900
    data = text.encode()[:1_000_000]
    start = time.perf_counter()
    chunks = chunk_blocks(extract_bounded(data, Kind.TEXT, 2_000_000, 120, 1024))
    print(f"ingest 1 MB text: {time.perf_counter() - start:.2f} s ({len(chunks)} chunks)")
    pdf = pdf_file([" ".join(random.choices(WORDS, k=300)) for _ in range(100)])
    start = time.perf_counter()
    chunks = chunk_blocks(extract_bounded(pdf, Kind.PDF, 2_000_000, 120, 1024))
    print(
        f"ingest 100-page PDF ({len(pdf) // 1024} KiB): {time.perf_counter() - start:.2f} s ({len(chunks)} chunks)"
    )


def fill(engine: sa.Engine, size: int, dense: bool = False) -> None:
    """One agent (id 1) with `size` chunks in one file; the facts in the first 50."""
    with engine.begin() as c:
        c.execute(sa.text("DELETE FROM knowledge_chunks"))
        c.execute(sa.text("DELETE FROM knowledge_files"))
        c.execute(sa.text("DELETE FROM agents WHERE id = 990001"))
        owner = c.execute(sa.text("SELECT id FROM users ORDER BY id LIMIT 1")).scalar()
        c.execute(
            sa.text(
                "INSERT INTO agents (id, name, prompt, owner_id, is_public, created_at, updated_at, description, starters, knowledge_files) VALUES (990001, 'bench', 'p', :o, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '', '[]', 1)"
            ),
            {"o": owner},
        )
        c.execute(
            sa.text(
                "INSERT INTO knowledge_files (id, agent_id, name, mime_type, size, status, chunks, content, attempts, created_at, updated_at, embedding_model) VALUES (990001, 990001, 'bench.txt', 'text/plain', 0, 'ready', :n, :b, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :m)"
            ),
            {"n": size, "b": b"", "m": SPACE if dense else None},
        )
        rows = []
        for i in range(size):
            body = " ".join(random.choices(WORDS, k=120))
            if i < len(FACTS):
                widget, zone, colour = FACTS[i]
                body += f". The {widget} is stored in {zone} and painted {colour}."
            rows.append({"f": 990001, "a": 990001, "p": i, "t": body, "e": vector_of(body, dense)})
            if len(rows) == 5000 or i == size - 1:
                c.execute(
                    sa.text(
                        "INSERT INTO knowledge_chunks (file_id, agent_id, position, heading, text, embedding) VALUES (:f, :a, :p, '', :t, :e)"
                    ),
                    rows,
                )
                rows = []


def vector_of(text: str, dense: bool) -> bytes | None:
    import numpy as np

    from tests.fake_embeddings import fake_vector

    return to_blob(np.asarray(fake_vector(text, 512), dtype=np.float32)) if dense else None


def measure_dense(engine: sa.Engine, size: int, base_url: str) -> None:
    """The hybrid turn's retrieval, with the question embedded by the fake server."""
    from shared.core.config import Config
    from shared.knowledge import dense
    from shared.knowledge.retrieval import answer_passages

    fill(engine, size, dense=True)
    config = Config(openai_api_key="bench", openai_base_url=base_url, jwt_secret_key="x" * 64)
    dense.install(engine, config)
    search = dense._searches[engine]
    sessions = so.sessionmaker(engine)
    with sessions() as session:
        start = time.perf_counter()
        search.index.vectors(session.connection(), 990001)
        cold = (time.perf_counter() - start) * 1000
    turns, vectors, hits = [], [], 0
    for n, (widget, _, _) in enumerate(FACTS):
        question = f"Where is the {widget} stored?"
        with sessions() as session:
            start = time.perf_counter()
            passages = answer_passages(session, 990001, question, 6000, dense.Payer(None))
            turns.append((time.perf_counter() - start) * 1000)
            vector = search.question_vector(session, question, dense.Payer(None))
            start = time.perf_counter()
            search.index.search(session.connection(), 990001, vector, 20)
            vectors.append((time.perf_counter() - start) * 1000)
            session.rollback()  # the ledger rows of the bench's questions
        hits += any(p.position == n for p in passages[:5])
    print(
        f"  {engine.dialect.name:10} {size:>7,} chunks: hybrid retrieval p50 {statistics.median(turns):.1f} ms "
        f"(vector top-k alone p50 {statistics.median(vectors):.1f} ms; first read of the vectors {cold:.0f} ms), "
        f"recall@5 {hits / len(FACTS):.2f} (hybrid)"
    )


def measure(engine: sa.Engine, size: int) -> None:
    fill(engine, size)
    sessions = so.sessionmaker(engine)
    timings, hits = [], 0
    for n, (widget, _, _) in enumerate(FACTS):
        with sessions() as session:
            start = time.perf_counter()
            passages = retrieve(session, 990001, f"Where is the {widget} stored?", 6000)
            timings.append((time.perf_counter() - start) * 1000)
            hits += any(p.position == n for p in passages[:5])
    p50 = statistics.median(timings)
    print(
        f"  {engine.dialect.name:10} {size:>7,} chunks: retrieval p50 {p50:.1f} ms, recall@5 {hits / len(FACTS):.2f} (full text)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", action="append", default=[])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--dense", action="store_true", help="also with vectors (fake server)")
    parser.add_argument("--no-ingest", action="store_true", help="skip the ingestion timings")
    args = parser.parse_args()
    random.seed(7)
    if not args.no_ingest:
        ingest_times()
    urls = args.database_url or [f"sqlite:///{tempfile.mkdtemp()}/bench.db"]
    for url in urls:
        engine = sync_engine(url)
        migrate(url)
        for size in (int(s) for s in args.sizes.split(",")):
            measure(engine, size)
            if args.dense:
                with_fake_server(functools.partial(measure_dense, engine, size))


def with_fake_server(run: Callable[[str], None]) -> None:
    from tests.fake_openai import Behaviour, FakeOpenAIServer

    server = FakeOpenAIServer(behaviour=Behaviour(record_requests=False)).start()
    try:
        run(server.base_url)
    finally:
        server.stop()


def migrate(url: str) -> None:
    from flask_migrate import upgrade

    from api import create_app
    from shared.core.config import ROOT, Config

    app = create_app(Config(database_url=url, jwt_secret_key="x" * 64))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))


if __name__ == "__main__":
    main()
