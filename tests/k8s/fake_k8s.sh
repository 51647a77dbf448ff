# Helpers around tests/k8s/fake_apiserver.py for the k8s tests and the benchmark: start
# and stop it (its CA, certificate and token made once per work folder; objects kept
# across a restart), a kubeconfig pointing at it, requests with its token, and builders
# for the objects the tests create. Source it; needs python3, openssl and curl.

FAKE_K8S_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FAKE_K8S_PID=""

# fake_k8s_start WORK: starts the server (on a free port the first time, the same one
# after) and writes WORK/kubeconfig.
fake_k8s_start() {
  FAKE_K8S_WORK=$1
  local w=$1
  if [ ! -f "$w/k8s-ca.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=fake-k8s-ca -keyout "$w/k8s-ca.key" \
      -out "$w/k8s-ca.crt" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$w/k8s.key" -out "$w/k8s.csr" >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1\n' >"$w/k8s.ext"
    openssl x509 -req -in "$w/k8s.csr" -CA "$w/k8s-ca.crt" -CAkey "$w/k8s-ca.key" -CAcreateserial -days 2 \
      -extfile "$w/k8s.ext" -out "$w/k8s.crt" >/dev/null 2>&1
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$w/k8s.token"
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$w/k8s.port"
    cat >"$w/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: fake
    cluster: {server: "https://127.0.0.1:$(cat "$w/k8s.port")", certificate-authority: k8s-ca.crt}
users:
  - name: portico
    user: {tokenFile: k8s.token}
contexts:
  - name: fake
    context: {cluster: fake, user: portico, namespace: portico-system}
current-context: fake
YAML
  fi
  python3 "$FAKE_K8S_DIR/fake_apiserver.py" --port "$(cat "$w/k8s.port")" --cert "$w/k8s.crt" --key "$w/k8s.key" \
    --token "$(cat "$w/k8s.token")" --state "$w/k8s-state.json" >>"$w/fake-apiserver.log" 2>&1 &
  FAKE_K8S_PID=$!
  LAB_PIDS+=("$FAKE_K8S_PID")
  for _ in $(seq 1 50); do
    k8s_api GET /api/v1/namespaces >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "fake API server did not start:" >&2
  cat "$w/fake-apiserver.log" >&2
  return 1
}

# Stops it; it saves its objects for the next fake_k8s_start.
fake_k8s_stop() { lab_stop_pid "$FAKE_K8S_PID"; }

# What a subshell (bash -c) needs to call k8s_api.
fake_k8s_env() { echo "FAKE_K8S_WORK='$FAKE_K8S_WORK'"; }

# k8s_api METHOD PATH [JSON]: the answer's body on stdout; fails on an HTTP error.
k8s_api() {
  local w=$FAKE_K8S_WORK
  curl -sS --fail-with-body --cacert "$w/k8s-ca.crt" -H "Authorization: Bearer $(cat "$w/k8s.token")" \
    -H 'Content-Type: application/json' -X "$1" ${3:+--data-binary "$3"} \
    "https://127.0.0.1:$(cat "$w/k8s.port")$2"
}

# The collection path of an object given as JSON.
k8s_collection() {
  python3 -c '
import json, sys
o = json.loads(sys.argv[1])
group, _, version = o["apiVersion"].rpartition("/")
plural = {"GatewayClass": "gatewayclasses", "Gateway": "gateways", "HTTPRoute": "httproutes", "TLSRoute": "tlsroutes",
          "TCPRoute": "tcproutes", "UDPRoute": "udproutes",
          "ReferenceGrant": "referencegrants", "Service": "services", "EndpointSlice": "endpointslices",
          "Namespace": "namespaces", "Secret": "secrets", "Ingress": "ingresses", "IngressClass": "ingressclasses"}[o["kind"]]
base = "/apis/%s/%s" % (group, version) if group else "/api/" + version
ns = o["metadata"].get("namespace")
print(base + ("/namespaces/" + ns if ns else "") + "/" + plural)' "$1"
}
k8s_create() { k8s_api POST "$(k8s_collection "$1")" "$1" >/dev/null; }
k8s_replace() { k8s_api PUT "$1" "$2" >/dev/null; }

k8s_gatewayclass() {
  printf '{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": {"name": "%s"}, "spec": {"controllerName": "portico.dev/gateway-controller"}}' "$1"
}
# k8s_gateway NS NAME ADDRESS LISTENERS_JSON
k8s_gateway() {
  printf '{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "%s", "namespace": "%s"}, "spec": {"gatewayClassName": "portico", "addresses": [{"type": "IPAddress", "value": "%s"}], "listeners": %s}}' "$2" "$1" "$3" "$4"
}
# k8s_httproute NS NAME HOSTNAME SERVICE: to Gateway infra/gw, port 80 of SERVICE
k8s_httproute() {
  printf '{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "%s", "namespace": "%s"}, "spec": {"parentRefs": [{"name": "gw", "namespace": "infra"}], "hostnames": ["%s"], "rules": [{"backendRefs": [{"name": "%s", "port": 80}]}]}}' "$2" "$1" "$3" "$4"
}
k8s_service() {
  printf '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "%s", "namespace": "%s"}, "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}' "$2" "$1"
}
# k8s_endpointslice NS SERVICE ADDRESS...: slice SERVICE-1, every address ready
k8s_endpointslice() {
  local ns=$1 svc=$2 eps="" a; shift 2
  for a in "$@"; do eps="$eps${eps:+, }{\"addresses\": [\"$a\"], \"conditions\": {\"ready\": true}}"; done
  printf '{"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "%s-1", "namespace": "%s", "labels": {"kubernetes.io/service-name": "%s"}}, "addressType": "IPv4", "ports": [{"name": "http", "port": 8080}], "endpoints": [%s]}' "$svc" "$ns" "$svc" "$eps"
}
# fake_k8s_tls_secret NS NAME WORK: a kubernetes.io/tls Secret with a fresh certificate
fake_k8s_tls_secret() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=*.example.com" -keyout "$3/$2.key" -out "$3/$2.crt" \
    >/dev/null 2>&1
  k8s_create "$(printf '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "%s", "namespace": "%s"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "%s", "tls.key": "%s"}}' \
    "$2" "$1" "$(base64 -w0 "$3/$2.crt")" "$(base64 -w0 "$3/$2.key")")"
}
