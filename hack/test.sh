#!/usr/bin/env bash
# Runs every test: unit tests, and integration tests against a real kube-apiserver + etcd (and a real
# etcd for checkpoints). Installs what the tests need first (idempotent; the first run builds the
# kube-apiserver, which takes a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
export KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-$HOME/.cache/tether/kube-api-test}"
hack/install-control-plane.sh >/dev/null
if [ -x hack/install-helm.sh ]; then
  hack/install-helm.sh >/dev/null
fi
exec mvn -B -ntp verify "$@"
