"""Does login time tell an attacker whether a username exists? (`python -m bench.login_timing`)

Times `POST /api/auth/login` for an unknown username and for a known one with a wrong password,
alternating, in process on a fresh SQLite database, and prints both medians and their ratio.
A ratio near 1.0 means the timing reveals nothing: both paths run one scrypt hash.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from flask.testing import FlaskClient
from flask_migrate import upgrade

from api import create_app
from shared.core.config import ROOT, Config


def timed(client: FlaskClient, body: dict[str, str]) -> float:
    started = time.perf_counter()
    response = client.post("/api/auth/login", json=body)
    assert response.status_code == 401, response.status_code
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = Config(
            database_url=f"sqlite:///{Path(folder) / 'timing.db'}", rate_limit_enabled=False
        )
        app = create_app(config)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
        client = app.test_client()
        client.post("/api/auth/register", json={"username": "known", "password": "right-pass"})
        unknown, wrong = [], []
        for index in range(args.rounds):
            unknown.append(timed(client, {"username": f"nobody{index}", "password": "guess-pass"}))
            wrong.append(timed(client, {"username": "known", "password": "guess-pass"}))
    u, w = statistics.median(unknown), statistics.median(wrong)
    print(f"login, unknown user:   p50 {u:.1f} ms ({args.rounds} tries)")
    print(f"login, wrong password: p50 {w:.1f} ms ({args.rounds} tries)")
    print(f"ratio wrong / unknown: {w / u:.2f}")


if __name__ == "__main__":
    main()
