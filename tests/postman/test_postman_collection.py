"""The committed Postman collection is what postman/build_collection.py builds from its table."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.conftest import repo_path

BUILDER = repo_path("postman", "build_collection.py")


def load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_collection", BUILDER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_builder(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BUILDER), *arguments], capture_output=True, text=True, check=False
    )


def test_committed_collection_is_a_fresh_build() -> None:
    builder = load_builder()
    assert builder.stale_message(builder.COLLECTION) is None


def test_check_detects_a_stale_collection(tmp_path: Path) -> None:
    builder = load_builder()
    built = tmp_path / "collection.json"
    assert builder.main(["--output", str(built)]) == 0
    collection = json.loads(built.read_text())
    collection["item"][0]["item"][0]["event"][0]["script"]["exec"].pop()
    built.write_text(json.dumps(collection, indent=2, ensure_ascii=False) + "\n")

    message = builder.stale_message(built)

    assert message is not None
    assert str(built) in message and "is stale" in message
    assert "python postman/build_collection.py" in message


def test_check_command_fails_on_a_stale_file_and_passes_a_fresh_one(tmp_path: Path) -> None:
    built = tmp_path / "collection.json"
    assert run_builder("--output", str(built)).returncode == 0
    assert run_builder("--check", "--output", str(built)).returncode == 0

    built.write_text(built.read_text().replace("status is 200", "status is 201", 1))
    result = run_builder("--check", "--output", str(built))

    assert result.returncode == 1
    assert "is stale" in result.stderr and "Regenerate it with" in result.stderr


def test_check_command_fails_when_the_file_is_missing(tmp_path: Path) -> None:
    result = run_builder("--check", "--output", str(tmp_path / "missing.json"))
    assert result.returncode == 1
    assert "is missing" in result.stderr and "python postman/build_collection.py" in result.stderr


def test_every_request_checks_its_status() -> None:
    collection = load_builder().collection()
    items = [item for folder in collection["item"] for item in folder["item"]]
    assert len(items) >= 172
    for item in items:
        tests = next(e for e in item["event"] if e["listen"] == "test")["script"]["exec"]
        assert tests[0].startswith('pm.test("status is'), item["name"]
