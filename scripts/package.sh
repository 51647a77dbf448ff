#!/usr/bin/env bash
# Builds portico_VERSION_amd64.deb from the release build (build/, as scripts/setup.sh
# makes it): the three binaries, /etc/portico/{dataplane,controlplane}.yaml and
# /etc/default/portico-{dataplane,controlplane} as conffiles, the systemd units, the
# Gateway API GatewayClass, namespace and RBAC manifests under /usr/share/portico/k8s, and
# the README. Depends: the Debian packages that hold the libraries the binaries load.
# The units are installed, not enabled: `systemctl enable --now portico-dataplane`.
# usage: scripts/package.sh [OUTPUT_DIR]   (prints the .deb's path)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build}
build=$root/build
# What is built is packaged: this script does not build (run scripts/setup.sh, or ninja -C build, first).
[ -x "$build/dataplane/portico-dataplane" ] || { echo "package: no release build in $build (run scripts/setup.sh)" >&2; exit 1; }
version=$(meson introspect --projectinfo "$build" | python3 -c "import json, sys; print(json.load(sys.stdin)['version'])")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
DESTDIR=$stage meson install -C "$build" --no-rebuild --quiet --tags runtime 2>/dev/null ||
  DESTDIR=$stage meson install -C "$build" --no-rebuild --quiet
# Only the programs: meson's prefix is /usr/local unless configured otherwise.
mkdir -p "$stage/pkg/usr/bin"
for b in portico-dataplane portico-controlplane porticoctl; do
  found=$(find "$stage" -path "$stage/pkg" -prune -o -type f -name "$b" -print | head -n 1)
  [ -n "$found" ] || { echo "package: meson install did not install $b" >&2; exit 1; }
  install -m 0755 -s "$found" "$stage/pkg/usr/bin/$b"
done
p=$stage/pkg
install -D -m 0644 "$root/configs/dataplane.yaml" "$p/etc/portico/dataplane.yaml"
install -D -m 0644 "$root/configs/controlplane.yaml" "$p/etc/portico/controlplane.yaml"
install -d -m 0755 "$p/etc/portico/manifests"
install -D -m 0644 "$root/configs/default/portico-dataplane" "$p/etc/default/portico-dataplane"
install -D -m 0644 "$root/configs/default/portico-controlplane" "$p/etc/default/portico-controlplane"
for u in portico-dataplane portico-controlplane; do
  install -D -m 0644 "$root/configs/systemd/$u.service" "$p/lib/systemd/system/$u.service"
done
for f in gatewayclass.yaml namespace.yaml rbac.yaml controlplane.yaml README.md; do
  install -D -m 0644 "$root/configs/k8s/$f" "$p/usr/share/portico/k8s/$f"
done
install -D -m 0644 "$root/README.md" "$p/usr/share/doc/portico/README.md"
# Depends: the package of each shared library the binaries name (NEEDED), found where
# the dynamic linker finds it.
depends=$(for b in "$p"/usr/bin/*; do
    ldd "$b" | awk -v needed="$(objdump -p "$b" | awk '$1 == "NEEDED" { print $2 }' | paste -sd' ')" \
      'BEGIN { n = split(needed, w, " "); for (i = 1; i <= n; i++) want[w[i]] = 1 } ($1 in want) && $3 ~ /^\// { print $3 }'
  done | sort -u | while read -r lib; do dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib"; done |
  cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')
mkdir -p "$p/DEBIAN"
cat >"$p/DEBIAN/control" <<CONTROL
Package: portico
Version: $version
Architecture: $(dpkg --print-architecture)
Maintainer: Portico developers <portico@example.org>
Section: net
Priority: optional
Depends: $depends
Recommends: dpdk
Installed-Size: $(du -sk "$p" | cut -f1)
Description: DPDK edge gateway for Kubernetes Gateway API
 Poll-mode cores answer ARP/NDP for VIPs and carry BGP, spread L4 flows with Maglev
 hashing, and proxy HTTP and TLS by Host and SNI; a control plane translates Gateway API
 state from Kubernetes or manifests and pushes it to the dataplane.
CONTROL
printf '%s\n' /etc/portico/dataplane.yaml /etc/portico/controlplane.yaml \
  /etc/default/portico-dataplane /etc/default/portico-controlplane >"$p/DEBIAN/conffiles"
cat >"$p/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
# Installed, not enabled: an appliance's ports and cores must be set in
# /etc/portico/dataplane.yaml first. Then: systemctl enable --now portico-dataplane
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
POSTINST
cp "$p/DEBIAN/postinst" "$p/DEBIAN/postrm"
chmod 0755 "$p/DEBIAN/postinst" "$p/DEBIAN/postrm"
mkdir -p "$out"
deb=$out/portico_${version}_$(dpkg --print-architecture).deb
dpkg-deb --root-owner-group --build "$p" "$deb" >/dev/null
echo "$deb"
