"""The segment file format: whole or nothing."""

from __future__ import annotations

import random

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from partnerdesk.sync import segment as seg
from partnerdesk.sync.segment import SegmentError

NODE = "a" * 32
KEY = Ed25519PrivateKey.generate()


def _ops(n=5):
    return [[f"{1767225600000 + i:016d}-00000", "contact", f"row-{i}", "name", f'"Name {i}"'] for i in range(n)]


def _data(n=5, **header):
    return seg.encode({"node": NODE, "seq": 1, "prev": None, "space": "s", **header}, _ops(n), KEY)


def _pub(node):
    return KEY.public_key() if node == NODE else None


def test_round_trip_gives_back_every_op_and_header():
    data = _data(7)
    s = seg.verify(data, _pub)
    assert s.ops == _ops(7) and s.seq == 1 and s.node == NODE and s.header["count"] == 7
    lz = seg.encode({"node": NODE, "seq": 1, "prev": None}, _ops(3), KEY, compression="lzma")
    assert seg.verify(lz, _pub).ops == _ops(3)


def test_truncated_at_every_byte_is_rejected_whole():
    data = _data(3)
    for cut in range(len(data)):
        with pytest.raises(SegmentError) as e:
            seg.verify(data[:cut], _pub)
        assert e.value.kind in (seg.TRUNCATED, seg.DAMAGED)


def test_random_bit_flips_are_rejected():
    data = _data(4)
    rng = random.Random(7)
    for _ in range(400):
        b = bytearray(data)
        for _k in range(rng.choice((1, 1, 2, 8))):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        if bytes(b) == data:
            continue
        with pytest.raises(SegmentError):
            seg.verify(bytes(b), _pub)


def test_forged_signature_and_unknown_node_are_named():
    other = Ed25519PrivateKey.generate()
    forged = seg.encode({"node": NODE, "seq": 1, "prev": None}, _ops(2), other)
    with pytest.raises(SegmentError) as e:
        seg.verify(forged, _pub)
    assert e.value.kind == seg.FORGED
    stranger = seg.encode({"node": "b" * 32, "seq": 1, "prev": None}, _ops(2), other)
    with pytest.raises(SegmentError) as e:
        seg.verify(stranger, _pub)
    assert e.value.kind == seg.UNKNOWN_NODE


def test_newer_format_is_verified_then_reported_as_newer(monkeypatch):
    data = _data(2, format=2)
    with pytest.raises(SegmentError) as e:
        seg.verify(data, _pub)
    assert e.value.kind == seg.NEWER
    monkeypatch.setattr(seg, "SUPPORTED_FORMATS", frozenset({1, 2}))
    assert seg.verify(data, _pub).format == 2


def test_file_names_parse_and_reject_strangers():
    name = seg.file_name(12, "0123456789abcdef" * 4)
    assert name == "seg-0000000012-0123456789ab.pds"
    assert seg.parse_name(name) == (12, "0123456789ab")
    for bad in ("seg-12-abc.pds", "node.json", ".tmp-1-abc", "seg-000000001x-0123456789ab.pds"):
        assert seg.parse_name(bad) is None
