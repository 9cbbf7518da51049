"""`python -m shared.core.config_check`: one line per problem on stderr, exit 2, when the
settings are invalid.

The launchers (bin/run-local, bin/entrypoint, gunicorn's start hook) run it before any service
starts, so a bad setting reads as one clear sentence instead of a traceback from every worker.
"""

from __future__ import annotations

import sys

from shared.core.config import Config, ConfigError

EXIT_CONFIG = 2


def config_problem() -> str | None:
    """What is wrong with the environment's configuration, in one line, or None."""
    try:
        Config.from_env()
    except ConfigError as exc:
        return f"configuration error: {exc}"
    return None


def main() -> int:
    problem = config_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_CONFIG
    return 0


if __name__ == "__main__":
    sys.exit(main())
