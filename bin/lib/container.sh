# Shared by bin/image-check and bin/replica-check: pick a container engine, make the Python base
# when the real one cannot be pulled, and build the image. See docs/deployment.md.
# Usage: source bin/lib/container.sh; use_engine; build_image TAG   (needs $work, a temp dir)
# Sets: engine (docker or podman), image_base (what PYTHON_IMAGE the build used).

REAL_BASE=python:3.11-slim
# The stand-in base is cached under these names between runs (remove them to remake it).
STANDIN_BASE=localhost/agent-chatbot-python:3.11-bookworm
CA_BASE_PREFIX=localhost/agent-chatbot-python-ca

say() { printf '%s: %s\n' "${0##*/}" "$*"; }

apt_install() {
  say "installing $* (apt)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } \
    >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; return 1; }
}

# Docker when its daemon answers, else podman (installed from Debian's packages when missing).
use_engine() {
  if [ -z "${IMAGE_ENGINE:-}" ] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    engine=docker
  else
    engine=${IMAGE_ENGINE:-podman}
  fi
  if [ "$engine" = podman ]; then
    command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 || apt_install podman runc
    # Settings some sandboxes need (cgroups v1 in hybrid mode, no raising of rlimits); harmless
    # elsewhere. Our own file: the system's configuration is never edited.
    if [ -z "${CONTAINERS_CONF:-}" ]; then
      export CONTAINERS_CONF="$work/containers.conf"
      printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\n' \
        >"$CONTAINERS_CONF"
    fi
  fi
  say "engine: $engine ($($engine --version | head -n 1))"
}

image_exists() { "$engine" image inspect "$1" >/dev/null 2>&1; }

# The first Debian mirror in the machine's apt sources (deb822 or one-line format). Either
# format may be absent: a grep finding nothing must not end the script (set -e, pipefail).
apt_mirror() {
  {
    grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' || true
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
      | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; break}}' || true
  } | { grep -v -- '-security' || true; } | head -n 1
}

# Debian's Python 3.11 in a minimal bookworm root, imported as an image (about a minute).
make_standin_base() {
  local rootfs="$work/rootfs" mirror
  mirror=$(apt_mirror)
  [ -n "$mirror" ] || { echo "no Debian mirror in the apt sources" >&2; return 1; }
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  say "making the stand-in base $STANDIN_BASE with debootstrap"
  debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3,ca-certificates \
    bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; return 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | "$engine" import - "$STANDIN_BASE" >"$work/import.log" 2>&1 \
    || { cat "$work/import.log" >&2; return 1; }
  rm -rf "$rootfs"
}

# The certificate authority pip trusts here (`pip config list`), when there is one: pip in the
# build must trust it too, behind a proxy that re-signs TLS.
pip_cert() {
  local pip cert
  pip=$(command -v pip3 || command -v pip || true)
  [ -n "$pip" ] || return 0
  cert=$("$pip" config list 2>/dev/null | sed -n "s/^[^=]*\.cert='\(.*\)'$/\1/p" | head -n 1)
  [ -n "$cert" ] && [ -r "$cert" ] && echo "$cert"
  return 0
}

# The base for PYTHON_IMAGE: the real one if it can be pulled, else the cached stand-in; with
# pip's certificate authority on top when pip here has one.
prepare_base() {
  local base=$REAL_BASE cert digest
  [ "$engine" = podman ] && base=docker.io/library/$REAL_BASE
  if image_exists "$base" || "$engine" pull -q "$base" >"$work/pull.log" 2>&1; then
    say "base: $base"
  else
    say "base: $base cannot be pulled ($(tail -n 1 "$work/pull.log" | cut -c1-120)); using the stand-in"
    base=$STANDIN_BASE
    image_exists "$base" && say "stand-in base cached: $base" || make_standin_base
  fi
  cert=$(pip_cert)
  if [ -n "$cert" ]; then
    mkdir -p "$work/ca" && cp "$cert" "$work/ca/ca.crt"
    digest=$(sha256sum "$work/ca/ca.crt" | cut -c1-12)
    printf 'FROM %s\nCOPY ca.crt /usr/local/share/ca-certificates/pip-ca.crt\nENV PIP_CERT=/usr/local/share/ca-certificates/pip-ca.crt\n' \
      "$base" >"$work/ca/Containerfile"
    "$engine" build -q -f "$work/ca/Containerfile" -t "$CA_BASE_PREFIX:$digest" "$work/ca" >/dev/null
    say "pip's certificate authority added to the base"
    base=$CA_BASE_PREFIX:$digest
  fi
  image_base=$base
}

# build_image TAG [--build-arg ...]: the project's Dockerfile as is, on the prepared base.
build_image() {
  local tag=$1 started
  shift
  [ -n "${image_base:-}" ] || prepare_base
  started=$(date +%s)
  say "building $tag $*"
  "$engine" build --network=host --build-arg "PYTHON_IMAGE=$image_base" "$@" -t "$tag" . \
    >"$work/build-${tag//[:\/]/_}.log" 2>&1 || { tail -n 40 "$work/build-${tag//[:\/]/_}.log" >&2; return 1; }
  # A build stopped by a signal may still exit 0: the image must be there.
  image_exists "$tag" || { say "the build left no image $tag" >&2; return 1; }
  say "built $tag in $(($(date +%s) - started)) s, $(image_size "$tag")"
}

image_size() {
  "$engine" image inspect --format '{{.Size}}' "$1" | awk '{printf "%d MB", $1 / 1000000}'
}
