#!/usr/bin/env bash
# Tether on this machine in about a minute: a real kube-apiserver, simulated nodes whose session pods run the
# supervisor and the example agent, the operator, and a node failure to watch the sessions survive.
#   ./hack/playground.sh                      # 3 nodes, 3 sessions, crash the node of the first session
#   ./hack/playground.sh --failure partition  # or delete-node, drain; --nodes N --sessions M --steps S --keep
#   ./hack/playground.sh --help
# Needs Java 17+ and Maven; the control-plane binaries come from hack/install-control-plane.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

export KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-${TETHER_CACHE:-$HOME/.cache/tether}/kube-api-test}"
./hack/install-control-plane.sh >&2

echo "[playground] building (mvn package, tests skipped)" >&2
mvn -q -B -pl playground -am package -DskipTests >&2

exec java -cp "playground/target/classes:$(cat playground/target/classpath.txt)" dev.tether.playground.Playground "$@"
