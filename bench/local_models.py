"""A fixed 10-question check of a local reply model (facts, arithmetic, following an instruction).

    python -m bench.local_models                      # the bundled model (LOCAL_LLM=1 installed)
    python -m bench.local_models NAME=path/to.gguf …  # any GGUF files, one after another

Each model is loaded exactly as the app loads it (shared/providers/local_model.py: llama.cpp's
in-process server, the model's own chat template) and asked each question alone, streamed with
the app's sampling settings plus a fixed seed, under the same system prompt. An answer counts
when the grader accepts it and it took at most 10 s (the time a person waits for a reply).
Prints one Markdown table per model and a summary line; figures, never assertions.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shared.providers import local_llm, local_model

SYSTEM = "You are a helpful assistant. Answer briefly."
MAX_TOKENS = 96
TIME_LIMIT = 10.0


def has(*words: str) -> Callable[[str], bool]:
    return lambda answer: all(re.search(rf"\b{w}\b", answer, re.I) for w in words)


def names(word: str) -> Callable[[str], bool]:
    """The answer names `word`, and not only as a contrast ("unlike Mars", "not Mars")."""
    contrast = rf"\b(unlike|not|except)\s+{word}\b"
    return lambda answer: has(word)(answer) and not re.search(contrast, answer, re.I)


def one_word(word: str) -> Callable[[str], bool]:
    return lambda answer: re.sub(r"[^\w]", "", answer).lower() == word


def uppercase_hello(answer: str) -> bool:
    letters = [c for c in answer if c.isalpha()]
    return bool(letters) and answer == answer.upper() and "HELLO" in answer


def only_number(number: str) -> Callable[[str], bool]:
    return lambda answer: answer.strip().rstrip(".") == number


@dataclass(frozen=True)
class Question:
    kind: str
    text: str
    grade: Callable[[str], bool]


QUESTIONS = (
    Question("fact", "What is the capital of France?", names("Paris")),
    Question("fact", "Which planet is known as the Red Planet?", names("Mars")),
    Question("fact", "Who wrote the play Romeo and Juliet?", names("Shakespeare")),
    Question(
        "fact", "How many days are there in a week?", lambda a: bool(has("7")(a) or has("seven")(a))
    ),
    Question("arithmetic", "What is 12*7?", has("84")),
    Question("arithmetic", "What is 15 + 27?", has("42")),
    Question("arithmetic", "What is 100 minus 37? Reply with the number only.", only_number("63")),
    Question(
        "instruction",
        "Answer in one word: what colour is the sky on a clear day?",
        one_word("blue"),
    ),
    Question("instruction", "Reply in uppercase letters only: say hello.", uppercase_hello),
    Question(
        "instruction",
        "List the first three letters of the English alphabet, separated by commas.",
        lambda a: bool(re.search(r"\bA\s*,\s*B\s*,\s*(and\s+)?C\b", a, re.I)),
    ),
)


@dataclass
class Answer:
    question: Question
    text: str
    seconds: float

    @property
    def right(self) -> bool:
        return self.question.grade(self.text.strip()) and self.seconds <= TIME_LIMIT


def ask(server: object, question: Question) -> Answer:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question.text}]
    request = {"messages": messages, "max_tokens": MAX_TOKENS, "seed": 7, **local_llm.SAMPLING}
    started = time.perf_counter()
    text = "".join(local_llm.stream_reply(server, request, threading.Event()))
    return Answer(question, text, time.perf_counter() - started)


def check(name: str, path: Path) -> list[Answer]:
    started = time.perf_counter()
    server = local_model.open_server(path, 2048, 1)
    load = time.perf_counter() - started
    answers = [ask(server, q) for q in QUESTIONS]
    right = sum(a.right for a in answers)
    median = sorted(a.seconds for a in answers)[len(answers) // 2]
    size = path.stat().st_size / 1e6
    print(f"\n### {name} ({size:.0f} MB, load {load:.1f} s): {right}/10, median {median:.1f} s\n")
    print("| # | kind | question | answer | s | right |")
    print("|---|---|---|---|---|---|")
    for index, a in enumerate(answers, 1):
        shown = " ".join(a.text.split()).replace("|", "\\|")[:90]
        mark = "yes" if a.right else "no"
        cells = (str(index), a.question.kind, a.question.text, shown, f"{a.seconds:.1f}", mark)
        print(f"| {' | '.join(cells)} |")
    sys.stdout.flush()
    return answers


def main(args: list[str]) -> None:
    if args:
        models = [(arg.split("=", 1)[0], Path(arg.split("=", 1)[1])) for arg in args]
    else:
        path = local_model.gguf_path(local_llm.MODEL, local_llm.MODEL_CACHE)
        models = [(local_llm.MODEL.name, path)]
    for name, path in models:
        check(name, path)


if __name__ == "__main__":
    main(sys.argv[1:])
