#!/usr/bin/env bash
# `make image-test`: lint the Dockerfile, build it with podman, run the image and check it from the
# host (health, the 401 challenge, one whole OAuth sign-in and tools/list, podman's health check).
#
# These machines have no Docker daemon and reach no container registry, but do reach Debian's
# mirror and PyPI (../shared/reference/container-build.md has the details), so:
# - podman, runc and mmdebstrap come from Debian when missing (needs root);
# - when python:3.11-slim is not in the local store, a stand-in is built from Debian packages
#   (Debian's Python 3.11 in /usr/bin) and imported under that name, then reused on later runs;
# - everything runs with runc: crun refuses hosts with mixed cgroup v1/v2.
# The container is always removed at the end, whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/qomon-mcp:image-test}
BASE=docker.io/library/python:3.11-slim
NAME=qomon-mcp-image-test-$$
BIN=.venv/bin

step() { printf '\n== image-test: %s\n' "$*" >&2; }
started=$SECONDS

step "hadolint Dockerfile"
"$BIN/hadolint" Dockerfile
echo "no finding" >&2

missing=()
for tool in podman runc mmdebstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
    step "installing ${missing[*]} from Debian"
    [ "$(id -u)" = 0 ] || { echo "image-test: needs root to install ${missing[*]} (apt-get)" >&2; exit 1; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc mmdebstrap >/dev/null
fi

if podman image exists "$BASE"; then
    step "base $BASE already in the local store, reused"
else
    step "building a stand-in for $BASE from Debian bookworm (no registry to pull from)"
    workdir=$(mktemp -d)
    # mmdebstrap reads its sources from stdin when that is not a terminal: name the mirror instead.
    mmdebstrap --quiet --variant=minbase \
        --include=python3,python3-venv,python-is-python3,ca-certificates \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
        bookworm "$workdir/base.tar" http://deb.debian.org/debian </dev/null
    podman import --quiet \
        --change 'LABEL org.opencontainers.image.description="stand-in for python:3.11-slim built by scripts/image_test.sh"' \
        --change 'CMD ["python3"]' "$workdir/base.tar" "$BASE" >/dev/null
    rm -rf "$workdir"
fi

step "podman build -t $IMAGE ."
# pip inside the build must trust the CA that this machine's network presents to it: the host's
# bundle is mounted for the build steps only (nothing of it is copied into the image).
ca_bundle=/etc/ssl/certs/ca-certificates.crt
mounts=()
[ -r "$ca_bundle" ] && mounts=(-v "$ca_bundle:$ca_bundle:ro")
build_started=$SECONDS
previous=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
build_log=$(mktemp)
# --layers=false: no intermediate image per run piling up in the store (pip install dominates the
# build and reruns whenever the sources change, so a layer cache would save little).
podman build --pull=never --layers=false --format docker --runtime runc "${mounts[@]}" -t "$IMAGE" . \
    >"$build_log" 2>&1 || { tail -n 40 "$build_log" >&2; echo "image-test: podman build failed" >&2; exit 1; }
rm -f "$build_log"
# The image this run replaced, now untagged.
if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$IMAGE")" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
fi
build_seconds=$((SECONDS - build_started))
size_bytes=$(podman image inspect --format '{{.Size}}' "$IMAGE")
echo "built in ${build_seconds}s, image size $((size_bytes / 1000000)) MB ($size_bytes bytes)" >&2

port=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
cleanup() {
    status=$?
    if [ "$status" != 0 ] && podman container exists "$NAME"; then
        echo "image-test: failed; the container's last log lines:" >&2
        podman logs --tail 40 "$NAME" >&2 || true
    fi
    podman rm --force --time 2 "$NAME" >/dev/null 2>&1 || true
    exit "$status"
}
trap cleanup EXIT

step "podman run $IMAGE --sandbox (ENTRYPOINT is qomon-mcp serve) on $url"
# Limits at or under the host's hard ones (podman refuses to raise them); no systemd here to time
# health checks, so the script runs the image's HEALTHCHECK itself below.
nofile=$(ulimit -Hn)
[ "$nofile" = unlimited ] && nofile=65536
# Podman 4.3 logs two errors about systemd health-check timers even with "disable": noise, dropped.
# Hardened as deploy/ runs it (compose.yaml, k8s/deployment.yaml): read-only root with /tmp in
# memory, no capability, no privilege escalation; the checks below then show that this suffices.
podman run --detach --name "$NAME" --runtime runc \
    --read-only --read-only-tmpfs=false --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
    --ulimit "nofile=$nofile:$nofile" --ulimit nproc=4096:4096 \
    --health-interval disable \
    -e "QOMON_PUBLIC_URL=$url" -p "127.0.0.1:$port:8000" \
    "$IMAGE" --sandbox 2> >(grep -v 'unable to get systemd connection' >&2) >/dev/null

step "checks from the host"
"$BIN/python" -m tests.image.check_image "$url"
podman healthcheck run "$NAME"
echo "podman healthcheck run: healthy" >&2
user=$(podman exec "$NAME" id -u)
[ "$user" = 10001 ] || { echo "image-test: the server runs as uid $user, not 10001" >&2; exit 1; }
echo "the server runs as uid $user" >&2
# The root filesystem refuses writes, even in /var/tmp (world-writable in the image), and /tmp
# takes them.
if podman exec "$NAME" python -c "open('/var/tmp/write-test', 'w')" 2>/dev/null; then
    echo "image-test: the root filesystem is writable" >&2; exit 1
fi
podman exec "$NAME" python -c "import tempfile; tempfile.TemporaryFile().write(b'ok')"
echo "read-only root filesystem, /tmp writable" >&2

step "passed in $((SECONDS - started))s (build ${build_seconds}s, image $((size_bytes / 1000000)) MB)"
