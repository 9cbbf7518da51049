"""Recall@5 of a turn's retrieval on questions worded unlike their answers, full text alone and
with dense embeddings (fused by reciprocal rank), through the product's own path: the chunks'
vectors and the question's come from an OpenAI-compatible `/v1/embeddings` server via the
`openai` SDK (`shared/providers/openai_embeddings.py`), retrieval is `answer_passages`.

    HF_HUB_OFFLINE=1 /tmp/emb/bin/python -P bench/local_embeddings.py --port 8765 &
    python -m bench.recall --embeddings-url http://127.0.0.1:8765/v1 --model all-minilm-l6-v2

Any OpenAI-compatible server works (`--model text-embedding-3-small --dimensions 512` with
`--api-key` against OpenAI). The handbook: 30 facts, one a chunk, among `--filler` chunks of
other handbook prose; each question shares few or no content words with its fact, as people
ask (the bench of bench/knowledge.py asks with the fact's own unique word instead).
"""

from __future__ import annotations

import argparse
import random
import tempfile

import sqlalchemy as sa
from sqlalchemy import orm as so

from bench.knowledge import migrate
from shared.core.config import Config
from shared.core.db import sync_engine
from shared.knowledge import dense
from shared.knowledge.retrieval import answer_passages
from shared.knowledge.vectors import to_blob
from shared.providers.openai_embeddings import embeddings_provider

AGENT = 990002
# (fact, a question worded the way a person would ask it)
HANDBOOK = [
    ("Staff may work from home up to three days each week.", "How many remote days am I allowed?"),
    ("Annual leave is 28 days, including public holidays.", "How much vacation time do I get?"),
    (
        "Expense claims must be filed within 30 days of purchase.",
        "What's the deadline to get reimbursed for something I bought?",
    ),
    (
        "The office is closed between Christmas and New Year.",
        "Do we work during the winter holidays?",
    ),
    ("New laptops are ordered through the IT service desk.", "Who do I ask for a new computer?"),
    (
        "Parental leave is paid in full for sixteen weeks.",
        "How long is maternity or paternity leave paid?",
    ),
    ("Bicycles can be parked in the basement garage.", "Where can I leave my bike?"),
    (
        "The fire assembly point is the car park across the street.",
        "Where do we gather during an evacuation?",
    ),
    (
        "Passwords must be changed every ninety days.",
        "How often do I have to update my login credentials?",
    ),
    (
        "Lunch is subsidised in the staff canteen on weekdays.",
        "Is food at work cheaper for employees?",
    ),
    ("Overtime is compensated with time off, not extra pay.", "Do I get money for working late?"),
    (
        "Visitors must sign in at reception and wear a badge.",
        "What should a guest do when they arrive?",
    ),
    (
        "Sick days require a doctor's note after three days.",
        "When do I need a medical certificate if I'm ill?",
    ),
    ("Salaries are paid on the last working day of the month.", "When does payday happen?"),
    (
        "The gym membership is reimbursed up to 40 euros monthly.",
        "Does the company help pay for fitness?",
    ),
    (
        "Conference travel needs approval from a department head.",
        "Who signs off on trips to events?",
    ),
    ("Printers on every floor scan documents to email.", "Can I digitise paper forms?"),
    (
        "Meeting rooms are booked through the shared calendar.",
        "How do I reserve a room for a call?",
    ),
    (
        "Probation lasts six months for new employees.",
        "How long is the trial period when someone joins?",
    ),
    (
        "Pets are not allowed in the building except guide dogs.",
        "Can I bring my dog to the office?",
    ),
    ("Company phones are replaced every three years.", "When will I get a new mobile handset?"),
    ("Training budgets are 1,500 euros per person per year.", "How much can I spend on courses?"),
    ("The building opens at seven and closes at nine.", "What are the office hours?"),
    (
        "Harassment can be reported anonymously to the ethics line.",
        "How do I complain about mistreatment without giving my name?",
    ),
    (
        "Pension contributions are matched up to five percent.",
        "Does my employer add to my retirement savings?",
    ),
    ("Shredding bins are emptied every Friday.", "When is confidential paper waste collected?"),
    ("Employees get a day off on their birthday.", "Is there a free day for my birthday?"),
    (
        "The VPN is required when using public wifi.",
        "What should I use on a café's internet connection?",
    ),
    ("Desk plants are watered by the cleaning service.", "Who looks after the greenery?"),
    (
        "Notice period is one month during the first year.",
        "How early must I tell them if I quit in year one?",
    ),
]
FILLER_TOPICS = [
    "The quarterly report summarises revenue, hiring and customer satisfaction across regions.",
    "Our values are openness, care for customers and steady improvement of how we work.",
    "The product roadmap is reviewed each quarter with engineering and sales leads.",
    "Team offsites are planned by each department and announced a month in advance.",
    "The style guide covers tone of voice, logos, colours and document templates.",
    "Customer support works in shifts so that requests are answered around the clock.",
    "Code reviews look at correctness, tests, readability and security of each change.",
    "The newsletter shares team news, new joiners and upcoming company events.",
]


def fill(engine: sa.Engine, config: Config, filler: int) -> int:
    """The handbook (facts first, then filler) as one ready file of agent AGENT, embedded through
    the configured provider; the number of embedding calls."""
    provider = embeddings_provider(config, timeout=60, max_retries=2)
    assert provider is not None
    rng = random.Random(11)
    texts = [fact for fact, _ in HANDBOOK]
    texts += [" ".join(rng.sample(FILLER_TOPICS, 3)) for _ in range(filler)]
    vectors, calls = [], 0
    for start in range(0, len(texts), 128):
        vectors.extend(provider.embed(texts[start : start + 128]).vectors)
        calls += 1
    with engine.begin() as c:
        for table in ("knowledge_chunks", "knowledge_files"):
            c.execute(sa.text(f"DELETE FROM {table} WHERE agent_id = :a"), {"a": AGENT})
        c.execute(sa.text("DELETE FROM agents WHERE id = :a"), {"a": AGENT})
        owner = c.execute(sa.text("SELECT id FROM users ORDER BY id LIMIT 1")).scalar()
        c.execute(
            sa.text(
                "INSERT INTO agents (id, name, prompt, owner_id, is_public, created_at, updated_at,"
                " description, starters, knowledge_files) VALUES (:a, 'recall', 'p', :o, false,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '', '[]', 1)"
            ),
            {"a": AGENT, "o": owner},
        )
        c.execute(
            sa.text(
                "INSERT INTO knowledge_files (id, agent_id, name, mime_type, size, status, chunks,"
                " content, attempts, created_at, updated_at, embedding_model) VALUES (:a, :a,"
                " 'handbook.txt', 'text/plain', 0, 'ready', :n, :b, 0, CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP, :m)"
            ),
            {"a": AGENT, "n": len(texts), "b": b"", "m": provider.space},
        )
        c.execute(
            sa.text(
                "INSERT INTO knowledge_chunks (file_id, agent_id, position, heading, text,"
                " embedding) VALUES (:a, :a, :p, '', :t, :e)"
            ),
            [
                {"a": AGENT, "p": i, "t": text, "e": to_blob(vector)}
                for i, (text, vector) in enumerate(zip(texts, vectors, strict=True))
            ],
        )
    return calls


def recall(engine: sa.Engine, with_dense: bool) -> float:
    sessions = so.sessionmaker(engine)
    search = dense._searches.pop(engine, None) if not with_dense else None
    hits = 0
    try:
        for n, (_, question) in enumerate(HANDBOOK):
            with sessions() as session:
                passages = answer_passages(session, AGENT, question, 6000, dense.Payer(None))
                session.rollback()  # the question's ledger row
            hits += any(p.position == n for p in passages[:5])
    finally:
        if search is not None:
            dense._searches[engine] = search
    return hits / len(HANDBOOK)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embeddings-url", required=True, help="an OpenAI-compatible /v1 URL")
    parser.add_argument("--model", default="all-minilm-l6-v2")
    parser.add_argument("--dimensions", type=int, default=0, help="0: the model's own")
    parser.add_argument("--api-key", default="local")
    parser.add_argument("--filler", type=int, default=300)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/recall.db"
    engine = sync_engine(url)
    migrate(url)
    config = Config(
        openai_api_key=args.api_key,
        openai_base_url=args.embeddings_url,
        openai_embedding_model=args.model,
        openai_embedding_dimensions=args.dimensions,
        knowledge_query_timeout=30,
        jwt_secret_key="x" * 64,
    )
    calls = fill(engine, config, args.filler)
    dense.install(engine, config)
    lexical, hybrid = recall(engine, with_dense=False), recall(engine, with_dense=True)
    print(
        f"recall@5 on {len(HANDBOOK)} reworded questions, {len(HANDBOOK) + args.filler} chunks"
        f" ({engine.dialect.name}, {args.model}, {calls} embedding calls for the chunks):"
        f" full text {lexical:.2f}, full text + embeddings {hybrid:.2f}"
    )


if __name__ == "__main__":
    main()
