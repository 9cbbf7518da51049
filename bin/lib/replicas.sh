# bin/image-check's replica phase: two containers of each role on one empty PostgreSQL database,
# behind Debian's nginx running the project's deploy/nginx.conf (its upstreams pointed at the
# replicas), then bin/lib/image_replicas.py's checks. Sourced by bin/image-check (its helpers).

REPLICA_RATE=${REPLICA_RATE:-4}  # RATE_LIMIT_REPLIES per minute in this phase

# start_pair ROLE ENVFILE PORT1 PORT2: both replicas at the same instant.
start_pair() {
  local role=$1 env_file=$2 first second
  containers+=("$run_id-$role-1" "$run_id-$role-2")
  run_role "$role" "$3" "$env_file" -1 & first=$!
  run_role "$role" "$4" "$env_file" -2 & second=$!
  wait "$first" && wait "$second"
}

# Exactly one replica may have run the migrations; the others found the schema current.
check_one_migrator() {
  local db_url=$1 migrators=0 name upgrades versions anonymous
  for name in "$run_id"-api-1 "$run_id"-api-2 "$run_id"-voice-1 "$run_id"-voice-2; do
    # Read the whole log (grep -q would stop early and, under pipefail, fail the pipe).
    upgrades=$("$engine" logs "$name" 2>&1 | grep -c 'Running upgrade' || true)
    if [ "$upgrades" -gt 0 ]; then migrators=$((migrators + 1)); fi
  done
  versions=$(psql -tA "$db_url" -c 'SELECT count(*) FROM alembic_version')
  anonymous=$(psql -tA "$db_url" -c "SELECT count(*) FROM users WHERE username = 'anonymous'")
  if [ "$migrators" -ne 1 ] || [ "$versions" -ne 1 ] || [ "$anonymous" -ne 1 ]; then
    say "migration race: $migrators replicas migrated, $versions versions, $anonymous anonymous users" >&2
    return 1
  fi
  note "replicas: 2 api + 2 voice started at once on an empty database (api replicas $(start_gap) s apart): 1 migrated, 3 found the schema current"
}

# Seconds between the two api replicas' starts: they raced for the migration.
start_gap() {
  "$engine" inspect --format '{{.State.StartedAt}}' "$run_id-api-1" "$run_id-api-2" | "$python" -c '
import sys
from datetime import datetime
stamps = [datetime.fromisoformat(" ".join(line.split()[:2])[:26]) for line in sys.stdin if line.strip()]
print(f"{abs((stamps[0] - stamps[1]).total_seconds()):.1f}")'
}

# The project's server block inside a minimal http block; its upstreams become the replicas.
nginx_config() {
  local port=$1 conf="$work/nginx/nginx.conf"
  mkdir -p "$work/nginx"
  {
    echo "daemon off; worker_processes 1; user root; pid $work/nginx/nginx.pid;"
    echo "error_log $work/nginx/error.log warn;"
    echo "events { worker_connections 512; }"
    echo "http {"
    echo "  include /etc/nginx/mime.types;"
    echo "  access_log $work/nginx/access.log;"
    for temp in client_body proxy fastcgi uwsgi scgi; do echo "  ${temp}_temp_path $work/nginx/$temp;"; done
    echo "  upstream api_replicas { server 127.0.0.1:$api1; server 127.0.0.1:$api2; }"
    echo "  upstream voice_replicas { server 127.0.0.1:$voice1; server 127.0.0.1:$voice2; }"
    # Compose's DNS names become the upstream groups; no resolver is needed for those.
    sed -e '/^resolver /d' -e "s|listen 80;|listen 127.0.0.1:$port;|" \
      -e 's|http://api:8000|http://api_replicas|' -e 's|http://voice:8001|http://voice_replicas|' \
      deploy/nginx.conf
    echo "}"
  } >"$conf"
  for wanted in "listen 127.0.0.1:$port" http://api_replicas http://voice_replicas; do
    grep -q "$wanted" "$conf" || { say "deploy/nginx.conf changed shape: no '$wanted'" >&2; return 1; }
  done
  nginx -t -q -c "$conf" -p "$work/nginx" || return 1
  echo "$conf"
}

start_proxy() {
  local conf
  command -v nginx >/dev/null 2>&1 || apt_install nginx
  proxy_port=$(free_port)
  conf=$(nginx_config "$proxy_port")
  nginx -c "$conf" -p "$work/nginx" &
  pids+=($!)
  for _ in $(seq 1 50); do
    "$python" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
      "$proxy_port" 2>/dev/null && return 0
    sleep 0.2
  done
  cat "$work/nginx/error.log" >&2
  return 1
}

replica_phase() {
  local db_url env_file="$work/replicas.env" name started
  started=$(date +%s)
  new_database replicas
  # A tight reply limit and a one-token guest budget, to see them shared across replicas.
  write_env "$env_file" "$db_url" "RATE_LIMIT_REPLIES=$REPLICA_RATE/minute" \
    "QUOTA_GUEST_TOKENS_PER_DAY=1" "PROXY_HOPS=1"
  api1=$(free_port); api2=$(free_port); voice1=$(free_port); voice2=$(free_port)
  start_pair api "$env_file" "$api1" "$api2"
  start_pair voice "$env_file" "$voice1" "$voice2"
  for name in api-1 api-2 voice-1 voice-2; do wait_healthy "$run_id-$name"; done
  check_one_migrator "$db_url"
  if has_files_api "http://127.0.0.1:$api1"; then
    start_pair worker "$env_file" "" ""
    wait_healthy "$run_id-worker-1" && wait_healthy "$run_id-worker-2"
    note "replicas: 2 worker containers running"
  fi
  start_proxy
  "$python" bin/lib/image_probe.py replicas --proxy "http://127.0.0.1:$proxy_port" \
    --api "http://127.0.0.1:$api1" "http://127.0.0.1:$api2" \
    --voice "http://127.0.0.1:$voice1" "http://127.0.0.1:$voice2" \
    --fake "$fake_url" --rate "$REPLICA_RATE" | tee "$work/replicas.out"
  note "replicas: $(grep -c '^  ok' "$work/replicas.out") checks passed through nginx and across replicas in $(($(date +%s) - started)) s"
  remove_containers
}
