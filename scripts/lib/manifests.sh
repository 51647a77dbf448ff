# Gateway API manifests for the lab tests and the end-to-end benchmark, written to stdout
# as YAML documents. Source it. Gateways live in namespace "infra", everything else in
# "apps"; listeners allow routes from all namespaces.

manifest_gatewayclass() {
  cat <<'YAML'
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
YAML
}

# manifest_gateway NAME ADDRESS [LISTENERS] [ANNOTATIONS]: LISTENERS is a YAML flow list;
# by default one HTTP listener "http" on port 80 for any hostname. ANNOTATIONS is a YAML
# flow map.
manifest_gateway() {
  local listeners='[{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]'
  [ -n "${3:-}" ] && listeners=$3
  cat <<YAML
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: $1, namespace: infra, annotations: ${4:-{\}}}
spec:
  gatewayClassName: portico
  addresses: [{type: IPAddress, value: $2}]
  listeners: $listeners
YAML
}

# manifest_service NAME PORT TARGET_PORT ADDRESS [READY]: a Service and its EndpointSlice
# with one endpoint.
manifest_service() {
  cat <<YAML
---
apiVersion: v1
kind: Service
metadata: {name: $1, namespace: apps}
spec: {ports: [{name: p, port: $2, targetPort: $3}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: $1-1, namespace: apps, labels: {kubernetes.io/service-name: $1}}
addressType: IPv4
ports: [{name: p, port: $3}]
endpoints: [{addresses: [$4], conditions: {ready: ${5:-true}}}]
YAML
}

# manifest_route KIND NAME GATEWAY HOST SERVICE PORT [SECTION]: an HTTPRoute or TLSRoute
# sending HOST to SERVICE:PORT.
manifest_route() {
  local section=""
  [ -n "${7:-}" ] && section=", sectionName: $7"
  cat <<YAML
---
apiVersion: gateway.networking.k8s.io/$([ "$1" = TLSRoute ] && echo v1alpha2 || echo v1)
kind: $1
metadata: {name: $2, namespace: apps}
spec:
  parentRefs: [{name: $3, namespace: infra$section}]
  hostnames: ["$4"]
  rules: [{backendRefs: [{name: $5, port: $6}]}]
YAML
}
