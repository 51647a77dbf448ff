#!/usr/bin/env bash
# Installs what Portico needs from Debian 12's packages, then configures and builds build/.
# Idempotent: quiet when everything is already present.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # build
  build-essential pkg-config meson ninja-build
  # data plane (dpdk-dev carries dpdk-testpmd, the forwarding floor and traffic source)
  libdpdk-dev dpdk dpdk-dev libhyperscan-dev libpcap-dev libnuma-dev libxxhash-dev
  # control plane and API
  libssl-dev libyaml-cpp-dev libyaml-dev nlohmann-json3-dev libcpp-httplib-dev libsystemd-dev libcurl4-openssl-dev libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # the sanitizer build and the fuzzers (scripts/sanitize.sh): clang, its runtimes
  # (ASan, UBSan, libFuzzer) and the symbolizer that names the frames of a report
  clang libclang-rt-14-dev llvm
  # lab: namespaces, clients
  iproute2 iputils-ping iputils-arping ethtool procps python3 curl openssl
  # attacks in the lab: SYN floods
  hping3
  # benchmarks: NGINX as the reverse proxy Portico is compared with (and the backend),
  # wrk as the HTTP load, gnuplot for the chart
  nginx wrk gnuplot-nox
  # BGP: GoBGP as the speaker (its .proto files generate the control plane's client),
  # BIRD 2 as the lab's router
  gobgpd golang-github-osrg-gobgp-dev bird2
  # metrics: promtool checks the exposition and a Prometheus server scrapes the daemons
  prometheus
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages (${missing[*]}); run as root to install them" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Packages with a service (nginx, bird2) must not start it: the benchmarks run their own
  # instances inside lab namespaces. policy-rc.d is Debian's way to say so.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    own_policy=1
  fi
  status=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  if [ $own_policy -eq 1 ]; then rm -f "$policy"; fi
  [ $status -eq 0 ] || exit $status
fi

if [ ! -f build/build.ninja ]; then
  # -O3 with link-time optimisation (the per-packet path crosses many small files) and
  # debug info. The unit, packet and fuzz suites are built by scripts/sanitize.sh
  # instead, under the sanitizers.
  meson setup build -Dbuildtype=release -Ddebug=true -Db_lto=true -Dunit_tests=false >/dev/null
fi
ninja -C build -j2 >/dev/null || ninja -C build -j1
