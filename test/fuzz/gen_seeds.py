#!/usr/bin/python3
"""Write the checked-in seed corpora: corpus/<target>/<name>.

The seeds are small hand-encoded inputs in each target's parameter layout (see the comment at the
top of each fuzz_*.c); rerunning this script rewrites the same files."""
import gzip, os, struct, sys, zlib

HERE = os.path.dirname(os.path.abspath(__file__))

def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)

def field(num, wt, payload):
    tag = varint(num << 3 | wt)
    if wt == 2:
        return tag + varint(len(payload)) + payload
    return tag + payload

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF

def masked(c):
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF

# a few messages: bench.Event-like (1: id varint, 2: user_id string, 3: amount double)
MSGS = [
    field(1, 0, varint(1)) + field(2, 2, b"alice") + field(3, 1, struct.pack("<d", 1.5)),
    b"",
    field(1, 0, varint(300)) + field(2, 2, b"b" * 130) + field(5, 5, struct.pack("<I", 7)),
    field(4, 3, b"") + field(1, 0, varint(2)) + field(4, 4, b""),   # a group
]

def frame(kind, msgs):
    if kind == 0:
        return b"".join(varint(len(m)) + m for m in msgs)
    if kind == 1:   # container: field 1 rows, plus other fields
        return field(2, 0, varint(9)) + b"".join(field(1, 2, m) for m in msgs) + field(3, 2, b"tail")
    if kind == 2:
        return b"".join(struct.pack(">I", len(m)) + m for m in msgs)
    if kind == 3:
        return b"".join(struct.pack("<I", len(m)) + m for m in msgs)
    if kind == 4:
        out = b""
        for m in msgs:
            h = struct.pack("<Q", len(m))
            out += h + struct.pack("<I", masked(crc32c(h))) + m + struct.pack("<I", masked(crc32c(m)))
        return out
    return msgs[0]

def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

# fuzz_framing: [kind][mode|crc<<7][chunk][cap][max][container field-1][trunc] payload
# chunk index 3 = 7 bytes, cap index 2 = 5 bytes, max index 8 = 1 MiB
names = ["delimited", "container", "fixed32be", "fixed32le", "tfrecord", "single"]
for kind in range(6):
    payload = frame(kind, MSGS)
    for mode in (0, 4, 5, 6):
        m = mode | (0x80 if kind == 4 else 0)
        write("fuzz_framing", "%s-mode%d" % (names[kind], mode), bytes([kind, m, 3, 2, 8, 0, 5]) + payload)
    # gzip and zstd compressed by the tools, fed as arbitrary bytes (modes 2 and 3, 1 = auto)
    write("fuzz_framing", "%s-gzipraw" % names[kind], bytes([kind, 2, 4, 4, 8, 0, 0]) + gzip.compress(payload, mtime=0))
    write("fuzz_framing", "%s-auto-gzip" % names[kind], bytes([kind, 1, 0, 1, 8, 0, 0]) + gzip.compress(payload, mtime=0))
    # no input stage: the source reads the callback directly (mode none | 0x40)
    write("fuzz_framing", "%s-direct" % names[kind], bytes([kind, 0x40 | (0x80 if kind == 4 else 0), 2, 2, 8, 0, 0]) + payload)
# a small max_message_size: oversized messages skipped
write("fuzz_framing", "delimited-oversized", bytes([0, 0, 2, 1, 3, 0, 0]) + frame(0, MSGS))
write("fuzz_framing", "tfrecord-oversized", bytes([4, 0x80, 2, 1, 3, 0, 0]) + frame(4, MSGS))

# fuzz_wire: [mode][container field-1][max index][at_eof] bytes
msg = MSGS[0] + MSGS[2] + MSGS[3] + field(6, 2, MSGS[0])
for mode in range(4):
    write("fuzz_wire", "message-%d" % mode, bytes([mode, 0, 8, 1]) + msg)
for kind in (0, 1, 2, 3, 4):
    write("fuzz_wire", "walk-%s" % names[kind], bytes([4 + kind, 0, 8, kind & 1]) + frame(kind, MSGS))
write("fuzz_wire", "deep-groups", bytes([0, 0, 8, 1]) + b"\x0b" * 99 + b"\x0c" * 99)
write("fuzz_wire", "too-deep", bytes([0, 0, 8, 1]) + b"\x0b" * 101 + b"\x0c" * 101)

# fuzz_parquet: the input is consumed byte by byte as choices (see fuzz_parquet.c), so any
# bytes are a valid input; these cover each codec (first byte) with a few row/page settings.
import random
for codec in range(6):
    for k in range(3):
        rnd = random.Random(codec * 10 + k)
        # codec, rg rows/bytes, page, dict, size class (1: up to 31 rows), rows, no failure,
        # level mode (3: a fast level), level pick
        head = bytes([codec, k * 2, k, k + 1, 4 - k, 1, 8 + 10 * k, 0, 3, k])
        write("fuzz_parquet", "codec%d-%d" % (codec, k), head + bytes(rnd.randrange(256) for _ in range(200 + 100 * k)))
for mode in (1, 2, 3):
    rnd = random.Random(100 + mode)
    write("fuzz_parquet", "failure%d" % mode, bytes([1, 0, 0, 2, 3, 1, 20, mode, 5]) + bytes(rnd.randrange(256) for _ in range(300)))
