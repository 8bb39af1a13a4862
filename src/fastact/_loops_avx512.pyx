# cython: freethreading_compatible = True
# The kernels compiled for the avx512 instruction set (flags: setup.py ISA_FLAGS).
include "_loops.pxi"
