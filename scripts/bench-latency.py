#!/usr/bin/env python3
"""bench-latency.py - the latency of each learner through a streaming pipeline
(scripts/bench-scale.sh, make bench-scale).

usage: bench-latency.py SOURCE PIPELINE

SOURCE and PIPELINE are shell commands: SOURCE writes grouped event CSV
(tl-loadgen --rate R), PIPELINE reads it on stdin and writes one CSV row per
learner, learner_id first (... | tl-score -o csv). This script stands between
SOURCE and the pipe, and after the pipe: it passes SOURCE's bytes on as soon
as they arrive, and notes, for each learner, when the chunk holding its last
event row was written into the pipe; on the other side, when its row came
out. The latency of a learner is the second time less the first. Prints the
count and p50, p99 and max in milliseconds, and the learners per second.
"""
import os
import subprocess
import sys
import threading
import time


def ids(chunk, carry):
    """The learner ids of the complete lines of carry + chunk, and the rest."""
    data = carry + chunk
    end = data.rfind(b"\n")
    if end < 0:
        return [], data
    out = [line.split(b",", 1)[0] for line in data[:end].split(b"\n")]
    return out, data[end + 1:]


def feed(src, dst, entered):
    """Copy src to dst; entered[id] = the time its last row went in."""
    carry, header = b"", True
    while True:
        chunk = os.read(src, 1 << 16)
        if not chunk:
            break
        now = time.monotonic()
        os.write(dst.fileno(), chunk)
        got, carry = ids(chunk, carry)
        if header and got:
            got, header = got[1:], False
        for learner in got:
            entered[learner] = now
    dst.close()


def drain(src, left):
    """left[id] = the time its row came out of src."""
    carry, header = b"", True
    while True:
        chunk = os.read(src, 1 << 16)
        if not chunk:
            break
        now = time.monotonic()
        got, carry = ids(chunk, carry)
        if header and got:
            got, header = got[1:], False
        for learner in got:
            left[learner] = now


def quantile(xs, q):
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    source = subprocess.Popen(["sh", "-c", sys.argv[1]], stdout=subprocess.PIPE)
    pipe = subprocess.Popen(["sh", "-c", sys.argv[2]], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    entered, left = {}, {}
    t0 = time.monotonic()
    threads = [threading.Thread(target=feed, args=(source.stdout.fileno(), pipe.stdin, entered)),
               threading.Thread(target=drain, args=(pipe.stdout.fileno(), left))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    if source.wait() != 0 or pipe.wait() != 0:
        sys.exit("bench-latency: the source or the pipeline failed")
    if set(entered) != set(left):
        sys.exit("bench-latency: %d learners went in, %d came out" % (len(entered), len(left)))
    lat = sorted((left[k] - entered[k]) * 1000 for k in entered)
    print("learners %d  p50 %.1f ms  p99 %.1f ms  max %.1f ms  (%.0f learners/s over %.1f s)" % (
        len(lat), quantile(lat, 0.5), quantile(lat, 0.99), lat[-1], len(lat) / wall, wall))


if __name__ == "__main__":
    main()
