"""ed25519 keys and signatures: who vouches for a run record, and whether it is unchanged since.

Each machine has one signing key, `$CLAIMCHECK_HOME/keys/record-signing.pem`, made on first use and readable by
its owner only; `claimcheck results key` prints its public half (`ed25519:<64 hex digits>`). Which bytes of a
record are signed is `claimcheck.results`' business; this module only signs and checks bytes, and keeps the list
of public keys the user has said to trust (`claimcheck results import DIR --trust KEY`).

A valid signature proves that the holder of that private key produced or endorsed exactly this content, and that
no byte of it changed since. It does not prove that the run happened as recorded, that the measurements are right,
or that the key holder is honest or still the only holder of the key (see README, "What a signature proves").
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from claimcheck.home import atomic_write_text, file_lock, read_regular_file, subdir
from claimcheck.models import RecordSignature

KEY_PREFIX = "ed25519:"
_KEY_ID = re.compile(r"(?:ed25519:)?([0-9a-fA-F]{64})")
_KEY_FILE_MAX = 64 * 1024


class SignatureError(ValueError):
    """A signature that does not verify: the content changed after signing, or the signature was made up."""


def _keys_dir() -> Path:
    return subdir("keys")


def key_path() -> Path:
    return _keys_dir() / "record-signing.pem"


def _load_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(read_regular_file(path, _KEY_FILE_MAX), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an ed25519 private key")
    return key


def local_private_key() -> Ed25519PrivateKey:
    """This machine's signing key, made on first use (two processes racing to make it end up with the same one)."""
    path = key_path()
    if path.exists():
        return _load_private(path)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd, tmp = tempfile.mkstemp(prefix=".record-signing.", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, path)  # atomic and refuses to replace: the first key made is the key
    except FileExistsError:
        pass
    finally:
        Path(tmp).unlink(missing_ok=True)
    return _load_private(path)


def key_id(public: Ed25519PublicKey | bytes) -> str:
    """`ed25519:<hex>` of a public key (or of its 32 raw bytes)."""
    if isinstance(public, Ed25519PublicKey):
        public = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KEY_PREFIX + public.hex()


def local_key_id() -> str:
    return key_id(local_private_key().public_key())


def short(key: str) -> str:
    """`ed25519:1a2b3c4d5e6f7a8b…`: enough to tell keys apart at a glance (64 bits)."""
    return key[: len(KEY_PREFIX) + 16] + "…"


def parse_key_id(text: str) -> str:
    """`ed25519:<hex>`, bare hex, or a file holding one (as `claimcheck results key` prints it) → the key id."""
    candidate = text.strip()
    if not _KEY_ID.fullmatch(candidate) and Path(candidate).is_file():
        candidate = read_regular_file(candidate, _KEY_FILE_MAX).decode("utf-8", "replace").strip()
    match = _KEY_ID.fullmatch(candidate)
    if match is None:
        raise ValueError(f"not an ed25519 public key: {text[:80]!r} (expected ed25519:<64 hex digits>)")
    return KEY_PREFIX + match.group(1).lower()


def sign_bytes(data: bytes) -> RecordSignature:
    key = local_private_key()
    return RecordSignature(public_key=key_id(key.public_key())[len(KEY_PREFIX) :], value=key.sign(data).hex())


def verify_bytes(signature: RecordSignature, data: bytes) -> str:
    """The signer's key id when `signature` is a valid signature of `data` by its key; SignatureError otherwise."""
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(signature.public_key))
    try:
        public.verify(bytes.fromhex(signature.value), data)
    except InvalidSignature:
        raise SignatureError("the signature does not verify: the record changed after it was signed") from None
    return KEY_PREFIX + signature.public_key


# ----------------------------------------------------------------------------------------------- trusted keys


def trusted_path() -> Path:
    return _keys_dir() / "trusted.txt"


def trusted_keys() -> set[str]:
    """The keys the user trusted on import, plus this machine's own."""
    keys = {local_key_id()}
    try:
        text = read_regular_file(trusted_path(), _KEY_FILE_MAX).decode("utf-8", "replace")
    except FileNotFoundError:
        return keys
    for line in text.splitlines():
        try:
            keys.add(parse_key_id(line))
        except ValueError:
            continue  # a hand-edited line that is not a key trusts nothing
    return keys


def trust(keys: set[str]) -> None:
    """Remember `keys` as trusted (a re-read, merge and write under a lock: concurrent imports lose none)."""
    path = trusted_path()
    with file_lock(path.with_name(".trusted.lock")):
        known = trusted_keys() - {local_key_id()}
        if keys <= known:
            return
        atomic_write_text(path, "".join(f"{k}\n" for k in sorted(known | keys)))


def describe_signer(key: str | None) -> str:
    """How outputs name a record's signer."""
    if key is None:
        return "unsigned"
    if key == local_key_id():
        return f"signed by this machine's key {short(key)}"
    trusted = "a trusted key" if key in trusted_keys() else "a key not in your trusted keys"
    return f"signed by {short(key)} ({trusted})"
