#!/usr/bin/env bash
# Installs promtool into ~/.cache/tether/bin/promtool (or $TETHER_CACHE/bin/promtool) if it is not there yet,
# and prints its path. promtool checks and unit-tests the chart's alert rules. It comes from Debian's
# `prometheus` package, but only the one binary is taken out of it: installing the package would create a
# system user and start a Prometheus server, which the tests do not want.
set -euo pipefail

PACKAGE=prometheus
CACHE="${TETHER_CACHE:-$HOME/.cache/tether}"
TARGET="$CACHE/bin/promtool"

log() { printf '[promtool] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

installed_version() {
  "$TARGET" --version 2>/dev/null | awk 'NR==1 {print $3}' || true
}

if [ -x "$TARGET" ] && [ -n "$(installed_version)" ]; then
  echo "$TARGET"
  exit 0
fi

for tool in apt-get dpkg-deb tar; do
  command -v "$tool" >/dev/null || { log "$tool is required (Debian or Ubuntu)"; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# apt's download sandbox user must be able to write the package there.
chmod 0777 "$work"
download() { (cd "$work" && apt-get download -qq "$PACKAGE" >/dev/null 2>"$work/apt.log"); }
if ! download; then
  log "updating the package lists"
  as_root apt-get update -qq
  download || { cat "$work/apt.log" >&2; log "could not download the $PACKAGE package"; exit 1; }
fi
deb="$(echo "$work"/"$PACKAGE"_*.deb)"
log "extracting promtool from $(basename "$deb")"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" ./usr/bin/promtool
mkdir -p "$(dirname "$TARGET")"
# Copy next to the target, then rename: a concurrent reader never sees a half-written binary.
install -m 0755 "$work/usr/bin/promtool" "$TARGET.tmp.$$"
mv -f "$TARGET.tmp.$$" "$TARGET"

actual="$(installed_version)"
if [ -z "$actual" ]; then
  log "$TARGET does not run"
  exit 1
fi
log "promtool $actual"
echo "$TARGET"
