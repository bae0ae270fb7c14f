#!/usr/bin/python3
"""Benchmarks of issues 4 (nested data: paths and jsonb) and 5 (parallel scans; memory of
compressed and multi-file inputs) for protobuf_fdw.  See bench/README-issues-4-5.md.

Two steps, both started by bench/run45.sh:

  bench45.py --prepare --flat DIR --work DIR
      outside the cluster: derive the issue 5 inputs from gen_dataset.py's files (cached in
      --work): split8/ (events.pb cut into 8 files at message boundaries), events_2g.pb.gz
      (gzip -1), events_2g.pb.zst (zstd -3) and dir200/ (the first 200 files of ~10 MB cut from
      events_2g.pb at message boundaries).

  bench45.py --nested DIR --flat DIR --work DIR --results FILE [--reps R] [--parts ...]
      inside pg_virtualenv (PGHOST, PGPORT... point at a throw-away cluster).

Every statement runs in a psql session held open as a coprocess, so the backend's pid is known
and its /proc/<pid>/stat (CPU time: utime + stime) and /proc/<pid>/status (VmHWM, peak RSS) are
read from here, around each statement, while the session is alive.  Serial scans report the
backend's CPU time (robust on a shared machine) and the wall time; parallel scans the wall time
(the point is that it drops while the total CPU does not).  One untimed warm-up round, then R
rounds with the contenders interleaved; best of R and median.
"""
import argparse
import glob
import mmap
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TICK = os.sysconf("SC_CLK_TCK")
SESSION = ["SET jit = off", "SET client_min_messages = warning",
           "SET max_parallel_workers_per_gather = 0"]
ALLCOLS = ("SELECT count(*), sum(id), max(user_id), sum(ts_micros), sum(amount), sum(quantity), "
           "count(*) FILTER (WHERE is_test), max(country), max(url), sum(status), sum(score) FROM {t}")
# Output columns of ALLCOLS that are floating-point sums (amount float8, score float4).
FLOAT_COLS = {4: "sum(amount)", 10: "sum(score)"}
EV_COLUMNS = """id bigint, user_id text, ts_micros bigint, amount float8, quantity int4,
  is_test bool, country text, url text, status int8, score float4"""
ORDER_COLUMNS = """id bigint,
  city text OPTIONS (field 'customer.address.city'),
  customer jsonb,
  msg jsonb OPTIONS (field '.'),
  items_j jsonb OPTIONS (field 'items'),
  items_c item[] OPTIONS (field 'items')"""


def log(msg):
    print(f"bench45: {msg}", file=sys.stderr, flush=True)


def q(s):
    return "'" + s.replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------------
# preparation of the issue 5 inputs (outside the cluster)

def walk_cuts(path, target, limit=None):
    """Byte offsets of message boundaries of a delimited file: 0, then the first boundary at or
    after every further target bytes; returns (cuts, messages per piece)."""
    cuts, counts = [0], []
    pos = count = 0
    nxt = target
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        end = len(mm)
        while pos < end:
            b = mm[pos]
            pos += 1
            if b < 0x80:
                ln = b
            else:
                ln, shift = b & 0x7F, 7
                while True:
                    b = mm[pos]
                    pos += 1
                    ln |= (b & 0x7F) << shift
                    if b < 0x80:
                        break
                    shift += 7
            pos += ln
            count += 1
            if pos >= nxt:
                cuts.append(pos)
                counts.append(count)
                count = 0
                nxt = pos + target
                if limit and len(counts) >= limit:
                    return cuts, counts
    if count:
        cuts.append(pos)
        counts.append(count)
    return cuts, counts


def split_file(src, outdir, target, limit=None, digits=3):
    """Cut src into files of about target bytes at message boundaries; returns messages total."""
    marker = os.path.join(outdir, "complete")
    if os.path.exists(marker):
        return int(open(marker).read().split()[0])
    os.makedirs(outdir, exist_ok=True)
    t0 = time.time()
    cuts, counts = walk_cuts(src, target, limit)
    with open(src, "rb") as f:
        for k in range(len(counts)):
            f.seek(cuts[k])
            with open(os.path.join(outdir, f"events-{k:0{digits}d}.pb"), "wb") as o:
                o.write(f.read(cuts[k + 1] - cuts[k]))
    with open(marker, "w") as f:
        f.write(f"{sum(counts)} messages in {len(counts)} files\n")
    log(f"{outdir}: {len(counts)} files, {sum(counts)} messages, {time.time() - t0:.1f} s")
    return sum(counts)


def compress(src, dst, cmd):
    if os.path.exists(dst):
        return
    t0 = time.time()
    with open(dst + ".tmp", "wb") as o:
        subprocess.run(cmd + [src], stdout=o, check=True)
    os.replace(dst + ".tmp", dst)
    log(f"{dst}: {os.path.getsize(dst)} bytes, {time.time() - t0:.1f} s")


def prepare(flat, work):
    os.makedirs(work, exist_ok=True)
    split_file(os.path.join(flat, "events.pb"), os.path.join(work, "split8"),
               -(-os.path.getsize(os.path.join(flat, "events.pb")) // 8), digits=1)
    big = os.path.join(flat, "events_2g.pb")
    compress(big, os.path.join(work, "events_2g.pb.gz"), ["gzip", "-1", "-c"])
    compress(big, os.path.join(work, "events_2g.pb.zst"), ["zstd", "-q", "-3", "-T1", "-c"])
    split_file(big, os.path.join(work, "dir200"), 10_000_000, limit=200)
    for root, dirs, files in os.walk(work):
        os.chmod(root, 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)


# ---------------------------------------------------------------------------------------------
# a psql session held open

class Session:
    def __init__(self, settings=()):
        self.p = subprocess.Popen(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=0",
                                   "-v", "VERBOSITY=terse"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.run("\\timing on", check=False)
        for s in list(SESSION) + list(settings):
            self.run(s)
        self.pid = int(self.run("SELECT pg_backend_pid()")[0][0])

    def run(self, sql, check=True):
        """(output lines, client ms or None, error or None)."""
        sql = sql.strip()
        if not sql.startswith("\\"):
            sql = sql.rstrip(";") + ";"
        self.p.stdin.write(sql + "\n\\echo @@END\n")
        self.p.stdin.flush()
        rows, ms, err = [], None, None
        while True:
            line = self.p.stdout.readline()
            if not line:
                err = err or "psql exited"
                break
            line = line.rstrip("\n")
            if line == "@@END":
                break
            t = re.match(r"^Time: ([0-9.]+) ms", line)
            if t:
                ms = float(t.group(1))
                continue
            e = re.match(r"^(?:psql:[^:]*:\d+: )?(ERROR|FATAL|server closed)(.*)$", line)
            if e:
                err = (err + "; " if err else "") + line
                continue
            rows.append(line)
        if check and err:
            raise RuntimeError(f"{sql[:120]}: {err}")
        return rows, ms, err

    def cpu(self):
        f = open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / TICK      # utime, stime (fields 14, 15)

    def children_cpu(self):
        """CPU time of the postmaster's reaped children (parallel workers end up there)."""
        ppid = int(open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()[1])
        f = open(f"/proc/{ppid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[13]) + int(f[14])) / TICK      # cutime, cstime (fields 16, 17)

    def hwm_kb(self):
        return int(re.search(r"VmHWM:\s*(\d+) kB", open(f"/proc/{self.pid}/status").read()).group(1))

    def timed(self, sql):
        """(wall s, backend CPU s, rows)."""
        c0 = self.cpu()
        rows, ms, _ = self.run(sql)
        return ms / 1000.0, self.cpu() - c0, rows

    def close(self):
        try:
            self.p.stdin.write("\\q\n")
            self.p.stdin.flush()
        except BrokenPipeError:
            pass
        self.p.wait()


class Report:
    def __init__(self, path):
        self.path, self.lines = path, []

    def __call__(self, line=""):
        print(line, flush=True)
        self.lines.append(line)

    def save(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "w") as f:
            f.write("\n".join(self.lines) + "\n")


def best(xs):
    return min(xs) if xs else None


def med(xs):
    return sorted(xs)[len(xs) // 2] if xs else None


def loadavg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------------------------------------
# issue 4

NESTED_QUERIES = [  # (key, label, sql on {t})
    ("flat", "flat scalar: sum(id)", "SELECT sum(id) FROM {t}"),
    ("count", "framing only: count(*)", "SELECT count(*) FROM {t}"),
    ("path", "path 'customer.address.city': count(city)", "SELECT count(city) FROM {t}"),
    ("cust", "jsonb customer: count(customer)", "SELECT count(customer) FROM {t}"),
    ("cust_text", "jsonb customer: sum(length(customer::text))",
     "SELECT sum(length(customer::text)) FROM {t}"),
    ("msg", "jsonb whole message '.': count(msg)", "SELECT count(msg) FROM {t}"),
    ("msg_text", "jsonb whole message: sum(length(msg::text))",
     "SELECT sum(length(msg::text)) FROM {t}"),
    ("items_j", "items as jsonb: sum(jsonb_array_length)",
     "SELECT sum(jsonb_array_length(items_j)) FROM {t}"),
    ("items_c", "items as item[]: sum(cardinality)", "SELECT sum(cardinality(items_c)) FROM {t}"),
]


def issue4(rep, args):
    d = args.nested
    rows = int(open(os.path.join(d, "complete")).read().split()[0].split("=")[1])
    files = {"orders": "orders.pb", "orders_noitems": "orders_noitems.pb",
             "orders_big": "orders_bigitems.pb"}
    s = Session()
    s.run("CREATE EXTENSION IF NOT EXISTS protobuf_fdw")
    s.run(f"CREATE SERVER pbn FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor_set "
          f"{q(os.path.join(d, 'nested.desc'))})")
    s.run("CREATE TYPE item AS (sku text, qty int, price float8)")
    for t, f in files.items():
        s.run(f"CREATE FOREIGN TABLE {t} ({ORDER_COLUMNS}) SERVER pbn OPTIONS "
              f"(filename {q(os.path.join(d, f))}, message 'benchn.Order')")
    s.run("CREATE TABLE orders_heap AS SELECT id FROM orders")
    s.run("VACUUM (FREEZE, ANALYZE) orders_heap")
    rep("== Issue 4: nested data — a path column and jsonb columns vs a flat scalar column ==")
    rep(f"dataset: {d}  ({rows} orders, delimited)")
    for t, f in files.items():
        rep(f"  {f:20s} {os.path.getsize(os.path.join(d, f)) / 1e6:7.1f} MB")
    rep("  orders_heap: CREATE TABLE AS SELECT id FROM orders (one bigint column), VACUUM FREEZE")
    rep(f"timing: one held session, 1 warm-up + {args.reps} rounds interleaved; backend CPU "
        "(utime+stime of the backend from /proc) best of rounds, and wall (psql \\timing) best "
        "and median; ratios are of best CPU times vs the flat scalar column")
    stmts = [(k, lbl, sql.format(t="orders")) for k, lbl, sql in NESTED_QUERIES]
    stmts.insert(1, ("heap", "heap table of the same ids: sum(id)", "SELECT sum(id) FROM orders_heap"))
    sib = []
    for t in ("orders_noitems", "orders", "orders_big"):
        for k in ("flat", "path"):
            sql = dict((kk, ss) for kk, _, ss in NESTED_QUERIES)[k]
            sib.append((f"{k}@{t}", k, sql.format(t=t)))
    wall, cpu, out = {}, {}, {}
    # The sibling comparison looks for a small difference: more rounds (they are short).
    sib_reps = max(args.reps, 7)
    for rnd in range(sib_reps + 1):
        for key, _, sql in (stmts if rnd <= args.reps else []) + sib:
            w, c, r = s.timed(sql)
            if rnd:
                wall.setdefault(key, []).append(w)
                cpu.setdefault(key, []).append(c)
            out[key] = r
    # What decoding the siblings would cost: items as jsonb once per file (30 s on the big one).
    for t in ("orders_noitems", "orders", "orders_big"):
        w, c, r = s.timed(f"SELECT sum(jsonb_array_length(items_j)) FROM {t}")
        wall[f"items_j@{t}"], cpu[f"items_j@{t}"], out[f"items_j@{t}"] = [w], [c], r
    rep()
    rep(f"  {'statement':46s} {'CPU s':>7s} {'wall s':>7s} {'(median)':>9s} {'CPU/flat':>9s} "
        f"{'wall/flat':>9s}  result")
    fc, fw = max(best(cpu["flat"]), 1e-3), max(best(wall["flat"]), 1e-3)
    for key, lbl, _ in stmts:
        c, w = best(cpu[key]), best(wall[key])
        rep(f"  {lbl:46s} {c:7.3f} {w:7.3f} ({med(wall[key]):7.3f}) {c / fc:8.2f}x {w / fw:8.2f}x  "
            f"{'|'.join(out[key])}")
    rep()
    # Fields decoded, from EXPLAIN VERBOSE.
    rep("  EXPLAIN (VERBOSE) \"Fields Decoded\" of each statement:")
    for key, lbl, sql in stmts:
        if key == "heap":
            continue
        plan, _, _ = s.run("EXPLAIN (VERBOSE, COSTS OFF) " + sql)
        fd = [l.split("Fields Decoded:")[1].strip() for l in plan if "Fields Decoded:" in l]
        rep(f"    {lbl:46s} {fd[0] if fd else '(none shown)'}")
    rep()
    # Siblings.
    sizes = {t: os.path.getsize(os.path.join(d, f)) for t, f in files.items()}
    rep("  Does a path decode the siblings it does not need?  The same orders, with `items` (a "
        "sibling of `customer`)")
    rep(f"  absent, as generated (0-4 items), or 24 items more; best backend CPU s of {sib_reps} rounds:")
    rep(f"  {'statement':38s} {'no items':>9s} {'0-4 items':>9s} {'+24 items':>9s} "
        f"{'growth':>8s}")
    rep(f"  {'file size MB':38s} {sizes['orders_noitems'] / 1e6:9.1f} {sizes['orders'] / 1e6:9.1f} "
        f"{sizes['orders_big'] / 1e6:9.1f} {(sizes['orders_big'] - sizes['orders_noitems']) / 1e6:+8.1f}")
    growth = {}
    labels = {"flat": "flat sum(id) (skips items)", "path": "path count(city) (skips items)",
              "items_j": "items as jsonb (decodes; 1 run)"}
    for k in ("flat", "path", "items_j"):
        v = [best(cpu[f"{k}@{t}"]) for t in ("orders_noitems", "orders", "orders_big")]
        growth[k] = v[2] - v[0]
        same = len({"|".join(out[f"{k}@{t}"]) for t in ("orders_noitems", "orders", "orders_big")}) == 1
        rep(f"  {labels[k]:38s} {v[0]:9.3f} {v[1]:9.3f} {v[2]:9.3f} {growth[k]:+8.3f}"
            + ("" if k == "items_j" else f"  results {'identical' if same else 'DIFFER'}"))
    extra = growth["path"] - growth["flat"]
    ok = extra <= max(0.25 * growth["flat"], 0.05)
    rep(f"  path growth - flat growth = {extra:+.3f} s (target: the path grows no more than the "
        f"flat column, which only skips the items: <= max(25 % of the flat growth, 0.05 s))  "
        f"{'MET' if ok else 'MISSED'}")
    rep(f"  (decoding the items instead costs {growth['items_j']:+.3f} s more on the same files)")
    s.close()
    rep()


# ---------------------------------------------------------------------------------------------
# issue 5: parallel scans

def same_result(a, b):
    """(integers and text identical, worst relative difference of the float sums)."""
    a, b = a.split("|"), b.split("|")
    if len(a) != len(b):
        return False, None
    exact = all(x == y for i, (x, y) in enumerate(zip(a, b)) if i not in FLOAT_COLS)
    worst = {}
    for i, name in FLOAT_COLS.items():
        x, y = float(a[i]), float(b[i])
        worst[name] = abs(x - y) / max(abs(x), abs(y), 1e-300)
    return exact, worst


def issue5_parallel(rep, args):
    flat, work = args.flat, args.work
    s0 = Session()
    s2 = Session(["SET max_parallel_workers_per_gather = 2"])
    s0.run("CREATE EXTENSION IF NOT EXISTS protobuf_fdw")
    s0.run(f"CREATE SERVER pb FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor_set "
           f"{q(os.path.join(flat, 'bench.desc'))})")
    tables = [
        ("ev_pb", "delimited, 1 file", os.path.join(flat, "events.pb"), "message 'bench.Event'"),
        ("ev_batch", "container, 1 file", os.path.join(flat, "batch.pb"),
         "framing 'container', container 'bench.Batch.events'"),
        ("ev_multi", "delimited, 8 files (glob)", os.path.join(work, "split8", "events-*.pb"),
         "message 'bench.Event'"),
    ]
    for t, _, f, opts in tables:
        s0.run(f"CREATE FOREIGN TABLE {t} ({EV_COLUMNS}) SERVER pb OPTIONS (filename {q(f)}, {opts})")
    rows = open(os.path.join(flat, "complete")).read().split()[0]
    rep("== Issue 5: parallel scans — all-column aggregate, max_parallel_workers_per_gather 0 vs 2 ==")
    rep(f"dataset: {flat} ({rows}); split8: {open(os.path.join(work, 'split8', 'complete')).read().strip()}")
    rep(f"  {ALLCOLS.format(t='ev')}")
    rep(f"timing: two held sessions (workers 0 / 2), 1 warm-up + {args.reps} rounds, interleaved; "
        "wall (psql \\timing) best and median")
    rep(f"load average before: {loadavg()}")
    # The plans.
    plans = {}
    for t, lbl, _, _ in tables:
        plan, _, _ = s2.run("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + ALLCOLS.format(t=t))
        plans[t] = plan
        pfs = any("Parallel Foreign Scan" in l for l in plan)
        wl = [l.strip() for l in plan if "Workers Launched" in l or "Workers Planned" in l]
        rep(f"  plan with 2 workers, {lbl:26s}: {'Parallel Foreign Scan' if pfs else 'NO Parallel Foreign Scan'}; "
            f"{', '.join(wl) or 'no Gather'}")
    wall0, wall2, cpu0, cpu2, out0, out2, pair = {}, {}, {}, {}, {}, {}, {}
    for rnd in range(args.reps + 1):
        for t, _, _, _ in tables:
            # serial and parallel back to back, alternating which goes first
            order = [(0, s0), (2, s2)] if rnd % 2 else [(2, s2), (0, s0)]
            got = {}
            for k, sess in order:
                cc = sess.children_cpu()
                w, c, r = sess.timed(ALLCOLS.format(t=t))
                time.sleep(0.2)      # let the postmaster reap the workers
                cw = sess.children_cpu() - cc
                got[k] = w
                (out0 if k == 0 else out2)[t] = r[0]
                if rnd:
                    (cpu0 if k == 0 else cpu2).setdefault(t, []).append(c + cw)
            if rnd:
                wall0.setdefault(t, []).append(got[0])
                wall2.setdefault(t, []).append(got[2])
                pair.setdefault(t, []).append(got[0] / got[2])
    rep(f"load average after: {loadavg()}")
    rep()
    rep("  speed-up: of the best times, of the median times, and the median of the per-round "
        "ratios (serial and parallel run back to back, so both see the same neighbours; the verdict "
        "uses this one)")
    rep(f"  {'table':28s} {'0 workers s':>11s} {'(median)':>9s} {'2 workers s':>11s} {'(median)':>9s} "
        f"{'speed-up best':>13s} {'median':>7s} {'paired':>7s}  {'results':24s} verdict (>= 1.6x)")
    for t, lbl, _, _ in tables:
        b0, b2 = best(wall0[t]), best(wall2[t])
        m0, m2 = med(wall0[t]), med(wall2[t])
        exact, worst = same_result(out0[t], out2[t])
        res = ("ints/text identical" if exact else "ints/text DIFFER")
        pm = med(pair[t])
        ok = pm >= 1.6 and exact
        rep(f"  {lbl:28s} {b0:11.3f} ({m0:7.3f}) {b2:11.3f} ({m2:7.3f}) {b0 / b2:12.2f}x "
            f"{m0 / m2:6.2f}x {pm:6.2f}x  {res:24s} {'MET' if ok else 'MISSED'}")
        rep("      per-round ratios: " + " ".join(f"{x:.2f}" for x in pair[t]))
        rep(f"      float sums, relative difference serial vs parallel: "
            + ", ".join(f"{k} {v:.1e}" for k, v in worst.items()))
        if not exact:
            rep(f"      serial   {out0[t]}")
            rep(f"      parallel {out2[t]}")
    rep("  CPU s (best; leader + workers, the workers' from the postmaster's reaped-children "
        "times), and what it says: on an idle 2-core machine the parallel wall time is at least "
        "total CPU / 2, so serial CPU / (parallel CPU / 2) bounds the speed-up from above")
    for t, lbl, _, _ in tables:
        c0, c2 = best(cpu0[t]), best(cpu2[t])
        rep(f"  {lbl:28s} serial {c0:6.2f}  parallel {c2:6.2f} ({c2 / c0:4.2f}x the serial CPU)  "
            f"idle-machine bound {2 * c0 / c2:4.2f}x;  serial wall/CPU {best(wall0[t]) / c0:4.2f} "
            "(> 1: the serial scan waited for a core)")
    rep("  The float sums (sum(amount) float8, sum(score) float4) add the same values in another "
        "order in parallel, so their last digits may differ; every other aggregate must be equal.")
    rep()
    rep("  EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) with 2 workers, delimited file:")
    for l in plans["ev_pb"]:
        rep("    " + l)
    s0.close()
    s2.close()
    rep()


# ---------------------------------------------------------------------------------------------
# issue 5: memory

def issue5_memory(rep, args):
    flat, work = args.flat, args.work
    big = os.path.join(flat, "events_2g.pb")
    nbig = int(open(big + ".rows").read())
    n200 = int(open(os.path.join(work, "dir200", "complete")).read().split()[0])
    s = Session()
    s.run("CREATE EXTENSION IF NOT EXISTS protobuf_fdw")
    s.run(f"CREATE SERVER IF NOT EXISTS pb FOREIGN DATA WRAPPER protobuf_fdw OPTIONS "
          f"(descriptor_set {q(os.path.join(flat, 'bench.desc'))})")
    d200 = os.path.join(work, "dir200")
    cases = [
        ("mem_plain", "plain file (reference)", big, [big], nbig),
        ("mem_gz", "gzip -1", big + ".gz", [os.path.join(work, "events_2g.pb.gz")], nbig),
        ("mem_zst", "zstd -3", big + ".zst", [os.path.join(work, "events_2g.pb.zst")], nbig),
        ("mem_dir", "200 files (glob)", os.path.join(d200, "events-*.pb"),
         sorted(glob.glob(os.path.join(d200, "events-*.pb"))), n200),
    ]
    for t, _, f, files, _ in cases:
        if t in ("mem_gz", "mem_zst"):
            f = files[0]
        s.run(f"CREATE FOREIGN TABLE {t} ({EV_COLUMNS}) SERVER pb OPTIONS (filename {q(f)}, "
              "message 'bench.Event')")
    s.close()
    rep("== Issue 5: backend peak memory (VmHWM) growth scanning compressed and multi-file inputs ==")
    rep("  all-column aggregate, max_parallel_workers_per_gather 0; fresh session per line; VmHWM of "
        "the backend read from /proc/<pid>/status")
    rep("  before (after SET and SELECT pg_backend_pid()) and after the statement, while the "
        "session is held.  target: growth < 64 MB, as for a plain file")
    rep(f"  {'input':26s} {'on disk MB':>10s} {'stream MB':>9s} {'files':>5s} {'messages':>10s} "
        f"{'time s':>7s} {'before kB':>9s} {'after kB':>9s} {'growth MB':>9s}  verdict")
    for t, lbl, f, files, n in cases:
        s = Session()
        before = s.hwm_kb()
        try:
            w, c, r = s.timed(ALLCOLS.format(t=t))
        except RuntimeError as e:
            rep(f"  {lbl:26s} error: {e}")
            s.close()
            continue
        after = s.hwm_kb()
        s.close()
        got = int(r[0].split("|")[0])
        disk = sum(os.path.getsize(x) for x in files)
        stream = disk if t in ("mem_plain", "mem_dir") else os.path.getsize(big)
        g = (after - before) / 1024
        note = "" if got == n else f"  (returned {got} rows, expected {n})"
        rep(f"  {lbl:26s} {disk / 1e6:10.0f} {stream / 1e6:9.0f} {len(files):5d} {got:10d} {w:7.2f} "
            f"{before:9d} {after:9d} {g:9.1f}  {'MET' if g < 64 and not note else 'MISSED'}{note}")
    rep()


# ---------------------------------------------------------------------------------------------

def profile(rep, args):
    """perf record -e cpu-clock -g of a backend running the nested path and jsonb statements."""
    d = args.nested
    s = Session()
    s.run("CREATE EXTENSION IF NOT EXISTS protobuf_fdw")
    s.run(f"CREATE SERVER IF NOT EXISTS pbn FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor_set "
          f"{q(os.path.join(d, 'nested.desc'))})")
    s.run("DO $$ BEGIN CREATE TYPE item AS (sku text, qty int, price float8); "
          "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    s.run(f"CREATE FOREIGN TABLE IF NOT EXISTS orders ({ORDER_COLUMNS}) SERVER pbn OPTIONS "
          f"(filename {q(os.path.join(d, 'orders.pb'))}, message 'benchn.Order')")
    rep("== Profiles (perf record -e cpu-clock -g -p <backend>, self time, top symbols) ==")
    for sql in args.profile:
        data = f"/tmp/bench45_perf_{os.getpid()}.data"
        p = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-g", "-o", data, "-p",
                              str(s.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        w, c, _ = s.timed(sql)
        p.send_signal(2)
        p.wait()
        rep(f"  {sql}   ({w:.2f} s wall, {c:.2f} s CPU)")
        r = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol",
                            "--stdio", "-g", "none", "--percent-limit", "1.5"],
                           capture_output=True, text=True)
        for l in [l for l in r.stdout.splitlines() if l.strip() and not l.startswith("#")][:18]:
            rep("    " + re.sub(r"(\s+-)+\s*$", "", l.strip()))
        os.unlink(data)
    s.close()
    rep()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prepare", action="store_true")
    ap.add_argument("--nested")
    ap.add_argument("--flat", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--results")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--parts", default="nested,parallel,memory")
    ap.add_argument("--profile", action="append", default=[], metavar="SQL")
    ap.add_argument("--command", default="bench/run45.sh")
    ap.add_argument("--so", help="the protobuf_fdw.so the cluster loads (default: the installed one)")
    ap.add_argument("--built", default="", help="where that extension came from (run45.sh says)")
    args = ap.parse_args()
    if args.prepare:
        prepare(args.flat, args.work)
        return
    parts = args.parts.split(",")
    rep = Report(args.results)
    rep(f"protobuf_fdw benchmark, issues 4 and 5   {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    rep(f"command: {args.command}")
    rep(f"git: {subprocess.run(['git', '-C', HERE, 'log', '-1', '--format=%h %s'], capture_output=True, text=True).stdout.strip()}")
    libdir = subprocess.run(["pg_config", "--pkglibdir"], capture_output=True, text=True).stdout.strip()
    so = args.so or os.path.join(libdir, "protobuf_fdw.so")
    rep(f"extension: {so} built {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(os.path.getmtime(so)))}"
        + (f" ({args.built}; the cluster loads this snapshot through extension_destdir)" if args.so else ""))
    rep(f"machine: {os.cpu_count()} cores, shared; load average at start: {loadavg()}")
    s = Session()
    rep(f"server: {s.run('SELECT version()')[0][0].split(' on ')[0]}; session: jit = off, "
        "max_parallel_workers_per_gather = 0 unless stated, other settings default")
    s.close()
    rep()
    for part in parts:
        try:
            {"nested": issue4, "parallel": issue5_parallel, "memory": issue5_memory}[part](rep, args)
        except Exception as e:          # report and go on with the other parts
            rep(f"== {part}: failed: {e}")
            rep()
    if args.profile:
        profile(rep, args)
    rep(f"load average at end: {loadavg()}")
    rep.save()
    print(f"results written to {args.results}")


if __name__ == "__main__":
    main()
