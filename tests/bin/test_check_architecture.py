"""bin/check-architecture: it finds each kind of offender in a tree made for the purpose."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import repo_path

CHECKER = repo_path("bin", "check-architecture")


def check(root: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECKER), "--root", str(root), *options],
        capture_output=True,
        text=True,
        check=False,
    )


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def small_tree(root: Path) -> Path:
    write(root, "shared/__init__.py", "")
    write(root, "shared/rules.py", "def rule() -> int:\n    return 1\n")
    write(root, "api/__init__.py", "from shared.rules import rule\n")
    write(root, "voice/__init__.py", "from shared import rules\n")
    return root


def test_check_passes_a_tree_within_its_budgets(tmp_path: Path) -> None:
    result = check(small_tree(tmp_path))
    assert result.returncode == 0, result.stdout
    assert "budgets and import rules hold" in result.stdout


def test_check_reports_a_function_over_forty_lines(tmp_path: Path) -> None:
    body = "".join(f"    x{n} = {n}\n" for n in range(40))
    write(small_tree(tmp_path), "api/views.py", f"def long_view() -> None:\n{body}")
    result = check(tmp_path)
    assert result.returncode == 1
    assert "api/views.py:1: long_view() is 41 lines (budget 40)" in result.stdout


def test_check_reports_a_module_over_three_hundred_lines(tmp_path: Path) -> None:
    write(small_tree(tmp_path), "shared/big.py", "X = 1\n" * 301)
    result = check(tmp_path)
    assert result.returncode == 1
    assert "shared/big.py: 301 lines (budget 300)" in result.stdout


def test_check_reports_a_forbidden_import(tmp_path: Path) -> None:
    write(small_tree(tmp_path), "shared/web.py", "from flask import Flask\n")
    write(tmp_path, "voice/calls_api.py", "import api\n")
    result = check(tmp_path)
    assert result.returncode == 1
    assert "shared/web.py: imports flask (shared/ must not)" in result.stdout
    assert "voice/calls_api.py: imports api (voice/ must not)" in result.stdout


def test_check_reports_an_import_cycle(tmp_path: Path) -> None:
    write(small_tree(tmp_path), "shared/a.py", "from shared.b import B\nA = 1\n")
    write(tmp_path, "shared/b.py", "from shared import a\nB = 2\n")
    result = check(tmp_path)
    assert result.returncode == 1
    assert "import cycle: shared.a -> shared.b" in result.stdout


def test_check_ignores_a_cycle_broken_inside_a_function(tmp_path: Path) -> None:
    write(small_tree(tmp_path), "shared/a.py", "from shared.b import B\nA = 1\n")
    write(tmp_path, "shared/b.py", "def late() -> int:\n    from shared.a import A\n    return A\n")
    assert check(tmp_path).returncode == 0


def test_check_skips_javascript_when_asked(tmp_path: Path) -> None:
    body = "".join(f"  const x{n} = {n};\n" for n in range(40))
    write(small_tree(tmp_path), "web/assets/js/long.js", f"function long() {{\n{body}}}\n")
    assert "long.js:1: function is 42 lines" in check(tmp_path).stdout
    assert check(tmp_path, "--python-only").returncode == 0


def test_check_reports_a_cycle_hidden_behind_type_checking(tmp_path: Path) -> None:
    write(small_tree(tmp_path), "shared/a.py", "from shared.b import B\nA = 1\n")
    hidden = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shared.a import A\nB = 2\n"
    )
    write(tmp_path, "shared/b.py", hidden)
    result = check(tmp_path)
    assert result.returncode == 1
    assert "import cycle: shared.a -> shared.b" in result.stdout


def floored_tree(root: Path) -> Path:
    write(root, "shared/__init__.py", 'FLOORS = ("core", "chats")\n')
    write(root, "shared/core/__init__.py", "")
    write(root, "shared/core/config.py", "LIMIT = 1\n")
    write(root, "shared/chats/__init__.py", "")
    write(root, "shared/chats/search.py", "from shared.core.config import LIMIT\n")
    return root


def test_check_passes_imports_that_go_down_the_floors(tmp_path: Path) -> None:
    assert check(floored_tree(tmp_path), "--python-only").returncode == 0


def test_check_reports_an_import_up_the_floors(tmp_path: Path) -> None:
    write(floored_tree(tmp_path), "shared/core/rules.py", "from shared.chats import search\n")
    result = check(tmp_path, "--python-only")
    assert result.returncode == 1
    assert (
        "shared.core.rules: imports shared.chats.search (floor chats above core)" in result.stdout
    )


def test_report_counts_entries_arrows_and_cycles(tmp_path: Path) -> None:
    result = check(floored_tree(tmp_path), "--report")
    assert "shared/ top-level entries: 2 (chats, core)" in result.stdout
    assert "arrows between top-level entries: 1" in result.stdout
    assert "import cycles: 0" in result.stdout
    assert "  chats: core" in result.stdout
