#!/usr/bin/env bash
# Builds the benchmark module and runs the benchmark suite: ./hack/bench.sh all | recovery | peer | writes |
# footprint | commit | real [options]; ./hack/bench.sh --help lists the options. Results: benchmarks/target/bench/
# (results.md, recovery.png). Needs the control-plane binaries from hack/install-control-plane.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real nodes (benchmark "real", part of "all") need their runtime and the project's images; as root only.
if [ "$(id -u)" = 0 ] && { [ $# -eq 0 ] || printf '%s\n' "$@" | grep -qx 'all\|real'; }; then
  hack/install-nodes.sh >&2
  hack/install-helm.sh >/dev/null
  hack/build-images.sh >/dev/null
fi

mvn -q -B -pl benchmarks -am package dependency:build-classpath \
  -DskipTests -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
classpath="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"

[ $# -gt 0 ] || set -- all
exec java -Xmx4g -Djava.awt.headless=true \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$classpath" dev.tether.bench.BenchmarkSuite "$@"
