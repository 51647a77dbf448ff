#!/usr/bin/env bash
# The control plane reaches a dataplane's TCP API (api.listen) with mutual TLS: a client
# certificate signed by the CA the dataplane trusts is served, one from another CA is
# refused and nothing is programmed, and a host:port dataplane without dataplane_tls is
# a configuration error. This is how a control plane running in the cluster reaches the
# appliances.
# usage: controlplane_mtls.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
. "$(dirname "$0")/../../scripts/lib/lab.sh"
. "$LAB_ROOT/scripts/lib/manifests.sh"
lab_init "pmt$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT
controlplane=$(dirname "$DATAPLANE")/../controlplane/portico-controlplane

# issue NAME CA SUBJECT_ALT_NAME: a key and a certificate signed by CA.
issue() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" -keyout "$work/$1.key" \
    -out "$work/$1.csr" 2>/dev/null &&
    openssl x509 -req -in "$work/$1.csr" -CA "$work/$2.crt" -CAkey "$work/$2.key" -CAcreateserial -days 2 \
      -extfile <(printf 'subjectAltName=%s\n' "$3") -out "$work/$1.crt" 2>/dev/null
}
for ca in ca rogue-ca; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$ca" \
    -keyout "$work/$ca.key" -out "$work/$ca.crt" 2>/dev/null
done
issue dataplane ca IP:127.0.0.1
issue controlplane ca DNS:portico-controlplane
issue rogue rogue-ca DNS:portico-controlplane

lab_client_link
lab_backend_link 1
dp=$(lab_ns dp)
cat >"$work/dataplane.yaml" <<YAML
lcores: {main: 0, workers: $WORKERS}
eal: [--no-huge, -m, "256", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api:
  socket: null
  listen: 127.0.0.1:50051
  tls: {certificate: "$work/dataplane.crt", key: "$work/dataplane.key", client_ca: "$work/ca.crt"}
ports:
  - {name: clients, device: "net_af_packet0,iface=pdp0", ipv4: 192.0.2.2/24}
  - {name: backends, device: "net_af_packet1,iface=pdp1", ipv4: 198.51.100.2/24}
YAML
if ! lab_start_dataplane dp "$DATAPLANE" "$work/dataplane.yaml" "$work/dp.log"; then
  echo "Bail out! the dataplane did not start"
  exit 1
fi
mkdir -p "$work/manifests"
{
  manifest_gatewayclass
  manifest_gateway mtls 192.0.2.120
} >"$work/manifests/state.yaml"
# controlplane NAME CERT: a control plane with that client certificate, in the
# dataplane's namespace; its log is $work/NAME.log.
controlplane() {
  printf 'dataplanes: ["127.0.0.1:50051"]\ndebounce_ms: 50\ndataplane_tls: {certificate: "%s", key: "%s", ca: "%s"}\n' \
    "$work/$2.crt" "$work/$2.key" "$work/ca.crt" >"$work/$1.yaml"
  ip netns exec "$dp" "$controlplane" --config "$work/$1.yaml" --manifests "$work/manifests" >"$work/$1.log" 2>&1 &
  CP_PID=$!
  LAB_PIDS+=("$CP_PID")
}

controlplane rogue rogue
push_refused() { grep -q '127.0.0.1:50051: unreachable' "$work/rogue.log"; }
check "a client certificate from another CA is refused" \
  lab_wait_until 30 "the rogue control plane's refused push" push_refused
check "and nothing is programmed by it: no ARP answer for the Gateway's address" \
  bash -c "! grep -q 'serves version' '$work/rogue.log' && ! ip netns exec $(lab_ns client) arping -c 2 -w 2 -I pcl0 192.0.2.120"
lab_stop_pid "$CP_PID"

controlplane good controlplane
check "a client certificate signed by the dataplane's CA is served" \
  lab_wait_until 30 "the control plane's programmed line" grep -q "programmed: every dataplane serves version 1" "$work/good.log"
check "the dataplane answers ARP for the Gateway's address it pushed" \
  lab_wait_until 30 "ARP for 192.0.2.120" ip netns exec "$(lab_ns client)" arping -c 1 -w 1 -I pcl0 192.0.2.120
lab_stop_pid "$CP_PID"

printf 'dataplanes: ["127.0.0.1:50051"]\n' >"$work/plain.yaml"
check "a host:port dataplane without dataplane_tls is refused at start, naming the key" bash -c \
  "'$controlplane' --config '$work/plain.yaml' --manifests '$work/manifests' 2>&1 | grep -q 'dataplanes\[0\]: a host:port dataplane needs mutual TLS'"
lab_finish
