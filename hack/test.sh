#!/usr/bin/env bash
# Runs every test: unit tests; integration tests against a real kube-apiserver + etcd (and a real etcd for
# checkpoints); and end-to-end tests on real nodes (kubelets with containerd and runc running the project's
# own images). Installs and builds what the tests need first (idempotent and cached under ~/.cache/tether;
# the first run builds Kubernetes v1.20.2 from Debian's source package and the images, which takes a while).
# Where real nodes cannot run (not root, no cgroup v1, ...) their tests are skipped and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
export KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-$HOME/.cache/tether/kube-api-test}"
hack/install-control-plane.sh >/dev/null
hack/install-helm.sh >/dev/null
# Without promtool the alert rule tests skip, or fail where TETHER_REQUIRE_REAL_NODES=true: the tests say why.
hack/install-promtool.sh >/dev/null || echo "[test] promtool could not be installed" >&2
if [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then
  hack/install-nodes.sh
  hack/build-images.sh >/dev/null
else
  echo "[test] not root: the real-node tests will be skipped" >&2
fi
exec mvn -B -ntp verify "$@"
