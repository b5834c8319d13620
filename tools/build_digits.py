"""Build assets/digits/: the 8 × 8 handwritten digits (UCI "Optical Recognition of Handwritten Digits",
CC BY 4.0) as they ship inside scikit-learn's wheel, so the lab needs neither scikit-learn nor a download.

    python tools/build_digits.py            # needs the package index once; writes assets/digits/digits.csv.gz

``pip download`` fetches the pinned wheel (no install), the file is read out of it, its checksum is checked
and it is copied unchanged: 1,797 rows of 64 pixel values 0–16 then the digit.
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assets" / "digits" / "digits.csv.gz"
REQUIREMENT = "scikit-learn==1.9.1"
MEMBER = "sklearn/datasets/data/digits.csv.gz"
SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"


def build(out: Path = OUT) -> Path:
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-d", work,
                        REQUIREMENT], check=True, capture_output=True, text=True)
        wheel = next(Path(work).glob("scikit_learn-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(MEMBER)
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{MEMBER} in {REQUIREMENT} has checksum {digest}, expected {SHA256}.")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    print(build(parser.parse_args().out))
