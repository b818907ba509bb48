"""./course plan DIR: the folder's report and the planned CNN, and a starter notebook that runs.

The folders are real PNG digits from the bundled MNIST subset, written into a temporary folder.
Every refusal exits with status 2, says why in one line, and leaves the folder as it was: no
notebook, no temporary file. The written notebook is executed top to bottom in a fresh kernel.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

from course_tools import plan as command
from course_tools.notebooks import execute
from course_utils.engines.data import load_dataset
from course_utils.engines.image_folder import scan_folder
from course_utils.engines.planner import plan_cnn

ROOT = Path(__file__).resolve().parents[1]
DIGITS = {"three": 3, "seven": 7}
PER_CLASS = 40


def _write_digits(folder: Path, digits=DIGITS, per_class=PER_CLASS) -> Path:
    """``folder/<name>/<i>.png``: real 28x28 MNIST digits, ``per_class`` of each."""
    (x, y), _ = load_dataset("mnist_subset")
    for name, digit in digits.items():
        (folder / name).mkdir(parents=True)
        for i, image in enumerate(x[y == digit][:per_class]):
            Image.fromarray(image[..., 0]).save(folder / name / f"{i:03d}.png")
    return folder


@pytest.fixture(scope="module")
def digits(tmp_path_factory) -> Path:
    return _write_digits(tmp_path_factory.mktemp("plan") / "digits")


@pytest.fixture
def digits_copy(digits, tmp_path) -> Path:
    """A copy that a test may change, in a folder of its own."""
    return Path(shutil.copytree(digits, tmp_path / "digits"))


def _run(capsys, *arguments):
    """``(status, stdout, stderr)`` of ``./course plan ARGUMENTS``, run in this process."""
    status = command.main([str(argument) for argument in arguments])
    out, err = capsys.readouterr()
    return status, out, err


def _listing(folder: Path) -> list:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


# -- the report and the plan --------------------------------------------------------------------------


def test_the_command_prints_the_report_then_the_plan(capsys, digits):
    status, out, err = _run(capsys, digits)
    assert status == 0 and err == ""
    report, plan = scan_folder(digits), plan_cnn((28, 28, 1), 2)
    assert out.startswith(str(report) + "\n")
    assert (
        "\nThe CNN that course_utils.engines.planner.plan_cnn((28, 28, 1), 2) proposes:\n" + str(plan) + "\n"
        in out
    )
    assert re.search(r"0\s+seven\s+40\s+50%", out) and re.search(r"1\s+three\s+40\s+50%", out)
    assert "Every image is 28x28: give Keras image_size=(28, 28)" in out
    assert "- grey (1 channel): 80 images; kept as it is." in out
    assert "balanced enough" in out and "Skipped: no file." in out
    for reason in plan.reasons:
        assert f"- {reason}" in out
    assert out.endswith(
        f"A starter notebook that trains it: ./course plan {digits} --notebook first_cnn.ipynb\n"
    )


@pytest.mark.slow
def test_the_course_verb_reads_paths_from_where_it_is_run(digits):
    result = subprocess.run(
        [str(ROOT / "course"), "plan", digits.name], cwd=digits.parent, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Image folder {digits}: 80 images in 2 classes")
    missing = subprocess.run(
        [str(ROOT / "course"), "plan", "nowhere"], cwd=digits.parent, capture_output=True, text=True
    )
    assert missing.returncode == 2 and missing.stdout == ""
    assert (
        missing.stderr
        == f"./course plan: path 'nowhere' does not exist (looked for {digits.parent / 'nowhere'}).\n"
    )
    assert (
        "./course plan DIR"
        in subprocess.run([str(ROOT / "course"), "help"], capture_output=True, text=True).stdout
    )


def test_image_size_and_max_params_reach_the_plan(capsys, digits):
    status, out, _ = _run(capsys, digits, "--image-size", 40, 32, "--max-params", 20_000)
    assert status == 0
    assert "--image-size: every image is resized to 40x32 instead." in out
    expected = plan_cnn((40, 32, 1), 2, max_params=20_000)
    assert "plan_cnn((40, 32, 1), 2, max_params=20,000) proposes:\n" + str(expected) in out


def test_object_size_reaches_the_plan_and_the_notebook(capsys, digits_copy):
    out_file = digits_copy.parent / "first.ipynb"
    status, out, _ = _run(capsys, digits_copy, "--object-size", 12, "--notebook", out_file)
    assert status == 0
    expected = plan_cnn((28, 28, 1), 2, object_size=12)
    assert expected.receptive_field != plan_cnn((28, 28, 1), 2).receptive_field  # the option changes the plan
    assert "plan_cnn((28, 28, 1), 2, object_size=12) proposes:\n" + str(expected) in out
    assert "OBJECT_SIZE = 12 " in out_file.read_text()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--object-size", 0], "object_size must be"),
        (["--object-size", 500], "object_size must fit"),
        (["--image-size", 0, 28], "--image-size must be"),
        (["--image-size", 1, 1], "input_shape"),
        (["--max-params", 10], "max_params=10 is too small"),
        (["--max-params", -5], "max_params"),
    ],
)
def test_a_plan_the_planner_refuses_is_one_message_and_status_2(capsys, digits_copy, arguments, message):
    out_file = digits_copy.parent / "first.ipynb"
    status, out, err = _run(capsys, digits_copy, "--notebook", out_file, *arguments)
    assert status == 2 and err.startswith("./course plan: ") and message in err and err.count("\n") == 1
    assert [path.name for path in digits_copy.parent.iterdir()] == ["digits"]


def test_usage_errors_exit_with_status_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        command.main([])
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        command.main(["x", "--image-size", "28"])
    assert exit_.value.code == 2


# -- refusals: one message, status 2, nothing written ---------------------------------------------------


def _bad_folder(kind: str, base: Path) -> tuple[Path, str]:
    folder = base / "images"
    if kind == "missing":
        return folder, "does not exist"
    if kind == "file":
        folder.write_text("x")
        return folder, "is a file, not a folder"
    folder.mkdir()
    if kind == "empty":
        return folder, "is empty"
    if kind == "loose images":
        _write_digits(folder / "tmp", {"three": 3}, per_class=3)
        for file in (folder / "tmp" / "three").iterdir():
            file.rename(folder / file.name)
        shutil.rmtree(folder / "tmp")
        return folder, "holds 3 images but no class folders"
    _write_digits(folder, {"three": 3}, per_class=3)
    if kind == "one class":
        return folder, "holds only one class folder, 'three'"
    (folder / "seven").mkdir()
    if kind == "empty class":
        return folder, "the class folder 'seven' (it is empty) holds no image"
    (folder / "seven" / "a.png").write_text("text, not a picture")
    return folder, "the class folder 'seven' (its file cannot be used: seven/a.png: not an image"


@pytest.mark.parametrize(
    "kind", ["missing", "file", "empty", "loose images", "one class", "empty class", "unreadable class"]
)
def test_a_bad_folder_is_one_message_and_nothing_is_written(capsys, tmp_path, kind):
    folder, message = _bad_folder(kind, tmp_path)
    before = _listing(tmp_path)
    status, out, err = _run(capsys, folder, "--notebook", tmp_path / "first.ipynb")
    assert status == 2 and out == ""
    assert err.startswith(f"./course plan: path '{folder}'") and message in err and err.count("\n") == 1
    assert _listing(tmp_path) == before


def test_files_keras_would_stop_at_block_the_notebook_only(capsys, digits_copy):
    whole = (digits_copy / "three" / "000.png").read_bytes()
    (digits_copy / "three" / "cut.png").write_bytes(whole[:100])
    (digits_copy / "seven" / "notes.txt").write_text("x")
    status, out, err = _run(capsys, digits_copy)
    assert status == 0 and "three/cut.png: damaged" in out and "Keras would stop at 1 of them" in out
    before = _listing(digits_copy.parent)
    status, out, err = _run(capsys, digits_copy, "--notebook", digits_copy.parent / "first.ipynb")
    assert status == 2 and "three/cut.png: damaged" in out
    assert err == (
        f"./course plan: no notebook written: Keras would stop at 1 file of '{digits_copy}' (three/cut.png): "
        "move it out of the folder, then run this again.\n"
    )
    assert _listing(digits_copy.parent) == before


def test_an_existing_notebook_is_kept_without_force(capsys, digits, tmp_path):
    out_file = tmp_path / "first.ipynb"
    out_file.write_text("my own notes")
    status, out, err = _run(capsys, digits, "--notebook", out_file)
    assert status == 2 and out == ""
    assert err == (
        f"./course plan: --notebook '{out_file}' exists and is not overwritten: give another name, or --force "
        "to replace it.\n"
    )
    assert out_file.read_text() == "my own notes" and _listing(tmp_path) == ["first.ipynb"]
    status, out, err = _run(capsys, digits, "--notebook", out_file, "--force")
    assert status == 0 and out.endswith(
        f"Wrote {out_file}: open it in JupyterLab and run it top to bottom.\n"
    )
    assert nbformat.read(out_file, as_version=4).cells[0].source.startswith("# A first CNN for `digits`")
    assert _listing(tmp_path) == ["first.ipynb"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("first.txt", "must end in .ipynb"),
        ("no/such/first.ipynb", "does not exist"),
        ("a_folder.ipynb", "is a folder"),
    ],
)
def test_a_bad_notebook_path_is_refused_before_reading(capsys, digits, tmp_path, name, message):
    (tmp_path / "a_folder.ipynb").mkdir()
    status, out, err = _run(capsys, digits, "--notebook", tmp_path / name, "--force")
    assert status == 2 and out == "" and message in err
    assert _listing(tmp_path) == ["a_folder.ipynb"]


def test_writing_is_whole_or_nothing(tmp_path, monkeypatch):
    out_file = tmp_path / "first.ipynb"
    out_file.write_text("old")
    with pytest.raises(command.PlanError, match="exists and is not overwritten"):
        command.write_whole(out_file, "new", force=False)  # a file that appeared after the check is kept
    assert out_file.read_text() == "old" and _listing(tmp_path) == ["first.ipynb"]

    def full_disk(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        command.write_whole(out_file, "new", force=True)
    assert out_file.read_text() == "old" and _listing(tmp_path) == ["first.ipynb"]
    monkeypatch.undo()
    command.write_whole(out_file, "new", force=True)
    assert out_file.read_text() == "new" and oct(out_file.stat().st_mode & 0o777) != "0o600"


def test_a_notebook_that_cannot_be_written_is_one_message(capsys, digits, tmp_path, monkeypatch):
    def read_only(*_, **__):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(command.tempfile, "mkstemp", read_only)
    status, out, err = _run(capsys, digits, "--notebook", tmp_path / "first.ipynb")
    assert status == 2 and out == ""
    assert (
        err
        == f"./course plan: --notebook '{tmp_path / 'first.ipynb'}' cannot be written: Permission denied.\n"
    )
    assert _listing(tmp_path) == []


# -- the starter notebook -----------------------------------------------------------------------------


def _code(notebook) -> str:
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


def test_the_notebook_does_what_the_issue_asks(capsys, digits, tmp_path):
    out_file = tmp_path / "first.ipynb"
    assert _run(capsys, digits, "--notebook", out_file)[0] == 0
    notebook = nbformat.read(out_file, as_version=4)
    nbformat.validate(notebook)
    code = _code(notebook)
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert first.source == "import course_utils\n\ncourse_utils.setup(keras=True)"
    for needed in [
        f'DATA_DIR = Path("{digits}")',
        "IMAGE_SIZE = (28, 28)",
        'COLOR_MODE = "grayscale"',
        'LABEL_MODE = "binary"',
        "EPOCHS = 30 ",
        'validation_split=0.2,\n    subset="both",\n    seed=0,',
        "label_mode=LABEL_MODE,",
        "image_size=IMAGE_SIZE,",
        "color_mode=COLOR_MODE,",
        "batch_size=BATCH_SIZE,",
        "plan_cnn((*IMAGE_SIZE, CHANNELS), len(class_names), max_params=MAX_PARAMS, object_size=OBJECT_SIZE)",
        "OBJECT_SIZE = None ",
        "layers.Rescaling(1 / 255)",
        "report.class_weight if report.imbalanced else None",
        'EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True)',
        "training_set_metrics(x_seen, y_seen, batch_size=BATCH_SIZE)",
        "diagnose(history)",
        'keras.metrics.AUC(name="auc")',
        "model.save(MODEL_FILE)",
        "keras.models.load_model(MODEL_FILE)",
        "keras.utils.load_img(",
        "keras.utils.img_to_array(image)",
        "if TEST_DIR.exists():",
    ]:
        assert needed in code, needed
    assert 'MODEL_FILE = "first.keras"' in code
    before = code.split("if TEST_DIR.exists():")[0]  # the test folder is read there only, once
    assert "test_ds" not in before and before.count("TEST_DIR") == 1
    assert re.findall(r"model\.evaluate\((\w+)", before) == ["val_ds"]
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "evaluate on it **once**" in text and "class 'three' (label 1)" in text
    lint = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ruff"), "check", "--no-cache", str(out_file)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert lint.returncode == 0, lint.stdout


def test_the_notebook_names_the_folder_relative_to_itself_when_inside(capsys, digits_copy):
    out_file = digits_copy.parent / "first.ipynb"
    assert (
        _run(capsys, digits_copy, "--notebook", out_file, "--image-size", 32, 32, "--max-params", 9000)[0]
        == 0
    )
    code = _code(nbformat.read(out_file, as_version=4))
    assert (
        'DATA_DIR = Path("digits")' in code
        and "IMAGE_SIZE = (32, 32)" in code
        and "MAX_PARAMS = 9000" in code
    )
    inside = (
        digits_copy / "first.ipynb"
    )  # in the folder itself: named whole, so that DATA_DIR.name is its name
    assert _run(capsys, digits_copy, "--notebook", inside)[0] == 0
    assert f'DATA_DIR = Path("{digits_copy}")' in _code(nbformat.read(inside, as_version=4))


def test_many_classes_get_integer_labels_and_per_class_scores(capsys, tmp_path):
    folder = _write_digits(tmp_path / "three_digits", {"one": 1, "two": 2, "five": 5}, per_class=5)
    out_file = tmp_path / "first.ipynb"
    assert _run(capsys, folder, "--notebook", out_file)[0] == 0
    code = _code(nbformat.read(out_file, as_version=4))
    assert 'LABEL_MODE = "int"' in code and "per_class_metrics(cm)" in code and "AUC" not in code
    assert "scores[0].argmax()" in code


@pytest.mark.slow
def test_the_starter_notebook_runs_top_to_bottom(capsys, digits_copy):
    """The slowest test here (about 15 s): a fresh kernel imports TensorFlow and trains 3 epochs.

    The classes are unbalanced (40 threes, 24 sevens), so that the class weights are used too."""
    for file in sorted((digits_copy / "seven").iterdir())[24:]:
        file.unlink()
    out_file = digits_copy.parent / "first.ipynb"
    assert _run(capsys, digits_copy, "--notebook", out_file)[0] == 0
    notebook = nbformat.read(out_file, as_version=4)
    settings = next(cell for cell in notebook.cells if "EPOCHS = " in cell.source)
    settings.source = re.sub(r"EPOCHS = \d+", "EPOCHS = 3", settings.source)
    nbformat.write(notebook, out_file)
    ran = execute(out_file)  # raises on the first cell that fails
    outputs = "\n".join(
        output.get("text", "") for cell in ran.cells if cell.cell_type == "code" for output in cell.outputs
    )
    assert "Found 64 files belonging to 2 classes." in outputs
    assert "largest / smallest class: 1.67; class_weight = {0: 1.3333333333333333, 1: 0.8}" in outputs
    assert re.search(r"0 'seven': \d+ training and \d+ validation images", outputs)
    assert "validation auc:" in outputs and "P('three') = " in outputs
    assert "No test folder at digits_test yet" in outputs
    assert (digits_copy.parent / "first.keras").is_file()
    assert not any(
        output.get("output_type") == "error" for cell in ran.cells for output in cell.get("outputs", [])
    )
    assert np.isfinite(float(re.search(r"validation loss: ([\d.]+)", outputs).group(1)))
