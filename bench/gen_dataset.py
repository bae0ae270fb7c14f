#!/usr/bin/python3
"""Generate the benchmark dataset (see shared/bench/README.md) with an independent encoder.

From one seeded random source (Python's random.Random(seed)), N rows of bench.Event become:

  events.pb   varint-delimited bench.Event messages
  batch.pb    the same events as one bench.Batch message (tag 0x0A + varint length + event)
  events.csv  the same rows as CSV (no header), for file_fdw and COPY FROM
  bench.desc  protoc --include_imports --descriptor_set_out of proto/bench.proto

and, on request, size variants made by concatenation (a concatenation of delimited files is a
delimited file; a concatenation of Batch messages is a Batch, by protobuf merge semantics) or, when
the base is larger than the target, by cutting after a whole message:

  events_<tag>.pb, batch_<tag>.pb   (e.g. tag 2g = 2 GiB, 20m = 20 MiB)

The messages are serialized by Debian's python3-protobuf (run this with /usr/bin/python3; its
C++ implementation is used when available).  Each event is serialized once and framed twice; the
framing of the first events is checked against Batch.SerializeToString().

Everything lands in <root>/N<rows>_seed<seed>/ and is reused when its "complete" marker exists.
Prints the directory on stdout (last line).
"""
import os
import random
import shutil
import struct
import sys
import time

from gen_common import cached_dataset, parse_args, publish, varint
COUNTRIES = ["US", "DE", "FR", "GB", "JP", "BR", "IN", "CN", "CA", "AU"]
STATUSES = [200, 200, 200, 404, 500]
TS_BASE = 1_700_000_000_000_000


def log(msg):
    print(f"gen_dataset: {msg}", file=sys.stderr, flush=True)




def read_varint(buf, pos):
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7




def generate(n, seed, outdir, pb2, chunk_rows=100_000):
    from google.protobuf.internal import api_implementation
    log(f"python protobuf implementation: {api_implementation.Type()}")
    rng = random.Random(seed)
    rand = rng.random
    f32 = struct.Struct("<f")
    Event = pb2.Event
    t0 = time.time()
    check = []
    with open(os.path.join(outdir, "events.pb.tmp"), "wb") as fpb, \
         open(os.path.join(outdir, "batch.pb.tmp"), "wb") as fbatch, \
         open(os.path.join(outdir, "events.csv.tmp"), "w", newline="") as fcsv:
        for start in range(1, n + 1, chunk_rows):
            pb_parts, batch_parts, csv_parts = [], [], []
            for i in range(start, min(start + chunk_rows, n + 1)):
                # The draw order is part of the dataset definition: do not reorder.
                user = int(rand() * 1_000_000)
                amount = round(rand() * 1000.0, 2)
                quantity = int(rand() * 105) - 5
                page = int(rand() * 100_000)
                status = STATUSES[int(rand() * 5)]
                score = f32.unpack(f32.pack(rand()))[0]   # a float32 value, exactly
                user_id = "user-%08d" % user
                ts = TS_BASE + i * 1000
                is_test = i % 17 == 0
                country = COUNTRIES[i % 10]
                url = "https://example.com/p/%d?ref=%d" % (page, i % 7)
                ev = Event(id=i, user_id=user_id, ts_micros=ts, amount=amount,
                           quantity=quantity, is_test=is_test, country=country, url=url,
                           status=status, score=score)
                b = ev.SerializeToString()
                ln = varint(len(b))
                pb_parts.append(ln)
                pb_parts.append(b)
                batch_parts.append(b"\x0a")
                batch_parts.append(ln)
                batch_parts.append(b)
                # repr() of a float is its shortest round-trip form, so PostgreSQL reads back
                # exactly the double (amount) and the float32 (score) that the protobuf holds.
                csv_parts.append(f"{i},{user_id},{ts},{amount!r},{quantity},"
                                 f"{'t' if is_test else 'f'},{country},{url},{status},{score!r}\n")
                if len(check) < 1000:
                    check.append(ev)
            fpb.write(b"".join(pb_parts))
            fbatch.write(b"".join(batch_parts))
            fcsv.write("".join(csv_parts))
            done = min(start + chunk_rows - 1, n)
            if done % 1_000_000 < chunk_rows or done == n:
                log(f"{done} rows, {time.time() - t0:.1f} s")
    # The container framing written by hand must be what the encoder itself writes.
    want = pb2.Batch(events=check).SerializeToString()
    with open(os.path.join(outdir, "batch.pb.tmp"), "rb") as f:
        got = f.read(len(want))
    if got != want:
        sys.exit("gen_dataset: batch framing differs from Batch.SerializeToString()")
    for name in ("events.pb", "batch.pb", "events.csv"):
        os.replace(os.path.join(outdir, name + ".tmp"), os.path.join(outdir, name))


def cut_point(path, target, container):
    """(offset, messages) of the end of the last whole message at or before target bytes."""
    with open(path, "rb") as f:
        buf = f.read(target + 16)
    pos = count = 0
    while True:
        p = pos + 1 if container else pos
        ln, p = read_varint(buf, p)
        if p + ln > target:
            return pos, count
        pos = p + ln
        count += 1


def make_variant(outdir, base, tag, target, rows):
    """<stem>_<tag>.pb of about target bytes: whole copies of base, then a prefix of it cut
    after a whole message."""
    src = os.path.join(outdir, base)
    stem, ext = os.path.splitext(base)
    dst = os.path.join(outdir, f"{stem}_{tag}{ext}")
    if os.path.exists(dst + ".rows"):
        return dst
    size = os.path.getsize(src)
    tmp = dst + ".tmp"
    copies, rest = divmod(target, size)
    end, extra = cut_point(src, rest, container=(stem == "batch")) if rest else (0, 0)
    with open(tmp, "wb") as fo:
        for _ in range(copies):
            with open(src, "rb") as fi:
                shutil.copyfileobj(fi, fo, 16 << 20)
        with open(src, "rb") as fi:
            fo.write(fi.read(end))
    os.replace(tmp, dst)
    with open(dst + ".rows", "w") as f:    # how many messages it holds
        f.write(f"{copies * rows + extra}\n")
    log(f"{os.path.basename(dst)}: {os.path.getsize(dst)} bytes")
    return dst


def main():
    args = parse_args(__doc__, 5_000_000, "bench.proto", lambda ap: ap.add_argument(
        "--variant", action="append", default=[], metavar="TAG=BYTES",
        help="also make events_TAG.pb and batch_TAG.pb of about BYTES bytes"))
    outdir = cached_dataset(args, f"N{args.rows}_seed{args.seed}", "bench.desc", generate, log)
    for v in args.variant:
        tag, size = v.split("=")
        for base in ("events.pb", "batch.pb"):
            make_variant(outdir, base, tag, int(size), args.rows)
    publish(args.root, outdir)


if __name__ == "__main__":
    main()
