#!/usr/bin/env bash
# The Debian package and the service units: scripts/package.sh builds the .deb; it
# installs into a scratch root with dpkg; its programs run --help as the README shows;
# systemd-analyze verifies both units (this machine's systemd is not PID 1, so they are
# not booted); and the installed dataplane and control plane speak the notify protocol
# Type=notify relies on: READY, the watchdog while the workers turn, STOPPING.
# usage: package.sh PATH/TO/portico-dataplane (unused: the package is built from build/) [WORKER_LCORES]
set -u
WORKERS=${2:-[1]}
. "$(dirname "$0")/../../scripts/lib/lab.sh"
lab_init "ppk$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT
cd "$LAB_ROOT"

deb=$(./scripts/package.sh "$work" 2>"$work/package.err")
check "scripts/package.sh builds a .deb" bash -c "[ -f '$deb' ] || { cat '$work/package.err'; false; }"
check "it is the package portico, depending on DPDK's and gRPC's libraries" \
  bash -c "dpkg-deb -f '$deb' Package | grep -qx portico && dpkg-deb -f '$deb' Depends | grep -q librte-eal && dpkg-deb -f '$deb' Depends | grep -q 'libgrpc++'"
contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for f in ./usr/bin/portico-dataplane ./usr/bin/portico-controlplane ./usr/bin/porticoctl \
  ./etc/portico/dataplane.yaml ./etc/portico/controlplane.yaml ./etc/default/portico-dataplane \
  ./lib/systemd/system/portico-dataplane.service ./lib/systemd/system/portico-controlplane.service \
  ./usr/share/portico/k8s/rbac.yaml ./usr/share/portico/k8s/gatewayclass.yaml; do
  check "the package holds $f" grep -qx -- "$f" <<<"$contents"
done
check "the configuration files are conffiles" \
  bash -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xO ./conffiles | grep -qx /etc/portico/dataplane.yaml"

root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
# The scratch root has none of the libraries' packages: dependencies are the host's.
check "dpkg installs it into a scratch root" \
  dpkg --root="$root" --force-depends --force-script-chrootless --log=/dev/null -i "$deb"
check "dpkg lists it as installed there" bash -c "dpkg --root='$root' -s portico | grep -q 'Status: install ok installed'"
for b in portico-dataplane portico-controlplane porticoctl; do
  check "$b --help runs from the package" "$root/usr/bin/$b" --help
done
# The usage line, with FILE standing for any path, is the one the README shows.
usage_in_readme() {
  "$root/usr/bin/portico-dataplane" --help | head -n 1 | python3 -c '
import re, sys
usage = sys.stdin.read().strip().removeprefix("usage: ")
pattern = re.escape(usage).replace("FILE", r"\S+")
sys.exit(0 if re.search(pattern, open("README.md").read()) else 1)'
}
check "portico-dataplane --help shows the command line the README gives" usage_in_readme

mkdir -p "$work/units"
for u in portico-dataplane portico-controlplane; do
  sed "s|/usr/bin/portico|$root/usr/bin/portico|" "$root/lib/systemd/system/$u.service" >"$work/units/$u.service"
done
check "systemd-analyze verifies both units" \
  systemd-analyze verify "$work/units/portico-dataplane.service" "$work/units/portico-controlplane.service"

# The notify protocol, as systemd would see it: a datagram socket in NOTIFY_SOCKET.
notify_listen() {  # notify_listen SOCKET LOG
  python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as log:
    while True:
        log.write(s.recv(4096).decode() + "\n")
        log.flush()
' "$1" "$2" &
  LAB_PIDS+=("$!")
  lab_wait_until 10 "the notify socket $1" test -S "$1"
}
lab_client_link
lab_backend_link 1
cat >"$work/dataplane.yaml" <<YAML
lcores: {main: 0, workers: $WORKERS}
eal: [--no-huge, -m, "256", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api: {socket: "$work/api.sock"}
ports:
  - {name: clients, device: "net_af_packet0,iface=pdp0", ipv4: 192.0.2.2/24}
  - {name: backends, device: "net_af_packet1,iface=pdp1", ipv4: 198.51.100.2/24}
vips: [192.0.2.100]
YAML
notify_listen "$work/dp.notify" "$work/dp.messages"
NOTIFY_SOCKET=$work/dp.notify WATCHDOG_USEC=1000000 \
  lab_start_dataplane dp "$root/usr/bin/portico-dataplane" "$work/dataplane.yaml" "$work/dp.log" ||
  echo "# the packaged dataplane did not start"
check "the dataplane tells systemd READY once it serves" \
  lab_wait_until 30 "READY=1 from the dataplane" grep -qx 'READY=1' "$work/dp.messages"
check "its STATUS says what it serves" grep -q '^STATUS=serving version 1 with 1 workers' "$work/dp.messages"
check "it feeds the watchdog while its workers turn" \
  lab_wait_until 30 "three WATCHDOG=1 from the dataplane" bash -c "[ \$(grep -cx 'WATCHDOG=1' '$work/dp.messages') -ge 3 ]"

printf 'dataplanes: ["unix:%s"]\ndebounce_ms: 50\n' "$work/api.sock" >"$work/controlplane.yaml"
mkdir -p "$work/manifests"
notify_listen "$work/cp.notify" "$work/cp.messages"
NOTIFY_SOCKET=$work/cp.notify WATCHDOG_USEC=3000000 \
  "$root/usr/bin/portico-controlplane" --config "$work/controlplane.yaml" --manifests "$work/manifests" >"$work/cp.log" 2>&1 &
cp_pid=$!
LAB_PIDS+=("$cp_pid")
check "the control plane tells systemd READY once it has read its state" \
  lab_wait_until 30 "READY=1 from the control plane" grep -qx 'READY=1' "$work/cp.messages"
check "it feeds the watchdog" lab_wait_until 30 "WATCHDOG=1 from the control plane" grep -qx 'WATCHDOG=1' "$work/cp.messages"
lab_stop_pid "$cp_pid"
check "the control plane says STOPPING when it stops" grep -qx 'STOPPING=1' "$work/cp.messages"
lab_stop_pid "$DP_PID"
check "the dataplane says STOPPING when it stops" grep -qx 'STOPPING=1' "$work/dp.messages"
lab_finish
