#!/usr/bin/env bash
# HTTPS listeners: TLS terminated by the dataplane's workers, the requests inside routed
# one by one by the HTTP proxy. Gateway "secure" on 192.0.2.101 port 443 has three HTTPS
# listeners: shop.example.com (an RSA and an ECDSA certificate), *.example.com (a
# wildcard certificate) and one without a hostname (the certificate for clients that send
# no SNI), each certificate from a Secret, signed by a test CA. Real clients (curl,
# openssl s_client, wrk) against real Linux backends:
#   - SNI chooses the certificate: exact, wildcard, none;
#   - TLS 1.2 and 1.3; ECDSA or RSA as the client's signature algorithms ask;
#   - ALPN: http/1.1 chosen, h2 alone refused with an alert;
#   - requests on one connection for two hosts of one listener go to their own backends;
#     a Host of another listener than the SNI's gets 421; X-Forwarded-Proto is https;
#   - a 50 MB download and a 20 MB upload arrive byte-identical;
#   - a session ticket resumes, also after a push; a Secret rotated during a download:
#     the download finishes, the next handshake gets the new certificate; a bad edit of
#     the Secret keeps the last good certificate serving and is reported;
#   - 32 handshakes at once with a budget smaller than one handshake all complete;
#     handshakes one address leaves unfinished are held to its share of the head guard;
#   - a TLS listener in Terminate mode on the same port relays the decrypted stream to
#     its TLSRoute's backend, and a Passthrough listener there passes the ClientHello on;
#   - through the lab's impairment relays (1 % and 5 % loss, reordering, duplication,
#     20 ms round trip), 10 MB each way arrive byte-identical;
#   - port 80 redirects to https (RequestRedirect scheme https), and the redirect is followed;
#   - garbage and an aborted handshake cost nothing to the next client; wrk over HTTPS.
# With two or more workers, the bulk, rotation and impairment checks are left to the
# one-worker run.
# usage: tls_termination.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
workers=$(($(tr -cd , <<<"$WORKERS" | wc -c) + 1))
here=$(dirname "$0")
. "$here/../../scripts/lib/lab.sh"
. "$here/../../scripts/lib/manifests.sh"
LAB_RELAY_BIN="$(dirname "$DATAPLANE")/../tests/lab/impair-relay"
lab_init "ptls$$"
work=$(mktemp -d)
hosts_dir=/etc/netns/$(lab_ns client)
trap 'lab_cleanup; rm -rf "$work" "$hosts_dir"' EXIT

# certificate NAME KEYTYPE CN [SAN]: NAME.crt and NAME.key signed by the test CA.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=portico-test-ca -keyout "$work/ca.key" \
  -out "$work/ca.crt" >/dev/null 2>&1
certificate() {
  local name=$1 type=$2 cn=$3 san=${4:-DNS:$3}
  case $type in
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/$name.key" 2>/dev/null ;;
    ecdsa) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/$name.key" 2>/dev/null ;;
  esac
  openssl req -new -key "$work/$name.key" -subj "/CN=$cn" -out "$work/$name.csr" 2>/dev/null
  printf 'subjectAltName=%s\n' "$san" >"$work/$name.ext"
  openssl x509 -req -in "$work/$name.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile "$work/$name.ext" -out "$work/$name.crt" 2>/dev/null
}
certificate shop-rsa rsa shop.example.com
certificate shop-ecdsa ecdsa shop.example.com
certificate wild rsa '*.example.com'
certificate fallback rsa fallback.test 'DNS:fallback.test,DNS:plain.example.net'
certificate raw ecdsa raw.example.com
secret() {
  cat <<YAML
---
apiVersion: v1
kind: Secret
metadata: {name: $1, namespace: infra}
type: kubernetes.io/tls
data: {tls.crt: $(base64 -w0 <"$work/$1.crt"), tls.key: $(base64 -w0 <"$work/$1.key")}
YAML
}
pass_listener='{name: pass, port: 443, protocol: TLS, hostname: pass.example.com, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}}}'
{
  for s in shop-rsa shop-ecdsa wild fallback raw; do secret "$s"; done
  https() { echo "{name: $1, port: 443, protocol: HTTPS, $2 tls: {certificateRefs: [$3]}, allowedRoutes: {namespaces: {from: All}}}"; }
  manifest_gateway secure 192.0.2.101 "[$(https shop 'hostname: shop.example.com,' '{name: shop-rsa}, {name: shop-ecdsa}'),
    $(https wild 'hostname: "*.example.com",' '{name: wild}'), $(https any '' '{name: fallback}'),
    {name: raw, port: 443, protocol: TLS, hostname: raw.example.com, tls: {mode: Terminate, certificateRefs: [{name: raw}]},
     allowedRoutes: {namespaces: {from: All}}},
    $pass_listener,
    {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]"
  manifest_route HTTPRoute shop secure shop.example.com alpha 80 shop
  manifest_route HTTPRoute shop-more secure more.shop.example.com beta 80 wild
  manifest_route HTTPRoute api secure api.example.com beta 80 wild
  manifest_route HTTPRoute www secure www.example.com alpha 80 wild
  manifest_route HTTPRoute plain secure plain.example.net alpha 80 any
  manifest_route TLSRoute raw secure raw.example.com beta 80 raw
  manifest_route TLSRoute pass secure pass.example.com alpha 80 pass
  cat <<'YAML'
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: to-https, namespace: apps}
spec:
  parentRefs: [{name: secure, namespace: infra, sectionName: http}]
  hostnames: ["shop.example.com"]
  rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]}]
YAML
} >"$work/secure.yaml"
if ! LAB_IMPAIRED=1 LAB_BACKENDS=2 LAB_MANIFESTS="$work/secure.yaml" lab_gateway "$work" "$DATAPLANE" "$WORKERS" \
  "{buffers_per_source: 40, tls: {handshake_budget_us: 50}}"; then
  echo "Bail out! the gateway did not start"
  exit 1
fi
client=$(lab_ns client)
in_client() { ip netns exec "$client" "$@"; }
stats() { lab_dataplane_stats "$work/dp.log"; }
mkdir -p "$hosts_dir"
printf '192.0.2.101 shop.example.com api.example.com www.example.com more.shop.example.com plain.example.net raw.example.com\n' \
  >"$hosts_dir/hosts"
# get NAME [CURL OPTIONS] PATH: the body of https://NAME/PATH, the test CA trusted.
get() {
  local name=$1
  shift
  in_client curl -s --max-time 10 --cacert "$work/ca.crt" "${@:1:$#-1}" "https://$name${!#}"
}
served() { [ "$(get shop.example.com /)" = be1 ]; }
check "shop.example.com answers over HTTPS (be1)" lab_wait_until 30 "shop.example.com to answer over HTTPS" served

# The certificate a handshake gets: subject and key type.
handshake() { in_client openssl s_client -connect 192.0.2.101:443 "$@" </dev/null 2>"$work/s_client.err"; }
subject() { handshake "$@" | openssl x509 -noout -subject 2>/dev/null; }
keytype() { handshake "$@" | openssl x509 -noout -text 2>/dev/null | grep -o 'Public Key Algorithm: [a-zA-Z-]*'; }
expect() { local want=$1 got; shift; got=$("$@"); echo "got: $got"; [[ $got == *"$want"* ]]; }
check "SNI shop.example.com gets its certificate" expect "CN = shop.example.com" subject -servername shop.example.com
check "SNI api.example.com gets the wildcard certificate" expect "CN = *.example.com" subject -servername api.example.com
check "no SNI gets the certificate of the listener without a hostname" expect "CN = fallback.test" subject -noservername
check "ECDSA when the client asks for it (TLS 1.3)" expect id-ecPublicKey keytype -servername shop.example.com -tls1_3 \
  -sigalgs ecdsa_secp256r1_sha256
check "RSA when the client asks for it (TLS 1.3)" expect rsaEncryption keytype -servername shop.example.com -tls1_3 \
  -sigalgs rsa_pss_rsae_sha256
check "ECDSA when the client asks for it (TLS 1.2)" expect id-ecPublicKey keytype -servername shop.example.com -tls1_2 \
  -sigalgs ECDSA+SHA256
check "RSA when the client asks for it (TLS 1.2)" expect rsaEncryption keytype -servername shop.example.com -tls1_2 \
  -sigalgs RSA+SHA256
check "TLS 1.2 request" expect be1 get shop.example.com --tls-max 1.2 /
check "TLS 1.3 request" expect be1 get shop.example.com --tlsv1.3 /
check "the wildcard listener's hosts go to their own backends" expect be2 get api.example.com /
check "no SNI: the listener without a hostname serves" \
  expect be1 in_client curl -s --max-time 10 -k -H 'Host: plain.example.net' https://192.0.2.101/
alpn() { in_client curl -s --max-time 10 --cacert "$work/ca.crt" --http2 -o /dev/null -w '%{http_version}' https://shop.example.com/; }
check "ALPN: a client offering h2 and http/1.1 gets http/1.1" expect 1.1 alpn
h2_only() { handshake -servername shop.example.com -alpn h2 >/dev/null; grep -qi 'no application protocol\|alert' "$work/s_client.err"; }
check "ALPN: a client offering only h2 is refused with an alert" h2_only

# Requests on one connection: two hosts of the wildcard listener, each to its backend.
two_hosts() {
  in_client curl -s --max-time 10 --cacert "$work/ca.crt" https://www.example.com/ -H 'Host: www.example.com' \
    --next --cacert "$work/ca.crt" -H 'Host: api.example.com' https://www.example.com/ -v 2>"$work/reuse.err" | tr -d '\n'
}
check "one connection, two hosts of its listener: be1 then be2" expect be1be2 two_hosts
check "... and it was one connection" grep -q 'Re-using existing connection' "$work/reuse.err"
misdirected() { get shop.example.com -o /dev/null -w '%{http_code}' -H 'Host: api.example.com' /; }
check "a Host of another listener than the SNI's gets 421" expect 421 misdirected
check "X-Forwarded-Proto is https" expect "X-Forwarded-Proto: https" get shop.example.com /echo

# A connection kept alive across a push that reorders the port's listeners: its requests
# are still judged against the listener its SNI chose (by name, not by position).
in_client python3 - "$work" <<'PY' >"$work/across.out" 2>&1 &
import os, socket, ssl, sys, time
work = sys.argv[1]
ctx = ssl.create_default_context(cafile=f"{work}/ca.crt")
s = ctx.wrap_socket(socket.create_connection(("192.0.2.101", 443), timeout=10), server_hostname="shop.example.com")
def ask(host):
    s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
    while len(body) < length:
        body += s.recv(4096)
    return head.split(b" ")[1].decode()
print("before", ask("shop.example.com"), flush=True)
deadline = time.time() + 60
while not os.path.exists(f"{work}/pushed") and time.time() < deadline:
    time.sleep(0.05)
print("after", ask("shop.example.com"), ask("api.example.com"), flush=True)
PY
across_pid=$!
LAB_PIDS+=("$across_pid")
lab_wait_until 20 "the kept-alive connection's first answer" grep -q '^before 200' "$work/across.out"
versions() { grep -c 'serves version' "$work/cp.log"; }
served_before=$(versions)
python3 - "$work" "$pass_listener" <<'PY'
import sys
work, listener = sys.argv[1], sys.argv[2]
path = f"{work}/manifests/lab.yaml"
text = open(path).read()
assert listener + "," in text
text = text.replace(listener + ",", "", 1)
assert "listeners: [{name: shop," in text
text = text.replace("listeners: [{name: shop,", "listeners: [" + listener + ", {name: shop,", 1)
open(path + ".new", "w").write(text)
PY
mv "$work/manifests/lab.yaml.new" "$work/manifests/lab.yaml"
check "a push moves another listener in front of the port's" \
  lab_wait_until 30 "the reordered listeners to be served" bash -c "[ \$(grep -c 'serves version' '$work/cp.log') -gt $served_before ]"
touch "$work/pushed"
wait "$across_pid"
cat "$work/across.out"
check "... a request on a connection from before it is still served (200), another listener's host still 421" \
  grep -q '^after 200 421' "$work/across.out"

# A TLS listener in Terminate mode on the same port: its TLSRoute's backend gets the
# decrypted bytes as they were sent (no proxy: no X-Forwarded-Proto added).
check "a TLS Terminate listener gets its own certificate" expect "CN = raw.example.com" subject -servername raw.example.com
raw_untouched() {
  local out
  out=$(get raw.example.com /echo)
  echo "$out" | head -4
  [ "$(echo "$out" | head -1)" = be2 ] && [[ $out != *X-Forwarded* ]]
}
check "... and relays the decrypted stream to its TLSRoute's backend (be2), untouched" raw_untouched
raw_download() {
  get raw.example.com -o "$work/raw" "/big?bytes=10000000"
  [ "$(sha256sum <"$work/raw" | cut -d' ' -f1)" = "$(lab_pattern_sha 10000000)" ]
}
# The bulk, rotation and impairment checks run with one worker only: bytes and pushes
# are no worker's business, and the two-worker run keeps to what two workers change
# (tickets any worker opens, handshakes and shares per worker).
one_worker() { [ "$workers" -eq 1 ]; }
one_worker && check "... 10 MB through it arrive byte-identical" raw_download
# The backend closes first (Connection: close): its FIN reaches the client, the client's
# close reaches the backend, and nothing is left half-closed on the backend.
raw_closed() {
  get raw.example.com -H 'Connection: close' / >/dev/null || return 1
  lab_wait_until 10 "the backend's side of the stream to close" \
    bash -c "[ -z \"\$(ip netns exec $(lab_ns be2) ss -Htn state fin-wait-2)\" ]"
}
check "... a stream the backend closes first closes on both sides" raw_closed
# And a passthrough listener on the same port: its ClientHello goes to the backend as it
# is. The backend speaks plain HTTP, so it answers the hello with a 400, which the client
# takes for a record of a wrong TLS version: proof that Portico did not terminate it.
passed_through() {
  handshake -servername pass.example.com >/dev/null
  grep -i 'wrong version number\|record layer failure\|packet length too long' "$work/s_client.err"
}
check "a TLS Passthrough listener on the same port passes the ClientHello through" passed_through

# Bulk both ways (BYTES each).
lab_impair client && lab_impair backend
download() {
  get shop.example.com --max-time 300 -o "$work/down" "/big?bytes=$1"
  [ "$(sha256sum <"$work/down" | cut -d' ' -f1)" = "$(lab_pattern_sha "$1")" ]
}
one_worker && check "a 50 MB download arrives byte-identical" download 50000000
upload() {
  head -c "$1" /dev/urandom >"$work/up"
  [ "$(get shop.example.com --max-time 300 --data-binary "@$work/up" /upload)" = "$(sha256sum <"$work/up" | cut -d' ' -f1)" ]
}
one_worker && check "a 20 MB upload arrives byte-identical" upload 20000000

# HTTP to HTTPS.
redirect() { in_client curl -s --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' http://shop.example.com/a?b=1; }
check "port 80 redirects to https" expect "301 https://shop.example.com/a?b=1" redirect
followed() { in_client curl -s -L --max-time 10 --cacert "$work/ca.crt" http://shop.example.com/; }
check "... and the redirect, followed, is served over HTTPS" expect be1 followed

# Resumption with the ticket of an earlier handshake (TLS 1.2: the ticket comes within it),
# eight times: with two workers each connection lands on either, so a ticket that only
# its own worker could open would fail about half of them.
resumed() {
  local i
  handshake -servername shop.example.com -tls1_2 -sess_out "$work/session" >/dev/null
  for i in $(seq 1 8); do
    handshake -servername shop.example.com -tls1_2 -sess_in "$work/session" | grep -q '^Reused' || return 1
  done
}
check "a session ticket resumes the session, 8 times of 8 (on any worker)" resumed

if one_worker; then
# The Secret rotated while a long download runs: the download finishes on the old
# certificate's session, and the next handshake gets the new certificate.
in_client curl -s --max-time 120 --limit-rate 5M --cacert "$work/ca.crt" -o "$work/long" \
  "https://shop.example.com/big?bytes=30000000" &
download_pid=$!
LAB_PIDS+=("$download_pid")
started() { [ "$(stat -c %s "$work/long" 2>/dev/null || echo 0)" -gt 1000000 ]; }
check "a long download is under way" lab_wait_until 20 "the download to start" started
fingerprint() { handshake -servername shop.example.com -sigalgs rsa_pss_rsae_sha256 | openssl x509 -noout -fingerprint; }
before=$(fingerprint)
certificate shop-rsa-new rsa shop.example.com
python3 - "$work" <<'PY'
import base64, sys
work = sys.argv[1]
b64 = lambda name: base64.b64encode(open(f"{work}/{name}", "rb").read()).decode()
path = f"{work}/manifests/lab.yaml"
text = open(path).read()
text = text.replace(b64("shop-rsa.crt"), b64("shop-rsa-new.crt")).replace(b64("shop-rsa.key"), b64("shop-rsa-new.key"))
open(path + ".new", "w").write(text)
PY
mv "$work/manifests/lab.yaml.new" "$work/manifests/lab.yaml"
rotated() { [ "$(fingerprint)" != "$before" ]; }
check "the next handshake gets the new certificate" lab_wait_until 30 "the new certificate to be served" rotated
check "... while the download was still running" kill -0 "$download_pid"
wait "$download_pid"
check "the download finished byte-identical on the old session" \
  test "$(sha256sum <"$work/long" | cut -d' ' -f1)" = "$(lab_pattern_sha 30000000)"
# The rotation was a push: every listener's context was built again.
reused_after_push() { handshake -servername shop.example.com -tls1_2 -sess_in "$work/session" | grep '^Reused'; }
check "a ticket issued before the push resumes after it" reused_after_push

# A bad edit of the Secret (a key that is not the certificate's): the listener keeps its
# last good certificate, and the control plane says why.
rotated_fp=$(fingerprint)
python3 - "$work" <<'PY'
import base64, sys
work = sys.argv[1]
b64 = lambda name: base64.b64encode(open(f"{work}/{name}", "rb").read()).decode()
path = f"{work}/manifests/lab.yaml"
text = open(path).read().replace(b64("shop-rsa-new.key"), b64("wild.key"))
open(path + ".new", "w").write(text)
PY
mv "$work/manifests/lab.yaml.new" "$work/manifests/lab.yaml"
check "a bad Secret edit is reported" lab_wait_until 30 "the control plane to report the bad Secret" grep -q \
  "listener shop: InvalidCertificateRef: Secret infra/shop-rsa: tls.key does not belong to tls.crt; serving its last good certificate" \
  "$work/cp.log"
check "... and the listener keeps serving its last good certificate" expect "$rotated_fp" fingerprint
check "... to requests too" expect be1 get shop.example.com /
fi

# Many handshakes at once: the budget (l7.tls.handshake_budget_us, 50 us here, less than
# one handshake) makes all but one per pass wait; every one of them completes.
burst() {
  local i ok=0 pids=()
  for i in $(seq 1 32); do
    get shop.example.com / >"$work/burst.$i" &
    pids+=($!)
  done
  wait "${pids[@]}"  # not a bare wait: the gateway's processes are children too
  for i in $(seq 1 32); do [ "$(cat "$work/burst.$i")" = be1 ] && ok=$((ok + 1)); done
  echo "$ok of 32 served"
  [ "$ok" -eq 32 ]
}
check "32 concurrent handshakes, past the per-pass budget, are all served" burst

# Handshakes a client never finishes (a ClientHello, then silence) from one address: each
# counts against the address once it is 100 ms old, and past the address's share (40 here)
# its oldest is reset. A client at another address, and its own, are served meanwhile.
ip -n "$client" addr add 192.0.2.50/24 dev pcl0
# client_hellos COUNT SOURCE hold|close: COUNT connections from address SOURCE, each
# sending a whole ClientHello for shop.example.com and never finishing the handshake:
# held open (until $work/stall.stop exists), or closed once the server has answered.
client_hellos() {
  in_client python3 - "$@" "$work/stall.stop" <<'PY'
import os, socket, ssl, sys, time
count, source, then, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
held = []
for i in range(count):
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="shop.example.com")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    s = socket.socket()
    s.settimeout(5)
    s.bind((source, 0))
    s.connect(("192.0.2.101", 443))
    s.sendall(outgoing.read())
    if then == "close":
        s.recv(100)
        s.close()
    else:
        held.append(s)
print("holding", len(held), flush=True)
while held and not os.path.exists(stop):
    time.sleep(0.1)
PY
}
client_hellos 100 192.0.2.50 hold >"$work/stall.out" 2>&1 &
stall_pid=$!
LAB_PIDS+=("$stall_pid")
evicted_before=$(lab_counter l7_heads_evicted "$(stats)")
stalled_evicted() {
  local n; n=$(lab_counter l7_heads_evicted "$(stats)")
  echo "heads evicted: $((n - evicted_before))"
  [ $((n - evicted_before)) -ge $((100 - 40 * workers)) ]
}
check "100 handshakes left unfinished by one address: all but its share (40 per worker) are reset" \
  lab_wait_until 30 "the unfinished handshakes past the share to be reset" stalled_evicted
check "... while another address is served" expect be1 get shop.example.com /
touch "$work/stall.stop"
wait "$stall_pid"

# Bad clients, then a good one.
garbage() { in_client bash -c 'head -c 3000 /dev/urandom >/dev/tcp/192.0.2.101/443'; }
garbage
# A whole ClientHello, then the client goes away in the middle of the handshake.
client_hellos 1 192.0.2.1 close >/dev/null
# Half a ClientHello, then the client goes away.
half_hello() {
  in_client python3 -c '
import socket
s = socket.create_connection(("192.0.2.101", 443), timeout=5)
s.sendall(bytes([0x16, 3, 1, 2, 0, 1, 0, 1, 0xfc, 3, 3]))
s.close()'
}
half_hello
check "after garbage and an aborted handshake, the next client is served" expect be1 get shop.example.com /
check "handshakes are counted (tls_handshakes)" test "$(lab_counter tls_handshakes "$(stats)")" -gt 10
check "and resumptions (tls_resumed)" test "$(lab_counter tls_resumed "$(stats)")" -ge 1
check "the failed ones too (tls_handshake_failed)" test "$(lab_counter drop.tls_handshake_failed "$(stats)")" -ge 1
check "and those that waited for the next pass (tls_handshakes_waited)" \
  test "$(lab_counter tls_handshakes_waited "$(stats)")" -ge 1
every_worker_terminated() {
  local w n
  stats >/dev/null
  for w in $(seq 0 $((workers - 1))); do
    n=$(lab_counter tls_handshakes "$(grep "^stats worker=$w " "$work/dp.log" | tail -n 1)")
    echo "worker $w: $n handshakes"
    [ "$n" -gt 0 ] || return 1
  done
}
check "every worker terminated TLS" every_worker_terminated

# TLS over impaired links (both the client's and the backends'), through the lab's
# impairment relays: records cut across lost, reordered and duplicated segments.
impaired() {
  local name=$1
  shift
  lab_impair client "$@" && lab_impair backend "$@" || return 1
  check "$name: 10 MB down over HTTPS arrive intact" download 10000000
  check "$name: 10 MB up over HTTPS arrive intact" upload 10000000
}
if one_worker; then
  impaired "1 % loss" --seed 21 --loss 0.01
  impaired "5 % loss" --seed 22 --loss 0.05
  impaired "5 % reordered by 2 ms" --seed 23 --reorder 0.05 --reorder-delay-us 2000
  impaired "5 % duplicated" --seed 24 --duplicate 0.05
  impaired "20 ms round trip" --delay-us 10000
  lab_impair client && lab_impair backend
fi

# Load: wrk over HTTPS, 16 kept-alive connections.
in_client wrk -t1 -c16 -d3s --timeout 10s https://shop.example.com/ >"$work/wrk" 2>&1
sed 's/^/# wrk: /' "$work/wrk"
check "wrk over HTTPS: requests served" grep -q 'requests in' "$work/wrk"
check "wrk over HTTPS: none failed ($(lab_wrk_failed "$work/wrk"))" test "$(lab_wrk_failed "$work/wrk")" -eq 0
lab_finish
