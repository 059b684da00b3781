"""MSigDB v6.2 gene sets (symbols) used for p3 Figures 5-6: Hallmarks, Reactome, GO (c5).

Local copies are the ones DL-mo ships (verbatim); GO c5 is registered but absent here.
"""

from __future__ import annotations

from pathlib import Path

from omicslib.data.fetch import DataError, locate
from omicslib.data.registry import DLMO, DatasetSpec, FileSpec, register

_BIO = f"{DLMO}/R-scripts/data/bio_annotations"

GENESETS = register(DatasetSpec(
    id="msigdb_v6_2",
    title="MSigDB v6.2 gene sets (gene symbols): Hallmark, C2 Reactome, C5 GO",
    papers=("p3",),
    homepage="https://www.gsea-msigdb.org/gsea/msigdb",
    license="MSigDB licence (CC BY 4.0 for Hallmark/GO; Reactome terms per its own licence)",
    citation="Liberzon et al. (2015) Cell Syst 1:417 (Hallmarks); Subramanian et al. (2005) PNAS 102:15545",
    files=(
        FileSpec("hallmark", "genesets/h.all.v6.2.symbols.gmt", f"{_BIO}/h.all.v6.2.symbols.gmt",
                 "0ee07a4abda7bba49e6cf4ce773f1c5a57b24726cd6c6662f01cabe31e22146b", "50 Hallmark sets"),
        FileSpec("reactome", "genesets/c2.cp.reactome.v6.2.symbols.gmt", f"{_BIO}/c2.cp.reactome.v6.2.symbols.gmt",
                 "3168f672fca6eabf5d21d99181b87fd8c4304866acd0930712a61e9140c7b4ae", "674 Reactome pathways"),
        FileSpec("go", None, f"{_BIO}/c5.all.v6.2.symbols.gmt", None, "C5 GO sets (absent locally)"),
    ),
))


def read_gmt(path: str | Path) -> dict[str, list[str]]:
    """GMT: ``name<TAB>description<TAB>gene...`` per line -> {name: genes}."""
    path = Path(path)
    out: dict[str, list[str]] = {}
    with open(path) as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            genes = [g for g in parts[2:] if g]
            if len(parts) < 3 or not genes:
                raise DataError(f"{path}: line {i} is not GMT (name<TAB>description<TAB>genes...): {line[:80]!r}")
            if parts[0] in out:
                raise DataError(f"{path}: gene set {parts[0]!r} appears twice (line {i})")
            out[parts[0]] = genes
    if not out:
        raise DataError(f"{path}: no gene sets found")
    return out


def load(collection: str = "hallmark") -> dict[str, list[str]]:
    """A registered collection ('hallmark', 'reactome', 'go') as {set name: genes}."""
    return read_gmt(locate(GENESETS.id, collection))
