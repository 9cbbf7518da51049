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
        op.execute(
            "DROP FUNCTION IF EXISTS usage_hours_add(text, text, timestamptz, bigint, integer)"
        )
    else:
        for event in ("insert", "update", "delete"):
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


def create_postgresql_triggers() -> None:
    # OR REPLACE: functions outlive a dropped table (a test database reset by dropping tables).
    op.execute(
        """
        CREATE OR REPLACE FUNCTION usage_hours_add(
            a_scope text, a_key text, a_hour timestamptz, a_tokens bigint, a_largest integer
        ) RETURNS void LANGUAGE sql AS $$
            INSERT INTO usage_hours (scope, scope_key, hour_start, tokens, largest)
            VALUES (a_scope, a_key, a_hour, a_tokens, a_largest)
            ON CONFLICT (scope, scope_key, hour_start) DO UPDATE
            SET tokens = usage_hours.tokens + EXCLUDED.tokens,
                largest = CASE WHEN usage_hours.tokens + EXCLUDED.tokens = 0 THEN NULL
                          ELSE GREATEST(usage_hours.largest, EXCLUDED.largest) END
        $$
        """
    )
    remove, add = postgresql_changes("OLD", "-", "NULL"), postgresql_changes("NEW", "", FINISHED)
    op.execute(
        "CREATE OR REPLACE FUNCTION usage_hours_track() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {remove} END IF; "
        f"IF TG_OP <> 'DELETE' THEN {add} END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER usage_hours_track AFTER INSERT OR UPDATE OR DELETE ON usage_events "
        "FOR EACH ROW EXECUTE FUNCTION usage_hours_track()"
    )


def postgresql_changes(row: str, sign: str, largest: str) -> str:
    """The calls that add (`sign` "") or take away ("-") row `row` in every scope it is in."""
    calls = " ".join(
        f"IF {condition.format(r=row)} THEN PERFORM usage_hours_add('{scope}', "
        f"{key.format(r=row)}, {hour_of(row, 'postgresql')}, {sign}{TOKENS.format(r=row)}, "
        f"{largest.format(r=row)}); END IF;"
        for scope, key, condition in SCOPES
    )
    return f"IF {row}.kind = 'llm' THEN {calls} END IF;"


def sqlite_changes(row: str, sign: str, largest: str) -> str:
    """The upserts that add (`sign` "") or take away ("-") row `row` in every scope."""
    statements = []
    for scope, key, condition in SCOPES:
        statements.append(
            "INSERT INTO usage_hours (scope, scope_key, hour_start, tokens, largest) "
            f"SELECT '{scope}', {key.format(r=row)}, {hour_of(row, 'sqlite')}, "
            f"{sign}{TOKENS.format(r=row)}, {largest.format(r=row)} "
            f"WHERE {row}.kind = 'llm' AND {condition.format(r=row)} "
            "ON CONFLICT (scope, scope_key, hour_start) DO UPDATE "
            "SET tokens = tokens + excluded.tokens, "
            "largest = CASE WHEN tokens + excluded.tokens = 0 THEN NULL "
            "ELSE max(coalesce(largest, excluded.largest), coalesce(excluded.largest, largest)) "
            "END;"
        )
    return " ".join(statements)


def create_sqlite_triggers() -> None:
    add, remove = sqlite_changes("NEW", "", FINISHED), sqlite_changes("OLD", "-", "NULL")
    op.execute(f"CREATE TRIGGER usage_hours_insert AFTER INSERT ON usage_events BEGIN {add} END")
    op.execute(f"CREATE TRIGGER usage_hours_delete AFTER DELETE ON usage_events BEGIN {remove} END")
    op.execute(
        "CREATE TRIGGER usage_hours_update AFTER UPDATE OF kind, guest_id, client_ip, user_id, "
        "prompt_tokens, completion_tokens, pending, created_at ON usage_events "
        f"BEGIN {remove} {add} END"
    )
