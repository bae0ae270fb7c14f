#!/usr/bin/python3
"""Two builds of protobuf_fdw side by side (run by bench/compare.sh inside a throw-away cluster).

Each build's protobuf_fdw.so is loaded by absolute path under its own names: a foreign-data
wrapper pb_<side>, a server and two foreign tables (delimited events.pb, container batch.pb), and
an export function export_<side>() bound to the library's parquet_export.  Every timed statement
runs in a fresh psql backend (so the two libraries never share a process), with the settings of
bench/bench.py (jit off, no parallel workers).  One untimed warm-up round, then --reps rounds in
which the sides alternate (base first in odd rounds, new first in even ones).  The table gives,
per statement and side, the median and the best, and the ratio new/base of each.  The scans'
answers and the exported files' bytes must be equal between the sides.
"""
import argparse
import filecmp
import os
import re
import statistics
import subprocess

from bench import ALLCOLS, COLUMNS, COUNT, sql_str

SESSION = "SET max_parallel_workers_per_gather = 0;\nSET jit = off;\nSET client_min_messages = warning;\n"


def psql(sql, timing=False):
    """Run sql in a new backend; returns (stdout lines, ms of the last statement or None)."""
    script = SESSION + ("\\timing on\n" if timing else "") + sql + "\n"
    p = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"], input=script,
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"psql failed: {p.stderr.strip()}\n{sql}")
    lines = p.stdout.splitlines()
    times = [float(m.group(1)) for m in (re.match(r"Time: ([0-9.]+) ms", x) for x in lines) if m]
    return [x for x in lines if not x.startswith("Time: ")], (times[-1] if times else None)


def setup(data, sides):
    csv = os.path.join(data, "events.csv")
    desc = os.path.join(data, "bench.desc")
    stmts = [f"DROP TABLE IF EXISTS events_heap; CREATE TABLE events_heap ({COLUMNS});",
             f"COPY events_heap FROM {sql_str(csv)} (FORMAT csv);",
             "VACUUM (FREEZE, ANALYZE) events_heap;"]
    for side, so in sides:
        lib = sql_str(so)
        stmts += [
            f"CREATE FUNCTION pb_{side}_handler() RETURNS fdw_handler AS {lib}, "
            "'protobuf_fdw_handler' LANGUAGE C STRICT;",
            f"CREATE FUNCTION pb_{side}_validator(text[], oid) RETURNS void AS {lib}, "
            "'protobuf_fdw_validator' LANGUAGE C STRICT;",
            f"CREATE FOREIGN DATA WRAPPER pb_{side} HANDLER pb_{side}_handler "
            f"VALIDATOR pb_{side}_validator;",
            f"CREATE SERVER srv_{side} FOREIGN DATA WRAPPER pb_{side} "
            f"OPTIONS (descriptor_set {sql_str(desc)});",
            f"CREATE FOREIGN TABLE ev_pb_{side} ({COLUMNS}) SERVER srv_{side} OPTIONS "
            f"(filename {sql_str(os.path.join(data, 'events.pb'))}, message 'bench.Event');",
            f"CREATE FOREIGN TABLE ev_batch_{side} ({COLUMNS}) SERVER srv_{side} OPTIONS "
            f"(filename {sql_str(os.path.join(data, 'batch.pb'))}, framing 'container', "
            "container 'bench.Batch.events');",
            f"CREATE FUNCTION export_{side}(query text, filename text, compression text DEFAULT "
            "'snappy', compression_level int DEFAULT NULL, row_group_size bigint DEFAULT 122880, "
            "row_group_bytes bigint DEFAULT 134217728, kv_metadata jsonb DEFAULT NULL, "
            "numeric_mode text DEFAULT 'string', OUT rows bigint, OUT row_groups int, "
            f"OUT bytes bigint) RETURNS record AS {lib}, 'parquet_export' LANGUAGE C VOLATILE;",
        ]
    for s in stmts:
        psql(s)


def statements(side, out):
    """(label, sql) of one side, in the order of one round."""
    res = []
    for tbl, name in ((f"ev_pb_{side}", "delimited"), (f"ev_batch_{side}", "container")):
        res.append((f"scan {name} count(*)", COUNT.format(t=tbl)))
        res.append((f"scan {name} all columns", ALLCOLS.format(t=tbl)))
    for codec in ("snappy", "zstd"):
        path = os.path.join(out, f"{side}_{codec}.parquet")
        res.append((f"parquet_export {codec}",
                    f"SELECT rows FROM export_{side}('SELECT * FROM events_heap', "
                    f"{sql_str(path)}, compression => '{codec}')"))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--so", action="append", required=True, help="side=path (twice)")
    args = ap.parse_args()
    sides = [tuple(s.split("=", 1)) for s in args.so]
    names = [s for s, _ in sides]
    setup(args.data, sides)

    times = {}
    answers = {}
    for rnd in range(args.reps + 1):
        order = names if rnd % 2 else list(reversed(names))
        for i in range(len(statements(names[0], args.out))):
            for side in order:
                label, sql = statements(side, args.out)[i]
                lines, ms = psql(sql + ";", timing=True)
                answers.setdefault((label, side), lines)
                if rnd > 0:
                    times.setdefault(label, {}).setdefault(side, []).append(ms / 1000.0)
        print(f"round {rnd} done{' (warm-up)' if rnd == 0 else ''}", flush=True)

    base, new = names
    ok = True
    print(f"\n{'statement':34s} {'base med':>9s} {'new med':>9s} {'ratio':>6s}   "
          f"{'base best':>9s} {'new best':>9s} {'ratio':>6s}")
    for label, per in times.items():
        mb, mn = statistics.median(per[base]), statistics.median(per[new])
        bb, bn = min(per[base]), min(per[new])
        same = answers[(label, base)] == answers[(label, new)]
        ok &= same
        print(f"{label:34s} {mb:9.3f} {mn:9.3f} {mn / mb:6.3f}   {bb:9.3f} {bn:9.3f} "
              f"{bn / bb:6.3f}{'' if same else '   ANSWERS DIFFER'}")
    for codec in ("snappy", "zstd"):
        same = filecmp.cmp(os.path.join(args.out, f"{base}_{codec}.parquet"),
                           os.path.join(args.out, f"{new}_{codec}.parquet"), shallow=False)
        ok &= same
        print(f"exported {codec} files byte-identical: {'yes' if same else 'NO'}")
    print(f"\n{args.reps} timed rounds after a warm-up; sides alternate which goes first; "
          "every statement in a fresh backend; jit = off, no parallel workers")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
