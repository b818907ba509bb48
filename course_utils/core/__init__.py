"""The core: formulas and the shared argument checks, built on NumPy alone.

Convolution and pooling arithmetic (``arithmetic``), parameter and compute counts (``params``),
metrics (``metrics``), the NumPy reference convolution and pooling (``reference_ops``) and
gradient descent on a kernel (``kernel_learning``), with what every layer uses: the argument
checks (``_validation``), tables and numbers as text (``formatting``) and the environment
(``_environment``). Nothing here imports from the rest of the package, and importing it loads
no heavy library (``tests/test_import_rules.py``).
"""
