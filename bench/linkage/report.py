"""Median table of a homeward-vs-peers sitting written by bench/linkage/run.sh.

Usage: python report.py OUT_DIR RUNS
Reads OUT_DIR/run<i>_peer_<tool>_<dataset>.json/.time (copied from the peer kit) and
OUT_DIR/run<i>_homeward_<dataset>.score.json/.time, and prints, per data set and tool, the
median wall time and peak RSS (from /usr/bin/time -v), F1 at 0.5 and at the best
threshold, the blocking recall ceiling, pairs compared, and the ratios peer / homeward.
Standard library only.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys


def time_v(path: str) -> tuple[float | None, float | None]:
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return None, None
    wall = rss = None
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    if m:
        parts = [float(p) for p in m.group(1).split(":")]
        wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        rss = int(m.group(1)) / 1024
    return wall, rss


def metrics(path: str) -> dict:
    try:
        r = json.load(open(path, encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    m = r.get("metrics") or r.get("metrics_pairwise") or r.get("metrics_pairwise_ecm") or {}
    if "ecm_prob_sweep" in m:
        m = m["ecm_prob_sweep"]
    pairs = r.get("blocked_comparisons") or r.get("candidate_pairs") or r.get("pairs_scored")
    return {
        "f1_05": m.get("at_0.5", {}).get("f1"),
        "f1_best": m.get("best", {}).get("f1"),
        "ceiling": m.get("recall_ceiling_of_blocking"),
        "pairs": pairs,
    }


def med(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec: str) -> str:
    return "" if v is None else format(v, spec)


def main() -> None:
    out, runs = sys.argv[1], int(sys.argv[2])
    datasets = ["febrl4", "synth_100000", "synth_1000000"]
    tools = {"homeward": "homeward", "splink": "peer_splink", "recordlinkage": "peer_recordlinkage"}
    print("| data set | tool | runs | wall s (median) | peak RSS MiB | F1 @0.5 | F1 best | blocking ceiling "
          "| pairs compared | peer wall / ours | peer RSS / ours |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for ds in datasets:
        rows = {}
        for tool, prefix in tools.items():
            walls, rsss, ms = [], [], []
            for i in range(1, runs + 1):
                base = os.path.join(out, f"run{i}_{prefix}_{ds}")
                json_path = base + (".score.json" if tool == "homeward" else ".json")
                if not os.path.exists(json_path):
                    continue
                w, r = time_v(base + ".time")
                walls.append(w)
                rsss.append(r)
                m = metrics(json_path)
                if tool == "homeward":
                    # The pairs file lists pairs at 0.01 or more; the log says how many were compared.
                    try:
                        log = open(base + ".log", encoding="utf-8").read()
                        found = re.search(r"(\d+) candidate pairs", log)
                        if found:
                            m["pairs"] = int(found.group(1))
                    except OSError:
                        pass
                ms.append(m)
            if ms:
                rows[tool] = (len(ms), med(walls), med(rsss), ms[-1],
                              med([m.get("f1_05") for m in ms]), med([m.get("f1_best") for m in ms]))
        ours = rows.get("homeward")
        for tool, (n, wall, rss, last, f05, fbest) in rows.items():
            ratio_w = ratio_r = ""
            if ours and tool != "homeward" and wall and ours[1]:
                ratio_w = f"{wall / ours[1]:.1f}x"
                ratio_r = f"{rss / ours[2]:.1f}x" if rss and ours[2] else ""
            print(f"| {ds} | {tool} | {n} | {fmt(wall, '.2f')} | {fmt(rss, '.0f')} | {fmt(f05, '.4f')} "
                  f"| {fmt(fbest, '.4f')} | {fmt(last.get('ceiling'), '.4f')} | {fmt(last.get('pairs'), ',')} "
                  f"| {ratio_w} | {ratio_r} |")


if __name__ == "__main__":
    main()
