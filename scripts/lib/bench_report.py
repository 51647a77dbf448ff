#!/usr/bin/env python3
"""Measurement helpers of scripts/bench.sh: one figure as a JSON line, wrk's report read
into figures, the results table, and the chart of each packet path against its floor.

usage:
  bench_report.py figure NAME VALUE UNIT FLOOR|null CONDITIONS
  bench_report.py wrk GATEWAY MODE REPORT BUSY_MS CONDITIONS
  bench_report.py table RESULTS
  bench_report.py markdown RESULTS     (the results table of docs/benchmarks.md)
  bench_report.py chart RESULTS PNG
"""
import json
import re
import subprocess
import sys
import tempfile

_UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def figure(name, value, unit, floor, conditions):
    """One result in bench.sh's JSON-lines format; the ratio is value / floor."""
    ratio = None
    if floor is not None:
        ratio = round(value / floor, 4) if floor > 0 else 0.0
    return json.dumps({"name": name, "value": value, "unit": unit, "floor": floor, "ratio": ratio,
                       "conditions": conditions})


def _duration_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"wrk: unreadable duration {text!r}")
    return float(m.group(1)) * _UNIT_MS[m.group(2)]


def parse_wrk(report):
    """The figures of one `wrk --latency` report: requests, requests per second, latency
    percentiles in milliseconds, and every failed request (socket errors, non-2xx)."""
    m = re.search(r"^\s*(\d+) requests in ([0-9.]+\w+)", report, re.M)
    rps = re.search(r"^Requests/sec:\s*([0-9.]+)", report, re.M)
    if not m or not rps:
        raise ValueError("wrk: the report has no request count")
    latency = {int(p): _duration_ms(v)
               for p, v in re.findall(r"^\s*(50|75|90|99)%\s+([0-9.]+\w+)", report, re.M)}
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", report))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    if non2xx:
        errors += int(non2xx.group(1))
    return {"requests": int(m.group(1)), "seconds": _duration_ms(m.group(2)) / 1e3, "rps": float(rps.group(1)),
            "latency_ms": latency, "errors": errors}


def wrk_figures(gateway, mode, report, busy_ms, conditions):
    """e2e.GATEWAY.* figures of one run. busy_ms is the CPU time the gateway spent over the
    run, so its cost per 1 000 requests compares gateways whatever their request rate."""
    r = parse_wrk(report)
    prefix = f"e2e.{gateway}"
    out = [figure(f"{prefix}.rps_{mode}", r["rps"], "req/s", None, conditions)]
    for p in (50, 99):
        if p in r["latency_ms"]:
            out.append(figure(f"{prefix}.latency_p{p}_ms_{mode}", r["latency_ms"][p], "ms", None, "same run"))
    out.append(figure(f"{prefix}.errors_{mode}", r["errors"], "requests", None,
                      "socket errors and non-2xx answers, same run"))
    if r["requests"] > 0:
        per_1k = busy_ms / (r["requests"] / 1000)
        # The keep-alive figure is the one issue 7 names without a suffix.
        name = f"{prefix}.cpu_ms_per_1k_req" + ("" if mode == "keepalive" else f"_{mode}")
        out.append(figure(name, round(per_1k, 4), "ms", None, "gateway CPU time per 1 000 requests, same run"))
    return out


def table(rows):
    lines = [f'{"figure":<44} {"value":>12} {"unit":<8} {"floor":>10} {"ratio":>8}']
    for r in rows:
        floor = "" if r["floor"] is None else f'{r["floor"]:g}'
        ratio = "" if r["ratio"] is None else f'{r["ratio"]:.3f}'
        lines.append(f'{r["name"]:<44} {r["value"]:>12g} {r["unit"]:<8} {floor:>10} {ratio:>8}')
    return "\n".join(lines)


def markdown(rows):
    def number(v):
        return f"{v:,.0f}" if abs(v) >= 1e5 else f"{v:.4g}"
    lines = ["| figure | value | unit | floor | ratio |", "|---|---:|---|---:|---:|"]
    for r in rows:
        floor = "" if r["floor"] is None else number(r["floor"])
        ratio = "" if r["ratio"] is None else f'{r["ratio"]:.3f}'
        lines.append(f'| `{r["name"]}` | {number(r["value"])} | {r["unit"]} | {floor} | {ratio} |')
    return "\n".join(lines)


# Packet paths drawn against the forwarding floor, in the chart's order, with the factor
# that turns each figure into millions of packets per second (a new flow is one SYN).
CHART_PATHS = [
    ("floor.testpmd_io.mpps_per_core", "testpmd io (floor)", 1),
    ("floor.testpmd_macswap.mpps_per_core", "testpmd macswap", 1),
    ("arp.replies.mpps_per_core", "ARP replies", 1),
    ("l4.established.mpps_per_core", "L4 established", 1),
    ("l4.new_flows.per_s_per_core", "L4 new flows (SYNs)", 1e-6),
]


def chart_data(rows):
    by_name = {r["name"]: r for r in rows}
    return [(label, by_name[name]["value"] * scale) for name, label, scale in CHART_PATHS if name in by_name]


def chart(rows, png):
    data = chart_data(rows)
    if not data:
        raise ValueError("chart: no packet-rate figure in the results")
    with tempfile.NamedTemporaryFile("w", suffix=".dat") as dat:
        for label, value in data:
            dat.write(f'"{label}" {value}\n')
        dat.flush()
        script = f"""
set terminal png size 800,480
set output "{png}"
set title "Packets per second per core, against the testpmd io floor (same run)"
set ylabel "Mpps per core"
set yrange [0:*]
set style fill solid 0.6
set boxwidth 0.6
set grid ytics
unset key
plot "{dat.name}" using 0:2:xtic(1) with boxes, "" using 0:2:(sprintf("%.2f", $2)) with labels offset 0,1
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)


def _rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "figure" and len(argv) == 7:
        floor = None if argv[5] == "null" else float(argv[5])
        print(figure(argv[2], float(argv[3]), argv[4], floor, argv[6]))
    elif cmd == "wrk" and len(argv) == 7:
        with open(argv[4]) as f:
            print("\n".join(wrk_figures(argv[2], argv[3], f.read(), float(argv[5]), argv[6])))
    elif cmd == "table" and len(argv) == 3:
        print(table(_rows(argv[2])))
    elif cmd == "markdown" and len(argv) == 3:
        print(markdown(_rows(argv[2])))
    elif cmd == "chart" and len(argv) == 4:
        chart(_rows(argv[2]), argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (ValueError, OSError) as e:
        print(f"bench_report: {e}", file=sys.stderr)
        sys.exit(1)
