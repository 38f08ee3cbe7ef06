#!/usr/bin/env bash
# Provides the binaries of a real Kubernetes control plane for tests, benchmarks and the playground:
# kube-apiserver, kube-controller-manager, kube-scheduler (v1.20.2), etcd and kubectl, laid out the way
# fabric8 kube-api-test expects them: $KUBE_API_TEST_DIR/k8s/1.20.2-linux-amd64/. The same build gives
# kubelet and kube-proxy, for the real nodes of the test bed (hack/install-nodes.sh adds the runtime).
#
# On Debian/Ubuntu without internet access the Kubernetes binaries are built once from Debian's
# `kubernetes` source package (the only packaged source of a full v1.20 tree) and cached outside the
# repository. Where binaries are already present nothing is built. On a machine with internet access
# kube-api-test can also download a current apiserver by itself; this script is then optional.
set -euo pipefail
. "$(dirname "$0")/lib/apt-sources.sh"

K8S_VERSION=1.20.2
DEB_SRC_VERSION="1.20.5+really1.20.2-1.1+deb12u1"
CACHE="${TETHER_CACHE:-$HOME/.cache/tether}"
BIN_DIR="${KUBE_API_TEST_DIR:-$CACHE/kube-api-test}/k8s/${K8S_VERSION}-linux-amd64"
WANT=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)

log() { printf '[control-plane] %s\n' "$*" >&2; }

have_all() {
  for b in "${WANT[@]}" etcd kubectl; do [ -x "$BIN_DIR/$b" ] || return 1; done
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

SRC="$CACHE/build/kubernetes-${K8S_VERSION}"

# The unpacked Kubernetes source tree in $SRC (downloaded once from Debian's source package).
unpack_kubernetes_source() {
  install_packages golang-github-modern-go-reflect2-dev
  local work="$CACHE/build"
  local src="$SRC"
  mkdir -p "$work"
  if [ ! -d "$src/cmd/kube-apiserver" ]; then
    # A private apt configuration with a deb-src line, so the system's apt setup stays untouched.
    local apt="$work/apt"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc/preferences.d" "$apt/etc/apt.conf.d"
    debian_apt_lines deb-src bookworm > "$apt/etc/sources.list"
    [ -s "$apt/etc/sources.list" ] || { log "no Debian bookworm archive in this machine's apt sources"; exit 1; }
    cat > "$apt/apt.conf" <<CONF
Dir::State::Lists "$apt/lists";
Dir::Cache "$apt/cache";
Dir::Etc::SourceList "$apt/etc/sources.list";
Dir::Etc::SourceParts "$apt/etc/sources.list.d";
Dir::Etc::Parts "$apt/etc/apt.conf.d";
Dir::Etc::PreferencesParts "$apt/etc/preferences.d";
CONF
    mkdir -p "$apt/etc/sources.list.d"
    log "downloading Debian source package kubernetes=$DEB_SRC_VERSION"
    APT_CONFIG="$apt/apt.conf" apt-get update -qq
    (cd "$work" && APT_CONFIG="$apt/apt.conf" apt-get source --download-only -qq "kubernetes=$DEB_SRC_VERSION")
    local orig
    orig=$(ls "$work"/kubernetes_*.orig.tar.gz | head -n 1)
    rm -rf "$src.tmp" && mkdir -p "$src.tmp"
    tar xzf "$orig" -C "$src.tmp" --strip-components=1
    # The vendored reflect2 v1.0.1 crashes the apiserver (SIGSEGV in mapiterinit) under Go >= 1.18 on
    # the first custom-resource create; Debian's v1.0.2 works.
    local r2="$src.tmp/vendor/github.com/modern-go/reflect2"
    rm -rf "$r2" && mkdir -p "$r2"
    find /usr/share/gocode/src/github.com/modern-go/reflect2/ -maxdepth 1 \( -name '*.go' -o -name '*.s' \) \
      ! -name '*_test.go' -exec cp {} "$r2/" \;
    mv "$src.tmp" "$src"
  fi
}

build_from_debian_source() {
  install_packages golang-go rsync make
  unpack_kubernetes_source
  local work="$CACHE/build"
  local src="$SRC"
  log "building ${WANT[*]} v$K8S_VERSION (a few minutes on a cold Go cache)"
  (
    cd "$src"
    mkdir -p .go/src/k8s.io && ln -sfn ../../.. .go/src/k8s.io/kubernetes
    GOPATH="$src/.go" GOFLAGS=-mod=vendor CGO_ENABLED=0 KUBE_GIT_VERSION=v$K8S_VERSION KUBE_GIT_TREE_STATE=clean \
      make WHAT="$(printf 'cmd/%s ' "${WANT[@]}")" >"$work/build.log" 2>&1 \
      || { tail -n 40 "$work/build.log" >&2; exit 1; }
  )
  mkdir -p "$BIN_DIR"
  for b in "${WANT[@]}"; do install -m 0755 "$src/_output/bin/$b" "$BIN_DIR/$b"; done
}

main() {
  if [ "${1:-}" = --source-tree ]; then
    # Only the source tree (hack/build-images.sh builds the pause binary from it): print its path.
    unpack_kubernetes_source
    echo "$SRC"
    return
  fi
  install_packages etcd-server openssl
  mkdir -p "$BIN_DIR"
  [ -x "$BIN_DIR/etcd" ] || ln -sfn "$(command -v etcd || echo /usr/bin/etcd)" "$BIN_DIR/etcd"
  if [ ! -x "$BIN_DIR/kubectl" ]; then
    if command -v kubectl >/dev/null; then ln -sfn "$(command -v kubectl)" "$BIN_DIR/kubectl"; else install_packages kubernetes-client; ln -sfn "$(command -v kubectl)" "$BIN_DIR/kubectl"; fi
  fi
  local need=0
  for b in "${WANT[@]}"; do [ -x "$BIN_DIR/$b" ] || need=1; done
  if [ "$need" = 1 ]; then build_from_debian_source; else log "using cached binaries in $BIN_DIR"; fi
  have_all
  echo "$BIN_DIR"
}

main "$@"
