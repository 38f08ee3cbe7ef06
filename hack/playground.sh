#!/usr/bin/env bash
# Tether on this machine in a few minutes: a real control plane, real nodes (kubelets with containerd and runc
# running the project's images) with Tether installed by its Helm chart, agent sessions, and a node failure to
# watch the sessions survive. Without root (real nodes need it) it runs on simulated nodes instead.
#   ./hack/playground.sh                      # 3 real nodes, 3 sessions, crash the node of the first session
#   ./hack/playground.sh --nodes simulated    # simulated nodes: the operator and the agents in this process
#   ./hack/playground.sh --failure partition  # or delete-node, drain; --sessions M --steps S --keep
#   ./hack/playground.sh --object-store       # node-local volumes, restored from an object store (S3Proxy)
#   ./hack/playground.sh --help
# Needs Java 17+ and Maven; the rest is installed and built by the hack/ scripts (cached in ~/.cache/tether).
set -euo pipefail
cd "$(dirname "$0")/.."

export KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-${TETHER_CACHE:-$HOME/.cache/tether}/kube-api-test}"
./hack/install-control-plane.sh >&2
simulated=false
for arg in "$@"; do
  case "$arg" in simulated|--nodes=simulated|[0-9]*|--nodes=[0-9]*) simulated=true ;; esac
done
if [ "$simulated" = false ] && [ "$(id -u)" = 0 ]; then
  ./hack/install-nodes.sh >&2
  ./hack/install-helm.sh >/dev/null
  echo "[playground] building the images (cached when nothing changed)" >&2
  ./hack/build-images.sh >/dev/null
fi

echo "[playground] building (mvn package, tests skipped)" >&2
mvn -q -B -pl playground -am package -DskipTests >&2

exec java -cp "playground/target/classes:$(cat playground/target/classpath.txt)" dev.tether.playground.Playground "$@"
