#!/usr/bin/python3
"""Judge a run of test/corrupt/run.sh: check.py PSQL_OUTPUT SERVER_LOG (see run.sh)."""
import re, sys
text = open(sys.argv[1], errors="replace").read()
try:
    server_log = open(sys.argv[2], errors="replace").read()
except OSError as e:
    server_log = None
passed = failed = 0
fails = []

def ok(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        fails.append(what)

CRASH = re.compile(r"server closed the connection unexpectedly|connection to server was lost|"
                   r"Attempting reset|no connection to the server|FATAL:")
ERR = re.compile(r"^(?:psql:[^\n]*?: )?ERROR:  ([0-9A-Z]{5}): (.*)$", re.M)
results = {}
times = []
for pas in ("1", "2"):
    m = re.search(r"^==PASS %s\n(.*?)^==END$" % pas, text, re.M | re.S)
    if not m:
        ok(False, "pass %s did not complete" % pas)
        continue
    sections = re.split(r"^==CASE ", m.group(1), flags=re.M)[1:]
    for sec in sections:
        head, _, body = sec.partition("\n")
        name, expect = head.split(" ", 1)
        errs = ERR.findall(body)
        lines = [l for l in body.splitlines() if re.match(r"^-?\d+(\|[-0-9a-f]*)?$", l)]
        for t in re.findall(r"^Time: ([0-9.]+) ms", body, re.M):
            times.append((float(t), name))
        notice = re.search(r"NOTICE:  \w{5}: .*skipped", body) is not None
        why = None
        if CRASH.search(body):
            why = "connection lost / crash"
        elif any(code.startswith("XX") and code != "XX001" for code, _ in errs):
            # class XX is "internal error"; XX001 (data_corrupted) is a deliberate code for
            # a descriptor set that changed while it was read, the rest means an elog() fired
            why = "internal error: " + "; ".join("%s %s" % (code, msg) for code, msg in errs
                                                 if code.startswith("XX") and code != "XX001")
        elif any(code == "57014" for code, _ in errs):
            why = "statement timeout (hang)"
        elif not errs and not lines:
            why = "neither rows nor an ERROR"
        elif expect.startswith("error") and not errs:
            why = "expected an ERROR, got rows %s" % lines[-1:]
        elif expect.startswith("error:") and errs[-1][0] != expect.split(":")[1]:
            why = "expected SQLSTATE %s, got ERROR %s" % (expect.split(":")[1], errs[-1])
        elif expect.startswith(("rows:", "skip:")):
            n = expect.split(":")[1]
            if errs:
                why = "expected %s, got ERROR %s" % (expect, errs[-1])
            elif lines[-1].split("|")[0] != n:
                why = "expected %s, got %s" % (expect, lines[-1].split("|")[0])
            elif expect.startswith("skip:") and not notice:
                why = "expected a NOTICE counting skipped messages"
        ok(why is None, "pass %s %s (%s): %s" % (pas, name, expect, why))
        results.setdefault(name, []).append((tuple(e[0] for e in errs), tuple(lines)))
# the same answer twice (cases that race a background writer aside)
same = [n for n, r in results.items() if len(r) == 2 and "while-read" not in n and r[0] != r[1]]
ok(not same, "results differ between passes: %s" % same[:5])
pid = re.search(r"^==PID (\d+)$", text, re.M)
pid2 = re.search(r"^==PID2 (\d+)$", text, re.M)
ok(pid and pid2 and pid.group(1) == pid2.group(1), "backend pid changed: the session did not survive")
s1 = re.search(r"^==STARTED (\S+)$", text, re.M)
s2 = re.search(r"^==STARTED2 (\S+)$", text, re.M)
ok(s1 and s2 and s1.group(1) == s2.group(1), "pg_postmaster_start_time() changed: the postmaster restarted")
fd1 = re.search(r"^==FD1 (\d+)$", text, re.M)
fd2 = re.search(r"^==FD2 (\d+)$", text, re.M)
l1 = re.findall(r"^==FDLIST1 (.*)$", text, re.M)
l2 = re.findall(r"^==FDLIST2 (.*)$", text, re.M)
extra = sorted(set(l2) - set(l1))
ok(fd1 and fd2 and int(fd2.group(1)) <= int(fd1.group(1)),
   "backend file descriptors (not relation files): %s after pass 1, %s after pass 2; new: %s"
   % (fd1 and fd1.group(1), fd2 and fd2.group(1), extra))
ok(server_log is not None and not re.search(
    r"terminated by signal|server process .* was terminated|terminating any other active server processes|"
    r"all server processes terminated", server_log or ""),
   "server log shows a crash or cannot be read")
ncases = len(results)
nerr = sum(1 for r in results.values() if r and r[0][0])
print("corrupt: %d cases (an input read through one column set), 2 passes; pass 1: %d ERROR, %d rows; "
      "fds (not relation files) %s -> %s" % (ncases, nerr, ncases - nerr, fd1 and fd1.group(1), fd2 and fd2.group(1)))
times.sort(reverse=True)
print("corrupt: slowest statements: " + ", ".join("%s %.0f ms" % (n, t) for t, n in times[:6]))
for f in fails:
    print("FAILED:", f)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
