#!/usr/bin/python3
"""The nested-path benchmark of issue 12, run by bench/run_nested.sh inside `pg_virtualenv`.

Parts (--parts, comma-separated):

  scan     one row per event of ONE Group of N events (container 'nest.Dump.groups.events',
           the group's name as an ancestor column), in both field orders (name before / after the
           events), and without the ancestor column (for scale), against the same events as a
           flat delimited stream of nest.Event: one untimed
           warm-up round, then R rounds with the contenders interleaved; median (best), backend
           CPU, ratio of medians to the flat stream (target <= 1.25x), and to the flat stream
           running the same aggregates (over a constant of the group's name, or count(id)).
  memory   the backend's peak RSS growth (VmHWM after - before, fresh session) of the same scans
           (target < 64 MB).
  part6    reading one big subtree as ONE value (container 'nest.Dump.groups', a column `events`
           of type jsonb or ev_t[]) from W bytes of wire data: peak RSS growth against 8 x W
           (composites) and against PostgreSQL's own jsonb_in of the same JSON text (jsonb).
  cancel   statement_timeout = T (--timeouts) on statements that build one huge value or stream
           many rows: the time from the statement's start to the cancel error, minus T.

The measuring helpers are bench.py's (psql sessions, interleaved rounds, VmHWM).  See README.md.
"""
import argparse
import os
import statistics
import subprocess
import time

from bench import (HERE, Report, fmt_ratio, fmt_s, memory_growth, psql_script, ratios, sql_str,
                   stats, timed_rounds, verdict, VMHWM)

EV_COLS = "id bigint, kind text, amount float8"
GRP_COL = "grp text OPTIONS (field 'groups/name')"
NESTED_OPTS = "framing 'container', container 'nest.Dump.groups.events'"
GROUP_OPTS = "framing 'container', container 'nest.Dump.groups', max_message_size '1GB'"
ROW_COUNT = ";\n\\echo rows :ROW_COUNT"
# (query name, SQL over the nested tables, SQL over the flat one, the flat one with the same
# aggregates: a constant of the group's name (or a column's count) where the nested query reads grp)
QUERIES = [
    ("id+grp", "SELECT count(*), sum(id), max(grp) FROM {t}", "SELECT count(*), sum(id) FROM {t}",
     "SELECT count(*), sum(id), max({name}::text) FROM {t}"),
    ("all", "SELECT count(*), sum(id), max(kind), sum(amount), max(grp) FROM {t}",
     "SELECT count(*), sum(id), max(kind), sum(amount) FROM {t}",
     "SELECT count(*), sum(id), max(kind), sum(amount), max({name}::text) FROM {t}"),
    ("id+count(grp)", "SELECT count(*), sum(id), count(grp) FROM {t}",
     "SELECT count(*), sum(id) FROM {t}", "SELECT count(*), sum(id), count(id) FROM {t}"),
    # every row out, as a load or an export reads them (COPY's text output included); psql
    # prints the row count after each, for the answer check
    ("rows out", "COPY (SELECT id, kind, amount, grp FROM {t}) TO '/dev/null'" + ROW_COUNT,
     "COPY (SELECT id, kind, amount FROM {t}) TO '/dev/null'" + ROW_COUNT,
     "COPY (SELECT id, kind, amount, {name}::text FROM {t}) TO '/dev/null'" + ROW_COUNT),
]
SCANS = [  # (label, key, table, query: 1 the nested one, 2 the flat one, 3 the flat one + aggregate)
    ("nested, name before events", "nested_first", "nested_first", 1),
    ("nested, name after events", "nested_last", "nested_last", 1),
    ("nested, no ancestor column", "nested_nogrp", "nested_first", 2),
    ("flat delimited nest.Event", "flat", "flat", 2),
    ("flat + the same aggregate", "flat_same", "flat", 3),
]


def info(d):
    """dump.info of a dataset directory as a dict."""
    with open(os.path.join(d, "dump.info")) as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line)


def setup(rep, data, p6, cancel):
    """The server, ev_t and the foreign tables; returns {table: error} for those that failed."""
    stmts = [("ext", "CREATE EXTENSION IF NOT EXISTS protobuf_fdw"),
             ("server", "CREATE SERVER IF NOT EXISTS nest FOREIGN DATA WRAPPER protobuf_fdw "
                        f"OPTIONS (descriptor_set {sql_str(os.path.join(data, 'nest.desc'))})"),
             ("type", "CREATE TYPE ev_t AS (id bigint, kind text, amount float8, at timestamptz)")]
    tables = {
        "nested_first": (f"{EV_COLS}, {GRP_COL}", data, "dump_name_first.pb", NESTED_OPTS),
        "nested_last": (f"{EV_COLS}, {GRP_COL}", data, "dump_name_last.pb", NESTED_OPTS),
        "flat": (EV_COLS, data, "events.pb", "message 'nest.Event'"),
        "p6_jsonb": ("name text, events jsonb", p6, "dump_name_first.pb", GROUP_OPTS),
        "p6_comp": ("name text, events ev_t[]", p6, "dump_name_first.pb", GROUP_OPTS),
        "c_jsonb": ("name text, events jsonb", cancel, "dump_name_first.pb", GROUP_OPTS),
        "c_comp": ("name text, events ev_t[]", cancel, "dump_name_first.pb", GROUP_OPTS),
    }
    for t, (cols, d, f, opts) in tables.items():
        # A table whose options the extension rejects is reported and skipped, not fatal.
        stmts.append((t, f"CREATE FOREIGN TABLE {t} ({cols}) SERVER nest "
                         f"OPTIONS (filename {sql_str(os.path.join(d, f))}, {opts})"))
    res = psql_script(stmts, timing=False)
    for k in ("ext", "server", "type"):
        if res[k][0].get("error"):
            raise SystemExit(f"nested.py: setup {k}: {res[k][0]['error']}")
    errors = {t: res[t][0]["error"] for t in tables if res[t][0].get("error")}
    for t, e in errors.items():
        rep(f"setup: {t}: {e}")
    return errors


def answer_ok(got, n, name, qname, col):
    """count = n, sum(id) = n(n+1)/2, and the last column: the group's name (max(grp) or the
    constant) or n (count(grp), count(id)); the flat query has no such column.  sum(amount) and
    max(kind) are checked against the flat stream's, not computed here."""
    head = [str(n), str(n * (n + 1) // 2)]
    if qname == "rows out":
        return got == [f"rows {n};"]
    if col == 2:
        return got[:2] == head and (qname == "all" or len(got) == 2)
    return got[:2] == head and got[-1] == (str(n) if qname == "id+count(grp)" else name)


def part_scan(rep, reps, n, name, bad):
    rep(f"== Nested rows vs the flat stream: {n} events, seconds (target: nested <= 1.25x flat) ==")
    stmts = []
    for q in QUERIES:
        for _, key, t, col in SCANS:
            if t not in bad:
                stmts.append((f"{q[0]}|{key}", q[col].format(t=t, name=sql_str(name))))
    times, errors, last, cpus = timed_rounds(stmts, reps)
    for q in QUERIES:
        qname = q[0]
        shown = [sql.replace(ROW_COUNT, "") for sql in q]
        rep(f"{shown[1].format(t='nested_*')}   vs   {shown[2].format(t='flat')}")
        rep(f"  and the flat stream with the same aggregates (like for like): "
            f"{shown[3].format(t='flat', name=sql_str(name))}")
        rep(f"  {'':30s} {'wall: median':>12s} {'(best)':>8s}  {'/flat (best)':>16s}  {'/like (best)':>16s} | "
            f"{'CPU: median':>11s} {'/flat':>7s} {'/like':>7s} | answer   verdict (/flat, /like)")
        ref = {k: (stats(times.get(f"{qname}|{k}", [])), stats(cpus.get(f"{qname}|{k}", [])))
               for k in ("flat", "flat_same")}
        for label, k, t, col in SCANS:
            key = f"{qname}|{k}"
            if t in bad or key in errors or not times.get(key):
                rep(f"  {label:30s} error: {bad.get(t) or errors.get(key, 'no timing')}")
                continue
            w, c = stats(times[key]), stats(cpus[key])
            rw, rc = ratios(w, ref["flat"][0]), ratios(c, ref["flat"][1])
            lw, lc = ratios(w, ref["flat_same"][0]), ratios(c, ref["flat_same"][1])
            got = (last.get(key) or [""])[0].split("|")
            ok_answer = answer_ok(got, n, name, qname, col)
            v = "" if t == "flat" else "(for scale)" if col == 2 else "" if col == 3 else (
                f"{verdict(rw[0] is not None and rw[0] <= 1.25)}, "
                f"{verdict(lw[0] is not None and lw[0] <= 1.25)}")
            rep(f"  {label:30s} {fmt_s(w[0]):>12s} ({fmt_s(w[1]).strip():>6s})  "
                f"{fmt_ratio(rw[0]):>8s} ({fmt_ratio(rw[1]).strip():>6s})  "
                f"{fmt_ratio(lw[0]):>8s} ({fmt_ratio(lw[1]).strip():>6s}) | {fmt_s(c[0]):>11s} "
                f"{fmt_ratio(rc[0]):>7s} {fmt_ratio(lc[0]):>7s} | {'right' if ok_answer else 'WRONG':8s} {v}")
            if not ok_answer:
                rep(f"      got {got}")
        flat_row = (last.get(f"{qname}|flat") or [""])[0].split("|")
        for _, k, _, _ in SCANS[:3] + SCANS[4:]:
            row = (last.get(f"{qname}|{k}") or [None])[0]
            if row is not None and row.split("|")[:len(flat_row)] != flat_row:
                rep(f"  {k}: DIFFERS from the flat stream: {row} vs {'|'.join(flat_row)}")
    rep()


def part_memory(rep, sizes, bad):
    rep("== Peak RSS growth of the row scans (VmHWM after - before, fresh session; target < 64 MB) ==")
    rep(f"  {'table':30s} {'input':>9s} {'time s':>8s} {'growth MB':>10s}  verdict")
    for label, _, t, col in SCANS:
        if col == 3:
            continue            # the flat scan again, with one more aggregate
        if t in bad:
            rep(f"  {label:30s} error: {bad[t]}")
            continue
        sql = QUERIES[1][col].format(t=t)
        try:
            g, b, a, secs, out = memory_growth(None, sql)
        except RuntimeError as e:
            rep(f"  {label:30s} error: {e}")
            continue
        rep(f"  {label:30s} {sizes[t]/1e9:7.2f}GB {secs:8.2f} {g/1024:10.1f}  {verdict(g < 64 * 1024)}"
            f"   ({out[0] if out else ''})")
    rep()


def growth_line(rep, label, setup_sql, sql, target_kb=None, target_text=""):
    try:
        g, b, a, secs, out = memory_growth(setup_sql, sql)
    except RuntimeError as e:
        rep(f"  {label:46s} error: {e}")
        return None
    v = "" if target_kb is None else f"{verdict(g <= target_kb)} ({target_text})"
    rep(f"  {label:46s} {secs:8.2f} {g/1024:10.1f}  {v}")
    return g


def part6(rep, p6):
    inf = info(p6)
    w = int(inf["events_bytes"])
    js = os.path.join(p6, "events.json")
    rep(f"== Part 6: one subtree read as ONE value: {inf['events']} events, W = {w} bytes of "
        f"wire data, events.json {os.path.getsize(js)} bytes ==")
    rep(f"  {'statement':46s} {'time s':>8s} {'growth MB':>10s}  verdict")
    growth_line(rep, "name only (no events value)", None, "SELECT name FROM p6_jsonb")
    comp = growth_line(rep, "events ev_t[]: pg_column_size(events)", None,
                       "SELECT pg_column_size(events) FROM p6_comp",
                       8 * w // 1024, f"<= 8 x W = {8 * w / 2**20:.0f} MB")
    fdw = growth_line(rep, "events jsonb: pg_column_size(events)", None,
                      "SELECT pg_column_size(events) FROM p6_jsonb")
    read = growth_line(rep, "pg_read_file(events.json) only", None,
                       f"SELECT octet_length(x) FROM (SELECT pg_read_file({sql_str(js)}) x) s")
    parse = growth_line(rep, "pg_read_file(events.json)::jsonb (jsonb_in)", None,
                        f"SELECT pg_column_size(x::jsonb) FROM (SELECT pg_read_file({sql_str(js)}) x) s")
    if comp is not None:
        rep(f"  ev_t[] growth / W = {comp * 1024 / w:.2f}")
    if fdw is not None and parse is not None:
        rep(f"  jsonb column growth / jsonb_in growth = {fdw / parse:.2f}  "
            f"{verdict(fdw <= parse)} (target <= 1)"
            + (f"; jsonb_in's growth less the text's read: {(parse - read) / 1024:.1f} MB"
               if read is not None else ""))
    # The JSON text is the value the jsonb column holds (else the comparison is unfair).
    res = psql_script([("eq", f"SELECT (SELECT events FROM p6_jsonb) = pg_read_file({sql_str(js)})::jsonb")],
                      timing=False)["eq"][0]
    rep(f"  the jsonb column equals events.json parsed: {res.get('error') or res['rows']}")
    rep()


def cancel_once(sql, timeout):
    """(seconds from the statement's start to its end, error or None, VmHWM growth kB)."""
    res = psql_script([
        ("t0", f"SELECT clock_timestamp() AS t0, ({VMHWM}) AS hwm0 \\gset\nSELECT 1"),
        ("timeout", f"SET statement_timeout = '{int(timeout * 1000)}ms'"),
        ("q", sql),
        ("t1", "SET statement_timeout = 0;\nSELECT extract(epoch FROM clock_timestamp() - "
               f":'t0'::timestamptz), ({VMHWM}) - :hwm0"),
    ], timing=False)
    q = res["q"][0]
    t1 = res["t1"][0]
    if t1.get("error") or not t1["rows"]:
        raise RuntimeError(t1.get("error") or q.get("error") or "no answer")
    secs, grew = t1["rows"][-1].split("|")
    return float(secs), q.get("error"), int(grew)


def part_cancel(rep, reps, timeouts, cases, bad):
    """Each statement under each statement_timeout: the time from its start to the cancel
    error, minus the timeout.  A 1 s timeout may land while the message's bytes are still being
    read (a loop that checks for interrupts); the longer ones land inside the decoding of it."""
    rep(f"== Cancel latency: SET statement_timeout = T (target: cancelled within 0.2 s of T) ==")
    rep(f"  {'statement':46s} {'T':>4s} {'runs: start -> error (s)':>26s} {'latency median':>15s} "
        f"{'peak RSS growth MB':>19s}  verdict")
    if "c_jsonb" not in bad:
        try:
            g, _, _, secs, _ = memory_growth(None, "SELECT name FROM c_jsonb")
            rep(f"  reading the group without decoding its events (SELECT name FROM c_jsonb): "
                f"{secs:.2f} s, peak RSS growth {g / 1024:.0f} MB; a shorter T lands before the "
                "decoding starts")
        except RuntimeError as e:
            rep(f"  SELECT name FROM c_jsonb: error: {e}")
    for label, t, sql in cases:
        if t in bad:
            rep(f"  {label:46s} error: {bad[t]}")
            continue
        rep(f"  {sql}")
        for timeout in timeouts:
            cancel_case(rep, reps, label, sql, timeout)
    rep()


def cancel_case(rep, reps, label, sql, timeout):
    head = f"  {label:46s} {timeout:3g}s"
    runs = []
    try:
        for _ in range(reps):
            runs.append(cancel_once(sql, timeout))
    except RuntimeError as e:
        rep(f"{head} error: {e}")
        return
    secs = [r[0] for r in runs]
    grew = max(r[2] for r in runs) / 1024
    other = [r[1] for r in runs if r[1] and "statement timeout" not in r[1]]
    if other:
        rep(f"{head} error after {max(secs):.2f} s (peak RSS growth {grew:.0f} MB): {other[0]}")
    elif not all(r[1] for r in runs):
        rep(f"{head} finished before the timeout ({max(secs):.2f} s): nothing to cancel")
    else:
        lat = statistics.median(secs) - timeout
        rep(f"{head} {' '.join(f'{s:.2f}' for s in secs):>26s} {lat:14.3f}s {grew:19.1f}  "
            f"{verdict(lat <= 0.2)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="gen_nested_dump.py directory: the scans")
    ap.add_argument("--part6", required=True, help="gen_nested_dump.py --json directory")
    ap.add_argument("--cancel", required=True, help="gen_nested_dump.py directory: ~500 MB group")
    ap.add_argument("--results", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--cancel-reps", type=int, default=3)
    ap.add_argument("--timeouts", default="1,3,20", help="statement_timeout values, in seconds")
    ap.add_argument("--parts", default="scan,memory,part6,cancel")
    ap.add_argument("--command", default="bench/run_nested.sh")
    ap.add_argument("--so", default="")
    ap.add_argument("--built", default="")
    ap.add_argument("--mem-limit", default="", help="the cluster's ulimit -v, for the header")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    rep = Report(args.results)
    now = lambda: time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    git = lambda *a: subprocess.run(["git", "-C", HERE, *a], capture_output=True,
                                    text=True).stdout.strip()
    rep(f"protobuf_fdw nested-path benchmark (issue 12)  {now()}")
    rep(f"command: {args.command}")
    rep(f"git: {git('log', '-1', '--format=%h %s')}")
    if os.path.exists(args.so):
        rep(f"extension: {args.built}, at {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(os.path.getmtime(args.so)))}; "
            "the cluster loads this snapshot (extension_destdir), not the shared install")
    rep(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores, shared)")
    rep("session: jit = off, max_parallel_workers_per_gather = 0 (nested paths scan serially), "
        f"other settings default; cluster processes under ulimit -v {args.mem_limit or 'unlimited'}")
    sizes = {}
    for d, what in ((args.data, "scans"), (args.part6, "part 6"), (args.cancel, "cancel")):
        inf = info(d)
        fs = {f: os.path.getsize(os.path.join(d, f)) for f in
              ("dump_name_first.pb", "dump_name_last.pb", "events.pb")}
        rep(f"{what}: {d}: {inf['events']} events, group {inf['group_bytes']} bytes; "
            + ", ".join(f"{f} {s}" for f, s in fs.items()))
        if what == "scans":
            sizes = {"nested_first": fs["dump_name_first.pb"],
                     "nested_last": fs["dump_name_last.pb"], "flat": fs["events.pb"]}
            n, name = int(inf["events"]), inf["group_name"]
    rep(f"timing: psql \\timing, 1 untimed warm-up round + {args.reps} timed rounds, contenders "
        "interleaved in each round; median (best); verdicts from the ratio of medians")
    bad = setup(rep, args.data, args.part6, args.cancel)
    rep()
    if "scan" in parts:
        part_scan(rep, args.reps, n, name, bad)
    if "memory" in parts:
        part_memory(rep, sizes, bad)
    if "part6" in parts:
        if "p6_jsonb" in bad or "p6_comp" in bad:
            rep(f"part 6: skipped: {bad.get('p6_jsonb') or bad.get('p6_comp')}")
        else:
            part6(rep, args.part6)
    if "cancel" in parts:
        ci = info(args.cancel)
        part_cancel(rep, args.cancel_reps, [float(x) for x in args.timeouts.split(",")], [
            (f"jsonb value of one {int(ci['group_bytes'])/1e6:.0f} MB group", "c_jsonb",
             "SELECT pg_column_size(events) FROM c_jsonb"),
            (f"ev_t[] value of one {int(ci['group_bytes'])/1e6:.0f} MB group", "c_comp",
             "SELECT pg_column_size(events) FROM c_comp"),
            (f"nested rows, {sizes['nested_first']/1e9:.1f} GB, name before", "nested_first",
             QUERIES[0][1].format(t="nested_first")),
            (f"nested rows, {sizes['nested_last']/1e9:.1f} GB, name after", "nested_last",
             QUERIES[0][1].format(t="nested_last")),
            (f"flat rows, {sizes['flat']/1e9:.1f} GB", "flat", QUERIES[0][2].format(t="flat")),
        ], bad)
    rep(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rep.save()
    print(f"results written to {args.results}")


if __name__ == "__main__":
    main()
