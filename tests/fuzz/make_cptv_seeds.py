#!/usr/bin/python3
"""Writes the CPTV seed corpus for cptv_fuzz from a real recording in tests/data/feverscreen/.

Seeds are decompressed CPTV bytes (cptv_fuzz gzips them itself) except one gzip seed for the gzip layer:
  lepton_first_frame.cptv  the recording's own header and first frame, byte for byte (160x120, scheme 1)
  crop_delta.cptv          the same header fields with a 16x12 crop of the first three frames, scheme 1
  crop_raw.cptv            an 8x6 crop of the first frame, uncompressed 16-bit (scheme 0)
  crop_delta.cptv.gz       crop_delta.cptv, gzip-compressed as recordings are
Run from the repository root: tests/fuzz/make_cptv_seeds.py
"""
import gzip
import struct
from pathlib import Path

SOURCE = Path("tests/data/feverscreen/20210326-091927.cptv")
OUT = Path("tests/fuzz/corpus/cptv")


def read_fields(d, pos):
    count = d[pos]
    pos += 1
    fields = []
    for _ in range(count):
        length, code = d[pos], d[pos + 1]
        fields.append((chr(code), d[pos + 2:pos + 2 + length]))
        pos += 2 + length
    return fields, pos


def write_fields(section, fields):
    out = bytearray(section.encode() + bytes([len(fields)]))
    for code, data in fields:
        out += bytes([len(data), ord(code)]) + data
    return bytes(out)


def snake(width, height):
    for y in range(height):
        for k in range(width):
            yield y, (width - 1 - k if y % 2 else k)


def decode_delta(payload, bits, width, height, base):
    frame = [row[:] for row in base]
    delta = struct.unpack("<i", payload[:4])[0]
    held, held_count, pos, first = 0, 0, 4, True
    for y, x in snake(width, height):
        if not first:
            while held_count < bits:
                held, held_count, pos = (held << 8) | payload[pos], held_count + 8, pos + 1
            held_count -= bits
            raw = (held >> held_count) & ((1 << bits) - 1)
            held &= (1 << held_count) - 1
            delta += raw - (1 << bits) if raw & (1 << (bits - 1)) else raw
        first = False
        frame[y][x] += delta
    return frame


def encode_delta(frame, base, width, height):
    deltas = [frame[y][x] - base[y][x] for y, x in snake(width, height)]
    steps = [b - a for a, b in zip(deltas, deltas[1:])]
    bits = max(1, max((abs(s) * 2).bit_length() for s in steps) if steps else 1)
    packed, acc, acc_bits = bytearray(), 0, 0
    for s in steps:
        acc, acc_bits = (acc << bits) | (s & ((1 << bits) - 1)), acc_bits + bits
        while acc_bits >= 8:
            acc_bits -= 8
            packed.append((acc >> acc_bits) & 0xFF)
            acc &= (1 << acc_bits) - 1
    if acc_bits:
        packed.append((acc << (8 - acc_bits)) & 0xFF)
    return bits, struct.pack("<i", deltas[0]) + bytes(packed)


def main():
    d = gzip.decompress(SOURCE.read_bytes())
    assert d[:6] == b"CPTV\x02H"
    header, pos = read_fields(d, 6)
    width = struct.unpack("<I", dict(header)["X"])[0]
    height = struct.unpack("<I", dict(header)["Y"])[0]
    frames, frame_fields, base = [], [], [[0] * width for _ in range(height)]
    first_frame_end = None
    while len(frames) < 3:
        assert d[pos] == ord("F")
        fields, pos = read_fields(d, pos + 1)
        f = dict(fields)
        size = struct.unpack("<I", f["f"])[0]
        base = decode_delta(d[pos:pos + size], f["w"][0], width, height, base)
        pos += size
        first_frame_end = first_frame_end or pos
        frames.append(base)
        frame_fields.append(fields)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "lepton_first_frame.cptv").write_bytes(d[:first_frame_end])

    def crop_header(w, h, compression):
        replaced = {"X": struct.pack("<I", w), "Y": struct.pack("<I", h), "C": bytes([compression])}
        return b"CPTV\x02" + write_fields("H", [(c, replaced.get(c, v)) for c, v in header if c != "M"])

    x0, y0 = width // 2 - 8, height // 3
    crops = [[row[x0:x0 + 16] for row in f[y0:y0 + 12]] for f in frames]
    out, prev = bytearray(crop_header(16, 12, 1)), [[0] * 16 for _ in range(12)]
    for crop, fields in zip(crops, frame_fields):
        bits, payload = encode_delta(crop, prev, 16, 12)
        kept = [(c, v) for c, v in fields if c not in "wf"]
        out += write_fields("F", kept + [("w", bytes([bits])), ("f", struct.pack("<I", len(payload)))]) + payload
        prev = crop
    (OUT / "crop_delta.cptv").write_bytes(bytes(out))
    (OUT / "crop_delta.cptv.gz").write_bytes(gzip.compress(bytes(out), mtime=0))

    raw = b"".join(struct.pack("<H", v) for row in crops[0][:6] for v in row[:8])
    kept = [(c, v) for c, v in frame_fields[0] if c not in "wf"]
    frame = write_fields("F", kept + [("w", bytes([16])), ("f", struct.pack("<I", len(raw)))])
    (OUT / "crop_raw.cptv").write_bytes(crop_header(8, 6, 0) + frame + raw)


if __name__ == "__main__":
    main()
