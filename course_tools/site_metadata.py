"""What the website needs in the notebooks' metadata: a text alternative for every picture a cell shows.

Usage::

    python -m course_tools.site_metadata           # write the sentences below into the notebooks
    python -m course_tools.site_metadata --check   # exit 1 when a notebook is not up to date with them

``ALT_TEXTS`` holds, for each notebook and each code cell (by its id) that shows pictures, one sentence per
picture, in the order the cell shows them (image outputs, and the picture inside a saved widget). The
script writes them into the cell's metadata (``figure_alt``, read by ``course_tools.site``), changes
nothing else but ``HEADING_FIXES`` (a heading level that skipped one), and is idempotent: run it again after
the notebooks change. A sentence says what the figure shows, not the numbers a run computes (those change
when the notebook is run again). A new figure without a sentence here fails this script and the site build.
"""

from __future__ import annotations

import argparse
import sys

from course_tools import ROOT
from course_tools.notebooks import read, write
from course_tools.site import ALT_KEY, cell_pictures, widget_state

ALT_TEXTS: dict[str, dict[str, list[str]]] = {
    "notebooks/00_start_here.ipynb": {
        "db5fd67e": [
            "One handwritten MNIST digit for each class, 0 to 9, in a row, each titled with its class."
        ],
        "6d63b931": [
            "Two rows of five shapes images: above, large centred shapes on a clean background; below, small "
            "shapes placed anywhere with noise, each titled with its class."
        ],
    },
    "notebooks/01_convolution_arithmetic.ipynb": {
        "8f1f0117": [
            "Three 3x3 kernels drawn as coloured grids with their weights: the vertical-edge Sobel kernel, the "
            "horizontal-edge Sobel kernel and the blur kernel, whose weights are all one ninth."
        ],
        "04ced079": [
            "A grayscale photo and its three feature maps: vertical edges, horizontal edges and a blurred copy, "
            "each drawn under the kernel that made it."
        ],
        "e95256d4": [
            "The kernel playground's starting view: the vertical-edge kernel as Keras applies it, the grayscale "
            "input photo, and the feature map it gives by cross-correlation."
        ],
        "daac2ed1": [
            "A photo of a flower and its map under the 1x1 filter red minus half of green and blue: the "
            "orange-red petals are bright, the rest dark."
        ],
        "a92dea75": [
            "A handwritten digit beside its target map, the vertical-edge map that the Sobel kernel makes of it: "
            "bright on the left edges of its strokes and dark on the right ones."
        ],
        "ac46ef2e": [
            "Two line plots of gradient descent: the mean squared error falling over the steps on a log scale, "
            "and each of the nine kernel weights moving to its dashed target, Sobel's weight.",
            "The learned kernel after 0, 10 and 50 steps and at the end, beside Sobel's kernel: from random "
            "weights it takes Sobel's pattern.",
        ],
    },
    "notebooks/02_padding_and_stride.ipynb": {
        "66bf900c": [
            "A 6x6 input with 'same' padding, zero cells hatched, with the 4x4 window of the first output cell in "
            "its top-left corner and that of the last output cell in its bottom-right corner, each beside its "
            "output grid."
        ],
        "5d43c298": [
            "A 7x7 input with a 3x3 kernel dilated by 2: its nine taps, two pixels apart, cover a 5x5 patch, "
            "beside the 3x3 output grid."
        ],
    },
    "notebooks/03_pooling.ipynb": {
        "cf95b7a3": [
            "Two 5x5 inputs pooled with 2x2 windows and stride 2: with 'valid' the last row and column are "
            "dropped and the output is 2x2; with 'same' the border windows are smaller and the output is 3x3."
        ],
    },
    "notebooks/05_training_a_cnn.ipynb": {
        "bb4dec3c": ["The first 16 training digits in a grid, each titled with its label."],
        "82331aca": [
            "Two learning-curve plots over the epochs: training and validation loss, and training and "
            "validation accuracy, with the best epoch marked."
        ],
        "33d76c32": [
            "The first 24 test digits in a grid, each titled with the model's prediction; the few mistakes are "
            "titled in red with both the true and the predicted digit."
        ],
        "1ffbbf37": [
            "Up to 16 test digits that the model got wrong, each titled in red with its true and predicted digit."
        ],
        "b27867d1": [
            "The first eight 3x3 kernels that the first conv layer learned, drawn as coloured grids, red "
            "weights positive and blue negative.",
            "The next eight learned first-layer kernels, drawn the same way.",
        ],
        "a3a7390a": [
            "Side by side, the Sobel edge kernel turned the way that matches best and the learned filter closest "
            "to it: the same pattern of positive and negative weights.",
            "A test digit 7 and its feature maps under the Sobel kernel and under the learned filter: both light "
            "up the same stroke edges.",
        ],
        "eba30dee": [
            "A test digit and the first eight feature maps of the first conv layer: each filter lights up "
            "different strokes or edges of the digit.",
            "The first eight maps after the first pooling layer: the same patterns at half the resolution.",
            "The first eight maps of the second conv layer: coarser, more abstract patterns of the digit.",
            "The first eight maps after the second pooling layer: small maps with a few bright cells each.",
        ],
        "7ac68781": [
            "The class browser's starting view: up to 16 test images of the digit 3, mistakes first, each titled "
            "with the model's prediction, wrong ones in red."
        ],
    },
    "notebooks/06_metrics.ipynb": {
        "e6b62bb9": [
            "The 10-class confusion matrix of the CNN on the test digits, rows the true digit and columns the "
            "predicted one, with counts in every cell: nearly all of them on the diagonal."
        ],
        "f692d64b": [
            "The precision-recall curve of the question 'is it a 3?' on the validation digits, precision against "
            "recall, with a red dot at the threshold 0.5 near the top-right corner."
        ],
        "66bbd82f": [
            "The threshold explorer's starting view at threshold 0.5: the two-class confusion matrix of 'is it a "
            "3?' beside the precision-recall curve with its red dot."
        ],
        "6747ed9a": [
            "The test digits behind the model's most frequent confusion, each titled with its true and predicted digit."
        ],
    },
    "notebooks/07_overfitting_diagnosis.ipynb": {
        "ba175794": [
            "Learning curves of five runs in five columns, the baseline and each run that changes one thing: "
            "loss above and accuracy below, training and validation over the epochs."
        ],
        "0e365d7f": [
            "The baseline's accuracy on blocks of 100 validation images, each with its 95% error bar, scattered "
            "around a dashed line at its accuracy on all the validation images."
        ],
        "fea26850": [
            "Loss against the number of parameters of the capacity sweep, on a log scale: the training loss "
            "falls with size, the best validation loss levels off and the last-epoch validation loss in grey "
            "climbs away from it for the largest models."
        ],
        "e91303ab": [
            "Training and validation error at the best epoch against the number of training images, on a log "
            "scale: the validation error falls steeply and then more slowly, and the gap between the two narrows."
        ],
        "8d623964": [
            "A grid of twelve small learning-curve plots, one per stored clinic run, each showing training and "
            "validation loss over the epochs, to be labelled by eye."
        ],
        "b056f824": [
            "The epoch slider's starting view: loss and accuracy curves of the largest model of the capacity "
            "sweep drawn up to epoch 4."
        ],
    },
    "notebooks/08_regularization_and_tuning.ipynb": {
        "5dbde746": [
            "A grid of small learning-curve plots, one per remedy (seed 0 of each): training and validation loss "
            "over the epochs of the baseline and each regularized run."
        ],
        "4d961a52": [
            "A training digit followed by seven randomly shifted, rotated and zoomed copies of it, all with the same label."
        ],
        "7de58fb3": [
            "Three rows of four digits: handwritten 6s, the same 6s turned upside down, which look like 9s, and "
            "real 9s."
        ],
        "f0c0ac71": [
            "The learning-rate range test: batch loss against a learning rate growing from 1e-5 to 1 on a log "
            "scale, flat, then falling, then shooting up, with a dashed line at the suggested rate."
        ],
        "c43ba30b": [
            "Four panels of validation accuracy, mean with seed spread, one per architecture question: number "
            "of conv-pool pairs, first-layer filters, pooling window and dropout after the dense layer."
        ],
    },
    "notebooks/09_capstone_designing_a_cnn.ipynb": {
        "ad388708": [
            "Sixteen 100x100 canvases in two rows, each a small handwritten 4 or 9 among patches of clutter, "
            "titled with its class."
        ],
        "11d1787c": [
            "Validation accuracy of the reference design, mean with seed spread, against the number of training "
            "canvases from 250 to 2,000 on a log scale: it rises steeply and then levels off."
        ],
    },
    "notebooks/10_your_own_images.ipynb": {
        "e568e075": [
            "Eight images from the folder, four of class 'four' and four of class 'nine', each titled with its folder."
        ],
        "cb91ce34": [
            "Learning curves of the model trained on the folder: training and validation loss and accuracy "
            "over the epochs."
        ],
    },
    "solutions/01_convolution_arithmetic.ipynb": {
        "a6447689": [
            "Three candidate 3x3 kernels, A, B and C, drawn as coloured grids with their weights, one of them "
            "detecting vertical edges."
        ],
    },
    "solutions/07_overfitting_diagnosis.ipynb": {
        "21f68d98": [
            "A grid of twelve small learning-curve plots, one per stored clinic run, each showing training and "
            "validation loss over the epochs, to be labelled by eye."
        ],
        "0545e20a": [
            "Learning curves of the run to cure: training loss keeps falling while validation loss turns back "
            "up, and training accuracy pulls away from validation accuracy."
        ],
    },
}

# Heading levels must not skip (a page's outline, and the site's check): (notebook, cell id, old, new).
HEADING_FIXES = [("notebooks/05_training_a_cnn.ipynb", "f765177c", "### The one flag", "## The one flag")]


def apply(root=ROOT, check_only: bool = False) -> list[str]:
    """Write ``ALT_TEXTS`` and ``HEADING_FIXES`` into the notebooks; return what changed (or would change).

    Raises ValueError, naming the cells, when a cell shows pictures without the same number of sentences.
    """
    changed, problems = [], []
    for folder in ("notebooks", "exercises", "solutions"):
        for path in sorted((root / folder).glob("*.ipynb")):
            page = path.relative_to(root).as_posix()
            nb, texts, dirty = read(path), ALT_TEXTS.get(page, {}), False
            state = widget_state(nb)
            for cell in nb.cells:
                wanted = texts.get(cell.get("id"))
                pictures = cell_pictures(cell, state) if cell.cell_type == "code" else []
                if pictures and (wanted is None or len(wanted) != len(pictures)):
                    problems.append(
                        f"{page} cell {cell.get('id')}: {len(pictures)} picture(s), "
                        f"{0 if wanted is None else len(wanted)} sentence(s) in ALT_TEXTS"
                    )
                    continue
                if wanted is not None and cell.metadata.get(ALT_KEY) != wanted:
                    cell.metadata[ALT_KEY] = list(wanted)
                    dirty = True
                for fixed_page, cell_id, old, new in HEADING_FIXES:
                    if (
                        fixed_page == page
                        and cell.get("id") == cell_id
                        and cell.source.startswith(old + "\n")
                    ):
                        cell.source = new + cell.source[len(old) :]
                        dirty = True
            known = {cell.get("id") for cell in nb.cells}
            problems += [
                f"{page}: ALT_TEXTS names cell {cid}, which is not there" for cid in texts if cid not in known
            ]
            if dirty:
                changed.append(page)
                if not check_only:
                    write(nb, path)
    if problems:
        raise ValueError("figure text alternatives do not match the notebooks:\n" + "\n".join(problems))
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when a notebook is behind"
    )
    args = parser.parse_args(argv)
    try:
        changed = apply(check_only=args.check)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    verb = "out of date" if args.check else "updated"
    print("\n".join(f"{verb}: {page}" for page in changed) or "every notebook is up to date")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
