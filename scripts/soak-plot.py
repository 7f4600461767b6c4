"""Plots the soak figures (target/soak/soak.csv): the server's resident memory and request latency
per interval. Usage: soak-plot.py SOAK.csv OUT.png"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

rows = list(csv.DictReader(open(sys.argv[1])))
minute = [float(r["minute"]) for r in rows]
fig, (mem, lat) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
mem.plot(minute, [float(r["rss_mib"]) for r in rows], marker="o", color="tab:blue")
mem.set_ylabel("server RSS (MiB)")
mem.set_ylim(bottom=0)
mem.set_title("jaring soak: mixed load on loopback, per minute")
for key, label in [("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99")]:
    lat.plot(minute, [float(r[key]) for r in rows], marker=".", label=label)
lat.set_ylabel("latency (ms)")
lat.set_xlabel("minute")
lat.set_ylim(bottom=0)
lat.legend()
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
