#!/usr/bin/env bash
# Provides what the test bed's real nodes need besides the Kubernetes binaries (kubelet and kube-proxy come
# from hack/install-control-plane.sh): containerd, runc, the CNI plugins, iptables and conntrack for
# kube-proxy, from Debian's packages. Idempotent. Real nodes also need root and cgroup v1 hierarchies; the
# tests say why they were skipped where something is missing.
set -euo pipefail

log() { printf '[nodes] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

PACKAGES=(containerd runc containernetworking-plugins iptables conntrack iproute2 kmod)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The package may start a system containerd where an init system runs; the test bed starts its own per node
# and never uses the system one.
as_root modprobe br_netfilter 2>/dev/null || true
for tool in containerd ctr runc iptables; do command -v "$tool" >/dev/null || { log "$tool missing after install"; exit 1; }; done
[ -x /usr/lib/cni/bridge ] || { log "/usr/lib/cni/bridge missing after install"; exit 1; }
log "containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}')"
