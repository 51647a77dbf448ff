# Lab helpers shared by scripts/demo.sh and the lab tests: network namespaces joined by
# veth pairs, a dataplane started inside one of them, and cleanup that always runs.
# Source it; call lab_init PREFIX first. Everything stays inside the namespaces made here
# and uses documentation address ranges only.

LAB_PREFIX=""
LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_NAMESPACES=()
LAB_PIDS=()
LAB_FAILURES=0

lab_init() {
  LAB_PREFIX="$1"
  if [ "$(id -u)" -ne 0 ]; then
    echo "lab: needs root (network namespaces, af_packet ports)" >&2
    exit 1
  fi
  trap lab_cleanup EXIT
  trap 'exit 130' INT TERM
}

lab_ns() { echo "${LAB_PREFIX}-$1"; }

lab_ns_add() {
  local ns; ns=$(lab_ns "$1")
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  LAB_NAMESPACES+=("$ns")
  ip -n "$ns" link set lo up
}

# lab_veth NS_A IF_A NS_B IF_B: a veth pair between two lab namespaces. Offloads are off
# so frames seen by af_packet carry complete checksums.
lab_veth() {
  local a b; a=$(lab_ns "$1"); b=$(lab_ns "$3")
  ip link add "$2" netns "$a" type veth peer name "$4" netns "$b"
  ip -n "$a" link set "$2" up
  ip -n "$b" link set "$4" up
  ip netns exec "$a" ethtool -K "$2" tx off rx off >/dev/null 2>&1 || true
  ip netns exec "$b" ethtool -K "$4" tx off rx off >/dev/null 2>&1 || true
}

# The dataplane owns this interface: the kernel must not answer anything on it.
lab_dataplane_iface() {
  local ns; ns=$(lab_ns "$1")
  ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
}

# The L2 lab: namespace "client" (192.0.2.1/24, 2001:db8::1/64 on pcl0) joined by a veth
# pair to namespace "dp", whose end pdp0 belongs to the dataplane. With "impaired", the
# pair runs through namespace "impc", where lab_impair client decides what happens to
# the frames (lab_impair starts it as a plain bridge).
lab_client_link() {
  lab_ns_add client
  lab_ns_add dp
  if [ "${1:-}" = impaired ]; then
    lab_ns_add impc
    lab_veth client pcl0 impc ic0
    lab_veth impc ic1 dp pdp0
    lab_impair client
  else
    lab_veth client pcl0 dp pdp0
  fi
  lab_dataplane_iface dp pdp0
  local client; client=$(lab_ns client)
  ip -n "$client" addr add 192.0.2.1/24 dev pcl0
  ip -n "$client" addr add 2001:db8::1/64 dev pcl0 nodad
  # Let the client create neighbour entries from gratuitous ARP, so announcements show.
  ip netns exec "$client" sysctl -qw net.ipv4.conf.pcl0.arp_accept=1
}

# The backend side: the dataplane's second port pdp1 (namespace "dp") on a bridge in
# namespace "sw", with N backend namespaces be1..beN at 198.51.100.1N/24 and
# 2001:db8:1::1N/64 on the same bridge. With "impaired", pdp1 reaches the bridge through
# namespace "impb" (lab_impair backend).
lab_backend_link() {
  local n=$1 i sw be
  lab_ns_add sw
  sw=$(lab_ns sw)
  ip -n "$sw" link add br0 type bridge
  ip -n "$sw" link set br0 up
  if [ "${2:-}" = impaired ]; then
    lab_ns_add impb
    lab_veth dp pdp1 impb ib0
    lab_veth impb ib1 sw swdp
    lab_impair backend
    lab_dataplane_iface dp pdp1
    ip -n "$sw" link set swdp master br0
  else
    lab_backend_join dp pdp1 swdp
  fi
  for i in $(seq 1 "$n"); do
    lab_ns_add "be$i"
    be=$(lab_ns "be$i")
    lab_veth "be$i" eth0 sw "swbe$i"
    ip -n "$sw" link set "swbe$i" master br0
    ip -n "$be" addr add "198.51.100.1$i/24" dev eth0
    ip -n "$be" addr add "2001:db8:1::1$i/64" dev eth0 nodad
  done
}

# lab_backend_join NS IF SWIF: a dataplane's port IF in namespace NS on the backend bridge
# (its end SWIF), as a second appliance's is.
lab_backend_join() {
  lab_veth "$1" "$2" sw "$3"
  lab_dataplane_iface "$1" "$2"
  ip -n "$(lab_ns sw)" link set "$3" master br0
}

# lab_impair client|backend [impair_relay options]: (re)starts the relay of an impaired
# link (lab_client_link impaired, lab_backend_link N impaired) with these impairments;
# none: frames pass as on a plain link. tests/lab/impair_relay.cc says what the options do.
LAB_RELAY_BIN=${LAB_RELAY_BIN:-$LAB_ROOT/build/tests/lab/impair-relay}
declare -A LAB_RELAY_PIDS=()
lab_impair() {
  local side=$1 ns a b log i
  shift
  if [ "$side" = client ]; then ns=$(lab_ns impc); a=ic0; b=ic1; else ns=$(lab_ns impb); a=ib0; b=ib1; fi
  [ -n "${LAB_RELAY_PIDS[$side]:-}" ] && lab_stop_pid "${LAB_RELAY_PIDS[$side]}"
  # The relay sees whole frames only with the kernel's segmentation offloads off.
  for i in "$a" "$b"; do ip netns exec "$ns" ethtool -K "$i" gro off gso off tso off >/dev/null 2>&1 || true; done
  log="${TMPDIR:-/tmp}/$LAB_PREFIX-relay-$side.log"
  ip netns exec "$ns" "$LAB_RELAY_BIN" "$a" "$b" "$@" >"$log" 2>&1 &
  LAB_RELAY_PIDS[$side]=$!
  LAB_PIDS+=("$!")
  lab_wait_until 10 "the $side link's impairment relay starting" grep -q ready "$log" || { cat "$log" >&2; return 1; }
}

# lab_start_backend N: the HTTP backend of namespace beN (answers with its name "beN").
lab_start_backend() {
  local be; be=$(lab_ns "be$1")
  ip netns exec "$be" python3 "$LAB_ROOT/tests/lab/backend_server.py" "be$1" "198.51.100.1$1" 8080 &
  LAB_PIDS+=("$!")
}

# lab_wait_http NS URL: waits until the URL answers from the namespace (10 s at most).
lab_wait_http() {
  local ns; ns=$(lab_ns "$1")
  for _ in $(seq 1 100); do
    ip netns exec "$ns" curl -s -o /dev/null --max-time 1 "$2" && return 0
    sleep 0.1
  done
  return 1
}

# lab_start_dataplane NS BINARY CONFIG LOG: starts the dataplane in a namespace and waits
# until it says ready (or fails). Sets DP_PID.
lab_start_dataplane() {
  local ns; ns=$(lab_ns "$1")
  ip netns exec "$ns" "$2" --config "$3" >"$4" 2>&1 &
  DP_PID=$!
  LAB_PIDS+=("$DP_PID")
  for _ in $(seq 1 100); do
    if grep -q 'portico-dataplane: ready' "$4"; then return 0; fi
    if ! kill -0 "$DP_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "lab: dataplane did not become ready:" >&2
  cat "$4" >&2
  return 1
}

# Ends a process we started: SIGTERM, then SIGKILL if it has not gone in 10 s.
lab_stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return $?; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 137
}

lab_cleanup() {
  local pid ns
  for pid in "${LAB_PIDS[@]}"; do lab_stop_pid "$pid" || true; done
  LAB_PIDS=()
  for ns in "${LAB_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  LAB_NAMESPACES=()
  # EAL runtime files of dataplanes started with --file-prefix LAB_PREFIX or a prefix made
  # from it (LAB_PREFIX-one, ...), and relay logs.
  [ -n "$LAB_PREFIX" ] && rm -rf "/var/run/dpdk/$LAB_PREFIX" "/var/run/dpdk/$LAB_PREFIX"-* \
    "${TMPDIR:-/tmp}/$LAB_PREFIX"-relay-*.log
}

# lab_signal_dataplane SIGNAL PATTERN LOG: signals the dataplane and prints the first new
# line of its log matching PATTERN (waits up to 5 s for it).
lab_signal_dataplane() {
  local before
  before=$(grep -c "$2" "$3" || true)
  kill "-$1" "$DP_PID"
  for _ in $(seq 1 50); do
    [ "$(grep -c "$2" "$3" || true)" -gt "$before" ] && break
    sleep 0.1
  done
  grep "$2" "$3" | tail -n 1
}

# Re-read of the config (SIGHUP): prints the dataplane's verdict line.
lab_reload_dataplane() { lab_signal_dataplane HUP 'portico-dataplane: reload' "$1"; }

# Counters (SIGUSR1): prints the total line.
lab_dataplane_stats() { lab_signal_dataplane USR1 '^stats total' "$1"; }

# lab_wait_until SECONDS WHAT COMMAND...: runs COMMAND every 50 ms until it succeeds.
# After SECONDS it says on stderr that WHAT never happened and fails. Deadlines are
# generous on purpose: a test must pass on a machine half as fast as this one.
lab_wait_until() {
  local seconds=$1 what=$2 deadline
  shift 2
  deadline=$(($(date +%s%N) + seconds * 1000000000))
  while ! "$@" >/dev/null 2>&1; do
    if [ "$(date +%s%N)" -gt "$deadline" ]; then
      echo "waited ${seconds} s for $what: it never happened" >&2
      return 1
    fi
    sleep 0.05
  done
}

# lab_wait_log PATTERN LOG SECONDS: waits until LOG has a line matching PATTERN; on
# timeout says so and shows the log's end.
lab_wait_log() {
  for _ in $(seq 1 $(($3 * 20))); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.05; done
  echo "no '$1' in $2 within $3 s:"
  tail -n 20 "$2"
  return 1
}

# lab_null_dataplane SOCKET PREFIX MEGABYTES: a dataplane.yaml (on stdout) for control
# path tests and figures: one worker on core 1, two null ports that never receive, the
# API on SOCKET.
lab_null_dataplane() {
  cat <<YAML
lcores: {main: 0, workers: [1]}
eal: [--no-huge, -m, "$3", --no-pci, --file-prefix, "$2", --log-level, "*:error"]
api: {socket: "$1"}
ports:
  - {name: clients, device: "net_null0,no-rx=1", ipv4: 192.0.2.2/24}
  - {name: backends, device: "net_null1,no-rx=1", ipv4: 198.51.100.2/23}
announce: {count: 0}
YAML
}

# lab_gateway WORK DATAPLANE WORKERS L7_YAML: the L7 lab most tests start from. The
# client and one backend (be1, HTTP on 8080) on either side of the dataplane, whose `l7:`
# block is L7_YAML; the control plane on a manifest folder with Gateway "lab" on
# 192.0.2.100 port 80 sending app.example.com to be1. Waits until the listener is
# programmed, or fails saying what never happened. Sets DP_PID and CP_PID.
# LAB_GATEWAY_ANNOTATIONS (a YAML flow map) annotates the Gateway; LAB_IMPAIRED=1 runs
# both links through impairment relays (lab_impair). LAB_BACKENDS=N starts be1..beN
# (198.51.100.11..) as Services alpha, beta, gamma, ...; LAB_MANIFESTS names a file of
# more manifests (routes) to serve alongside; LAB_DATAPLANE_YAML more top-level keys of
# dataplane.yaml; LAB_CLIENT_PORT_OPTIONS more keys of its client-side port;
# LAB_CONTROLPLANE_YAML more top-level keys of controlplane.yaml.
lab_gateway() {
  local work=$1 dataplane=$2 workers=$3 l7=$4 impaired="" i
  local controlplane; controlplane="$(dirname "$dataplane")/../controlplane/portico-controlplane"
  local names=(alpha beta gamma delta)
  [ "${LAB_IMPAIRED:-0}" = 1 ] && impaired=impaired
  lab_client_link $impaired
  lab_backend_link "${LAB_BACKENDS:-1}" $impaired
  for i in $(seq 1 "${LAB_BACKENDS:-1}"); do lab_start_backend "$i"; done
  cat >"$work/dataplane.yaml" <<YAML
lcores: {main: 0, workers: $workers}
eal: [--no-huge, -m, "512", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api: {socket: "$work/api.sock"}
ports:
  - {name: clients, device: "net_af_packet0,iface=pdp0", ipv4: 192.0.2.2/24${LAB_CLIENT_PORT_OPTIONS:+, $LAB_CLIENT_PORT_OPTIONS}}
  - {name: backends, device: "net_af_packet1,iface=pdp1", ipv4: 198.51.100.2/24}
flows: {capacity: 65536}
l7: $l7
announce: {count: 1}
${LAB_DATAPLANE_YAML:-}
YAML
  printf 'dataplanes: ["unix:%s"]\ndebounce_ms: 50\n%s\n' "$work/api.sock" "${LAB_CONTROLPLANE_YAML:-}" >"$work/controlplane.yaml"
  mkdir -p "$work/manifests"
  . "$LAB_ROOT/scripts/lib/manifests.sh"
  {
    manifest_gatewayclass
    manifest_gateway lab 192.0.2.100 "" "${LAB_GATEWAY_ANNOTATIONS:-}"
    manifest_service app 80 8080 198.51.100.11
    manifest_route HTTPRoute app lab app.example.com app 80
    for i in $(seq 1 "${LAB_BACKENDS:-1}"); do manifest_service "${names[$((i - 1))]}" 80 8080 "198.51.100.1$i"; done
    [ -n "${LAB_MANIFESTS:-}" ] && cat "$LAB_MANIFESTS"
  } >"$work/manifests/lab.yaml"
  lab_start_dataplane dp "$dataplane" "$work/dataplane.yaml" "$work/dp.log" || return 1
  "$controlplane" --config "$work/controlplane.yaml" --manifests "$work/manifests" >"$work/cp.log" 2>&1 &
  CP_PID=$!
  LAB_PIDS+=("$CP_PID")
  lab_wait_until 60 "the control plane programming the listener" \
    grep -q "programmed: every dataplane serves" "$work/cp.log" || { tail -n 20 "$work/cp.log" >&2; return 1; }
}

# lab_requests SOURCE N FILE: N requests for app.example.com on 192.0.2.100, one after
# another, each on a new connection from SOURCE in the client namespace; one line each:
# the HTTP code (200 comes only from the backend; 000 when none came in 5 s), seconds.
lab_requests() {
  local ns; ns=$(lab_ns client)
  for _ in $(seq 1 "$2"); do
    ip netns exec "$ns" curl -s -o /dev/null --max-time 5 --interface "$1" -H "Host: app.example.com" \
      -w '%{http_code} %{time_total}\n' http://192.0.2.100/ || echo "000 5"
  done >"$3"
}

# lab_pattern_sha BYTES: the SHA-256 of the first BYTES of the backends' /big pattern.
lab_pattern_sha() {
  python3 -c "
import hashlib
block = bytes(range(256)) * 256
h = hashlib.sha256()
left = $1
while left > 0:
    n = min(left, len(block)); h.update(block[:n]); left -= n
print(h.hexdigest())"
}

# lab_slow_download URL RATE OUT HEADERS: a download from the client namespace, slowed to
# RATE (curl's --limit-rate) so it is still running when a test changes its backend, into
# OUT with its response head in HEADERS. Runs in the background as $LAB_DOWNLOAD; returns
# once the head (X-Backend names the backend) has arrived.
lab_slow_download() {
  ip netns exec "$(lab_ns client)" curl -s --max-time 60 --limit-rate "$2" -D "$4" -o "$3" "$1" &
  LAB_DOWNLOAD=$!
  LAB_PIDS+=("$LAB_DOWNLOAD")
  lab_wait_until 10 "the download's response head" grep -qi '^x-backend' "$4"
}

# lab_backend_in HEADERS: the backend (be1, be2, ...) a response head names.
lab_backend_in() { sed -n 's/^[Xx]-[Bb]ackend: *\(be[0-9]\).*/\1/p' "$1" | tr -d '\r'; }

# lab_download_intact PID FILE BYTES: waits for the download running as PID (a child of
# this shell) and fails unless it succeeded and FILE holds BYTES of the backends' pattern.
lab_download_intact() {
  wait "$1" || { echo "the download failed (exit $?)"; return 1; }
  local expected actual
  expected=$(lab_pattern_sha "$3")
  actual=$(sha256sum "$2" | cut -d' ' -f1)
  echo "expected $expected, got $actual ($(stat -c %s "$2") bytes)"
  [ "$expected" = "$actual" ]
}

# lab_download BYTES FILE [CURL OPTIONS]: BYTES of the pattern from app.example.com on
# 192.0.2.100 into FILE; fails unless they arrived intact.
lab_download() {
  local bytes=$1 file=$2
  shift 2
  ip netns exec "$(lab_ns client)" curl -s --max-time 300 "$@" -H "Host: app.example.com" \
    "http://192.0.2.100/big?bytes=$bytes" -o "$file" || return 1
  [ "$(sha256sum <"$file" | cut -d' ' -f1)" = "$(lab_pattern_sha "$bytes")" ]
}

# lab_upload BYTES FILE: BYTES of random data (kept in FILE) posted to app.example.com; fails
# unless the backend's SHA-256 of what it received is theirs.
lab_upload() {
  head -c "$1" /dev/urandom >"$2"
  local want got
  want=$(sha256sum <"$2" | cut -d' ' -f1)
  got=$(ip netns exec "$(lab_ns client)" curl -s --max-time 300 -H "Host: app.example.com" --data-binary "@$2" \
    http://192.0.2.100/upload)
  [ "$got" = "$want" ]
}

# counter NAME LINE: the value of NAME=... in a stats line (0 when absent).
lab_counter() {
  local v
  v=$(echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p")
  echo "${v:-0}"
}

# lab_wrk_failed REPORT: the requests a wrk report counts as failed (non-2xx or 3xx
# answers and socket errors of every kind).
lab_wrk_failed() {
  awk '/Non-2xx/ { n += $NF } /Socket errors/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i } END { print n + 0 }' "$1"
}

# lab_figure NAME VALUE UNIT FLOOR|null CONDITIONS: a figure of scripts/bench.sh, added as
# a JSON line to the file LAB_FIGURES names when bench.sh runs the test; nothing otherwise.
lab_figure() {
  [ -n "${LAB_FIGURES:-}" ] || return 0
  python3 "$LAB_ROOT/scripts/lib/bench_report.py" figure "$@" >>"$LAB_FIGURES"
}

# check DESCRIPTION COMMAND...: runs the command and reports it as one TAP test, so the
# test runner counts every check; a failure's output follows as TAP diagnostics.
LAB_CHECKS=0
check() {
  local desc=$1 out; shift
  LAB_CHECKS=$((LAB_CHECKS + 1))
  out=$(mktemp)
  if "$@" >"$out" 2>&1; then
    echo "ok $LAB_CHECKS - $desc"
  else
    echo "not ok $LAB_CHECKS - $desc"
    sed 's/^/# /' "$out"
    echo "# (failed ${SECONDS} s into the test)"
    LAB_FAILURES=$((LAB_FAILURES + 1))
  fi
  rm -f "$out"
}

# Ends a lab test: prints the TAP plan and exits non-zero if any check failed.
lab_finish() {
  echo "1..$LAB_CHECKS"
  [ "$LAB_FAILURES" -eq 0 ]
}
