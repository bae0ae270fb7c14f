#!/usr/bin/python3
"""Write the checked-in seed corpora: corpus/<target>/<name>.

The seeds are small hand-encoded inputs in each target's parameter layout (see the comment at the
top of each fuzz_*.c); rerunning this script rewrites the same files."""
import gzip, os, struct, sys, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from wire_helpers import masked_crc32c, varint  # noqa: E402


def field(num, wt, payload):
    tag = varint(num << 3 | wt)
    if wt == 2:
        return tag + varint(len(payload)) + payload
    return tag + payload


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
            out += h + struct.pack("<I", masked_crc32c(h)) + m + struct.pack("<I", masked_crc32c(m))
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

# ---- the in-backend targets (backend/pbfuzz.c); messages encoded by protoc --encode ----
import subprocess, tempfile
TOP = os.path.dirname(os.path.dirname(HERE))
PROTOC = ["protoc", "-I", os.path.join(TOP, "proto"), "-I", "/usr/include"]

def encode(proto, message, text):
    return subprocess.run(PROTOC + ["--encode=" + message, proto], input=text.encode(),
                          stdout=subprocess.PIPE, check=True).stdout

def descriptor_set(protos, imports=True):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "set.desc")
        subprocess.run(PROTOC + (["--include_imports"] if imports else []) + ["-o", out] + protos, check=True)
        with open(out, "rb") as f:
            return f.read()

# fuzz_decoder: [table][message]; the tables, in run.sh's order, and a message for each
T, P2, SHOP = "model_types.proto", "model_p2.proto", "model_shop.proto"
decoder_seeds = [
    (0, "scalars", T, "model.types.Scalars",
     'id: 1 f_int32: -5 f_int64: -9000000000 f_uint32: 4000000000 f_uint64: 18446744073709551615 '
     'f_sint32: -3 f_sint64: 77 f_fixed32: 9 f_fixed64: 10 f_sfixed32: -11 f_sfixed64: -12 f_float: 1.5 '
     'f_double: -2.25 f_bool: true f_string: "h\u00e9llo" f_bytes: "\\000\\377" f_enum: NEGATIVE '
     'o_int32: 0 o_string: "abcd" o_enum: GREEN f_inner { a: 7 b: "x" } snake_case_name: "abc" custom: 3'),
    (1, "scalars-text", T, "model.types.Scalars",
     'id: 2 f_int64: 5 f_uint64: 6 f_float: nan f_double: inf f_bool: false f_bytes: "ab" f_enum: 99 '
     'f_uint32: 1 f_sint64: -1 f_inner { a: 1 }'),
    (2, "repeated", T, "model.types.Repeated",
     'id: 3 r_int32: [1, -1] r_int64: [2] r_uint32: [3] r_uint64: [18446744073709551615] r_sint32: [-4] '
     'r_sint64: [5] r_fixed32: [6] r_fixed64: [7] r_sfixed32: [-8] r_sfixed64: [9] r_float: [0.5] '
     'r_double: [1e300] r_bool: [true, false] r_string: ["a", ""] r_bytes: ["\\001"] '
     'r_enum: [RED, NEGATIVE] r_unpacked: [1, 2, 3]'),
    (3, "nodes", T, "model.types.Node",
     'v: 1 name: "root" child { v: 2 child { v: 3 name: "leaf" } } kids { v: 4 kids { v: 5 } } kids { name: "k" }'),
    (4, "choice", T, "model.types.Choice", 'id: 4 p_msg { a: 1 b: "y" } after: "z" o_bytes: "q"'),
    (5, "maps", T, "model.types.Maps",
     'id: 5 by_name { key: "a" value { a: 1 } } by_i64 { key: -1 value: "m" } by_bool { key: true value: 2 } '
     'by_i32 { key: 3 value: GREEN } by_u64 { key: 18446744073709551615 value: 0.25 } '
     'by_s32 { key: -2 value: "\\377" } by_str { key: "k" value: "v" } by_f64 { key: 9 value: -9 }'),
    (6, "wkt", T, "model.types.WellKnown",
     'id: 6 ts { seconds: 1700000000 nanos: 123456789 } dur { seconds: -5 nanos: -500 } '
     'w_int32 { value: 1 } w_int64 { value: 2 } w_uint32 { value: 3 } w_uint64 { value: 4 } '
     'w_float { value: 0.5 } w_double { value: 2.5 } w_bool { value: true } w_string { value: "s" } '
     'w_bytes { value: "b" } st { fields { key: "k" value { list_value { values { number_value: 1 } '
     'values { null_value: NULL_VALUE } } } } } val { string_value: "v" } lst { values { bool_value: true } } '
     'any { type_url: "type.googleapis.com/google.protobuf.Duration" value: "\\010\\001" } '
     'mask { paths: "a.b" paths: "c" } empty { } r_ts { seconds: 1 } r_ts { seconds: -62135596800 }'),
    (7, "wkt-json", T, "model.types.WellKnown",
     'id: 7 ts { seconds: 253402300799 nanos: 999999999 } dur { seconds: 315576000000 } '
     'w_uint64 { value: 18446744073709551615 } w_float { value: inf } w_bytes { value: "\\000" } mask { paths: "x_y" }'),
    (8, "groups", P2, "model.p2.Doc",
     'id: 8 Info { a: 1 b: "g" part { x: 2 label: "l" level: HIGH nums: [1, 2] } } '
     'Entry { key: "e" n: 3 } Entry { key: "f" } level: MINUS levels: [LOW, HIGH] packed_nums: [1, 2] '
     'plain_nums: [3] part { x: 4 } parts { x: 5 } parts { label: "p" } part_by_num { key: 1 value { x: 6 } } '
     'big: -1 data: "d" cases { Dup: 1 dup: 2 MiXed: 3 }'),
    (9, "orders", SHOP, "model.shop.Order",
     'order_id: 9 customer { id: 1 name: "n" address { street: "s" city: "c" zip_code: "z" '
     'geo { lat: 1.5 lng: -2.5 } } emails: ["a@b"] status: ACTIVE tags { key: "t" value: "u" } } '
     'items { sku: "s1" quantity: 2 unit_price { currency_code: "EUR" units: 3 nanos: 5 } labels: ["l"] '
     'added_at { seconds: 5 } note { value: "n" } } items_by_sku { key: "s1" value { sku: "s1" } } '
     'notes { key: 1 value: "x" } flags { key: false value: 1 } cash { units: 7 } status: SUSPENDED '
     'history: [ACTIVE, DELETED] created_at { seconds: 86400 } ttl { seconds: 60 } discount { value: 5 } '
     'attributes { fields { key: "a" value { number_value: 1.5 } } } update_mask { paths: "order_id" } '
     'shipped_at { seconds: 1 } signature: "sig"'),
]
for table, name, proto, message, text in decoder_seeds:
    write("fuzz_decoder", name, bytes([table]) + encode(proto, message, text))
write("fuzz_decoder", "empty-scalars", bytes([0]))
write("fuzz_decoder", "deep-nodes", bytes([3]) + encode(T, "model.types.Node", "child { " * 120 + "v: 1" + " }" * 120))

# fuzz_loader: [selector][set length, 2 bytes LE][descriptor set][message]
def loader(name, protos, sel, msg=b"", imports=True):
    d = descriptor_set(protos, imports)
    assert len(d) < 65536
    write("fuzz_loader", name, bytes([sel, len(d) & 0xFF, len(d) >> 8]) + d + msg)

loader("p2-doc", [P2], 0x80 | 2, encode(P2, "model.p2.Doc", decoder_seeds[8][4]))
loader("types", [T], 0x80 | 7, encode(T, "model.types.Node", decoder_seeds[3][4]))
loader("types-noimports", [T], 3, imports=False)
loader("shop-noimports", [SHOP], 0x80 | 4, imports=False)
loader("scalars3", ["scalars3.proto"], 0x80 | 1)
loader("scalars2", ["scalars2.proto"], 0x80 | 5)
loader("container", ["container.proto"], 0)
loader("nopkg", ["nopkg.proto"], 0)
# proto2 extensions and declared defaults (issue 13): ext13.Defaults (message 0 of the set)
# with one extension of every kind set
loader("ext13", ["ext13_ext.proto"], 0x80 | 0,
       encode("ext13_ext.proto", "ext13.Defaults",
              'i32: -42 inner { y: "s" [ext13.more.Holder.inner_note]: "n" } '
              '[ext13.more.ext_i32]: 5 [ext13.more.ext_s]: "e" [ext13.more.ext_msg] { label: "l" n: 2 } '
              '[ext13.more.ext_rep]: [1, 2] [ext13.more.ext_packed]: [-1, 3] '
              '[ext13.more.extgroup] { g: 7 } [ext13.more.ext_msgs] { label: "m" } '
              '[ext13.more.ext_color]: COLOR_BLUE [ext13.more.ext_bytes]: "\\000" [ext13.more.ext_double]: inf'))
