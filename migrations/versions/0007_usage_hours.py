"""budget hours: LLM tokens per budget scope and UTC hour, kept by triggers on the ledger

A budget's spent figure was a scan of its scope's ledger rows of the last 24 hours, run by every
turn (four scans for a guest), so a turn cost more the more turns its scope (a guest's network)
had that day. `usage_hours` holds each scope's tokens per hour, kept exact by row triggers on
`usage_events` (insert, update, delete; LLM rows only); a budget reads at most 25 of its rows
plus the ledger rows of the window's partial first hour. Existing rows are summed in.

Revision ID: 0007_usage_hours
Revises: 0006_usage
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_usage_hours"
down_revision = "0006_usage"
branch_labels = None
depends_on = None

# The scopes of a ledger row `r` ("NEW" or "OLD"): (budget name, key, condition).
SCOPES = (
    ("guest", "{r}.guest_id", "{r}.guest_id IS NOT NULL"),
    ("guest_ip", "{r}.client_ip", "{r}.guest_id IS NOT NULL AND {r}.client_ip IS NOT NULL"),
    ("user", "CAST({r}.user_id AS TEXT)", "{r}.guest_id IS NULL AND {r}.user_id IS NOT NULL"),
)
TOKENS = "({r}.prompt_tokens + {r}.completion_tokens)"
# A finished row's tokens (the largest one estimates the next reservation), else NULL. An hour's
# largest is not lowered when a row leaves it (a maximum cannot be undone) but is forgotten
# when the hour is emptied.
FINISHED = "CASE WHEN NOT {r}.pending THEN " + TOKENS + " END"


def upgrade() -> None:
    op.create_table(
        "usage_hours",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("scope_key", sa.String(length=64), nullable=False),
        sa.Column("hour_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tokens", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("largest", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("scope", "scope_key", "hour_start", name=op.f("pk_usage_hours")),
    )
    op.create_index("ix_usage_hours_hour_start", "usage_hours", ["hour_start"])
    if op.get_bind().dialect.name == "postgresql":
        create_postgresql_triggers()
    else:
        create_sqlite_triggers()
    backfill()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS usage_hours_track ON usage_events")
        op.execute("DROP FUNCTION IF EXISTS usage_hours_track()")
    else:
        for event in ("insert", "update", "move", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS usage_hours_{event}")
    op.drop_index("ix_usage_hours_hour_start", table_name="usage_hours")
    op.drop_table("usage_hours")


def hour_of(row: str, dialect: str) -> str:
    """The UTC hour a row's `created_at` falls in, as the column stores it."""
    if dialect == "postgresql":
        return f"date_trunc('hour', {row}.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    # SQLite stores UTC as text, 'YYYY-MM-DD HH:MM:SS.ffffff': the hour keeps that format.
    return f"strftime('%Y-%m-%d %H:00:00.000000', {row}.created_at)"


def backfill() -> None:
    dialect = op.get_bind().dialect.name
    for scope, key, condition in SCOPES:
        r = "usage_events"
        op.execute(
            "INSERT INTO usage_hours (scope, scope_key, hour_start, tokens, largest) "
            f"SELECT '{scope}', {key.format(r=r)}, {hour_of(r, dialect)}, "
            f"sum({TOKENS.format(r=r)}), max({FINISHED.format(r=r)}) FROM usage_events "
            f"WHERE usage_events.kind = 'llm' AND {condition.format(r=r)} "
            f"GROUP BY {key.format(r=r)}, {hour_of(r, dialect)}"
        )


def upsert(
    scope: str, key: str, hour: str, tokens: str, largest: str, where: str, dialect: str
) -> str:
    """Add `tokens` (and `largest`) to a scope's hour when `where` holds. An hour emptied of its
    tokens forgets its largest."""
    return (
        "INSERT INTO usage_hours (scope, scope_key, hour_start, tokens, largest) "
        f"SELECT '{scope}', {key}, {hour}, {tokens}, {largest} WHERE {where} "
        "ON CONFLICT (scope, scope_key, hour_start) DO UPDATE "
        "SET tokens = usage_hours.tokens + excluded.tokens, "
        "largest = CASE WHEN usage_hours.tokens + excluded.tokens = 0 THEN NULL "
        f"ELSE {GREATEST[dialect]} END;"
    )


# The larger of the two where either may be NULL (PostgreSQL's GREATEST ignores NULLs; SQLite's
# two-argument max would return NULL).
GREATEST = {
    "postgresql": "GREATEST(usage_hours.largest, excluded.largest)",
    "sqlite": "max(coalesce(usage_hours.largest, excluded.largest), "
    "coalesce(excluded.largest, usage_hours.largest))",
}


def changes(row: str, tokens: str, largest: str, dialect: str) -> str:
    """The upserts that add `tokens` (and `largest`) of row `row` to every scope it is in."""
    return " ".join(
        upsert(
            scope,
            key.format(r=row),
            hour_of(row, dialect),
            tokens.format(r=row),
            largest.format(r=row),
            f"{row}.kind = 'llm' AND {condition.format(r=row)}",
            dialect,
        )
        for scope, key, condition in SCOPES
    )


# A settlement changes a row's tokens but not its scopes or hour: one upsert per scope then.
SAME_PLACE = ("kind", "guest_id", "client_ip", "user_id", "created_at")
DELTA = "(" + TOKENS.format(r="NEW") + " - " + TOKENS.format(r="OLD") + ")"


def create_postgresql_triggers() -> None:
    # OR REPLACE: functions outlive a dropped table (a test database reset by dropping tables).
    same = " AND ".join(f"OLD.{c} IS NOT DISTINCT FROM NEW.{c}" for c in SAME_PLACE)
    in_place = changes("NEW", DELTA, FINISHED, "postgresql")
    remove = changes("OLD", "-" + TOKENS, "NULL", "postgresql")
    add = changes("NEW", TOKENS, FINISHED, "postgresql")
    op.execute(
        "CREATE OR REPLACE FUNCTION usage_hours_track() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        f"IF TG_OP = 'UPDATE' THEN IF {same} THEN {in_place} RETURN NULL; END IF; END IF; "
        f"IF TG_OP <> 'INSERT' THEN {remove} END IF; "
        f"IF TG_OP <> 'DELETE' THEN {add} END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER usage_hours_track AFTER INSERT OR UPDATE OR DELETE ON usage_events "
        "FOR EACH ROW EXECUTE FUNCTION usage_hours_track()"
    )


def create_sqlite_triggers() -> None:
    add = changes("NEW", TOKENS, FINISHED, "sqlite")
    remove = changes("OLD", "-" + TOKENS, "NULL", "sqlite")
    same = " AND ".join(f"OLD.{c} IS NEW.{c}" for c in SAME_PLACE)
    op.execute(f"CREATE TRIGGER usage_hours_insert AFTER INSERT ON usage_events BEGIN {add} END")
    op.execute(f"CREATE TRIGGER usage_hours_delete AFTER DELETE ON usage_events BEGIN {remove} END")
    columns = "kind, guest_id, client_ip, user_id, prompt_tokens, completion_tokens, pending, "
    columns += "created_at"
    op.execute(
        f"CREATE TRIGGER usage_hours_update AFTER UPDATE OF {columns} ON usage_events "
        f"WHEN {same} BEGIN {changes('NEW', DELTA, FINISHED, 'sqlite')} END"
    )
    op.execute(
        f"CREATE TRIGGER usage_hours_move AFTER UPDATE OF {columns} ON usage_events "
        f"WHEN NOT ({same}) BEGIN {remove} {add} END"
    )
