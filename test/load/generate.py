#!/usr/bin/python3
"""generate.py DIR — the files test/load/run.sh reads, made by independent encoders only:
protoc (the descriptor set and the Python classes), python3-protobuf, gzip and the zstd
command; never this project's code.  Prints the expected aggregates as shell assignments
(EXP_...=...) on stdout.

  bench.desc       protoc --include_imports --descriptor_set_out of proto/bench.proto
  events.pb        2000 bench.Event, varint-delimited, id 1..2000
  events.pb.gz     the same, gzip
  events.pb.zst    the same, zstd -19
  parts/part-N.pb  the same rows split into 4 files (ids N, N+4, ...), read through a glob
  truncated.pb     events.pb cut in the middle of a message
  corrupt.pb.gz    events.pb.gz with a byte flipped in the middle of the deflate stream
"""
import gzip, os, subprocess, sys, tempfile

d = sys.argv[1]
proto = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "proto")
py = tempfile.mkdtemp()
subprocess.run(["protoc", "-I", proto, "--include_imports",
                "--descriptor_set_out=" + os.path.join(d, "bench.desc"),
                "--python_out=" + py, "bench.proto"], check=True)
sys.path.insert(0, py)
import bench_pb2
from google.protobuf.internal.encoder import _VarintBytes  # protobuf's own varint writer

N = 2000


def event(i):
    return bench_pb2.Event(id=i, user_id="user-%04d" % i, ts_micros=1700000000000000 + i,
                           amount=i / 8, quantity=i % 7, is_test=i % 2 == 0,
                           country=["FR", "DE", "JP"][i % 3], url="https://e.x/%d" % i,
                           status=200 + i % 3, score=0.5).SerializeToString()


def frame(ids):
    return b"".join(_VarintBytes(len(m)) + m for m in (event(i) for i in ids))


stream = frame(range(1, N + 1))
open(os.path.join(d, "events.pb"), "wb").write(stream)
gz = gzip.compress(stream, mtime=0)
open(os.path.join(d, "events.pb.gz"), "wb").write(gz)
subprocess.run(["zstd", "-q", "-19", os.path.join(d, "events.pb"), "-o",
                os.path.join(d, "events.pb.zst")], check=True)
os.makedirs(os.path.join(d, "parts"), exist_ok=True)
for p in range(1, 5):
    open(os.path.join(d, "parts", "part-%d.pb" % p), "wb").write(frame(range(p, N + 1, 4)))
open(os.path.join(d, "truncated.pb"), "wb").write(stream[: len(stream) // 2 + 3])
bad = bytearray(gz)
bad[len(bad) // 2] ^= 0x55
open(os.path.join(d, "corrupt.pb.gz"), "wb").write(bytes(bad))
subprocess.run(["rm", "-rf", py], check=True)

# what the scans must return
ids = range(1, N + 1)
print("EXP_COUNT=%d" % N)
print("EXP_SUM_ID=%d" % sum(ids))
print("EXP_SUM_QTY=%d" % sum(i % 7 for i in ids))
print("EXP_SUM_AMOUNT=%d" % sum(i / 8 for i in ids))
print("EXP_MAX_USER=user-%04d" % N)
print("EXP_FR=%d" % sum(1 for i in ids if i % 3 == 0))
print("EXP_TEST=%d" % sum(1 for i in ids if i % 2 == 0))
