#!/usr/bin/env bash
# HTTPRoute filters and timeouts through a proxy-mode listener, with real Linux clients
# and servers, each checked on the request the backend received (an echo backend) and the
# response the client got: RequestHeaderModifier and ResponseHeaderModifier on a rule and
# on a backendRef; RequestRedirect (scheme, hostname, port, full path, prefix, status
# code); URLRewrite (hostname, full path, prefix); RequestMirror (the mirror backend gets
# the request, the client the real backend's answer); timeouts.request and
# timeouts.backendRequest (504); all of it again over one kept-alive connection.
# usage: http_filters.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
here=$(dirname "$0")
. "$here/../../scripts/lib/lab.sh"
lab_init "pflt$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

cat >"$work/routes.yaml" <<'YAML'
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: headers, namespace: apps}
spec:
  parentRefs: [{name: lab, namespace: infra}]
  hostnames: [headers.example.com]
  rules:
    - filters:
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set: [{name: X-Set, value: by-rule}]
            add: [{name: X-Add, value: added}]
            remove: [X-Remove]
        - type: ResponseHeaderModifier
          responseHeaderModifier:
            set: [{name: X-Backend, value: edited}]
            add: [{name: X-Response-Add, value: three}]
            remove: [X-Server-Note]
      backendRefs:
        - name: alpha
          port: 80
          filters:
            - type: RequestHeaderModifier
              requestHeaderModifier: {add: [{name: X-Backend-Ref, value: alpha}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: redirects, namespace: apps}
spec:
  parentRefs: [{name: lab, namespace: infra}]
  hostnames: [redirect.example.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /old}}]
      filters:
        - type: RequestRedirect
          requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}, statusCode: 301}
    - matches: [{path: {type: PathPrefix, value: /elsewhere}}]
      filters:
        - type: RequestRedirect
          requestRedirect: {hostname: other.example.com, port: 8080, path: {type: ReplaceFullPath, replaceFullPath: /landing}}
    - filters:
        - type: RequestRedirect
          requestRedirect: {scheme: https}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: rewrites, namespace: apps}
spec:
  parentRefs: [{name: lab, namespace: infra}]
  hostnames: [rewrite.example.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /api}}]
      filters:
        - type: URLRewrite
          urlRewrite: {hostname: internal.example.com, path: {type: ReplacePrefixMatch, replacePrefixMatch: /echo/v1}}
      backendRefs: [{name: beta, port: 80}]
    - matches: [{path: {type: Exact, value: /full}}]
      filters:
        - type: URLRewrite
          urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /echo/fixed}}
      backendRefs: [{name: beta, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: mirror, namespace: apps}
spec:
  parentRefs: [{name: lab, namespace: infra}]
  hostnames: [mirror.example.com]
  rules:
    - filters:
        - type: RequestMirror
          requestMirror: {backendRef: {name: gamma, port: 80}}
      backendRefs: [{name: alpha, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: timeouts, namespace: apps}
spec:
  parentRefs: [{name: lab, namespace: infra}]
  hostnames: [timeout.example.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /request}}]
      timeouts: {request: 500ms}
      backendRefs: [{name: alpha, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /backend}}]
      timeouts: {request: 5s, backendRequest: 300ms}
      backendRefs: [{name: alpha, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: gamma, namespace: apps}
spec:
  parentRefs: [{name: lab, namespace: infra}]
  hostnames: [gamma.example.com]
  rules: [{backendRefs: [{name: gamma, port: 80}]}]
YAML

export LAB_BACKENDS=3 LAB_MANIFESTS="$work/routes.yaml"
if ! lab_gateway "$work" "$DATAPLANE" "$WORKERS" "{}"; then
  echo "Bail out! the gateway did not start"
  exit 1
fi
client=$(lab_ns client)
in_client() { ip netns exec "$client" "$@"; }
check "the gateway answers" lab_wait_http client http://192.0.2.100/

# One request: the head and body the client got, in $work/out (curl -i).
get() {
  in_client curl -s -i --max-time 10 "$@" >"$work/out" 2>&1
}
has() { grep -qi "^$1" "$work/out" || { echo "missing: $1"; cat "$work/out"; false; }; }
hasnt() { ! grep -qi "^$1" "$work/out" || { echo "present: $1"; cat "$work/out"; false; }; }

header_filters() {
  get -H "Host: headers.example.com" -H "X-Set: from-client" -H "X-Remove: please" -H "X-Keep: yes" \
    http://192.0.2.100/echo/h || return 1
  # What the backend received...
  has "X-Set: by-rule" && hasnt "X-Set: from-client" && has "X-Add: added" && hasnt "X-Remove" &&
    has "X-Keep: yes" && has "X-Backend-Ref: alpha" &&
    # ...and what the client got.
    has "X-Backend: edited" && has "X-Response-Add: three" && hasnt "X-Server-Note" && has "be1"
}
check "RequestHeaderModifier (rule and backendRef) and ResponseHeaderModifier edit both heads" header_filters

redirects() {
  get -H "Host: redirect.example.com" "http://192.0.2.100/old/page?x=1" || return 1
  has "HTTP/1.1 301" && has "Location: http://redirect.example.com/new/page?x=1" || return 1
  get -H "Host: redirect.example.com" "http://192.0.2.100/elsewhere/a" || return 1
  has "HTTP/1.1 302" && has "Location: http://other.example.com:8080/landing" || return 1
  get -H "Host: redirect.example.com:80" "http://192.0.2.100/secure?y=2" || return 1
  has "HTTP/1.1 302" && has "Location: https://redirect.example.com/secure?y=2"
}
check "RequestRedirect: prefix with 301, hostname, port and full path, scheme https on its own port" redirects

rewrites() {
  get -H "Host: rewrite.example.com" "http://192.0.2.100/api/items?q=1" || return 1
  has "GET /echo/v1/items?q=1 HTTP/1.1" && has "Host: internal.example.com" &&
    has "X-Forwarded-Host: rewrite.example.com" && has "be2" || return 1
  get -H "Host: rewrite.example.com" "http://192.0.2.100/full" || return 1
  has "GET /echo/fixed HTTP/1.1" && has "Host: rewrite.example.com"
}
check "URLRewrite: hostname and path prefix, full path" rewrites

mirrored() {
  get -H "Host: mirror.example.com" "http://192.0.2.100/echo/mirror-$$" || return 1
  has "be1" || return 1
  seen() { in_client curl -s --max-time 5 -H "Host: gamma.example.com" http://192.0.2.100/seen | grep -q "/echo/mirror-$$"; }
  lab_wait_until 10 "the mirror backend receiving the request" seen
}
check "RequestMirror: the client gets the backend's answer and the mirror backend the request" mirrored

timeouts() {
  get -H "Host: timeout.example.com" "http://192.0.2.100/request/slow?ms=3000" || return 1
  has "HTTP/1.1 504" || return 1
  get -H "Host: timeout.example.com" "http://192.0.2.100/backend/slow?ms=3000" || return 1
  has "HTTP/1.1 504" || return 1
  get -H "Host: timeout.example.com" "http://192.0.2.100/request/slow?ms=10" || return 1
  has "HTTP/1.1 200"
}
check "timeouts.request and timeouts.backendRequest answer 504; a fast answer is not cut" timeouts

kept_alive() {
  in_client python3 - <<'PY'
import http.client
conn = http.client.HTTPConnection("192.0.2.100", 80, timeout=10)
cases = [
    ("headers.example.com", "/echo/k", lambda r, b: r.getheader("X-Backend") == "edited" and b"X-Set: by-rule" in b),
    ("redirect.example.com", "/old/k", lambda r, b: r.status == 301 and r.getheader("Location") == "http://redirect.example.com/new/k"),
    ("rewrite.example.com", "/api/k", lambda r, b: b"GET /echo/v1/k HTTP/1.1" in b),
    ("mirror.example.com", "/echo/k", lambda r, b: r.getheader("X-Backend") == "be1"),
    ("timeout.example.com", "/request/slow?ms=2000", lambda r, b: r.status == 504),
    ("app.example.com", "/echo/k", lambda r, b: r.getheader("X-Backend") == "be1" and r.getheader("X-Server-Note") is not None),
]
for n in range(3):
    for host, path, ok in cases:
        conn.request("GET", path, headers={"Host": host})
        r = conn.getresponse()
        body = r.read()
        assert ok(r, body), (n, host, path, r.status, r.getheaders(), body[:300])
print("18 requests with filters on one connection")
PY
}
check "the same filters over one kept-alive connection, request after request" kept_alive

counted() {
  local stats; stats=$(lab_dataplane_stats "$work/dp.log")
  [ "$(lab_counter http_mirrored "$stats")" -gt 0 ] && [ "$(lab_counter drop.http_request_timeout "$stats")" -gt 0 ]
}
check "the dataplane counted the mirrored requests and the timeouts" counted
[ "$LAB_FAILURES" -gt 0 ] && sed 's/^/# dp: /' "$work/dp.log" | tail -20 && sed 's/^/# cp: /' "$work/cp.log" | tail -20
lab_finish
