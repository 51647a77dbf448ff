#!/usr/bin/env bash
# Moving from Ingress: the control plane serves Ingress objects of class
# portico.dev/ingress-controller on 192.0.2.130 (controlplane.yaml `ingress:`), and
# `porticoctl migrate-ingress` converts the same objects into a Gateway on 192.0.2.131 and
# its HTTPRoutes, which the control plane serves too. Real clients get the same answers
# from both addresses for a set of requests (hosts, wildcard, paths, the default backend,
# a rewrite, a header filter, a tls host served over HTTPS with its Secret's certificate
# and redirected from HTTP); porticoctl status names the Ingresses' address, and
# porticoctl explain --compare-ingress finds both decisions the same.
# usage: ingress.sh PATH/TO/portico-dataplane [WORKER_LCORES]
set -u
DATAPLANE=$1
WORKERS=${2:-[1]}
CTL="$(dirname "$DATAPLANE")/../controlplane/porticoctl"
. "$(dirname "$0")/../../scripts/lib/lab.sh"
lab_init "pin$$"
work=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$work"' EXIT

# A certificate for secure.example.com, as the Secret an Ingress's tls section names.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=secure.example.com \
  -addext subjectAltName=DNS:secure.example.com -keyout "$work/secure.key" -out "$work/secure.crt" >/dev/null 2>&1
cat >"$work/secure.yaml" <<YAML
---
apiVersion: v1
kind: Secret
metadata: {name: secure-cert, namespace: apps}
type: kubernetes.io/tls
data: {tls.crt: $(base64 -w0 <"$work/secure.crt"), tls.key: $(base64 -w0 <"$work/secure.key")}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: secure, namespace: apps}
spec:
  ingressClassName: portico
  tls: [{hosts: [secure.example.com], secretName: secure-cert}]
  rules:
  - host: secure.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: beta, port: {number: 80}}}}]}
YAML
cat >"$work/ingress.yaml" <<'YAML'
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: portico}
spec: {controller: portico.dev/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: apps
  annotations:
    nginx.ingress.kubernetes.io/configuration-snippet: 'more_set_headers "X-Served-By: portico";'
spec:
  ingressClassName: portico
  defaultBackend: {service: {name: alpha, port: {number: 80}}}
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: beta, port: {name: p}}}}
      - {path: /, pathType: Prefix, backend: {service: {name: alpha, port: {number: 80}}}}
  - host: '*.example.org'
    http:
      paths: [{path: /, pathType: ImplementationSpecific, backend: {service: {name: beta, port: {number: 80}}}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: legacy
  namespace: apps
  annotations: {nginx.ingress.kubernetes.io/rewrite-target: /echo, nginx.ingress.kubernetes.io/auth-url: 'http://auth.example/check'}
spec:
  ingressClassName: portico
  rules:
  - host: legacy.example.com
    http: {paths: [{path: /old, pathType: Prefix, backend: {service: {name: alpha, port: {number: 80}}}}]}
YAML
cat "$work/secure.yaml" >>"$work/ingress.yaml"

if ! LAB_BACKENDS=2 LAB_MANIFESTS="$work/ingress.yaml" \
  LAB_CONTROLPLANE_YAML="ingress: {gateway: infra/ingress, addresses: [192.0.2.130]}" \
  lab_gateway "$work" "$DATAPLANE" "$WORKERS" "{}"; then
  echo "Bail out! the gateway did not come up"
  exit 1
fi
client=$(lab_ns client)

"$CTL" migrate-ingress --manifests "$work/manifests" --gateway infra/migrated --address 192.0.2.131 \
  >"$work/migrated.yaml" 2>"$work/migrate.err"
check "migrate-ingress writes a Gateway and HTTPRoutes" \
  bash -c "grep -q '^kind: Gateway' '$work/migrated.yaml' && [ \$(grep -c '^kind: HTTPRoute' '$work/migrated.yaml') -ge 3 ]"
check "... and says what did not carry over (auth-url)" grep -q "auth-url: not carried over" "$work/migrate.err"
cp "$work/migrated.yaml" "$work/manifests/migrated.yaml"
check "the control plane serves the converted objects beside the Ingresses" lab_wait_until 30 "version 2 programmed" \
  grep -q "programmed: every dataplane serves version 2" "$work/cp.log"

# answer ADDRESS HOST PATH: the status, the X-Served-By header and the body, on one line.
answer() {
  ip netns exec "$client" curl -s --max-time 5 -D "$work/h" -H "Host: $2" "http://$1$3" -o "$work/b" \
    -w '%{http_code}' || echo -n 000
  echo -n " $(tr -d '\r' <"$work/h" | sed -n 's/^[Xx]-[Ss]erved-[Bb]y: //p')"
  echo " $(grep -v -i '^x-forwarded\|^forwarded' "$work/b" | tr '\n' '|')"
}
same() {  # same HOST PATH EXPECTED: both addresses answer alike, starting "EXPECTED"
  local a b
  a=$(answer 192.0.2.130 "$1" "$2")
  b=$(answer 192.0.2.131 "$1" "$2")
  echo "Ingress: $a"
  echo "HTTPRoutes: $b"
  [ "$a" = "$b" ] && [[ $a == "$3"* ]]
}
check "shop.example.com / answers alike (be1, the snippet's response header)" same shop.example.com / "200 portico be1"
check "shop.example.com /api/orders alike (be2)" same shop.example.com /api/orders "200 portico be2"
check "shop.example.com /apiary alike (be1: Prefix is whole path elements)" same shop.example.com /apiary "200 portico be1"
check "a.example.org alike (be2, the wildcard rule)" same a.example.org / "200 portico be2"
# The default backend is not one of the Ingress's locations: no snippet there.
check "an unknown host alike (be1, the default backend)" same unknown.example.net /x "200  be1"
check "a known host's unknown path alike (be1: the default backend takes what no rule does)" same legacy.example.com /nothing "200  be1"
legacy() {
  local a b
  a=$(answer 192.0.2.130 legacy.example.com /old/page)
  b=$(answer 192.0.2.131 legacy.example.com /old/page)
  echo "Ingress: $a"
  echo "HTTPRoutes: $b"
  [ "$a" = "$b" ] && [[ $a == *"GET /echo HTTP/1.1"* ]]
}
check "legacy.example.com /old/page is rewritten to /echo alike" legacy

secure() {  # both addresses: HTTP redirects to HTTPS (308), HTTPS serves be2 with the Secret's certificate
  local ip http https
  for ip in 192.0.2.130 192.0.2.131; do
    http=$(ip netns exec "$client" curl -s --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' \
      -H 'Host: secure.example.com' "http://$ip/cart")
    https=$(ip netns exec "$client" curl -s --max-time 5 --cacert "$work/secure.crt" \
      --resolve "secure.example.com:443:$ip" https://secure.example.com/)
    echo "$ip: HTTP $http, HTTPS $https"
    [ "$http" = "308 https://secure.example.com/cart" ] && [ "$https" = be2 ] || return 1
  done
}
check "a tls host: HTTP redirects with 308 and HTTPS serves it with the Secret's certificate, alike" secure

status_names() {
  "$CTL" status --manifests "$work/manifests" --config "$work/controlplane.yaml" 2>/dev/null >"$work/status.json"
  python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
ing = [o for o in s if o["kind"] == "Ingress"]
print(ing)
assert {o["name"] for o in ing} == {"apps/shop", "apps/legacy", "apps/secure"}
assert all(o["addresses"] == ["192.0.2.130"] for o in ing)' "$work/status.json"
}
check "porticoctl status gives both Ingresses the address 192.0.2.130" status_names
compare() {
  "$CTL" explain --manifests "$work/manifests" --config "$work/controlplane.yaml" --compare-ingress yes \
    --gateway infra/migrated --port 80 --host shop.example.com --path /api/x 2>/dev/null | tee "$work/compare.json"
  grep -q '"same":true' "$work/compare.json"
}
check "porticoctl explain --compare-ingress finds the two decisions the same" compare
lab_finish
