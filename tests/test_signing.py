"""Record-signing keys: one per machine, private to its owner, the same for racing processes; trusted keys."""

from __future__ import annotations

import multiprocessing as mp
import os
import stat
from pathlib import Path

import pytest

from claimcheck import signing


def test_the_key_is_made_once_private_and_kept(claimcheck_home: Path) -> None:
    first = signing.local_key_id()
    assert first.startswith("ed25519:") and len(first) == len("ed25519:") + 64
    assert stat.S_IMODE(signing.key_path().stat().st_mode) == 0o600
    assert signing.local_key_id() == first
    assert not [p for p in signing.key_path().parent.iterdir() if p.name.endswith(".tmp")]


def _key_in(home: str, out: mp.Queue) -> None:
    os.environ["CLAIMCHECK_HOME"] = home
    out.put(signing.local_key_id())


def test_processes_racing_to_make_the_key_get_the_same_one(claimcheck_home: Path) -> None:
    ctx = mp.get_context("fork")
    out: mp.Queue = ctx.Queue()
    procs = [ctx.Process(target=_key_in, args=(str(claimcheck_home), out)) for _ in range(4)]
    for p in procs:
        p.start()
    keys = {out.get(timeout=60) for _ in procs}
    for p in procs:
        p.join()
    assert len(keys) == 1


def test_signatures_verify_only_for_the_signed_bytes() -> None:
    sig = signing.sign_bytes(b"content")
    assert signing.verify_bytes(sig, b"content") == signing.local_key_id()
    with pytest.raises(signing.SignatureError):
        signing.verify_bytes(sig, b"c0ntent")


def test_key_ids_parse_from_text_or_a_file_and_trust_is_remembered(tmp_path: Path) -> None:
    key = "ed25519:" + "AB" * 32
    assert signing.parse_key_id(key) == key.lower() == signing.parse_key_id("ab" * 32)
    saved = tmp_path / "their.pub"
    saved.write_text(key + "\n")
    assert signing.parse_key_id(str(saved)) == key.lower()
    for bad in ("ed25519:abc", "rsa:" + "ab" * 32, str(tmp_path / "missing.pub")):
        with pytest.raises(ValueError):
            signing.parse_key_id(bad)
    assert signing.trusted_keys() == {signing.local_key_id()}
    signing.trust({key.lower()})
    signing.trust({key.lower()})
    assert signing.trusted_keys() == {signing.local_key_id(), key.lower()}
    assert "a trusted key" in signing.describe_signer(key.lower())
    assert "not in your trusted keys" in signing.describe_signer("ed25519:" + "cd" * 32)
    assert signing.describe_signer(None) == "unsigned"
