"""Unit tests of scripts/lib/bench_report.py, the measurement helpers of bench.sh."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts", "lib"))
import bench_report  # noqa: E402

# A real report of wrk 4.1.0 (Debian 12), with failed requests.
WRK_REPORT = """Running 1s test @ http://127.0.0.1:8000/nonexistent
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.00ms    1.73ms  22.18ms   98.03%
    Req/Sec     2.13k   322.36     2.54k    63.64%
  Latency Distribution
     50%  731.00us
     75%    2.07ms
     90%    2.53ms
     99%    1.20s
  2335 requests in 1.10s, 1.16MB read
  Socket errors: connect 1, read 2, write 3, timeout 4
  Non-2xx or 3xx responses: 2335
Requests/sec:   2123.08
Transfer/sec:      1.05MB
"""


class ParseWrk(unittest.TestCase):
    def test_reads_counts_rate_and_percentiles_in_ms(self):
        r = bench_report.parse_wrk(WRK_REPORT)
        self.assertEqual(r["requests"], 2335)
        self.assertAlmostEqual(r["seconds"], 1.10)
        self.assertAlmostEqual(r["rps"], 2123.08)
        self.assertAlmostEqual(r["latency_ms"][50], 0.731)
        self.assertAlmostEqual(r["latency_ms"][75], 2.07)
        self.assertAlmostEqual(r["latency_ms"][99], 1200.0)

    def test_counts_socket_errors_and_non_2xx_as_failures(self):
        self.assertEqual(bench_report.parse_wrk(WRK_REPORT)["errors"], 1 + 2 + 3 + 4 + 2335)

    def test_a_clean_run_has_no_failures(self):
        clean = "\n".join(l for l in WRK_REPORT.splitlines() if "errors" not in l and "Non-2xx" not in l)
        self.assertEqual(bench_report.parse_wrk(clean)["errors"], 0)

    def test_a_report_without_results_is_an_error(self):
        with self.assertRaisesRegex(ValueError, "no request count"):
            bench_report.parse_wrk("unable to connect to 192.0.2.100:80 Connection refused\n")


class Figures(unittest.TestCase):
    def test_ratio_is_value_over_floor(self):
        f = json.loads(bench_report.figure("l4.established.mpps_per_core", 3.0, "Mpps", 4.0, "c"))
        self.assertEqual(f, {"name": "l4.established.mpps_per_core", "value": 3.0, "unit": "Mpps", "floor": 4.0,
                             "ratio": 0.75, "conditions": "c"})

    def test_no_floor_no_ratio(self):
        f = json.loads(bench_report.figure("flow.bytes_per_flow", 123, "bytes", None, "c"))
        self.assertIsNone(f["floor"])
        self.assertIsNone(f["ratio"])

    def test_a_zero_floor_gives_a_zero_ratio_not_a_crash(self):
        self.assertEqual(json.loads(bench_report.figure("x", 1, "u", 0.0, "c"))["ratio"], 0.0)

    def test_wrk_figures_cost_per_1k_requests(self):
        rows = [json.loads(l) for l in bench_report.wrk_figures("nginx", "keepalive", WRK_REPORT, 467.0, "c")]
        by_name = {r["name"]: r["value"] for r in rows}
        self.assertAlmostEqual(by_name["e2e.nginx.rps_keepalive"], 2123.08)
        # 467 ms over 2 335 requests: 200 ms per 1 000.
        self.assertAlmostEqual(by_name["e2e.nginx.cpu_ms_per_1k_req"], 200.0)
        self.assertEqual(by_name["e2e.nginx.errors_keepalive"], 1 + 2 + 3 + 4 + 2335)
        self.assertAlmostEqual(by_name["e2e.nginx.latency_p99_ms_keepalive"], 1200.0)

    def test_close_figures_carry_the_mode_in_every_name(self):
        names = [json.loads(l)["name"] for l in bench_report.wrk_figures("portico", "close", WRK_REPORT, 1, "c")]
        self.assertIn("e2e.portico.rps_close", names)
        self.assertIn("e2e.portico.cpu_ms_per_1k_req_close", names)


class Tables(unittest.TestCase):
    ROWS = [{"name": "l4.new_flows.per_s_per_core", "value": 1390400.0, "unit": "flows/s", "floor": None, "ratio": None},
            {"name": "arp.replies.mpps_per_core", "value": 13.76491, "unit": "Mpps", "floor": 22.7011, "ratio": 0.6064}]

    def test_markdown_rows_with_floor_and_ratio(self):
        lines = bench_report.markdown(self.ROWS).splitlines()
        self.assertEqual(lines[2], "| `l4.new_flows.per_s_per_core` | 1,390,400 | flows/s |  |  |")
        self.assertEqual(lines[3], "| `arp.replies.mpps_per_core` | 13.76 | Mpps | 22.7 | 0.606 |")

    def test_terminal_table_aligns_names(self):
        lines = bench_report.table(self.ROWS).splitlines()
        self.assertTrue(lines[1].startswith("l4.new_flows.per_s_per_core "))
        self.assertTrue(lines[2].rstrip().endswith("0.606"))


class Chart(unittest.TestCase):
    ROWS = [{"name": "floor.testpmd_io.mpps_per_core", "value": 8.0},
            {"name": "l4.established.mpps_per_core", "value": 3.0},
            {"name": "maglev.build_ms.n_1000", "value": 2.0},
            {"name": "l4.new_flows.per_s_per_core", "value": 1.5e6}]

    def test_draws_the_packet_paths_in_order_and_nothing_else(self):
        self.assertEqual(bench_report.chart_data(self.ROWS),
                         [("testpmd io (floor)", 8.0), ("L4 established", 3.0), ("L4 new flows (SYNs)", 1.5)])

    def test_writes_a_png(self):
        with tempfile.TemporaryDirectory() as d:
            png = os.path.join(d, "chart.png")
            bench_report.chart(self.ROWS, png)
            with open(png, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


if __name__ == "__main__":
    unittest.main()
