#!/usr/bin/env bash
# Metrics and health of the dataplane: GET /metrics in Prometheus's text format,
# /healthz and /readyz, on metrics.listen. Traffic through a VIP moves the counters there;
# every counter the dataplane's own report (SIGUSR1) shows as moved is on /metrics;
# promtool accepts the exposition; a real Prometheus server scrapes it and answers a
# query over its HTTP API.
# The control plane's /metrics likewise: what it pushed, each dataplane's ACK and the
# push-to-ACK histogram.
# usage: metrics.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
. "$(dirname "$0")/../../scripts/lib/lab.sh"
. "$LAB_ROOT/scripts/lib/manifests.sh"
lab_init "pmx$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

lab_client_link
lab_backend_link 1
lab_start_backend 1
client=$(lab_ns client)
dp=$(lab_ns dp)

cat >"$work/dataplane.yaml" <<YAML
lcores: {main: 0, workers: $WORKERS}
eal: [--no-huge, -m, "256", --no-pci, --file-prefix, "$LAB_PREFIX", --log-level, "*:warning"]
api: {socket: "$work/api.sock"}
metrics: {listen: "127.0.0.1:9464"}
ports:
  - {name: clients, device: "net_af_packet0,iface=pdp0", ipv4: 192.0.2.2/24}
  - {name: backends, device: "net_af_packet1,iface=pdp1", ipv4: 198.51.100.2/24}
services:
  - {name: web, vip: 192.0.2.100, port: 80, protocol: tcp, backends: [{address: 198.51.100.11, port: 8080}]}
announce: {count: 1}
YAML
if ! lab_start_dataplane dp "$DATAPLANE" "$work/dataplane.yaml" "$work/dp.log"; then
  echo "Bail out! the dataplane did not start"
  exit 1
fi
in_dp() { ip netns exec "$dp" "$@"; }
scrape() { in_dp curl -s --max-time 5 http://127.0.0.1:9464/metrics; }
# metric_sum TEXT NAME [LABEL=VALUE]: the sum of a family's samples (matching the label).
metric_sum() {
  python3 -c '
import re, sys
name, label = sys.argv[1], sys.argv[2]
total = 0.0
for line in sys.stdin:
    m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line.rstrip("\n"))
    if m and m.group(1) == name and (not label or label.replace("=", "=\"") + "\"" in (m.group(2) or "")):
        total += float(m.group(3))
print(int(total) if total.is_integer() else total)
' "$2" "${3:-}" <<<"$1"
}

check "GET /healthz answers 200 ok" bash -c "[ \"\$(ip netns exec $dp curl -s -w ' %{http_code}' http://127.0.0.1:9464/healthz)\" = 'ok
 200' ]"
check "GET /readyz answers 200 once the dataplane serves" \
  bash -c "[ \"\$(ip netns exec $dp curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9464/readyz)\" = 200 ]"
check "GET /metrics says it is Prometheus's text format 0.0.4" \
  bash -c "ip netns exec $dp curl -s -o /dev/null -w '%{content_type}' http://127.0.0.1:9464/metrics | grep -q 'version=0.0.4'"

before=$(scrape)
for f in portico_rx_packets_total portico_drops_total portico_busy_seconds_total portico_active_flows \
  portico_port_received_packets_total portico_port_rx_missed_total portico_port_rx_nombuf_total \
  portico_flows_capacity portico_l7_connections_capacity portico_snapshot_version portico_snapshot_age_seconds portico_ready; do
  check "/metrics has the family $f" bash -c "grep -q '^# TYPE $f ' <<<\"\$1\"" _ "$before"
done
check "the ports are labelled by their names" bash -c "grep -q '^portico_port_received_packets_total{port=\"clients\"} ' <<<\"\$1\"" _ "$before"
check "drops are labelled by thread and reason" \
  bash -c "grep -q '^portico_drops_total{thread=\"worker0\",reason=\"tx_full\"} ' <<<\"\$1\"" _ "$before"

answered=0
for _ in $(seq 1 20); do
  [ "$(ip netns exec "$client" curl -s --max-time 5 http://192.0.2.100/)" = be1 ] && answered=$((answered + 1))
done
check "20 requests through the VIP were answered" [ "$answered" -eq 20 ]
after=$(scrape)
check "flows made moved by the 20 connections" \
  [ "$(( $(metric_sum "$after" portico_flows_created_total) - $(metric_sum "$before" portico_flows_created_total) ))" -ge 20 ]
check "the clients port's received frames moved" \
  [ "$(metric_sum "$after" portico_port_received_packets_total port=clients)" -gt "$(metric_sum "$before" portico_port_received_packets_total port=clients)" ]
check "frames to the backend moved" \
  [ "$(metric_sum "$after" portico_to_backend_total)" -gt "$(metric_sum "$before" portico_to_backend_total)" ]
vip_moved() {  # vip_moved FAMILY AT_LEAST [VIP]: the VIP's series moved by at least that much
  local vip=${3:-192.0.2.100}
  local moved=$(( $(metric_sum "$after" "$1" "vip=$vip") - $(metric_sum "$before" "$1" "vip=$vip") ))
  echo "$1{vip=\"$vip\"} moved by $moved"
  [ "$moved" -ge "$2" ]
}
check "the VIP's connections moved by the 20" vip_moved portico_vip_connections_total 20
check "... its received frames by at least 3 a connection (SYN, request, ACKs)" vip_moved portico_vip_received_packets_total 60
check "... its sent frames by at least 2 a connection (SYN-ACK, response)" vip_moved portico_vip_sent_packets_total 40
check "... and its sent bytes with them" vip_moved portico_vip_sent_bytes_total 2400

# Every counter the dataplane's own report shows as moved is on /metrics, at least as high
# (the scrape comes after the report).
report=$(lab_dataplane_stats "$work/dp.log")
after=$(scrape)
every_counter_exported() {
  local pair name value family label
  for pair in $report; do
    name=${pair%%=*}
    value=${pair#*=}
    case $name in
      stats | total | tsc_hz | dropped | busy_cycles | active_flows | l7_held_buffers | tcp_connections | tcp_buffer_chunks) continue ;;
    esac
    [ "$value" -gt 0 ] 2>/dev/null || continue
    family="portico_${name}_total" label=""
    [[ $name == drop.* ]] && family=portico_drops_total label="reason=${name#drop.}"
    if [ "$(metric_sum "$after" "$family" "$label")" -lt "$value" ]; then
      echo "$name=$value in the report, $family{$label} $(metric_sum "$after" "$family" "$label") on /metrics"
      return 1
    fi
  done
}
check "every counter the report shows as moved is on /metrics" every_counter_exported
check "promtool check metrics accepts the exposition" bash -c "promtool check metrics <<<\"\$1\"" _ "$after"

# The control plane, pushing a Gateway to this dataplane, with its own /metrics.
mkdir -p "$work/manifests"
{
  manifest_gatewayclass
  manifest_gateway metrics 192.0.2.120
  manifest_service app 80 8080 198.51.100.11
  manifest_route HTTPRoute app metrics app.example.com app 80
} >"$work/manifests/state.yaml"
printf 'dataplanes: ["unix:%s"]\ndebounce_ms: 50\nmetrics: {listen: "127.0.0.1:9465"}\n' "$work/api.sock" >"$work/controlplane.yaml"
# Started by ip netns exec itself, not through a function: $! must be the program's pid,
# or the cleanup would end a subshell and leave the program running.
ip netns exec "$dp" "$(dirname "$DATAPLANE")/../controlplane/portico-controlplane" --config "$work/controlplane.yaml" \
  --manifests "$work/manifests" >"$work/cp.log" 2>&1 &
LAB_PIDS+=("$!")
check "the control plane programs the dataplane" \
  lab_wait_until 30 "the control plane's programmed line" grep -q "programmed: every dataplane serves version 1" "$work/cp.log"
l7_answered() {
  for _ in 1 2 3 4 5; do
    [ "$(ip netns exec "$client" curl -s --max-time 5 -H 'Host: app.example.com' http://192.0.2.120/)" = be1 ] || return 1
  done
}
before=$(scrape)
check "5 requests through the Gateway's address (the L7 proxy) were answered" l7_answered
after=$(scrape)
check "that VIP's connections moved by the 5" vip_moved portico_vip_connections_total 5 192.0.2.120
check "... and its sent bytes by the responses (the L7 endpoint's frames)" vip_moved portico_vip_sent_bytes_total 1000 192.0.2.120
cp_scrape() { in_dp curl -s --max-time 5 http://127.0.0.1:9465/metrics; }
check "the control plane's /readyz answers 200" \
  bash -c "[ \"\$(ip netns exec $dp curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9465/readyz)\" = 200 ]"
cp_metrics=$(cp_scrape)
check "it reports version 1 pushed" [ "$(metric_sum "$cp_metrics" portico_controlplane_pushed_version)" = 1 ]
check "it reports the dataplane's ACK of version 1, labelled by its target" \
  bash -c "grep -qx 'portico_controlplane_dataplane_acked_version{dataplane=\"unix:$work/api.sock\"} 1' <<<\"\$1\"" _ "$cp_metrics"
check "the push-to-ACK histogram counted the push" [ "$(metric_sum "$cp_metrics" portico_controlplane_push_seconds_count)" -ge 1 ]
check "the dataplane is up for it" [ "$(metric_sum "$cp_metrics" portico_controlplane_dataplane_up)" = 1 ]
check "promtool check metrics accepts the control plane's exposition" bash -c "promtool check metrics <<<\"\$1\"" _ "$cp_metrics"

# A real Prometheus server, in the dataplane's namespace, scraping both every second.
cat >"$work/prometheus.yml" <<YAML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: portico-dataplane
    static_configs: [{targets: ["127.0.0.1:9464"]}]
  - job_name: portico-controlplane
    static_configs: [{targets: ["127.0.0.1:9465"]}]
YAML
ip netns exec "$dp" prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address=127.0.0.1:9090 >"$work/prometheus.log" 2>&1 &
LAB_PIDS+=("$!")
flows_in_prometheus() {
  in_dp curl -s --max-time 2 'http://127.0.0.1:9090/api/v1/query?query=sum(portico_flows_created_total)' |
    python3 -c "import json, sys; r = json.load(sys.stdin)['data']['result']; sys.exit(0 if r and float(r[0]['value'][1]) >= 20 else 1)"
}
check "Prometheus scraped the dataplane and its query API returns the flows made" \
  lab_wait_until 60 "Prometheus answering with the dataplane's counters" flows_in_prometheus
pushes_in_prometheus() {
  in_dp curl -s --max-time 2 'http://127.0.0.1:9090/api/v1/query?query=sum(portico_controlplane_push_seconds_count)' |
    python3 -c "import json, sys; r = json.load(sys.stdin)['data']['result']; sys.exit(0 if r and float(r[0]['value'][1]) >= 1 else 1)"
}
check "Prometheus scraped the control plane and returns its push histogram" \
  lab_wait_until 60 "Prometheus answering with the control plane's counters" pushes_in_prometheus
check "Prometheus sees both targets up" bash -c "ip netns exec $dp curl -s 'http://127.0.0.1:9090/api/v1/query?query=sum(up)' | grep -q '\"value\":\[[0-9.]*,\"2\"\]'"

# The Grafana dashboard: every metric it names is exported, and Prometheus accepts every
# expression (with the dashboard's $instance variable at "all").
dashboard=$LAB_ROOT/configs/grafana/portico-dataplane.json
dashboard_names_exported() {
  printf '%s\n' "$after" >"$work/scrape.txt"
  python3 - "$dashboard" "$work/scrape.txt" <<'PY'
import json, re, sys
exported = {l.split()[2] for l in open(sys.argv[2]) if l.startswith("# TYPE ")}
named = set()
for panel in json.load(open(sys.argv[1]))["panels"]:
    for t in panel["targets"]:
        named |= set(re.findall(r"\bportico_[a-z0-9_]+", t["expr"]))
missing = sorted(named - exported)
print("named:", len(named), "missing:", missing)
sys.exit(1 if missing or not named else 0)
PY
}
check "the Grafana dashboard names only metrics the dataplane exports" dashboard_names_exported
dashboard_queries_accepted() {
  local expr
  while IFS= read -r expr; do
    in_dp curl -s --max-time 5 -G http://127.0.0.1:9090/api/v1/query --data-urlencode "query=$expr" |
      grep -q '"status":"success"' || { echo "refused: $expr"; return 1; }
  done < <(python3 -c '
import json, sys
for p in json.load(open(sys.argv[1]))["panels"]:
    for t in p["targets"]:
        print(t["expr"].replace("$instance", ".*"))' "$dashboard")
}
check "Prometheus accepts every expression of the dashboard" dashboard_queries_accepted
lab_finish
