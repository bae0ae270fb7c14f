#!/usr/bin/python3
"""Generate the nested dataset of the issue 4 benchmark (see bench/README-issues-4-5.md).

proto/bench_nested.proto defines benchn.Order:

  Order { int64 id = 1; Customer customer = 2; repeated Item items = 3;
          map<string,string> attrs = 4; string note = 5; google.protobuf.Timestamp created = 6 }
  Customer { string name = 1; Address address = 2 }   Address { city, zip, repeated lines }
  Item { string sku = 1; int32 qty = 2; double price = 3 }

From one seeded random source (random.Random(seed)), N orders become three varint-delimited files
holding the same orders (same ids, customers, attrs, notes, timestamps) and differing only in the
sibling field `items`, so that the cost of a path into `customer` can be compared across them:

  orders.pb           0-4 items per order (the dataset of the timings)
  orders_noitems.pb   no items at all
  orders_bigitems.pb  the same items plus 24 more per order (from 64 pre-built blocks), so the
                      bytes a path must skip grow about tenfold
  nested.desc         protoc --include_imports --descriptor_set_out of proto/bench_nested.proto

Row shape: id = row number; 95 % of the orders have a customer (name "customer-%07d" of a random
number), of which 97 % have an address: city one of 40 names, zip "%05d", 1-2 lines; items: sku
"SKU-%06d", qty 1-10, price random 0-100 in cents; attrs 0-3 of channel/campaign/device; note
0-60 characters; created = 1,700,000,000 s + id, nanos (id % 1000) ms.

Each order is serialized by Debian's python3-protobuf (run with /usr/bin/python3) in two parts,
Order(id, customer) and Order(attrs, note, created), with the items records between them: a
concatenation of serialized messages is their merge, and the fields stay in field-number order as
an encoder writes them.  The first 1000 orders of each file are parsed back and checked against
the whole Order.

Everything lands in <root>/nested_N<rows>_seed<seed>/, reused when its "complete" marker exists.
Prints the directory on stdout (last line).
"""
import os
import random
import sys
import time

from gen_common import cached_dataset, parse_args, publish, varint
CITIES = ["Amsterdam", "Berlin", "Cairo", "Dublin", "Edinburgh", "Florence", "Geneva", "Helsinki",
          "Istanbul", "Jakarta", "Kyoto", "Lisbon", "Madrid", "Nairobi", "Oslo", "Paris", "Quito",
          "Rome", "Seoul", "Tokyo", "Utrecht", "Vienna", "Warsaw", "Xian", "Yokohama", "Zurich",
          "Athens", "Bogota", "Chicago", "Denver", "Lima", "Lyon", "Milan", "Munich", "Osaka",
          "Porto", "Prague", "Riga", "Sofia", "Tallinn"]
ATTR_KEYS = ["channel", "campaign", "device"]
ATTR_VALUES = ["web", "mobile", "email", "spring-sale", "newsletter", "ios", "android", "desktop"]
NOTE = ("Please leave the parcel at the back door; ring twice. Fragile, handle with care, thanks!")
TS_BASE = 1_700_000_000
EXTRA_ITEMS = 24
EXTRA_BLOCKS = 64


def log(msg):
    print(f"gen_nested: {msg}", file=sys.stderr, flush=True)






def item_record(pb2, sku, qty, price):
    b = pb2.Item(sku="SKU-%06d" % sku, qty=qty, price=price).SerializeToString()
    return b"\x1a" + varint(len(b)) + b   # field 3, wire type 2


def generate(n, seed, outdir, pb2, chunk_rows=50_000):
    from google.protobuf.internal import api_implementation
    log(f"python protobuf implementation: {api_implementation.Type()}")
    rng = random.Random(seed)
    rand = rng.random
    Order, Customer, Address = pb2.Order, pb2.Customer, pb2.Address
    # The extra items of orders_bigitems.pb: EXTRA_BLOCKS blocks of EXTRA_ITEMS item records.
    brng = random.Random(seed + 1)
    blocks = [b"".join(item_record(pb2, int(brng.random() * 1_000_000), 1 + int(brng.random() * 10),
                                   round(brng.random() * 100, 2)) for _ in range(EXTRA_ITEMS))
              for _ in range(EXTRA_BLOCKS)]
    names = ("orders.pb", "orders_noitems.pb", "orders_bigitems.pb")
    files = [open(os.path.join(outdir, nm + ".tmp"), "wb") for nm in names]
    checks = [[] for _ in names]
    t0 = time.time()
    for start in range(1, n + 1, chunk_rows):
        parts = [[], [], []]
        for i in range(start, min(start + chunk_rows, n + 1)):
            # The draw order is part of the dataset definition: do not reorder.
            has_customer = rand() < 0.95
            cust_no = int(rand() * 10_000_000)
            has_address = rand() < 0.97
            city = CITIES[int(rand() * len(CITIES))]
            zipc = int(rand() * 100_000)
            nlines = 1 + int(rand() * 2)
            nitems = int(rand() * 5)
            items = [(int(rand() * 1_000_000), 1 + int(rand() * 10), round(rand() * 100, 2))
                     for _ in range(nitems)]
            nattrs = int(rand() * 4)
            attrs = {ATTR_KEYS[k]: ATTR_VALUES[int(rand() * len(ATTR_VALUES))] for k in range(nattrs)}
            note = NOTE[:int(rand() * 61)]
            block = blocks[int(rand() * EXTRA_BLOCKS)]

            head = Order(id=i)
            if has_customer:
                c = head.customer
                c.name = "customer-%07d" % cust_no
                if has_address:
                    a = c.address
                    a.city = city
                    a.zip = "%05d" % zipc
                    a.lines.append("%d Main Street" % (zipc % 997 + 1))
                    if nlines == 2:
                        a.lines.append("Apt %d" % (cust_no % 300))
            tail = Order(note=note)
            for k, v in attrs.items():
                tail.attrs[k] = v
            tail.created.seconds = TS_BASE + i
            tail.created.nanos = (i % 1000) * 1_000_000
            hb, tb = head.SerializeToString(), tail.SerializeToString()
            ib = b"".join(item_record(pb2, *it) for it in items)
            for k, body in enumerate((hb + ib + tb, hb + tb, hb + ib + block + tb)):
                parts[k].append(varint(len(body)))
                parts[k].append(body)
                if len(checks[k]) < 1000:
                    full = Order()
                    full.CopyFrom(head)
                    for it in items if k != 1 else []:
                        full.items.add(sku="SKU-%06d" % it[0], qty=it[1], price=it[2])
                    if k == 2:
                        full.items.MergeFrom(Order.FromString(block).items)
                    full.MergeFrom(tail)
                    checks[k].append((body, full))
        for f, p in zip(files, parts):
            f.write(b"".join(p))
        done = min(start + chunk_rows - 1, n)
        if done % 200_000 < chunk_rows or done == n:
            log(f"{done} rows, {time.time() - t0:.1f} s")
    for f in files:
        f.close()
    for k, chk in enumerate(checks):
        for body, full in chk:
            if Order.FromString(body) != full:
                sys.exit(f"gen_nested: {names[k]}: a serialized order differs from the whole Order")
    for nm in names:
        os.replace(os.path.join(outdir, nm + ".tmp"), os.path.join(outdir, nm))


def main():
    args = parse_args(__doc__, 1_000_000, "bench_nested.proto")
    outdir = cached_dataset(args, f"nested_N{args.rows}_seed{args.seed}", "nested.desc",
                            generate, log, noun="orders")
    publish(args.root, outdir)


if __name__ == "__main__":
    main()
