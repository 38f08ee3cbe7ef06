# shellcheck shell=bash
# Sourced by hack/*.sh: the Debian archive this machine already uses (its own mirror, whatever it is), read
# from both apt source formats, one-line sources.list / *.list and deb822 *.sources.

# debian_apt_lines TYPE SUITE...: one-line apt entries "TYPE [options] URI SUITE COMPONENTS" for each SUITE that
# this machine's apt sources name in a `deb` entry, e.g. `debian_apt_lines deb-src bookworm`. A deb822
# Signed-By file becomes a signed-by option; one-line options are kept as they are.
debian_apt_lines() {
  local type="$1" f
  shift
  local suites=" $* "
  {
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      awk -v type="$type" -v suites="$suites" '
        $1 != "deb" { next }
        { opts = ""; i = 2
          if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opts = opts $i " "; i++ }; opts = opts $i " "; i++ }
          uri = $i; suite = $(i + 1); comps = ""
          for (j = i + 2; j <= NF && $j !~ /^#/; j++) comps = comps " " $j
          if (index(suites, " " suite " ")) print type " " opts uri " " suite comps }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      awk -v type="$type" -v wanted="$suites" 'BEGIN { RS = ""; FS = "\n" }
        { uris = ""; suites = ""; comps = ""; types = ""; keys = ""; enabled = "yes"
          for (i = 1; i <= NF; i++) {
            if ($i ~ /^URIs:/) uris = substr($i, 6)
            else if ($i ~ /^Suites:/) suites = substr($i, 8)
            else if ($i ~ /^Components:/) comps = substr($i, 12)
            else if ($i ~ /^Types:/) types = substr($i, 7)
            else if ($i ~ /^Signed-By:/) keys = substr($i, 11)
            else if ($i ~ /^Enabled:/) enabled = substr($i, 9)
          }
          gsub(/^[ \t]+|[ \t]+$/, "", keys); gsub(/^[ \t]+|[ \t]+$/, "", enabled)
          if ((" " types " ") !~ / deb / || enabled == "no") next
          opts = (keys != "" && keys !~ / / && keys ~ /^\//) ? "[signed-by=" keys "] " : ""
          nu = split(uris, u, " "); ns = split(suites, s, " ")
          for (j = 1; j <= nu; j++) for (k = 1; k <= ns; k++)
            if (index(wanted, " " s[k] " ")) print type " " opts u[j] " " s[k] (comps == "" ? " main" : comps)
        }' "$f"
    done
  } | awk '!seen[$0]++'
}
