#!/usr/bin/env python3
"""Writes a Kubernetes List of N HTTPRoutes with their Services and EndpointSlices (5
endpoints each) on Gateway infra/gw, for tests/k8s/fake_apiserver.py's /fake/load.
usage: k8s_cluster.py ROUTES > list.json"""
import json
import sys

routes = int(sys.argv[1])
items = [
    {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": {"name": "portico"},
     "spec": {"controllerName": "portico.dev/gateway-controller"}},
    {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": "infra"},
     "spec": {"gatewayClassName": "portico", "addresses": [{"type": "IPAddress", "value": "192.0.2.100"}],
              "listeners": [{"name": "http", "port": 80, "protocol": "HTTP", "hostname": "*.example.com",
                             "allowedRoutes": {"namespaces": {"from": "All"}}}]}},
]
for i in range(routes):
    name, ns = "r%d" % i, "ns%d" % (i % 100)
    items.append({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                  "metadata": {"name": name, "namespace": ns},
                  "spec": {"parentRefs": [{"name": "gw", "namespace": "infra"}], "hostnames": [name + ".example.com"],
                           "rules": [{"backendRefs": [{"name": name, "port": 80}]}]}})
    items.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
                  "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
    endpoints = [{"addresses": ["198.51.%d.%d" % (100 + (i * 5 + e) // 250 % 2, (i * 5 + e) % 250 + 1)],
                  "conditions": {"ready": True}} for e in range(5)]
    items.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                  "metadata": {"name": name + "-1", "namespace": ns, "labels": {"kubernetes.io/service-name": name}},
                  "addressType": "IPv4", "ports": [{"name": "http", "port": 8080}], "endpoints": endpoints})
json.dump({"kind": "List", "apiVersion": "v1", "items": items}, sys.stdout)
