#!/usr/bin/env bash
# Checks the deployment files: each against its format's schema with a tool from the package
# registries (the compose file with dclint from npm, the Kubernetes manifests with
# kubernetes-validate from PyPI, both pinned), then what Pairlink needs of them (deploy/check.py).
# Usage: deploy/check.sh   (.ci/test installs the tools; KUBERNETES_VALIDATE names that tool)
set -euo pipefail
cd "$(dirname "$0")/.."

node_modules/.bin/dclint --quiet deploy/compose/compose.yaml
"${KUBERNETES_VALIDATE:-kubernetes-validate}" --strict --quiet --kubernetes-version 1.33 deploy/kubernetes/*.yaml
"${DEPLOY_PYTHON:-python3}" deploy/check.py
