#!/usr/bin/env bash
# Configuration changes and a control-plane restart while wrk keeps 16 kept-alive
# connections busy through the HTTP proxy: 1 000 quick edits of the manifests, then 30
# paced ones, each adding a route for a new hostname, dropping the previous one and moving
# the loaded route's endpoints between two backends, then the control plane killed and
# started again. Not one request may fail, and the dataplane must end serving exactly the
# last state.
# usage: changes_under_load.sh PATH/TO/portico-dataplane [WORKER_LCORES] [EDITS]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
EDITS=${3:-1000}
here=$(dirname "$0")
. "$here/../../scripts/lib/lab.sh"
. "$here/../../scripts/lib/manifests.sh"
lab_init "pchg$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

# churn.yaml: shop.example.com (the loaded route) with endpoints @EP@, and a route for
# churn-@I@.example.com. Each edit is written beside and renamed, as kubectl and
# ConfigMap mounts do, so the control plane never reads half a file.
template=$({
  manifest_service shop 80 8080 "@EP@"
  manifest_route HTTPRoute shop lab shop.example.com shop 80
  manifest_route HTTPRoute churn lab "churn-@I@.example.com" alpha 80
})
# churn FIRST LAST PAUSE_S: the edits FIRST..LAST, the endpoints cycling through one
# backend, both, the other.
churn() {
  TEMPLATE=$template python3 - "$work/manifests" "$1" "$2" "$3" <<'PY'
import os, sys, time
folder, first, last, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
sets = ["198.51.100.11", "198.51.100.11, 198.51.100.12", "198.51.100.12"]
for i in range(first, last + 1):
    with open(os.path.join(folder, ".churn.tmp"), "w") as f:
        f.write(os.environ["TEMPLATE"].replace("@EP@", sets[i % 3]).replace("@I@", str(i)))
    os.rename(os.path.join(folder, ".churn.tmp"), os.path.join(folder, "churn.yaml"))
    time.sleep(pause)  # the pace of the edits (load, not a wait for anything)
PY
}
mkdir -p "$work/manifests"
churn 0 0 0
if ! LAB_BACKENDS=2 lab_gateway "$work" "$DATAPLANE" "$WORKERS" "{}"; then
  echo "Bail out! the gateway did not start"
  exit 1
fi
client=$(lab_ns client)
in_client() { ip netns exec "$client" "$@"; }
served() { [ "$(in_client curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "Host: $1" http://192.0.2.100/)" = "$2" ]; }
check "the loaded route answers" lab_wait_until 20 "shop.example.com to answer" served shop.example.com 200

# The edits come faster than the control plane's debounce (50 ms here): it gathers them,
# for at most 2 s, into one version each time; what counts is that no version disturbs a
# request, and that the last one is served.
pushes_before=$(grep -c "programmed: every dataplane serves" "$work/cp.log")
# wrk runs until it is interrupted below (its report comes then).
ip netns exec "$client" wrk -t1 -c16 -d600s -H "Host: shop.example.com" http://192.0.2.100/ >"$work/wrk.txt" 2>&1 &
wrk_pid=$!
LAB_PIDS+=("$wrk_pid")
start=$(date +%s%N)
churn 1 "$EDITS" 0.01
edit_ms=$((($(date +%s%N) - start) / 1000000))
pushes=$(($(grep -c "programmed: every dataplane serves" "$work/cp.log") - pushes_before))
echo "# $EDITS edits in $edit_ms ms, gathered into $pushes versions"
# Then 30 edits slower than the debounce: each its own version, the loaded route's
# endpoints moving every time.
pushes_before=$(grep -c "programmed: every dataplane serves" "$work/cp.log")
last=$((EDITS + 30))
churn $((EDITS + 1)) "$last" 0.2
last_programmed() { served "churn-$last.example.com" 200; }
check "the last edit is served" lab_wait_until 30 "churn-$last.example.com to be served" last_programmed
pushes=$(($(grep -c "programmed: every dataplane serves" "$work/cp.log") - pushes_before))
check "30 paced edits became at least 20 versions ($pushes)" test "$pushes" -ge 20
echo "# after the edits: $(lab_dataplane_stats "$work/dp.log" | tr ' ' '\n' | grep -E '^(drop\.|l7_answers|http_)' | tr '\n' ' ')"

# The control plane dies and comes back while the load runs.
lab_stop_pid "$CP_PID"
restarts_before=$(grep -c "programmed: every dataplane serves" "$work/cp.log")
"$(dirname "$DATAPLANE")/../controlplane/portico-controlplane" --config "$work/controlplane.yaml" \
  --manifests "$work/manifests" >>"$work/cp.log" 2>&1 &
CP_PID=$!
LAB_PIDS+=("$CP_PID")
pushed_again() { [ "$(grep -c "programmed: every dataplane serves" "$work/cp.log")" -gt "$restarts_before" ]; }
check "the restarted control plane serves the dataplane again" lab_wait_until 30 "the restarted control plane to push" pushed_again

echo "# after the restart: $(lab_dataplane_stats "$work/dp.log" | tr ' ' '\n' | grep -E '^(drop\.|l7_answers|http_)' | tr '\n' ' ')"
kill -INT "$wrk_pid" 2>/dev/null
wait "$wrk_pid" 2>/dev/null
sed 's/^/# wrk: /' "$work/wrk.txt"
requests=$(grep -o '^ *[0-9]* requests in' "$work/wrk.txt" | tr -dc 0-9)
failed=$(lab_wrk_failed "$work/wrk.txt")
lab_figure fault.changes_under_load.failed_requests "$failed" requests null \
  "of ${requests:-0} (wrk, 16 kept-alive connections through the proxy) while $EDITS route and endpoint edits, 30 paced ones and a control-plane restart were pushed"
check "wrk completed requests throughout ($requests)" test "${requests:-0}" -ge 1000
check "not one request failed (no non-2xx answer, no socket error)" \
  bash -c "! grep -qE 'Non-2xx|Socket errors' '$work/wrk.txt'"
check "a hostname of an earlier edit is gone" served "churn-$((last - 1)).example.com" 404
check "the loaded route still answers" served shop.example.com 200
lab_finish
