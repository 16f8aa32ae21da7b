"""Print p50/p95 per page and the failures of a locust run, from its --csv files.

`python bench/load/report.py bench/results/load_stats.csv bench/results/load_failures.csv`;
standard library only (it runs in the load test's virtualenv). Exits 1 on any failed request.
"""

import csv
import sys


def main(stats_path: str, failures_path: str) -> int:
    with open(stats_path, newline="") as stats:
        rows = list(csv.DictReader(stats))
    print(f"{'page':<28} {'requests':>8} {'failed':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for row in rows:
        print(
            f"{row['Name']:<28} {row['Request Count']:>8} {row['Failure Count']:>6}"
            f" {row['50%']:>7} {row['95%']:>7} {float(row['Max Response Time']):>7.0f}"
        )
    failed = sum(int(row["Failure Count"]) for row in rows if row["Name"] == "Aggregated")
    with open(failures_path, newline="") as failures:
        for row in csv.DictReader(failures):
            print(f"FAILED {row['Method']} {row['Name']}: {row['Error']} ({row['Occurrences']}x)")
    print(f"{failed} failed request{'s' if failed != 1 else ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
