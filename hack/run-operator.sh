#!/usr/bin/env bash
# Runs the operator on this machine against the cluster of the current kubeconfig (as `make run` does in
# kubebuilder projects), for people developing agents: edit, re-run, watch the sessions. Applies the CRD first.
#   ./hack/run-operator.sh                                   # no checkpoint store: epochs live in status only
#   ./hack/run-operator.sh --etcd http://10.0.0.5:2379       # with a checkpoint store (reachable from here and
#                                                            # from the session pods, which get a supervisor)
#   ./hack/run-operator.sh --namespaces team-a,team-b        # watch these namespaces only
#   ./hack/run-operator.sh --no-build                        # use what the last mvn package built
# Any other TETHER_* setting of docs/install.md is read from the environment (e.g. TETHER_DETECTION_TIMEOUT=20s).
# Stop it with Ctrl-C; a second operator in the cluster (the chart's) would fight this one: scale it to 0 first.
set -euo pipefail
cd "$(dirname "$0")/.."

build=true
apply_crds=true
while [ $# -gt 0 ]; do
  case "$1" in
    --etcd) export TETHER_ETCD_ENDPOINTS="$2"; shift 2 ;;
    --etcd=*) export TETHER_ETCD_ENDPOINTS="${1#--etcd=}"; shift ;;
    --namespaces) export TETHER_WATCH_NAMESPACES="$2"; shift 2 ;;
    --namespaces=*) export TETHER_WATCH_NAMESPACES="${1#--namespaces=}"; shift ;;
    --no-build) build=false; shift ;;
    --no-crds) apply_crds=false; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-operator: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

kubectl=$(command -v kubectl || true)
if [ -z "$kubectl" ]; then
  kubectl=$(ls "${KUBE_API_TEST_DIR:-$HOME/.cache/tether/kube-api-test}"/k8s/*/kubectl 2>/dev/null | head -1 || true)
fi
[ -n "$kubectl" ] || { echo "run-operator: kubectl not found (install it, or run hack/install-control-plane.sh)" >&2; exit 1; }
context=$("$kubectl" config current-context 2>/dev/null || echo "<none>")
echo "[run-operator] cluster: $("$kubectl" config view --minify -o jsonpath='{.clusters[0].cluster.server}' 2>/dev/null) (context $context)" >&2

if [ "$apply_crds" = true ]; then
  "$kubectl" apply --server-side --force-conflicts -f crds/ >&2
fi
if [ "$build" = true ] || [ ! -f operator/target/classpath.txt ]; then
  echo "[run-operator] building (mvn package, tests skipped)" >&2
  mvn -q -B -pl operator -am package -DskipTests >&2
fi

export TETHER_HTTP_PORT="${TETHER_HTTP_PORT:-8080}"
echo "[run-operator] metrics and probes on :$TETHER_HTTP_PORT; checkpoint store: ${TETHER_ETCD_ENDPOINTS:-none}; namespaces: ${TETHER_WATCH_NAMESPACES:-all}" >&2
exec java -cp "operator/target/classes:$(cat operator/target/classpath.txt)" dev.tether.operator.OperatorMain
