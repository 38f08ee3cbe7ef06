#!/usr/bin/env bash
# Regenerates the AgentSession CRD from the Java model and copies it to crds/ and the Helm chart.
# The build fails (CrdCopiesAreCurrentTest) when the committed copies differ from the generated one.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -pl api package -DskipTests
generated=api/target/classes/META-INF/fabric8/agentsessions.tether.dev-v1.yml
cp "$generated" crds/agentsessions.tether.dev-v1.yml
cp "$generated" helm/tether-operator/crds/agentsessions.tether.dev-v1.yml
echo "CRD copies updated from $generated"
