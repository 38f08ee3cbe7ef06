#!/usr/bin/env bash
# Builds the images the test bed's real nodes run, offline, without a Docker daemon, and caches them under
# ${TETHER_CACHE:-~/.cache/tether}/images as docker-archive tarballs listed in images.txt (`<ref> <file>`
# lines, read by testbed/.../ContainerImages.java). Nodes never pull: each tarball is imported into every
# node's containerd.
#
#   tether.local/pause:3.2                    the sandbox image: pause.c of the Kubernetes source tree
#                                             (hack/install-control-plane.sh), linked statically
#   ghcr.io/tether-dev/tether-operator:0.1.0  operator, supervisor and example agent, built by Jib on
#                                             tether.local/debian-java:bookworm-17 (Debian bookworm from
#                                             mmdebstrap and this machine's own apt sources, with
#                                             openjdk-17-jre-headless and a user nonroot 65532)
#   tether.local/etcd:<version>               Debian's etcd (etcd-server) with the libraries it links
#   tether.local/s3proxy:2.6.0                an object store with the S3 API for the real nodes: S3Proxy over
#                                             a directory (dev.tether.testbed.ObjectStoreServer), by Jib
#
# Every image is rebuilt only when its inputs changed (a hash of them in <image>.inputs); the tether image
# when a source file or pom of the Maven modules changed. TETHER_REBUILD_IMAGES=1 rebuilds everything (the
# Debian archive may have moved on: the base image's inputs do not include the archive's contents).
# Layers and archives are packed reproducibly (SOURCE_DATE_EPOCH, sorted names, numeric owners).
# Needs root for mmdebstrap (or sudo); installs the Debian packages it needs. Prints the images directory.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib/apt-sources.sh

CACHE="${TETHER_CACHE:-$HOME/.cache/tether}"
OUT="$CACHE/images"
# Debian 12.0's release day: a fixed time for every file, layer and config these images carry.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1686355200}"
PAUSE_REF=tether.local/pause:3.2
BASE_REF=tether.local/debian-java:bookworm-17
TETHER_REF=ghcr.io/tether-dev/tether-operator:0.1.0
ETCD_REPOSITORY=tether.local/etcd
S3PROXY_REF=tether.local/s3proxy:2.6.0
BASE_PACKAGES=openjdk-17-jre-headless
NONROOT=65532
PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { printf '[images] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Removes a work directory of an interrupted run; a killed mmdebstrap may have left /proc, /sys and /dev
# mounted in its root file system, which must never be deleted through.
remove_work_dir() {
  local dir="$1" target
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r target; do
    as_root umount -l "$target"
  done
  as_root rm -rf --one-file-system "$dir"
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
size() { du -h --apparent-size "$1" | cut -f1; }

# ---------------------------------------------------------------------------------------------- packing

# layer_tar DIR OUT [--keep-owners]: DIR's content as a reproducible, gzip-compressed layer. Without
# --keep-owners every file belongs to root.
layer_tar() {
  local dir="$1" out="$2" owners=(--owner=0 --group=0)
  [ "${3:-}" = --keep-owners ] && owners=()
  as_root tar -C "$dir" --sort=name --mtime="@$SOURCE_DATE_EPOCH" "${owners[@]}" --numeric-owner \
    --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* -cf - . | gzip -n > "$out"
}

# pack_image OUT REF CONFIG LAYER...: a docker-archive tarball (manifest.json, config, gzip layers) of the
# given layers, bottom first. CONFIG is the image config's "config" object (JSON).
pack_image() {
  local out="$1" ref="$2" config="$3"
  shift 3
  local stage
  stage=$(mktemp -d "$OUT/.pack.XXXXXX")
  local created diff_ids=() files=() layer digest
  created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
  for layer in "$@"; do
    digest=$(sha256sum "$layer" | cut -d' ' -f1)
    cp "$layer" "$stage/$digest.tar.gz"
    files+=("$digest.tar.gz")
    diff_ids+=("sha256:$(gzip -dc "$layer" | sha256sum | cut -d' ' -f1)")
  done
  jq -cnS --arg created "$created" --argjson config "$config" --arg by "hack/build-images.sh $ref" \
    '{architecture: "amd64", os: "linux", created: $created, config: $config,
      rootfs: {type: "layers", diff_ids: $ARGS.positional},
      history: [$ARGS.positional[] | {created: $created, created_by: $by}]}' \
    --args "${diff_ids[@]}" > "$stage/config.json"
  digest=$(sha256sum "$stage/config.json" | cut -d' ' -f1)
  mv "$stage/config.json" "$stage/$digest.json"
  jq -cn --arg config "$digest.json" --arg ref "$ref" \
    '[{Config: $config, RepoTags: [$ref], Layers: $ARGS.positional}]' --args "${files[@]}" > "$stage/manifest.json"
  chmod 0644 "$stage"/*
  tar -C "$stage" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -cf "$out.tmp" manifest.json "$digest.json" "${files[@]}"
  mv "$out.tmp" "$out"
  rm -rf "$stage"
}

# up_to_date NAME INPUTS FILE: whether FILE exists and was built from INPUTS (a hash) last time.
up_to_date() {
  [ "${TETHER_REBUILD_IMAGES:-}" != 1 ] && [ -f "$3" ] && [ "$(cat "$OUT/$1.inputs" 2>/dev/null)" = "$2" ] \
    && CACHED=" (up to date)"
}
built() { echo "$2" > "$OUT/$1.inputs"; }
hash_of() { sha256sum | cut -c1-64; }

# ---------------------------------------------------------------------------------------------- images

build_pause() {
  local src out="$OUT/pause.tar" inputs dir
  src="$(hack/install-control-plane.sh --source-tree)/build/pause/linux/pause.c"
  inputs=$( { declare -f build_pause layer_tar pack_image; cat "$src"; gcc --version; echo "$PAUSE_REF $SOURCE_DATE_EPOCH"; } | hash_of)
  if up_to_date pause "$inputs" "$out"; then return; fi
  dir=$(mktemp -d "$OUT/.pause.XXXXXX")
  mkdir -p "$dir/rootfs"
  gcc -Os -Wall -Werror -static -DVERSION=v3.2-tether -o "$dir/rootfs/pause" "$src"
  strip "$dir/rootfs/pause"
  layer_tar "$dir/rootfs" "$dir/layer.tar.gz"
  pack_image "$out" "$PAUSE_REF" '{"Entrypoint": ["/pause"], "Env": ["'"$PATH_ENV"'"]}' "$dir/layer.tar.gz"
  rm -rf "$dir"
  built pause "$inputs"
}

# The nonroot user and the cleanup, on the root file system "$1" that mmdebstrap left.
customize_base() {
  local root="$1"
  echo "nonroot:x:$NONROOT:$NONROOT:nonroot:/home/nonroot:/usr/sbin/nologin" >> "$root/etc/passwd"
  echo "nonroot:x:$NONROOT:" >> "$root/etc/group"
  echo "nonroot:!::0:99999:7:::" >> "$root/etc/shadow"
  echo "nonroot:!::" >> "$root/etc/gshadow"
  install -d -m 0755 -o "$NONROOT" -g "$NONROOT" "$root/home/nonroot"
  # The kubelet mounts its own; mmdebstrap copied the build machine's.
  rm -f "$root/etc/resolv.conf" "$root/etc/hostname"
  # Made only for update-alternatives (it links the java man page there); man pages are excluded.
  rm -rf "$root/usr/share/man"
  rm -f "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
}

build_base() {
  local out="$OUT/debian-java.tar" inputs dir sources
  dir=$(mktemp -d "$OUT/.base.XXXXXX")
  sources="$dir/sources.list"
  debian_apt_lines deb bookworm bookworm-updates bookworm-security > "$sources"
  [ -s "$sources" ] || { log "no Debian bookworm archive in this machine's apt sources"; exit 1; }
  inputs=$( { declare -f build_base customize_base layer_tar pack_image; cat "$sources"; mmdebstrap --version
    echo "$BASE_REF $BASE_PACKAGES $NONROOT $SOURCE_DATE_EPOCH"; } | hash_of)
  if up_to_date base "$inputs" "$out"; then rm -rf "$dir"; return; fi
  log "base: mmdebstrap bookworm + $BASE_PACKAGES"
  local excludes=() p
  for p in man doc info locale lintian; do
    excludes+=(--dpkgopt="path-exclude=/usr/share/$p/*")
  done
  # ca-certificates-java writes a JKS keystore, whose entries carry the time of the build; the same
  # certificates as a PKCS12 store without MAC or encryption (as JDK 18+ ship their cacerts) come out the same
  # every time, and Java reads either.
  local cacerts=/etc/ssl/certs/java/cacerts
  local p12="keytool -J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE -J-Dkeystore.pkcs12.macAlgorithm=NONE"
  p12="$p12 -importkeystore -noprompt -srckeystore $cacerts -srcstoretype JKS -srcstorepass changeit"
  p12="$p12 -destkeystore $cacerts.p12 -deststoretype PKCS12 -deststorepass changeit >/dev/null"
  p12="$p12 && mv $cacerts.p12 $cacerts"
  # essential: no apt (nodes never install anything in a container); merged-usr as Debian 12 installs it,
  # without the usrmerge package and the perl it pulls in.
  # shellcheck disable=SC2016 # $1 of a hook is the root file system, expanded by mmdebstrap's shell
  as_root env SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" mmdebstrap --quiet --mode=root --variant=essential \
    --include="$BASE_PACKAGES" --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    "${excludes[@]}" --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
    --customize-hook="chroot \"\$1\" sh -c '$p12'" \
    bookworm "$dir/rootfs" "$sources" > "$dir/mmdebstrap.log" 2>&1 \
    || { tail -n 30 "$dir/mmdebstrap.log" >&2; exit 1; }
  as_root bash -c "$(declare -f customize_base); NONROOT=$NONROOT; customize_base '$dir/rootfs'"
  layer_tar "$dir/rootfs" "$dir/layer.tar.gz" --keep-owners
  pack_image "$out" "$BASE_REF" "$(jq -cn --arg path "$PATH_ENV" --arg user "$NONROOT" \
    '{Env: [$path, "LANG=C.UTF-8"], User: $user, WorkingDir: "/home/nonroot"}')" "$dir/layer.tar.gz"
  remove_work_dir "$dir"
  built base "$inputs"
}

# Source files and poms of every Maven module: the tether image's inputs besides the base.
module_sources() {
  local modules
  modules=$(sed -n 's:.*<module>\(.*\)</module>.*:\1:p' pom.xml)
  # shellcheck disable=SC2086
  find pom.xml $modules \( -name target -prune \) -o -type f \( -name pom.xml -o -path '*/src/*' \) -print \
    | LC_ALL=C sort | xargs sha256sum
}

build_tether() {
  local out="$OUT/tether-operator.tar" base="$OUT/debian-java.tar" inputs
  inputs=$( { declare -f build_tether check_tether; sha256sum "$base"; module_sources; echo "$TETHER_REF $SOURCE_DATE_EPOCH"; } | hash_of)
  if up_to_date tether "$inputs" "$out"; then return; fi
  log "tether: mvn package jib:buildTar on $BASE_REF"
  # Jar timestamps from SOURCE_DATE_EPOCH, so that unchanged sources give the same layers.
  mvn -B -ntp -pl operator -am package jib:buildTar -Dmaven.test.skip=true \
    -Djib.from.image="tar://$base" -Djib.to.image="$TETHER_REF" -Djib.disableUpdateChecks=true \
    -Dproject.build.outputTimestamp="$SOURCE_DATE_EPOCH" > "$OUT/tether-build.log" 2>&1 \
    || { tail -n 40 "$OUT/tether-build.log" >&2; exit 1; }
  check_tether operator/target/jib-image.tar
  cp operator/target/jib-image.tar "$out.tmp" && mv "$out.tmp" "$out"
  built tether "$inputs"
}

build_s3proxy() {
  local out="$OUT/s3proxy.tar" base="$OUT/debian-java.tar" inputs
  inputs=$( { declare -f build_s3proxy; sha256sum "$base"; module_sources; echo "$S3PROXY_REF $SOURCE_DATE_EPOCH"; } | hash_of)
  if up_to_date s3proxy "$inputs" "$out"; then return; fi
  log "s3proxy: mvn package jib:buildTar (testbed) on $BASE_REF"
  # jib.to.image on the command line: the parent pom's property of that name (the operator's tag) would win.
  mvn -B -ntp -pl testbed -am package jib:buildTar -Dmaven.test.skip=true -Ds3proxy.image.skip=false \
    -Djib.from.image="tar://$base" -Djib.to.image="$S3PROXY_REF" -Djib.disableUpdateChecks=true \
    -Dproject.build.outputTimestamp="$SOURCE_DATE_EPOCH" > "$OUT/s3proxy-build.log" 2>&1 \
    || { tail -n 40 "$OUT/s3proxy-build.log" >&2; exit 1; }
  cp testbed/target/s3proxy-image.tar "$out.tmp" && mv "$out.tmp" "$out"
  built s3proxy "$inputs"
}

# The image must start the operator, the supervisor and the example agent from one classpath.
check_tether() {
  local classpath
  classpath=$(tar -xOf "$1" --wildcards '*.tar.gz' 2>/dev/null | tar -xzOf - --ignore-zeros app/jib-classpath-file 2>/dev/null || true)
  for jar in tether-supervisor tether-example-agent tether-context-store; do
    case "$classpath" in
      *"/app/libs/$jar-"*) ;;
      *) log "tether: $jar missing from /app/jib-classpath-file: '$classpath'"; exit 1 ;;
    esac
  done
}

build_etcd() {
  local etcd=/usr/bin/etcd version="$1" out inputs dir libs
  out="$OUT/etcd-$version.tar"
  # Debian's etcd links libc dynamically: its libraries go with it (none if it is static).
  libs=$(ldd "$etcd" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
  # shellcheck disable=SC2086 # one path per word
  inputs=$( { declare -f build_etcd layer_tar pack_image; sha256sum "$etcd" $libs; echo "$ETCD_REPOSITORY $NONROOT $SOURCE_DATE_EPOCH"; } | hash_of)
  if up_to_date etcd "$inputs" "$out"; then return; fi
  dir=$(mktemp -d "$OUT/.etcd.XXXXXX")
  local root="$dir/rootfs" lib
  mkdir -p "$root/usr/bin" "$root/etc" "$root/tmp" "$root/var/lib/etcd"
  install -m 0755 "$etcd" "$root/usr/bin/etcd"
  for lib in $libs; do install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"; done
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnonroot:x:%s:%s:nonroot:/home/nonroot:/usr/sbin/nologin\n' \
    "$NONROOT" "$NONROOT" > "$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:%s:\n' "$NONROOT" > "$root/etc/group"
  layer_tar "$root" "$dir/layer.tar.gz"
  pack_image "$out" "$ETCD_REPOSITORY:$version" "$(jq -cn --arg path "$PATH_ENV" --arg user "$NONROOT" \
    '{Entrypoint: ["/usr/bin/etcd"], Env: [$path], User: $user, WorkingDir: "/var/lib/etcd"}')" "$dir/layer.tar.gz"
  rm -rf "$dir"
  built etcd "$inputs"
}

main() {
  local started step etcd_version
  started=$(now)
  install_packages mmdebstrap jq gcc libc6-dev binutils etcd-server maven
  command -v javac >/dev/null || install_packages openjdk-17-jdk-headless
  mkdir -p "$OUT"
  # One build at a time per cache (two checkouts may share it).
  exec 9>"$OUT/.lock"
  flock 9
  local dir
  for dir in "$OUT"/.pack.* "$OUT"/.pause.* "$OUT"/.etcd.* "$OUT"/.base.*; do
    [ -e "$dir" ] && remove_work_dir "$dir"
  done
  CACHED=; step=$(now); build_pause
  log "$PAUSE_REF: $(since "$step")$CACHED, $(size "$OUT/pause.tar")"
  CACHED=; step=$(now); build_base
  log "$BASE_REF: $(since "$step")$CACHED, $(size "$OUT/debian-java.tar")"
  CACHED=; step=$(now); build_tether
  log "$TETHER_REF: $(since "$step")$CACHED, $(size "$OUT/tether-operator.tar")"
  CACHED=; step=$(now); build_s3proxy
  log "$S3PROXY_REF: $(since "$step")$CACHED, $(size "$OUT/s3proxy.tar")"
  etcd_version=$(/usr/bin/etcd --version | awk '/etcd Version:/ { print $3 }')
  CACHED=; step=$(now); build_etcd "$etcd_version"
  log "$ETCD_REPOSITORY:$etcd_version: $(since "$step")$CACHED, $(size "$OUT/etcd-$etcd_version.tar")"
  find "$OUT" -maxdepth 1 -name 'etcd-*.tar' ! -name "etcd-$etcd_version.tar" -delete
  printf '%s %s\n' "$PAUSE_REF" pause.tar "$TETHER_REF" tether-operator.tar \
    "$ETCD_REPOSITORY:$etcd_version" "etcd-$etcd_version.tar" "$S3PROXY_REF" s3proxy.tar > "$OUT/images.txt.tmp"
  mv "$OUT/images.txt.tmp" "$OUT/images.txt"
  log "images in $OUT after $(since "$started")"
  echo "$OUT"
}

main "$@"
