# Shared by the check scripts: start the fake OpenAI upstream and both services on free
# loopback ports against a fresh SQLite database, and stop everything on exit.
# Usage: source bin/lib/services.sh; start_services [api-only]; ... "$api_url" "$voice_url" ...
# Needs: $python (the project's venv python). Sets: work api_url voice_url fake_url.

work=$(mktemp -d)
service_pids=()

stop_services() {
  for pid in "${service_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${service_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop_services EXIT INT TERM

free_port() {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() {  # name url pid
  for _ in $(seq 1 60); do
    if ! kill -0 "$3" 2>/dev/null; then
      echo "$1 exited early:" >&2; cat "$work/$1.log" >&2; return 1
    fi
    if "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' "$2" 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  echo "$1 did not answer $2:" >&2; cat "$work/$1.log" >&2; return 1
}

start_services() {
  local fake_port api_port voice_port bin_dir
  fake_port=$(free_port); api_port=$(free_port); voice_port=$(free_port)
  bin_dir=$(dirname "$python")
  fake_url="http://127.0.0.1:$fake_port/v1"
  api_url="http://127.0.0.1:$api_port"
  voice_url="http://127.0.0.1:$voice_port"
  export OPENAI_API_KEY=test-key OPENAI_BASE_URL="$fake_url"
  export DATABASE_URL="sqlite:///$work/app.db"
  export JWT_SECRET_KEY=${JWT_SECRET_KEY:-$("$python" -c 'import secrets; print(secrets.token_urlsafe(36))')}
  export PATH="$bin_dir:$PATH"

  "$python" -m tests.fake_openai --port "$fake_port" >"$work/fake_openai.log" 2>&1 &
  service_pids+=($!)
  "$python" -m flask --app api db upgrade >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; return 1; }
  "$python" -m gunicorn --no-control-socket --bind "127.0.0.1:$api_port" --workers 2 --threads 4 \
    api.wsgi:app >"$work/api.log" 2>&1 &
  service_pids+=($!)
  wait_for api "$api_url/api/health" "$!"
  [ "${1:-}" = "api-only" ] && return 0
  "$python" -m hypercorn --bind "127.0.0.1:$voice_port" voice.asgi:app >"$work/voice.log" 2>&1 &
  service_pids+=($!)
  wait_for voice "$voice_url/voice/health" "$!"
}
