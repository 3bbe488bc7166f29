"""Where each dataset officially comes from: data, not code.

Used to tell a user where to get a missing dataset and, only when `CLAIMCHECK_NETWORK=1`, to download it into
`<CLAIMCHECK_HOME>/data/<name>`. Checksums are recorded where known, as the digest of a known-good copy:
`verify` lists files that differ, and the evaluation records that in its notes (the official zips are not
byte-identical to every good copy, so a difference is reported, not fatal).
"""

from __future__ import annotations

import gzip
import io
import tarfile
import urllib.request
import zipfile
from pathlib import Path
from typing import Literal

from pydantic import Field

from claimcheck.home import NETWORK_ENV, atomic_write_bytes, network_allowed, sha256_file, subdir
from claimcheck.models import Record
from claimcheck.retrieval.data import COMPOSITES

BEIR_URL = "https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/{name}.zip"
LAREQA_URL = "https://raw.githubusercontent.com/google-research-datasets/lareqa/master/xquad-r/{lang}.json"
XQUAD_LANGS = ("ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh")


class CatalogueEntry(Record):
    name: str
    source: str = Field(description="official source (download URL or the page that explains access)")
    format: Literal["beir-zip", "smart-tar", "xquad-json", "manual"]
    licence: str
    sha256: dict[str, str] = Field(default_factory=dict, description="file (relative to the folder) → sha256")
    note: str = ""


def _beir(name: str, licence: str, note: str = "", sha256: dict[str, str] | None = None) -> CatalogueEntry:
    return CatalogueEntry(
        name=name, source=BEIR_URL.format(name=name), format="beir-zip", licence=licence, note=note, sha256=sha256 or {}
    )


CATALOGUE: dict[str, CatalogueEntry] = {
    e.name: e
    for e in [
        _beir(
            "scifact",
            "CC BY-NC 2.0 (AllenAI SciFact)",
            sha256={"corpus.jsonl": "ae39e2b331413acd6c58c262e3d2c1bf2b4afb5407ccfa6d06dd3f06e5da1f28"},
            note="checksum is that of the reference copy in ../shared/data/scifact (rebuilt from allenai/scifact; "
            "its README gives the prefix ae39e2b3…5da1f28); the BEIR zip's corpus may differ byte-wise",
        ),
        _beir("trec-covid", "CORD-19 dataset licence (Allen Institute for AI); TREC-COVID qrels public"),
        _beir("nfcorpus", "NFCorpus: research use"),
        _beir("fiqa", "FiQA-2018: research use"),
        _beir("arguana", "CC BY-SA 4.0"),
        _beir("scidocs", "CC BY 4.0"),
        _beir("quora", "Quora terms of service"),
        _beir("nq", "CC BY-SA 3.0"),
        _beir("hotpotqa", "CC BY-SA 4.0"),
        _beir("dbpedia-entity", "CC BY-SA 3.0"),
        _beir("fever", "CC BY-SA 3.0"),
        _beir("climate-fever", "CC BY-SA 4.0"),
        _beir("webis-touche2020", "CC BY 4.0"),
        _beir(
            "cqadupstack",
            "Apache 2.0 (CQADupStack)",
            note="twelve forum folders (cqadupstack/<forum>/); evaluated forum by forum and averaged, as in BEIR",
        ),
        _beir("msmarco", "MS MARCO terms (non-commercial research)"),
        CatalogueEntry(
            name="bioasq",
            source="http://participants-area.bioasq.org/ (registration) + BEIR instructions: "
            "https://github.com/beir-cellar/beir/wiki/Datasets-available",
            format="manual",
            licence="BioASQ / NLM terms (registration required)",
            note="not redistributable: build the BEIR folder with BEIR's scripts and put it in a data dir as bioasq/",
        ),
        *(
            CatalogueEntry(
                name=n,
                source="https://github.com/beir-cellar/beir/wiki/Datasets-available",
                format="manual",
                licence="TREC / LDC terms (not redistributable)",
                note=f"build the BEIR folder with BEIR's scripts and put it in a data dir as {n}/",
            )
            for n in ("trec-news", "robust04", "signal1m")
        ),
        CatalogueEntry(
            name="cranfield",
            source="http://ir.dcs.gla.ac.uk/resources/test_collections/cran/cran.tar.gz",
            format="smart-tar",
            licence="classic test collection; no licence stated",
        ),
        CatalogueEntry(
            name="cisi",
            source="http://ir.dcs.gla.ac.uk/resources/test_collections/cisi/cisi.tar.gz",
            format="smart-tar",
            licence="classic test collection; no licence stated",
        ),
        CatalogueEntry(
            name="xquad_r",
            source="https://github.com/google-research-datasets/lareqa",
            format="xquad-json",
            licence="CC BY-SA 4.0",
            note="one <lang>.json per language: " + ", ".join(XQUAD_LANGS),
        ),
    ]
}


def entry(name: str) -> CatalogueEntry | None:
    """The catalogue entry of a dataset; a member of a collection (`xquad_r/de-en`, `cqadupstack/gis`) has its
    collection's."""
    collection = name.split("/", 1)[0]
    if collection in ("xquad_r", *COMPOSITES):
        return CATALOGUE.get(collection)
    return CATALOGUE.get(name)


def source_hint(name: str) -> str:
    e = entry(name)
    if e is None:
        return "It is not in the catalogue: put a BEIR folder of that name in a data dir (--data-dir, CLAIMCHECK_DATA)."
    how = f"Official source: {e.source} (licence: {e.licence})."
    if e.note:
        how += f" {e.note}."
    if e.format != "manual" and not network_allowed():
        how += f" Set {NETWORK_ENV}=1 to download it, or point --data-dir / CLAIMCHECK_DATA at a copy."
    return how


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:  # URLs come from this catalogue only
        return response.read()


def _safe_members(names: list[str]) -> None:
    for n in names:
        if n.startswith("/") or ".." in Path(n).parts:
            raise ValueError(f"refusing archive member with an unsafe path: {n}")


def download(name: str) -> Path:
    """Download dataset `name` into `<home>/data/`, verify known checksums, return its folder."""
    if not network_allowed():
        raise PermissionError(f"downloads are disabled; set {NETWORK_ENV}=1")
    e = entry(name)
    if e is None or e.format == "manual":
        raise FileNotFoundError(f"{name}: no automatic download. {source_hint(name)}")
    root = subdir("data")
    target = root / e.name
    if e.format == "beir-zip":
        with zipfile.ZipFile(io.BytesIO(_fetch(e.source))) as zf:
            _safe_members(zf.namelist())
            zf.extractall(root)  # the zip holds a top-level <name>/ folder
    elif e.format == "smart-tar":
        with tarfile.open(fileobj=io.BytesIO(_fetch(e.source)), mode="r:gz") as tf:
            _safe_members(tf.getnames())
            tf.extractall(target, filter="data")
    else:
        for lang in XQUAD_LANGS:
            atomic_write_bytes(target / f"{lang}.json", _fetch(LAREQA_URL.format(lang=lang)))
    return target


def verify(e: CatalogueEntry, folder: Path) -> list[str]:
    """Files whose sha256 differs from the catalogue's known-good copy (missing files count as different).

    A gzipped copy (`corpus.jsonl.gz`) is compared by its decompressed bytes, which is what the checksum is of.
    """
    return [rel for rel, want in e.sha256.items() if _content_sha256(folder / rel) != want]


def _content_sha256(path: Path) -> str | None:
    if path.is_file():
        return sha256_file(path)
    packed = path.with_name(path.name + ".gz")
    if not packed.is_file():
        return None
    return sha256_file(packed, opener=gzip.open)
