#!/usr/bin/env python3
"""shard.py - the reference of tl's shard hash (tl(7) SHARDS), written from
the definition, independently of the C code (common/util/shard.c):

    shard(id) = mix64(FNV-1a-64(bytes of id)) mod N

FNV-1a-64: h = 0xcbf29ce484222325; for each byte b: h = (h ^ b) * 0x100000001b3
(mod 2^64). mix64 (splitmix64's finalizer): x ^= x >> 30; x *= 0xbf58476d1ce4e5b9;
x ^= x >> 27; x *= 0x94d049bb133111eb; x ^= x >> 31 (mod 2^64).

Usage:
  shard.py N            read ids, one a line (bytes, without the newline),
                        print "HASH SHARD ID": the hash in 16 hex digits and
                        the shard of N
  shard.py --vectors    print the test vectors of tl(7) as "ID HASH SHARD7"
"""
import sys

M64 = (1 << 64) - 1


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & M64
    return h


def mix64(x: int) -> int:
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & M64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & M64
    x ^= x >> 31
    return x


def shard_hash(data: bytes) -> int:
    return mix64(fnv1a64(data))


# The ids of tl(7)'s vectors: short ones, tl-loadgen's, a number
# as text, and UTF-8.
VECTORS = [b"L1", b"L0000001", b"L0000002", b"learner-42", b"40", b"u1",
           "Łucja".encode("utf-8")]


def main() -> int:
    if sys.argv[1:] == ["--vectors"]:
        for v in VECTORS:
            h = shard_hash(v)
            print(f"{v.decode('utf-8')} {h:016x} {h % 7}")
        return 0
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    n = int(sys.argv[1])
    for line in sys.stdin.buffer:
        ident = line.rstrip(b"\n")
        h = shard_hash(ident)
        sys.stdout.buffer.write(b"%016x %d " % (h, h % n) + ident + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
