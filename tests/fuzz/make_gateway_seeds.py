#!/usr/bin/env python3
"""Writes the seed corpus of gateway_fuzz (tests/fuzz/corpus/gateway/): programs the harness reads with libFuzzer's
FuzzedDataProvider, which takes its choices (integers, booleans) from the END of the input and its strings from the
front. Each seed picks a mix of operations; libFuzzer mutates from there. Deterministic (fixed PRNG seeds)."""
import os
import random
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "gateway")
os.makedirs(out, exist_ok=True)

def seed(name, tail, head=b""):
    # The provider reads the tail backwards: write the choices in the order they are consumed, reversed.
    with open(os.path.join(out, name), "wb") as f:
        f.write(head + bytes(reversed(tail)))

# Many well-formed events from t1: operations 0 (terminal message), terminal 0, kind 3..8, seq "next".
seed("events_t1", bytes([40] + [0, 0, 3, 3, 0, 0] * 40))
# Every kind of terminal message from every connection, no spoiling.
seed("every_kind", bytes([45] + sum(([0, t, k, 4, 0, 0] for t in range(4) for k in range(9)), [])))
# Resends and gaps: seq choices 0 (resend) and 1 (gap) mixed with next.
seed("resends", bytes([30] + [0, 1, 6, 0, 0, 0, 0, 1, 6, 1, 0, 0, 0, 1, 6, 3, 0, 0] * 10))
# Control requests of every kind, then console frames.
seed("control_and_console", bytes([20] + sum(([6, k, 0] for k in range(7)), []) + [8, 1, 1, 8, 0]), b"\x01alert.\x01event.")
for i in range(6):
    rng = random.Random(1400 + i)
    seed("random_%d" % i, bytes(rng.randrange(256) for _ in range(rng.randrange(64, 512))))
