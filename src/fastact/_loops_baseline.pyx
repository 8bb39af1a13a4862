# cython: freethreading_compatible = True
# The kernels compiled for the baseline instruction set (flags: setup.py ISA_FLAGS).
include "_loops.pxi"
