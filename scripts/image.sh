#!/usr/bin/env bash
# The container image, localhost/pairlink:latest: the Containerfile around the static binary
# (scripts/static.sh, or the one PAIRLINK_STATIC_BIN names), built with podman (Debian's
# package; nothing but the package registries is reached), then inspected: a non-root user,
# the binary as entrypoint, port 8080, one /data volume, SIGTERM, the health check, its size.
# (Running a container needs cgroups that these build machines do not give crun; the binary's
# own test, end2end/tests/lone-binary, runs the very file the image holds.)
# Usage: scripts/image.sh [--tag NAME]
source "$(dirname "${BASH_SOURCE[0]}")/../.ci/lib.sh"
tag=localhost/pairlink:latest
if [ "${1:-}" = "--tag" ]; then tag=$2; fi

command -v podman >/dev/null || { step "installing Debian's podman"; apt_install podman; }
bin=${PAIRLINK_STATIC_BIN:-}
if [ -z "$bin" ]; then
  bash scripts/static.sh
  bin="$CARGO_TARGET_DIR/static/pairlink"
fi

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$bin" "$context/pairlink"
mkdir "$context/data"
step "podman build $tag"
# The docker format keeps HEALTHCHECK (OCI images have no such field).
podman build --quiet --format docker --file Containerfile --tag "$tag" "$context"

step "inspecting $tag"
podman image inspect "$tag" | python3 -c '
import json, sys
image = json.load(sys.stdin)[0]
config = image["Config"]
checks = {
    "runs as 65532, not root": config.get("User") == "65532:65532",
    "entrypoint is the binary": config.get("Entrypoint") == ["/pairlink"],
    "serves by default": config.get("Cmd") == ["serve"],
    "exposes 8080": "8080/tcp" in (config.get("ExposedPorts") or {}),
    "one volume, /data": list((config.get("Volumes") or {})) == ["/data"],
    "stops on SIGTERM": config.get("StopSignal") == "SIGTERM",
    "health checked by pairlink health": "health" in " ".join((image.get("Healthcheck") or config.get("Healthcheck") or {}).get("Test", [])),
    "one layer per COPY, nothing else": len(image["RootFS"]["Layers"]) == 2,
}
for what, ok in checks.items():
    print(("ok    " if ok else "FAIL  ") + what)
size = image["Size"]
print(f"image size {size} bytes ({size / 1048576:.1f} MB)")
sys.exit(0 if all(checks.values()) else 1)
'
