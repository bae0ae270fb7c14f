"""Protobuf and TFRecord byte helpers shared by the test-data generators
(test/corrupt/generate.py, test/fuzz/gen_seeds.py, test/fixtures/sources/gen_sources.py).

Written from the specifications, independently of src/: the varint of the protobuf encoding
guide, and the CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) with TensorFlow's mask
that TFRecord puts after each length and each record.  Import it with

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "<up to test/>"))
    from wire_helpers import varint, crc32c, masked_crc32c
"""

_CRC_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def varint(n):
    """A non-negative integer as a base-128 varint."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def mask_crc(crc):
    """TFRecord's masking of a CRC-32C: rotate right by 15 bits, add a constant."""
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def masked_crc32c(data):
    return mask_crc(crc32c(data))


assert crc32c(b"123456789") == 0xE3069283, "CRC-32C test vector"
assert crc32c(b"") == 0
