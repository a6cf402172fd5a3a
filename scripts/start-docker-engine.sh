#!/usr/bin/env bash
# Make a Docker Engine answer on this machine, for the `docker`-marked tests of `dockerlens analyze`.
#
# Idempotent: does nothing when `docker info` already answers. Otherwise (as root) installs what is
# missing from Debian's packages (docker.io, busybox-static, skopeo, docker-registry for the
# registry tests, openssl, and chromium for the browser tests of `--html`) and starts
# dockerd in the background with the vfs storage driver and no networking of its own, which works
# in unprivileged CI containers. Logs go to ${DOCKERLENS_DOCKERD_LOG:-/tmp/dockerlens-dockerd.log}.
set -euo pipefail

log_file="${DOCKERLENS_DOCKERD_LOG:-/tmp/dockerlens-dockerd.log}"

engine_answers() {
    timeout 10 docker info >/dev/null 2>&1
}

missing_packages=()
command -v dockerd >/dev/null 2>&1 || missing_packages+=(docker.io)
command -v docker >/dev/null 2>&1 || missing_packages+=(docker.io)
[ -x /bin/busybox ] || missing_packages+=(busybox-static)
command -v skopeo >/dev/null 2>&1 || missing_packages+=(skopeo)
[ -x /usr/bin/docker-registry ] || missing_packages+=(docker-registry)
command -v openssl >/dev/null 2>&1 || missing_packages+=(openssl)
command -v chromium >/dev/null 2>&1 || missing_packages+=(chromium)

if [ "${#missing_packages[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "start-docker-engine: missing ${missing_packages[*]} and not root: install them first" >&2
        exit 1
    fi
    echo "start-docker-engine: installing ${missing_packages[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing_packages[@]}" >/dev/null
fi

if engine_answers; then
    echo "start-docker-engine: an engine already answers" >&2
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "start-docker-engine: no engine answers and only root can start dockerd" >&2
    exit 1
fi

echo "start-docker-engine: starting dockerd (log: $log_file)" >&2
# containerd comes with docker.io; dockerd starts its own when none runs.
nohup dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none \
    >"$log_file" 2>&1 </dev/null &

for _ in $(seq 1 60); do
    if engine_answers; then
        echo "start-docker-engine: engine is up" >&2
        exit 0
    fi
    sleep 1
done
echo "start-docker-engine: dockerd did not answer within 60 s; last log lines:" >&2
tail -n 20 "$log_file" >&2 || true
exit 1
