# Shared by bin/image-check's phases: run the image's roles as containers on the host network
# against a fresh PostgreSQL database, Redis and the fake OpenAI upstream; remove it all on exit.
# Needs: engine tag run_id work python pg redis, and the arrays containers pids databases.

free_port() {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Everything started goes, whatever happened; on failure the containers' last lines first.
cleanup() {
  local status=$?
  set +e
  if [ "$status" -ne 0 ]; then
    for name in "${containers[@]}"; do
      echo "--- $name (last lines) ---" >&2
      "$engine" logs --tail 25 "$name" >&2 2>&1
    done
  fi
  remove_containers
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  for db in "${databases[@]}"; do
    psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1
  done
  rm -rf "$work"
  exit "$status"
}

remove_containers() {
  [ "${#containers[@]}" -eq 0 ] && return 0
  local quick=()
  [ "$engine" = podman ] && quick=(--time 2)  # docker's rm -f kills at once; podman's waits 10 s
  "$engine" rm -f "${quick[@]}" "${containers[@]}" >/dev/null 2>&1 || true
  containers=()
}

# The fake OpenAI-compatible upstream, on the host (the containers share its network).
start_fake() {
  local port
  port=$(free_port)
  fake_url="http://127.0.0.1:$port/v1"
  "$python" -m tests.fake_openai --port "$port" >"$work/fake_openai.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do
    "$python" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
      "$port" 2>/dev/null && return 0
    sleep 0.2
  done
  cat "$work/fake_openai.log" >&2
  return 1
}

# new_database NAME: an empty PostgreSQL database for this run, its URL in db_url (not printed:
# a command substitution's subshell would lose it from `databases`, and cleanup would miss it).
new_database() {
  local db="${run_id}_$1"
  psql -q "$pg/postgres" -c "CREATE DATABASE \"$db\"" >/dev/null
  databases+=("$db")
  db_url="$pg/$db"
}

# write_env FILE DATABASE_URL [NAME=VALUE...]: the containers' settings (production mode).
write_env() {
  local file=$1 db_url=$2
  shift 2
  {
    echo "APP_ENV=production"
    echo "DATABASE_URL=$db_url"
    echo "REDIS_URL=$redis"
    echo "JWT_SECRET_KEY=$("$python" -c 'import secrets; print(secrets.token_urlsafe(36))')"
    echo "OPENAI_API_KEY=test-key"
    echo "OPENAI_BASE_URL=$fake_url"
    echo "CORS_ORIGINS="
    echo "HOST=127.0.0.1"
    # Every request comes from 127.0.0.1: per-IP limits would count all the checks as one client.
    echo "RATE_LIMIT_GUEST_TOKENS=1000/hour"
    echo "RATE_LIMIT_REPLIES_PER_IP=1000/minute"
    echo "RATE_LIMIT_LOGIN_PER_IP=1000/minute"
    echo "RATE_LIMIT_REGISTER=1000/hour"  # counted in Redis, which outlives the run
    printf '%s\n' "$@"
  } >"$file"
}

# run_role ROLE PORT ENVFILE [SUFFIX]: start one container of the image in that role.
run_role() {
  local role=$1 port=$2 env_file=$3 name="$run_id-$1${4:-}"
  "$engine" run -d --name "$name" --network=host --env-file "$env_file" \
    ${port:+-e PORT="$port"} "$tag" "$role" >/dev/null
  containers+=("$name")
}

# wait_healthy NAME: until the image's own health check (`entrypoint healthcheck`) passes in it.
wait_healthy() {
  local name=$1
  for _ in $(seq 1 90); do
    if [ "$("$engine" inspect --format '{{.State.Running}}' "$name" 2>/dev/null)" != "true" ]; then
      say "$name exited:" >&2
      "$engine" logs --tail 40 "$name" >&2 2>&1
      return 1
    fi
    "$engine" exec "$name" /app/bin/entrypoint healthcheck >/dev/null 2>&1 && return 0
    sleep 1
  done
  say "$name never became healthy:" >&2
  "$engine" logs --tail 40 "$name" >&2 2>&1
  return 1
}

# The knowledge files API is in this build when the api's OpenAPI lists it.
has_files_api() {
  "$python" - "$1/api/openapi.json" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
    sys.exit(0 if "/api/agents/{agent_id}/files" in json.load(response)["paths"] else 1)
PY
}
