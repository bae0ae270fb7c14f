#!/usr/bin/python3
"""Generate the dataset of the nested-path benchmark (issue 12; see bench/README.md).

proto/nest_dump.proto (package nest):

  Dump  { string source = 1; repeated Group groups = 2; int64 created = 3; }
  Group { string name = 1; repeated Event events = 2; int32 level = 3; map<string,string> tags = 4; }
  Event { int64 id = 1; string kind = 2; double amount = 3; google.protobuf.Timestamp at = 4; }

From one seeded random source (random.Random(seed)), N events become:

  dump_name_first.pb  one Dump: source, then ONE Group (name, then the N events, then level),
                      then created
  dump_name_last.pb   the same Dump with the Group's fields in the harder order: the N events,
                      then level, then name (an ancestor field after its children)
  events.pb           the same N events as a varint-delimited stream of nest.Event
  events.json         (--json only) the JSON text of the Group's `events` in the proto3 JSON
                      mapping (int64 as a string, Timestamp RFC 3339): what a jsonb column
                      `events` holds, for comparing with PostgreSQL's own jsonb_in
  nest.desc           protoc --include_imports --descriptor_set_out of proto/nest_dump.proto
  dump.info           the group's name and the byte length of its wire data (W), for the harness

Event: id = 1..N; kind = one of 16 dotted names of 40-56 characters (random); amount = random
0-1000 in cents; at = 1,700,000,000 s + id, with a random whole number of microseconds (so a
timestamptz holds it exactly).  About 80 bytes per event on the wire: 25 M events make ~2 GB.

A Dump of 2 GB cannot be built in Python's memory: each Event is serialized once by Debian's
python3-protobuf (run this with /usr/bin/python3) and the framing is written by hand.  The events
go once into events.pb and once, as `0x12 + varint length + event` records, into a scratch body
file; the Group's length is then known, and each Dump is its header + the body + its tail.  The
check: the first 1000 events are read back from every file and compared with the Event built by
the API, a small Dump made by the same framing code over those 1000 events must parse to the
Dump the API builds (both field orders), and the whole Dump is parsed when under 256 MB.

Everything lands in <root>/nest_dump_N<rows>_seed<seed>/, reused when its "complete" marker
exists.  Prints the directory on stdout (last line).
"""
import json
import os
import random
import shutil
import sys
import time

from gen_common import cached_dataset, parse_args, publish, varint

GROUP_NAME = "group-0001-all-events"
SOURCE = "gen_nested_dump.py"
CREATED = 1_700_000_000
LEVEL = 3
TS_BASE = 1_700_000_000
DOMAINS = ["checkout.payment", "catalog.product", "account.session", "shipping.parcel"]
ACTIONS = ["authorized.by-card-network", "viewed.from-search-results-page",
           "renewed.after-idle-timeout", "handed-over.to-carrier-at-depot"]
CHECK = 1000
FULL_PARSE_LIMIT = 256 << 20


def log(msg):
    print(f"gen_nested_dump: {msg}", file=sys.stderr, flush=True)


KINDS = [f"{d}.{a}/{k:02d}" for k, (d, a) in enumerate((d, a) for d in DOMAINS for a in ACTIONS)]


def field_bytes(tag, payload):
    """A length-delimited field: tag byte, varint length, payload."""
    return bytes([tag]) + varint(len(payload)) + payload


def varint_field(tag, n):
    return bytes([tag]) + varint(n)


def group_parts(name_first, name):
    """(bytes before the events, bytes after them) inside the Group message."""
    name_f = field_bytes(0x0A, name.encode())
    level_f = varint_field(0x18, LEVEL)
    return (name_f, level_f) if name_first else (b"", level_f + name_f)


def dump_parts(group_len, name_first, name):
    """(bytes before the events, bytes after them) of the whole Dump file, for a Group whose
    events take group_len bytes (tags and lengths included)."""
    g_head, g_tail = group_parts(name_first, name)
    glen = len(g_head) + group_len + len(g_tail)
    head = field_bytes(0x0A, SOURCE.encode()) + b"\x12" + varint(glen) + g_head
    tail = g_tail + varint_field(0x18, CREATED)
    return head, tail


def event_values(rand, i):
    # The draw order is part of the dataset definition: do not reorder.
    kind = KINDS[int(rand() * len(KINDS))]
    amount = round(rand() * 1000.0, 2)
    micros = int(rand() * 1_000_000)
    return i, kind, amount, TS_BASE + i, micros * 1000


def event_json(i, kind, amount, secs, nanos):
    """The proto3 JSON mapping of one Event, as the jsonb rendering writes it: int64 as a
    string, a zero double left out, a Timestamp in RFC 3339 with 0, 3, 6 or 9 fractional
    digits."""
    t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    width = 0 if nanos == 0 else 3 if nanos % 1_000_000 == 0 else 6 if nanos % 1000 == 0 else 9
    frac = "." + f"{nanos:09d}"[:width] if width else ""
    amt = f'"amount": {amount!r}, ' if amount else ""
    return f'{{"id": "{i}", "kind": {json.dumps(kind)}, {amt}"at": "{t}{frac}Z"}}'


def write_events(n, seed, outdir, pb2, with_json, chunk=100_000):
    """events.pb, body.tmp (the Group's event records) and maybe events.json; returns the
    first CHECK Events and the body's length."""
    rand = random.Random(seed).random
    Event = pb2.Event
    first = []
    body_len = 0
    t0 = time.time()
    fj = open(os.path.join(outdir, "events.json.tmp"), "w") if with_json else None
    with open(os.path.join(outdir, "events.pb.tmp"), "wb") as fflat, \
         open(os.path.join(outdir, "body.tmp"), "wb") as fbody:
        if fj:
            fj.write("[")
        for start in range(1, n + 1, chunk):
            flat, body, js = [], [], []
            for i in range(start, min(start + chunk, n + 1)):
                v = event_values(rand, i)
                ev = Event(id=v[0], kind=v[1], amount=v[2])
                ev.at.seconds, ev.at.nanos = v[3], v[4]
                b = ev.SerializeToString()
                rec = varint(len(b)) + b
                flat.append(rec)
                body.append(b"\x12" + rec)
                body_len += 1 + len(rec)
                if fj:
                    js.append(event_json(*v))
                if len(first) < CHECK:
                    first.append(ev)
            fflat.write(b"".join(flat))
            fbody.write(b"".join(body))
            if fj:
                fj.write(("," if start > 1 else "") + ", ".join(js))
            done = min(start + chunk - 1, n)
            if done % 1_000_000 < chunk or done == n:
                log(f"{done} events, {time.time() - t0:.1f} s")
        if fj:
            fj.write("]")
            fj.close()
    return first, body_len


def assemble(outdir, body_len, n):
    """dump_name_first.pb and dump_name_last.pb: header + body + tail."""
    body = os.path.join(outdir, "body.tmp")
    for name_first, fname in ((True, "dump_name_first.pb"), (False, "dump_name_last.pb")):
        head, tail = dump_parts(body_len, name_first, GROUP_NAME)
        tmp = os.path.join(outdir, fname + ".tmp")
        with open(tmp, "wb") as fo, open(body, "rb") as fi:
            fo.write(head)
            shutil.copyfileobj(fi, fo, 16 << 20)
            fo.write(tail)
        log(f"{fname}: {os.path.getsize(tmp)} bytes")
    os.unlink(body)
    g_head, g_tail = group_parts(True, GROUP_NAME)
    with open(os.path.join(outdir, "dump.info"), "w") as f:
        f.write(f"group_name={GROUP_NAME}\nevents={n}\nevents_bytes={body_len}\n"
                f"group_bytes={len(g_head) + body_len + len(g_tail)}\n")


def read_varint(f):
    result = shift = 0
    while True:
        b = f.read(1)[0]
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result
        shift += 7


def check_file(path, first, Event, tagged, skip=0):
    """The first events of path (after skip header bytes) are the Events in first."""
    with open(path, "rb") as f:
        f.seek(skip)
        for want in first:
            if tagged and f.read(1) != b"\x12":
                sys.exit(f"gen_nested_dump: {path}: an event record lacks its tag")
            got = Event.FromString(f.read(read_varint(f)))
            if got != want:
                sys.exit(f"gen_nested_dump: {path}: event {want.id} differs")


def check(outdir, pb2, first, n, body_len, with_json):
    Dump, Event = pb2.Dump, pb2.Event
    check_file(os.path.join(outdir, "events.pb"), first, Event, tagged=False)
    small_len = sum(1 + len(varint(e.ByteSize())) + e.ByteSize() for e in first)
    small_body = b"".join(b"\x12" + varint(e.ByteSize()) + e.SerializeToString() for e in first)
    for name_first, fname in ((True, "dump_name_first.pb"), (False, "dump_name_last.pb")):
        path = os.path.join(outdir, fname)
        head, tail = dump_parts(body_len, name_first, GROUP_NAME)
        check_file(path, first, Event, tagged=True, skip=len(head))
        if os.path.getsize(path) != len(head) + body_len + len(tail):
            sys.exit(f"gen_nested_dump: {fname}: wrong size")
        # The same framing code over the first events must give the Dump the API builds.
        want = Dump(source=SOURCE, created=CREATED)
        want.groups.add(name=GROUP_NAME, level=LEVEL).events.extend(first)
        h, t = dump_parts(small_len, name_first, GROUP_NAME)
        if Dump.FromString(h + small_body + t) != want:
            sys.exit(f"gen_nested_dump: {fname}: the hand-written framing differs")
        if name_first and h + small_body + t != want.SerializeToString():
            sys.exit(f"gen_nested_dump: {fname}: not the bytes the encoder writes")
        if os.path.getsize(path) < FULL_PARSE_LIMIT:
            with open(path, "rb") as f:
                whole = Dump.FromString(f.read())
            g = whole.groups
            if (len(g) != 1 or g[0].name != GROUP_NAME or g[0].level != LEVEL
                    or len(g[0].events) != n or g[0].events[:CHECK] != first):
                sys.exit(f"gen_nested_dump: {fname}: the whole Dump parses wrong")
    if with_json:
        from google.protobuf import json_format
        with open(os.path.join(outdir, "events.json")) as f:
            got = json.load(f)[:CHECK]
        if got != [json_format.MessageToDict(e) for e in first]:
            sys.exit("gen_nested_dump: events.json differs from json_format.MessageToDict")
    log(f"checked the first {len(first)} events of every file")


def main():
    args = parse_args(__doc__, 25_000_000, "nest_dump.proto", lambda ap: ap.add_argument(
        "--json", action="store_true", help="also write events.json (the jsonb text)"))

    def generate(n, seed, outdir, pb2):
        from google.protobuf.internal import api_implementation
        log(f"python protobuf implementation: {api_implementation.Type()}")
        first, body_len = write_events(n, seed, outdir, pb2, args.json)
        assemble(outdir, body_len, n)
        for name in ("events.pb", "events.json", "dump_name_first.pb", "dump_name_last.pb"):
            if os.path.exists(os.path.join(outdir, name + ".tmp")):
                os.replace(os.path.join(outdir, name + ".tmp"), os.path.join(outdir, name))
        check(outdir, pb2, first, n, body_len, args.json)

    suffix = "_json" if args.json else ""
    outdir = cached_dataset(args, f"nest_dump_N{args.rows}_seed{args.seed}{suffix}", "nest.desc",
                            generate, log, noun="events")
    publish(args.root, outdir)


if __name__ == "__main__":
    main()
