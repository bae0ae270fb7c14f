"""What the dataset generators share: the varint, compiling the .proto for python3-protobuf, and
the cached output directory (argument parsing, "complete" marker, descriptor set, permissions).

Run the generators with /usr/bin/python3: Debian's python3-protobuf is only visible to it.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def varint(n):
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def compile_proto(proto, workdir):
    """The <name>_pb2 module of proto, made by protoc --python_out in workdir."""
    inc = os.path.dirname(proto)
    subprocess.run(["protoc", f"--python_out={workdir}", "-I", inc, proto], check=True)
    sys.path.insert(0, workdir)
    return __import__(os.path.splitext(os.path.basename(proto))[0] + "_pb2")


def parse_args(doc, rows, proto, extra=None):
    """--rows/--seed/--root/--proto with these defaults; extra(ap) adds a script's own options."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--rows", type=int, default=rows)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--root", default="/tmp/protobuf_fdw_bench")
    ap.add_argument("--proto", default=os.path.join(REPO, "proto", proto))
    if extra:
        extra(ap)
    return ap.parse_args()


def cached_dataset(args, dirname, desc_name, generate, log, noun="rows"):
    """<root>/<dirname>: made by generate(rows, seed, outdir, pb2) unless its "complete" marker
    exists, with the descriptor set of args.proto as desc_name.  Returns the directory."""
    outdir = os.path.join(args.root, dirname)
    os.makedirs(outdir, exist_ok=True)
    marker = os.path.join(outdir, "complete")
    if os.path.exists(marker):
        log(f"reusing {outdir}")
        return outdir
    with tempfile.TemporaryDirectory() as work:
        pb2 = compile_proto(args.proto, work)
        subprocess.run(["protoc", "--include_imports",
                        f"--descriptor_set_out={os.path.join(outdir, desc_name)}",
                        "-I", os.path.dirname(args.proto), args.proto], check=True)
        t0 = time.time()
        generate(args.rows, args.seed, outdir, pb2)
        log(f"generated {args.rows} {noun} in {time.time() - t0:.1f} s")
    with open(marker, "w") as f:
        f.write(f"rows={args.rows} seed={args.seed}\n")
    return outdir


def publish(root, outdir):
    """The server runs as postgres: it must be able to read all of it.  Prints the directory."""
    os.chmod(root, 0o755)
    os.chmod(outdir, 0o755)
    for name in os.listdir(outdir):
        os.chmod(os.path.join(outdir, name), 0o644)
    print(outdir)
