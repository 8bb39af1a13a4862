# _kernels.pxi -- the compute kernels, one per activation, written once for float32 and
# float64 (Cython fused type `floating`). Included by `_loops.pxi`, which every
# `_loops_<isa>.pyx` module compiles with its own instruction-set flags.
#
# Design:
#  (a) Kernels are `cdef inline ... noexcept nogil` scalar functions of straight-line code,
#      so the loops that call them (generated in `_loops.pxi`) vectorise. Constants are cast
#      to `floating` so float32 math stays float32.
#  (b) The math primitives (exp, tanh, abs, copysign) live in `_vmath.h` with their error
#      analysis; they never call libm, which would keep loops scalar.
#  (c) Every NumPy-facing loop saves the IEEE status flags on entry and restores them on
#      exit (see `_vmath.h`, design (c)): selects evaluate both sides, so intermediate
#      NaN/inf must not turn into NumPy RuntimeWarnings.
#  (d) Rowwise functions (softmax, log_softmax) are computed over "lanes": a contiguous
#      row is viewed as LANES independent accumulators, and a strided axis as up to
#      CBLOCK contiguous columns swept row by row. The same three passes (max, exp-sum,
#      finish) serve both, so axis=0 on a C-ordered array never makes a transposed copy.
#      Sums are accumulated in double (float64 input: with the exact rounding errors of
#      each addition gathered beside them, TwoSum).
from libc.math cimport INFINITY, NAN, log, log1p
from libc.stdint cimport uint16_t
from libc.stdlib cimport malloc, free
from cython.parallel cimport prange

cdef extern from "_vmath.h" nogil:
    ctypedef int fa_fpstate
    fa_fpstate fa_fp_save()
    void fa_fp_restore(fa_fpstate)
    double fa_exp2sum_fast_d(double, double)
    float fa_exp2sum_fast_f(float, float)
    double fa_tanh_d(double)
    float fa_tanh_f(float)
    void fa_tanh_block_f(const float*, float*, Py_ssize_t)
    void fa_softsign_block_f(const float*, float*, Py_ssize_t)
    void fa_sigmoid_block_f(const float*, float*, Py_ssize_t)
    void fa_sigmoid_block_d(const double*, double*, Py_ssize_t)
    void fa_silu_block_f(const float*, float*, Py_ssize_t)
    void fa_silu_block_d(const double*, double*, Py_ssize_t)
    void fa_glu_block_f(const float*, const float*, float*, Py_ssize_t)
    void fa_glu_block_d(const double*, const double*, double*, Py_ssize_t)
    void fa_softplus1_block_f(const float*, float*, Py_ssize_t, float)
    void fa_log_sigmoid_block_f(const float*, float*, Py_ssize_t)
    void fa_gelu_block_f(const float*, float*, Py_ssize_t)
    void fa_gelu_tanh_block_f(const float*, float*, Py_ssize_t)
    void fa_tanhshrink_block_f(const float*, float*, Py_ssize_t)
    int FA_LANES_F
    void fa_expsum_lanes_f(const float*, float*, Py_ssize_t, const float*, double*, double*,
                           int)
    void fa_expsum_row_f(const float*, float*, Py_ssize_t, float, int, double*, double*)
    float fa_max_row_f(const float*, Py_ssize_t)
    double fa_max_row_d(const double*, Py_ssize_t)
    float fa_softmax_scale_f(float, float, float)
    double fa_softmax_scale_d(double, double, double)
    void fa_finish_row_f(const float*, float*, Py_ssize_t, float, float, int)
    void fa_finish_row_d(const double*, double*, Py_ssize_t, double, double, int)
    void fa_expsum_lanes_d(const double*, double*, Py_ssize_t, const double*, double*,
                           double*, double*, int)
    void fa_expsum_row_d(const double*, double*, Py_ssize_t, double, int, double*, double*,
                         double*)
    float fa_mul2_f(float, float, float)
    double fa_sigmoid_d(double)
    double fa_glu_d(double, double)
    double fa_fmaa_d(double, double, double)
    double fa_gelu_d(double)
    float fa_gelu_f(float)
    double fa_gelu_tanh_d(double)
    float fa_sigmoid_f(float)
    float fa_softsign_f(float)
    double fa_softsign_d(double)
    double fa_mul2_d(double, double, double)
    double fa_recip3_d(double, double, double, double*)
    double fa_expm1_2_d(double, double, double*)
    double fa_log1pexp_2_d(double, double, double*)
    double fa_xf_d(double, int)
    double fa_tanhshrink_d(double)
    float fa_expm1_2_f(float, float, float*)
    float fa_log1pexp_2_f(float, float, float*)
    float fa_xf_f(float, int)
    float fa_tanhshrink_f(float)
    float fa_fms_f(float, float, float)
    float fa_mul22_f(float, float, float, float)
    float fa_glu_f(float, float)
    double fa_fms_d(double, double, double)
    double fa_mul22_d(double, double, double, double)
    float fa_half_to_float(uint16_t)
    uint16_t fa_float_to_half(float)

ctypedef fused floating:
    float
    double


cdef extern from *:
    """
    /* Threads: OpenMP where the build has it (see setup.py), else one thread. The
     * limit is per module and set from Python (fastact.set_num_threads); 0 means
     * whatever OpenMP offers (OMP_NUM_THREADS, threadpoolctl's limits). */
    #ifdef _OPENMP
    #include <omp.h>
    #define FA_OPENMP 1
    static int fa_omp_max_threads(void) { return omp_get_max_threads(); }
    #else
    #define FA_OPENMP 0
    static int fa_omp_max_threads(void) { return 1; }
    #endif
    /* The one mutable C global of a kernel module. set_num_threads may run in one
     * thread while kernels read the limit in others (free-threaded CPython has no GIL
     * to order them), so it is read and written atomically (relaxed: any thread may
     * see the old or the new limit, and either is a valid thread count). */
    #if defined(__GNUC__) || defined(__clang__)
    static int fa_thread_limit = 0;
    static void fa_set_thread_limit(int n) { __atomic_store_n(&fa_thread_limit, n, __ATOMIC_RELAXED); }
    static int fa_get_thread_limit(void) { return __atomic_load_n(&fa_thread_limit, __ATOMIC_RELAXED); }
    #else  /* MSVC: an aligned volatile int is read and written in one instruction */
    static volatile long fa_thread_limit = 0;
    static void fa_set_thread_limit(int n) { fa_thread_limit = n; }
    static int fa_get_thread_limit(void) { return (int)fa_thread_limit; }
    #endif
    """
    int FA_OPENMP
    int fa_omp_max_threads() nogil
    void fa_set_thread_limit(int n) nogil
    int fa_get_thread_limit() nogil

cdef extern from "_vmath.h" nogil:
    int FA_PF_DIST
    void fa_prefetch(const char* p, Py_ssize_t nb, int write) nogil

cdef enum:
    PF_MIN = 524288  # bytes of input from which a call prefetches (beyond L2-resident)
    PF_CHUNK = 512   # bytes per kernel call between two prefetch bursts (8 cache lines)
    PAR_MIN = 32768  # elements per thread below which threads cost more than they save
    PAR_ALIGN = 64   # chunk boundaries on multiples of 64 elements (whole cache lines)

cdef inline int threads_for(Py_ssize_t work) noexcept nogil:
    # How many threads a call with `work` elements uses: 1 below 2 * PAR_MIN, so small
    # arrays never pay for threads. Results do not depend on it: every element (every
    # softmax slice) is computed by the same code whichever thread runs it.
    cdef int nt = fa_omp_max_threads()
    cdef int limit = fa_get_thread_limit()
    if 0 < limit < nt:
        nt = limit
    if work // PAR_MIN < nt:
        nt = <int>(work // PAR_MIN)
    return nt if nt > 1 else 1

cdef enum:
    LANES = 32     # accumulators along a contiguous row (16 gets fully unrolled: scalar)
    CBLOCK = 128    # columns swept together when the reduced axis is strided
    BUF = 256      # elements gathered from strided memory per kernel call


# ------------------------------------------------------- elementwise kernels
cdef inline floating k_tanh(floating x) noexcept nogil:
    # tanh(x): polynomial for |x| < 0.6, 1 - 2/(e^2|x| + 1) above, sign restored.
    # Special: +-0 -> +-0, +-inf -> +-1, NaN -> NaN (fa_tanh_* in _vmath.h).
    # float32 in float32 arithmetic, 1.35 ulp measured (the AVX-512 build replaces the
    # whole float32 block by the table kernel fa_tanh_block_f: 0.71 ulp); float64 1.26.
    if floating is float:
        return fa_tanh_f(x)
    else:
        return fa_tanh_d(x)

cdef inline floating k_softsign(floating x) noexcept nogil:
    # softsign(x) = x / (1 + |x|): 1 + |x| in two parts and the quotient corrected by its
    # exact remainder, one rounding (~0.5 ulp). +-inf -> +-1, -0.0 -> -0.0, NaN -> NaN
    # (fa_softsign_* in _vmath.h; the AVX-512 float32 block fa_softsign_block_f divides by
    # vrcp14ps and one correction instead: 0.548 ulp over every float32).
    if floating is float:
        return fa_softsign_f(x)
    else:
        return fa_softsign_d(x)

cdef inline floating k_sigmoid(floating x) noexcept nogil:
    # sigmoid(x) = 1 / (1 + e^-x), from e = e^-|x| (no overflow): x > 0: 1/(1 + e),
    # x <= 0: e/(1 + e), in double-length arithmetic (fa_sigmoid_* in _vmath.h).
    # Tails: float32 x < -88 gives the subnormal true value, sigmoid(89f) = 1.
    # Special: -inf -> 0, +inf -> 1, -0.0 -> 0.5, NaN -> NaN. Error: one division
    # corrected by its remainder, about one rounding (README: measured table). The
    # AVX-512 float32 block fa_sigmoid_block_f evaluates a table of 32 polynomials for
    # x >= -17.71 instead (0.846 ulp over every float32) and this formula below.
    if floating is float:
        return fa_sigmoid_f(x)
    else:
        return fa_sigmoid_d(x)

cdef inline floating k_gelu(floating x) noexcept nogil:
    # gelu(x) = x Phi(x) = x/2 (1 + erf(x/sqrt 2)) (approximate="none"). float64: x/2 +
    # x^2 Q(x^2) for |x| < 1/2, else a Phi(-a) = a h(a) e^(-a^2/2) (h by table, e^(-a^2/2)
    # from the exact a^2), x - that (x > 0) or minus it: fa_gelu_d in _vmath.h. float32
    # (and float16): fa_gelu_f, the same in double with the table polynomials cut to
    # degree 6 and a degree-9 exp (~2^-36 relative), rounded once: 0.512 ulp (avx2,
    # baseline). AVX-512 float32: the block fa_gelu_block_f (float arithmetic, table of h,
    # e^(-x^2/2) with x^2 in two parts): 0.770 ulp.
    # Special: +-0 -> +-0, +inf -> +inf, -inf -> -0.0, NaN -> NaN; gelu underflows to -0.0
    # below x = -38.6 (float64) / -14.1 (float32, subnormal results rounded once).
    # Error (float64): ~1 ulp, README's table.
    if floating is float:
        return fa_gelu_f(x)
    else:
        return fa_gelu_d(x)

cdef inline floating k_gelu_tanh(floating x) noexcept nogil:
    # gelu(x, approximate="tanh") = x/2 (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3),
    # as x sigmoid(2u) (no cancellation for x < 0), 2u in double-length (its error is
    # multiplied by |2u| in the tail): fa_gelu_tanh_d in _vmath.h. float32 / float16: in
    # double, rounded once (float32 arrays on AVX-512: the block fa_gelu_tanh_block_f, the
    # same formula in float arithmetic with 2u in two floats, 0.757 ulp over every
    # float32). Special: +-0 -> +-0, +inf -> +inf, -inf -> -0.0, NaN -> NaN.
    # Error (float64): ~0.6 ulp.
    if floating is float:
        return <float>fa_gelu_tanh_d(<double>x)
    else:
        return fa_gelu_tanh_d(x)

cdef inline floating k_glu(floating x, floating gate) noexcept nogil:
    # glu's elementwise part: x * sigmoid(gate) (the wrapper splits the input in halves).
    # float64: fa_glu_d in _vmath.h: sigmoid = (q + c) 2^n (one division and its
    # correction), x q + x c fused into one rounding and 2^n applied after the product,
    # so a subnormal sigmoid(gate) times a large x is rounded once: ~1.6 ulp (exp's error
    # in sigmoid; the AVX-512 block fa_glu_block_d keeps exp's low part: 0.625)
    # in sigmoid). x = +-inf: inf * sigmoid(gate), NaN where that rounds to 0 (inf * 0).
    # float32 / float16: fa_glu_f, the same in float arithmetic (|gate| clamped at 200 and
    # 2^n in three factors, so a large x times a subnormal sigmoid keeps its value):
    # 0.75 ulp on every path (swept as glu(x, x)).
    # NaN in either -> NaN.
    if floating is float:
        return fa_glu_f(x, gate)
    else:
        return fa_glu_d(x, gate)



# ------------------------------------------- exponential-family kernels (issue 4)
# Each has a double function (float64) and a float one (float32, float arithmetic: twice
# the SIMD lanes of double), built on the two-part primitives of _vmath.h (fa_expm1_2_,
# fa_log1pexp_2_, fa_xf_, fa_tanhshrink_: the _d / _f template instances), so each
# result is rounded about once. Errors: README / tools/accuracy_f*.py (<= 2 ulp budget);
# float32 figures below: max ulp, every 256th float32, avx512 / avx2 / baseline.
cdef double HUGE2 = 9.7453140114e288  # 2^960: above, products are formed plainly (Dekker's
# splitting on the no-FMA path would overflow)

cdef float HUGE2F = 5.192296858534828e33  # 2^112: the same for float32

cdef inline double mul2s(double a, double bh, double bl) noexcept nogil:
    # a * (bh + bl) rounded once (fa_mul2_d), or a * bh where that is huge / inf / NaN
    # (the two-part product would turn inf into NaN on the no-FMA path).
    cdef double ph = a * bh
    return fa_mul2_d(a, bh, bl) if -HUGE2 < ph < HUGE2 else ph

cdef inline float mul2s_f(float a, float bh, float bl) noexcept nogil:
    cdef float ph = a * bh
    return fa_mul2_f(a, bh, bl) if -HUGE2F < ph < HUGE2F else ph

cdef double SELU_S_HI = 1.0507009873554805, SELU_S_LO = 3.9874847667154144e-17
cdef double SELU_SA_HI = 1.7580993408473768, SELU_SA_LO = 1.41535193800845e-17
cdef float SELU_S_HI_F = 1.0507010221481323, SELU_S_LO_F = -3.479265231476347e-08
cdef float SELU_SA_HI_F = 1.7580993175506592, SELU_SA_LO_F = 2.3296717444054593e-08

cdef inline double elu_d(double x, double alpha) noexcept nogil:
    cdef double lo, hi = fa_expm1_2_d(x, 0.0, &lo)
    cdef double r = mul2s(alpha, hi, lo)
    r = alpha * x if x == 0 else r  # +-0: alpha * +-0, as PyTorch
    return x if x > 0 else r

cdef inline float elu_f(float x, float alpha) noexcept nogil:
    cdef float lo, hi = fa_expm1_2_f(x, 0.0, &lo)
    cdef float r = mul2s_f(alpha, hi, lo)
    r = alpha * x if x == 0 else r
    return x if x > 0 else r

cdef inline floating k_elu(floating x, floating alpha) noexcept nogil:
    # elu(x) = x (x > 0) else alpha * expm1(x): expm1 in two parts (fa_expm1_2_d),
    # times alpha rounded once. float64 0.71 ulp; float32 (float arithmetic, fa_expm1_2_f)
    # 0.75 / 0.75 / 0.82 ulp.
    # Special: +-0 -> alpha * +-0, -inf -> -alpha, +inf -> +inf, NaN -> NaN.
    if floating is float:
        return elu_f(x, alpha)
    else:
        return elu_d(x, alpha)

cdef inline double selu_d(double x) noexcept nogil:
    cdef double lo, hi = fa_expm1_2_d(x, 0.0, &lo)
    cdef double r = fa_mul22_d(SELU_SA_HI, SELU_SA_LO, hi, lo)
    r = x if x == 0 else r
    return mul2s(x, SELU_S_HI, SELU_S_LO) if x > 0 else r

cdef inline float selu_f(float x) noexcept nogil:
    cdef float lo, hi = fa_expm1_2_f(x, 0.0, &lo)
    cdef float r = fa_mul22_f(SELU_SA_HI_F, SELU_SA_LO_F, hi, lo)
    r = x if x == 0 else r
    return mul2s_f(x, SELU_S_HI_F, SELU_S_LO_F) if x > 0 else r

cdef inline floating k_selu(floating x) noexcept nogil:
    # selu(x) = scale * x (x > 0) else scale * alpha * expm1(x), scale and scale * alpha
    # as double-length constants (mpmath), each product rounded once: float64 0.84 ulp;
    # float32 1.05 / 1.05 / 1.35 ulp (x > 2^112: a plain product; baseline: Dekker's
    # product near the smallest normal).
    # Special: +-0 -> +-0, -inf -> -scale*alpha, +inf -> +inf, NaN -> NaN.
    if floating is float:
        return selu_f(x)
    else:
        return selu_d(x)

cdef inline double celu_d(double x, double alpha) noexcept nogil:
    cdef double u = x / alpha, ul, lo, hi
    ul = fa_fms_d(u, alpha, x) / alpha  # x/alpha = u + ul
    ul = ul if -HUGE2 < u < HUGE2 else 0.0
    hi = fa_expm1_2_d(u, ul, &lo)
    return x if x >= 0 else mul2s(alpha, hi, lo)

cdef inline float celu_f(float x, float alpha) noexcept nogil:
    cdef float u = x / alpha, ul, lo, hi
    ul = fa_fms_f(u, alpha, x) / alpha
    ul = ul if -HUGE2F < u < HUGE2F else 0.0
    hi = fa_expm1_2_f(u, ul, &lo)
    return x if x >= 0 else mul2s_f(alpha, hi, lo)

cdef inline floating k_celu(floating x, floating alpha) noexcept nogil:
    # celu(x) = x (x >= 0) else alpha * expm1(x / alpha) (= max(0,x) + min(0, ...) for
    # any alpha != 0): x / alpha in two parts (exact remainder) fed to expm1, so a huge
    # alpha gives x back (alpha * (x/alpha)); float64 0.71 ulp, float32 0.75 / 0.75 /
    # 0.82 ulp. Special: +-0 -> +-0,
    # -inf -> -alpha (alpha > 0), NaN -> NaN.
    if floating is float:
        return celu_f(x, alpha)
    else:
        return celu_d(x, alpha)

cdef inline double softplus_d(double x, double beta, double threshold) noexcept nogil:
    cdef double z = beta * x, zl, lo, hi, q, r
    zl = -fa_fms_d(beta, x, z)  # beta * x = z + zl
    hi = fa_log1pexp_2_d(z, zl, &lo)
    q = hi / beta
    r = q + (fa_fms_d(q, beta, hi) + lo) / beta
    # tiny beta: q = +-inf, not inf - inf = NaN; beta = +-inf: q = +-0 for beta x < 0
    # (relu's limit), not 0 * inf = NaN in the correction
    r = r if (-INFINITY < q < INFINITY and -INFINITY < beta < INFINITY) else q
    r = x if z > threshold else r  # two selects, not `or` (branches: no vectorising)
    return x if z > 1.152921504606846976e18 else r

cdef inline float softplus_f(float x, float beta, float threshold) noexcept nogil:
    cdef float z = beta * x, zl, lo, hi, q, r
    zl = -fa_fms_f(beta, x, z)
    hi = fa_log1pexp_2_f(z, zl, &lo)
    q = hi / beta
    r = q + (fa_fms_f(q, beta, hi) + lo) / beta
    r = r if (-INFINITY < q < INFINITY and -INFINITY < beta < INFINITY) else q
    r = x if z > threshold else r
    return x if z > <float>1.073741824e9 else r

cdef inline floating k_softplus(floating x, floating beta, floating threshold) noexcept nogil:
    # softplus(x) = x if beta*x > threshold else log(1 + e^(beta x)) / beta (PyTorch),
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|) in two parts (fa_log1pexp_2_d), beta*x
    # in two parts, the division corrected by its remainder, no overflow: float64
    # 0.99 ulp, float32 0.85 / 0.85 / 0.84 ulp (float: beta*x > 2^30 -> x); AVX-512
    # float32 with beta = 1: the block fa_softplus1_block_f, 0.52 ulp.
    # beta*x > 2^60 -> x. Special: -inf -> 0 (beta > 0), +inf -> +inf, NaN -> NaN; a beta
    # so small that log(1 + e^(beta x))/beta overflows (or a float32 beta that rounds to
    # +-0) gives +-inf, the limit, not NaN; beta = +inf gives relu's limit (0 for x < 0,
    # x above the threshold; x = 0: inf * 0 = NaN, as in PyTorch).
    if floating is float:
        return softplus_f(x, beta, threshold)
    else:
        return softplus_d(x, beta, threshold)

cdef inline double log_sigmoid_d(double x) noexcept nogil:
    cdef double lo, hi = fa_log1pexp_2_d(-x, 0.0, &lo)
    return -(hi + lo)

cdef inline float log_sigmoid_f(float x) noexcept nogil:
    cdef float lo, hi = fa_log1pexp_2_f(-x, 0.0, &lo)
    return -(hi + lo)

cdef inline floating k_log_sigmoid(floating x) noexcept nogil:
    # log_sigmoid(x) = -log(1 + e^-x) = min(x, 0) - log1p(e^-|x|) (fa_log1pexp_2_d):
    # float64 0.99 ulp, float32 0.85 / 0.85 / 0.84 (AVX-512: the block
    # fa_log_sigmoid_block_f, 0.52); x -> -inf: x, x -> +inf: -e^-x
    # (subnormal, then -0.0).
    # Special: -inf -> -inf, +inf -> -0.0, NaN -> NaN.
    if floating is float:
        return log_sigmoid_f(x)
    else:
        return log_sigmoid_d(x)

cdef inline floating k_silu(floating x) noexcept nogil:
    # silu(x) = x * sigmoid(x) = x / (1 + e^-x) (fa_xf_d: one rounding, the negative tail
    # x e^x scaled last so it keeps its subnormal value). Special: +-0 -> +-0,
    # +inf -> +inf, -inf -> -0.0 (the limit; PyTorch gives NaN), NaN -> NaN.
    # Error: float64 0.63 ulp, float32 (fa_xf_f, float arithmetic) 0.75 on every path;
    # the AVX-512 float32 block fa_silu_block_f takes sigmoid's table for x >= -17.71.
    if floating is float:
        return fa_xf_f(x, 0)
    else:
        return fa_xf_d(x, 0)

cdef inline floating k_mish(floating x) noexcept nogil:
    # mish(x) = x * tanh(softplus(x)) = x (w^2 + 2w)/(w^2 + 2w + 2), w = e^x (fa_xf_d,
    # one rounding, tail x e^x scaled last). Special: +-0 -> +-0, +inf -> +inf,
    # -inf -> -0.0, NaN -> NaN. Error: float64 0.86 ulp, float32 (fa_xf_f) 0.80 / 0.80 /
    # 1.60 (baseline: tiny x near the smallest normal, Dekker's product).
    if floating is float:
        return fa_xf_f(x, 1)
    else:
        return fa_xf_d(x, 1)

cdef inline floating k_tanhshrink(floating x) noexcept nogil:
    # tanhshrink(x) = x - tanh(x) = -x^3 P(x^2) for |x| < 0.6 (tanh's polynomial), else
    # sign(x) ((|x| - 1) + 2e/(1 + e)), e = e^-2|x|, in two parts: no cancellation,
    # float64 0.73 ulp, float32 0.75 on every path (fa_tanhshrink_d / _f). Special:
    # +-0 -> +-0, +-inf -> +-inf, NaN -> NaN.
    if floating is float:
        return fa_tanhshrink_f(x)
    else:
        return fa_tanhshrink_d(x)

# Piecewise-linear kernels. Comparisons are written so that NaN (every comparison false)
# falls through to a branch that returns x, or a value computed from x: NaN propagates.
# Adding +0.0 turns a -0.0 into +0.0 and changes nothing else (round to nearest): the
# rectifiers use it so that they never return -0.0. All are exact (0 ulp) unless said.
cdef inline floating k_identity(floating x) noexcept nogil:
    # identity(x) = x: NaN (payload too), +-inf and -0.0 unchanged. Exact.
    return x

cdef inline floating k_step(floating x, floating at_zero) noexcept nogil:
    # step(x) = 1 (x > 0), 0 (x < 0), at_zero (x = +-0), NaN -> NaN. Exact.
    cdef floating r = <floating>1 if x > 0 else x
    r = <floating>0 if x < 0 else r
    return at_zero if x == 0 else r

cdef inline floating k_relu(floating x) noexcept nogil:
    # relu(x) = max(x, 0): x <= 0 (also -0.0) -> +0.0, NaN -> NaN, +inf -> +inf. Exact.
    return <floating>0 if x <= 0 else x

cdef inline floating k_relu6(floating x) noexcept nogil:
    # relu6(x) = min(max(x, 0), 6): -0.0 -> +0.0, NaN -> NaN. Exact.
    cdef floating r = <floating>6 if x >= 6 else x
    return <floating>0 if x <= 0 else r

cdef inline floating k_leaky_relu(floating x, floating slope) noexcept nogil:
    # leaky_relu(x) = x if x > 0 else slope * x (so right for slope > 1 and slope < 0,
    # unlike max(x, slope * x)); -0.0 and an underflowing slope * x -> +0.0, NaN -> NaN.
    # One rounding (the product): <= 0.5 ulp.
    return (x if x > 0 else slope * x) + <floating>0

cdef inline floating k_prelu(floating x, floating weight) noexcept nogil:
    # prelu(x) = leaky_relu(x, weight); the per-channel broadcast is done by the wrapper.
    return k_leaky_relu(x, weight)

cdef inline floating k_frelu(floating x, floating bias) noexcept nogil:
    # frelu(x) = relu(x) + bias: one rounding (<= 0.5 ulp); NaN -> NaN; relu(x) + (-0.0)
    # with x <= 0 is +0.0.
    return k_relu(x) + bias

cdef inline floating k_hardtanh(floating x, floating lo, floating hi) noexcept nogil:
    # hardtanh(x) = min(max(x, lo), hi), lo <= hi (checked by the wrapper). NaN -> NaN,
    # -0.0 -> -0.0 inside [lo, hi] (it is a clamp, like PyTorch's). Exact.
    cdef floating r = hi if x > hi else x
    return lo if x < lo else r

cdef inline floating times_sixth(floating a, floating alo) noexcept nogil:
    # (a + alo) / 6 with about one rounding and no division: a times 1/6 in two parts
    # rounded once (fa_mul2), plus alo / 6 (alo is small against a).
    cdef floating chi, clo
    if floating is float:
        chi, clo = <float>0.1666666716337204, <float>-4.967053879312289e-09
        return fa_mul2_f(a, chi, clo) + alo * chi
    else:
        chi, clo = 0.16666666666666666, 9.25185853854297e-18
        return fa_mul2_d(a, chi, clo) + alo * chi

cdef inline floating plus3(floating x, floating* lo) noexcept nogil:
    # x + 3 rounded, its exact rounding error in *lo (TwoSum); exact near x = -3 (Sterbenz)
    cdef floating h = x + <floating>3
    cdef floating b = h - x
    lo[0] = (x - (h - b)) + (<floating>3 - b)
    return h

cdef inline floating k_hardsigmoid(floating x) noexcept nogil:
    # hardsigmoid(x) = clip((x + 3) / 6, 0, 1), selected on x (x <= -3: +0.0, x >= 3: 1),
    # so NaN -> NaN. (x + 3) exactly as h + lo, then / 6 by times_sixth: 0.83 ulp
    # measured (float32, every 97th input), no division.
    cdef floating lo, h = plus3(x, &lo)
    cdef floating r = times_sixth(h, lo)
    r = <floating>1 if x >= 3 else r
    return <floating>0 if x <= -3 else r

cdef inline floating k_hardswish(floating x) noexcept nogil:
    # hardswish(x) = x * clip(x + 3, 0, 6) / 6: x <= -3 -> +0.0, x >= 3 -> x, NaN -> NaN;
    # never -0.0 (-0.0 and an underflowing negative product -> +0.0, by adding +0.0).
    # x (x + 3) = x (h + lo) rounded once (fa_mul2), then divided by 6: two roundings,
    # <= 1 ulp.
    cdef floating lo, h = plus3(x, &lo), r
    if floating is float:
        r = fa_mul2_f(x, h, lo) / <floating>6
    else:
        r = fa_mul2_d(x, h, lo) / <floating>6
    r = r + <floating>0
    r = x if x >= 3 else r
    return <floating>0 if x <= -3 else r

cdef inline floating k_hardshrink(floating x, floating lambd) noexcept nogil:
    # hardshrink(x) = x if |x| > lambd else 0 (lambd >= 0, checked by the wrapper):
    # +-0 -> +0.0, NaN -> NaN. Exact.
    cdef floating a = -x if x < 0 else x
    return <floating>0 if a <= lambd else x

cdef inline floating k_softshrink(floating x, floating lambd) noexcept nogil:
    # softshrink(x) = x - lambd (x > lambd), x + lambd (x < -lambd), else +0.0; NaN -> NaN
    # (it takes the x + lambd side). One rounding: <= 0.5 ulp; x - lambd with x > lambd is
    # never 0, so never -0.0.
    cdef floating a = -x if x < 0 else x
    cdef floating r = x - lambd if x > lambd else x + lambd
    return <floating>0 if a <= lambd else r

cdef inline floating k_threshold(floating x, floating th, floating value) noexcept nogil:
    # threshold(x) = x if x > th else value, written as PyTorch does (x <= th ? value : x)
    # so NaN -> NaN. Exact.
    return value if x <= th else x


# ------------------------------------------------------- rowwise (softmax) kernels
cdef inline floating shifted_exp(floating xv, floating m) noexcept nogil:
    # e^(xv - m), computed in the input's precision: the rounding error of the
    # subtraction (TwoSum) is fed into exp's reduced argument, so a large |xv - m| loses
    # nothing: about 1 ulp (exp's own error). When xv - m is
    # -inf (or NaN) the error term is NaN; it is dropped (exp gives 0, or NaN for NaN).
    cdef floating d = xv - m
    cdef floating bb = d - xv
    cdef floating err = (xv - (d - bb)) + (-m - bb)
    err = err if err == err else <floating>0
    if floating is float:
        return fa_exp2sum_fast_f(d, err)
    else:
        return fa_exp2sum_fast_d(d, err)

cdef inline void lanes_max(const floating* x, Py_ssize_t sx, Py_ssize_t nrows,
                           Py_ssize_t w, floating* mx) noexcept nogil:
    # mx[j] = max(mx[j], x[r*sx + j]) over rows r; NaN is skipped (comparison false).
    cdef Py_ssize_t r, j
    cdef floating v
    for r in range(nrows):
        for j in range(w):
            v = x[r * sx + j]
            mx[j] = v if v > mx[j] else mx[j]

cdef inline void lanes_expsum(const floating* x, Py_ssize_t sx, floating* y, Py_ssize_t sy,
                              Py_ssize_t nrows, Py_ssize_t w, const floating* mx,
                              double* s, double* c, double* k, bint store) noexcept nogil:
    # Per lane j: s[j] + c[j] sums e^(x - max) (float64: c[j] gathers the rounding
    # errors of s[j], TwoSum; float32 input sums in double, which is plenty).
    # store (softmax): e is written into y and every entry is summed. Otherwise
    # (log_softmax) k[j] counts the entries equal to the max (each contributes exactly 1)
    # and s[j] sums the others, so that log1p(rest) can be used when the max is unique.
    cdef Py_ssize_t r, j
    cdef floating xv, e
    cdef double v, t, yk
    if FA_LANES_F:  # AVX-512 build: the same contract in intrinsics (_vmath.h)
        for r in range(nrows):
            if floating is float:
                fa_expsum_lanes_f(x + r * sx, y + r * sy, w, mx, s, k, store)
            else:
                fa_expsum_lanes_d(x + r * sx, y + r * sy, w, mx, s, c, k, store)
        return
    for r in range(nrows):
        for j in range(w):
            xv = x[r * sx + j]
            e = shifted_exp(xv, mx[j])
            if store:
                y[r * sy + j] = e
            if store:  # softmax needs only the sum
                v = e
            else:  # log_softmax: entries equal to the max apart, for log1p
                k[j] += 1.0 if xv == mx[j] else 0.0
                v = 0.0 if xv == mx[j] else e
            if floating is double:  # TwoSum: c[j] collects the exact rounding errors
                t = s[j] + v
                yk = t - s[j]
                c[j] += (s[j] - (t - yk)) + (v - yk)
                s[j] = t
            else:
                s[j] += v

cdef inline void lane_total(double s, double c, double k, double m, bint logmode,
                            double* t0, double* t1) noexcept nogil:
    # The slice's sum is k + s + c (s + c: a compensated sum; k: the entries equal to the
    # max that it left out, log_softmax only, else 0). softmax: t0 + t1 = 1/sum in
    # double-length, so each element is rounded once (fa_mul2_d). log_softmax:
    # t0 + t1 = max + log(sum) in double-length (TwoSum; log1p when k == 1), so that
    # x - t0 - t1 loses nothing to cancellation.
    cdef double lse, bv
    if logmode:
        lse = log1p(s + c) if k == 1.0 else log(k + (s + c))
        t0[0] = m + lse
        bv = t0[0] - m
        t1[0] = (m - (t0[0] - bv)) + (lse - bv)
    else:
        t0[0] = fa_recip3_d(k, s, c, t1)

cdef inline void split_total(double t0, double t1, floating* h0, floating* h1) noexcept nogil:
    # t0 + t1 in the input's precision as h0 + h1 (float64: unchanged; float32: to ~2^-48).
    h0[0] = <floating>t0
    h1[0] = <floating>((t0 - h0[0]) + t1)

cdef inline floating finish_one(floating xv, floating yv, floating h0, floating h1,
                                bint logmode) noexcept nogil:
    # The last pass for one element, in the input's precision: softmax y * (h0 + h1) =
    # e / sum with one rounding (fa_softmax_scale: fa_mul2 on y 2^64, so the low product
    # does not underflow for tiny results); log_softmax (x - h0) - h1 = x - (max + log sum),
    # two roundings at most (x - h0 is exact when it cancels: Sterbenz).
    if logmode:
        return (xv - h0) - h1
    if floating is float:
        return fa_softmax_scale_f(yv, h0, h1)
    else:
        return fa_softmax_scale_d(yv, h0, h1)

cdef inline void lanes_finish(const floating* x, Py_ssize_t sx, floating* y, Py_ssize_t sy,
                              Py_ssize_t nrows, Py_ssize_t w, const floating* h0,
                              const floating* h1, bint logmode) noexcept nogil:
    cdef Py_ssize_t r, j
    for r in range(nrows):
        for j in range(w):
            y[r * sy + j] = finish_one(x[r * sx + j], y[r * sy + j], h0[j], h1[j], logmode)

cdef void rowwise_special(const floating* x, Py_ssize_t sx, floating* y, Py_ssize_t sy,
                          Py_ssize_t n, floating m, bint logmode) noexcept nogil:
    # The max m (NaN skipped) is not finite. Policy: a NaN anywhere -> the slice is NaN;
    # m = +inf -> the +inf entries share the mass equally, the rest get 0; m = -inf (all
    # -inf) -> uniform 1/n. log_softmax is the log of that. Reads before it writes.
    cdef Py_ssize_t i, nnan = 0, ninf = 0
    cdef floating v, hit, miss
    for i in range(n):
        v = x[i * sx]
        nnan += v != v
        ninf += v == INFINITY
    if nnan:
        hit = miss = <floating>NAN
    elif m > 0:
        hit = <floating>(0.0 - log(<double>ninf)) if logmode else <floating>(1.0 / ninf)
        miss = -INFINITY if logmode else 0
    else:
        hit = miss = <floating>(0.0 - log(<double>n)) if logmode else <floating>(1.0 / n)
    for i in range(n):
        y[i * sy] = hit if x[i * sx] == INFINITY else miss

cdef void rowwise_strided(const floating* x, Py_ssize_t sx, floating* y, Py_ssize_t sy,
                          Py_ssize_t n, Py_ssize_t ncols, bint logmode) noexcept nogil:
    # Softmax over an axis of length n with element stride sx (sy for y), for ncols
    # adjacent columns (stride 1). Columns are processed CBLOCK at a time.
    cdef floating mx[CBLOCK]
    cdef double s[CBLOCK]
    cdef double c[CBLOCK]
    cdef double k[CBLOCK]
    cdef double t0[1]
    cdef double t1[1]
    cdef floating h0[CBLOCK]
    cdef floating h1[CBLOCK]
    cdef Py_ssize_t b, c0, j, w
    cdef bint special
    for b in range((ncols + CBLOCK - 1) // CBLOCK):
        c0 = b * CBLOCK
        w = min(<Py_ssize_t>CBLOCK, ncols - c0)
        for j in range(w):
            mx[j] = -INFINITY
            s[j] = c[j] = k[j] = 0.0
        lanes_max(x + c0, sx, n, w, mx)
        special = False
        for j in range(w):
            special |= not (mx[j] - mx[j] == 0)
        if special:
            if w == 1:
                rowwise_special(x + c0, sx, y + c0, sy, n, mx[0], logmode)
            else:
                for j in range(w):
                    rowwise_strided(x + c0 + j, sx, y + c0 + j, sy, n, 1, logmode)
            continue
        lanes_expsum(x + c0, sx, y + c0, sy, n, w, mx, s, c, k, not logmode)
        for j in range(w):
            lane_total(s[j], c[j], k[j], <double>mx[j], logmode, t0, t1)
            split_total(t0[0], t1[0], h0 + j, h1 + j)
        lanes_finish(x + c0, sx, y + c0, sy, n, w, h0, h1, logmode)

cdef void rowwise_contig(const floating* x, floating* y, Py_ssize_t n,
                         bint logmode) noexcept nogil:
    # Softmax of one contiguous row: the max and the last pass over the slice
    # (fa_max_row / fa_finish_row: plain loops that vectorise); the exp-sum pass over
    # the whole slice in intrinsics on AVX-512 (fa_expsum_row), else seen as
    # (n // LANES) x LANES plus a tail (lanes_expsum).
    cdef double s[LANES]
    cdef double c[LANES]
    cdef double k[LANES]
    cdef floating mx[LANES]
    cdef double t0[1]
    cdef double t1[1]
    cdef Py_ssize_t j, nr = n // LANES, nb = (n // LANES) * LANES
    cdef Py_ssize_t used = LANES if nr > 0 else n  # lanes in use (a short slice: n)
    cdef floating m, f0, f1
    cdef double rest = 0.0, comp = 0.0, kk = 0.0, v, t
    if floating is float:
        m = fa_max_row_f(x, n)
    else:
        m = fa_max_row_d(x, n)
    if not (m - m == 0):
        rowwise_special(x, 1, y, 1, n, m, logmode)
        return
    if FA_LANES_F:
        if floating is float:
            fa_expsum_row_f(x, y, n, m, not logmode, &rest, &kk)
        else:
            fa_expsum_row_d(x, y, n, m, not logmode, &rest, &comp, &kk)
    else:
        for j in range(used):
            mx[j] = m
            s[j] = c[j] = k[j] = 0.0
        lanes_expsum(x, LANES, y, LANES, nr, LANES, mx, s, c, k, not logmode)
        lanes_expsum(x + nb, 0, y + nb, 0, 1, n - nb, mx, s, c, k, not logmode)
        for j in range(used):  # combine the lanes, TwoSum again
            t = rest + s[j]
            v = t - rest
            comp += ((rest - (t - v)) + (s[j] - v)) + c[j]
            rest = t
            kk += k[j]
    lane_total(rest, comp, kk, <double>m, logmode, t0, t1)
    split_total(t0[0], t1[0], &f0, &f1)
    if floating is float:
        fa_finish_row_f(x, y, n, f0, f1, logmode)
    else:
        fa_finish_row_d(x, y, n, f0, f1, logmode)


# ------------------------------------------------------- NumPy-facing loops
# One loop for every elementwise ufunc, dtype and parameter count. NumPy calls it with
# nin = 1 + nparams inputs (x, then the parameters) and one output; `data` is the
# loop_data of the (function, input kind) pair, built once by loop_table().
#  - fast path: x and out contiguous in the compute type and every parameter a scalar
#    (stride 0): the block kernel `s` straight on the memory, threads for large n; the
#    same with one parameter given per element, contiguous too: `v` on the memory;
#  - otherwise (strided, per-element parameters, float16 or small-int input): blocks of
#    BUF elements are gathered (converted to the compute type) into stack buffers, the
#    block kernel `s` (scalar parameters) or `v` (parameter buffers) runs on them, and
#    the results are scattered back (float16: rounded once). Large calls split the range
#    over threads too; every element is computed by the same code whoever runs it.
cdef enum:
    MAXP = 4       # most parameters an activation has (_registry.MAX_PARAMS)
    K_SAME = 0     # input kinds: x (and the parameters) already in the compute type
    K_HALF = 1     # float16 x, float32 parameters and compute, float16 out
    K_BOOL = 2     # bool / int8 / uint8 / int16 / uint16 x, float64 parameters and out
    K_I8 = 3
    K_U8 = 4
    K_I16 = 5
    K_U16 = 6

# s(x, y, n, p): y[i] = k(x[i], p[0], p[1], ...), p = nparams scalars;
# v(x, y, n, p): y[i] = k(x[i], p[i], p[BUF + i], ...), p = nparams buffers of BUF.
ctypedef void (*kernel_fn)(const void*, void*, Py_ssize_t, const void*) noexcept nogil

ctypedef struct loop_data:
    kernel_fn s
    kernel_fn v
    int nparams
    int kind


cdef inline void gather(floating* buf, const char* p, Py_ssize_t step, Py_ssize_t m,
                        int kind) noexcept nogil:
    # buf[j] = element j of the strided array at p, converted to the compute type.
    cdef Py_ssize_t j
    if kind == K_SAME:
        for j in range(m):
            buf[j] = (<const floating*>(p + j * step))[0]
    elif kind == K_HALF:
        for j in range(m):
            buf[j] = fa_half_to_float((<const uint16_t*>(p + j * step))[0])
    elif kind == K_BOOL or kind == K_U8:
        for j in range(m):
            buf[j] = (<const unsigned char*>(p + j * step))[0]
    elif kind == K_I8:
        for j in range(m):
            buf[j] = (<const signed char*>(p + j * step))[0]
    elif kind == K_I16:
        for j in range(m):
            buf[j] = (<const short*>(p + j * step))[0]
    else:
        for j in range(m):
            buf[j] = (<const unsigned short*>(p + j * step))[0]


cdef inline void contig_blocks(floating* tag, kernel_fn f, const char* x, char* y,
                               const void* p, bint pbuf, Py_ssize_t lo,
                               Py_ssize_t hi) noexcept nogil:
    # f on contiguous elements lo .. hi-1 of x -> y (p: the scalar parameters, or with
    # pbuf a contiguous buffer of one parameter per element, read like x). A large call
    # goes in chunks of PF_CHUNK bytes, each after prefetching the lines FA_PF_DIST bytes
    # ahead. The chunks are whole multiples of 64 bytes, so each element still goes
    # through the same code (the block kernels' vector bodies) as in one call.
    cdef Py_ssize_t isz = sizeof(floating), i = lo, m, step = PF_CHUNK // sizeof(floating)
    if (hi - lo) * isz < PF_MIN:
        f(x + lo * isz, y + lo * isz, hi - lo, (<const char*>p) + lo * isz if pbuf else p)
        return
    while i < hi:
        m = min(step, hi - i)
        fa_prefetch(x + i * isz + FA_PF_DIST, m * isz, 0)
        fa_prefetch(y + i * isz + FA_PF_DIST, m * isz, 1)
        if pbuf:
            fa_prefetch(<const char*>p + i * isz + FA_PF_DIST, m * isz, 0)
        f(x + i * isz, y + i * isz, m, (<const char*>p) + i * isz if pbuf else p)
        i += m


cdef inline void elementwise_part(floating* tag, char** args, const Py_ssize_t* steps,
                                  const loop_data* d, const floating* pv, bint scalar,
                                  Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    # Elements lo .. hi-1 of the call (see above). pv: the parameters when `scalar`.
    cdef int npar = d.nparams, k
    cdef Py_ssize_t isz = sizeof(floating), sx = steps[0], sy = steps[npar + 1], i, j, m
    cdef floating xb[BUF]
    cdef floating pb[MAXP * BUF]
    if scalar and d.kind == K_SAME and sx == isz and sy == isz:
        contig_blocks(tag, d.s, args[0], args[npar + 1], pv, False, lo, hi)
        return
    if npar == 1 and d.kind == K_SAME and sx == isz and sy == isz and steps[1] == isz:
        # one parameter per element, all contiguous (glu's halves): `v` reads p[i] only
        # (one buffer), so it runs straight on the memory as well
        contig_blocks(tag, d.v, args[0], args[2], args[1], True, lo, hi)
        return
    i = lo
    while i < hi:
        m = min(<Py_ssize_t>BUF, hi - i)
        gather(xb, args[0] + i * sx, sx, m, d.kind)
        if scalar:
            d.s(xb, xb, m, pv)
        else:
            for k in range(npar):
                gather(pb + k * BUF, args[k + 1] + i * steps[k + 1], steps[k + 1], m, K_SAME)
            d.v(xb, xb, m, pb)
        if d.kind == K_HALF:
            for j in range(m):
                (<uint16_t*>(args[npar + 1] + (i + j) * sy))[0] = fa_float_to_half(<float>xb[j])
        else:
            for j in range(m):
                (<floating*>(args[npar + 1] + (i + j) * sy))[0] = xb[j]
        i += m


cdef inline void elementwise_loop(floating* tag, char** args, const Py_ssize_t* dims,
                                  const Py_ssize_t* steps, void* data) noexcept nogil:
    cdef const loop_data* d = <const loop_data*>data
    cdef Py_ssize_t n = dims[0], chunk, start
    cdef int npar = d.nparams, k, nt, c
    cdef floating pv[MAXP]
    cdef bint scalar = True
    if n <= 0:
        return
    cdef fa_fpstate st = fa_fp_save()
    for k in range(npar):
        scalar = scalar and steps[k + 1] == 0
    if scalar:
        for k in range(npar):
            pv[k] = (<const floating*>args[k + 1])[0]
    nt = threads_for(n)
    if nt == 1:
        elementwise_part(tag, args, steps, d, pv, scalar, 0, n)
    else:
        chunk = ((n + nt - 1) // nt + PAR_ALIGN - 1) // PAR_ALIGN * PAR_ALIGN
        for c in prange(nt, num_threads=nt, schedule="static"):
            start = c * chunk
            if start < n:
                elementwise_part(tag, args, steps, d, pv, scalar, start, min(n, start + chunk))
    fa_fp_restore(st)

cdef inline void halves_part(floating* tag, char** args, Py_ssize_t h, kernel_fn v,
                             Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    # Output elements lo .. hi-1 of a split call (see halves_loop): element i is j = i % h
    # of block o = i // h, so y[i] = k(a[j], b[j]) with a = x + 2 h o, b = a + h; each run
    # within one block is one call of the two-input block kernel v (x, y, n, p = b).
    cdef Py_ssize_t i = lo, o, j, m, isz = sizeof(floating)
    cdef char* xa
    while i < hi:
        o = i // h
        j = i - o * h
        m = min(h - j, hi - i)
        xa = args[0] + (2 * h * o + j) * isz
        v(xa, args[1] + i * isz, m, xa + h * isz)
        i += m


cdef inline void halves_loop(floating* tag, char** args, const Py_ssize_t* dims,
                             kernel_fn v) noexcept nogil:
    # A split function (glu) on C-contiguous memory: dims[0] blocks, each 2 dims[1]
    # elements of x (the halves a and b, one after the other) -> dims[1] elements of y,
    # blocks adjacent in both. The elements are split over threads for large calls
    # (by the input's size, as for every function; whatever the blocks' size); every
    # element is computed by the same code.
    cdef Py_ssize_t h = dims[1], total = dims[0] * dims[1], chunk, start
    cdef int nt, c
    if total <= 0:
        return
    cdef fa_fpstate st = fa_fp_save()
    nt = threads_for(2 * total)
    if nt == 1:
        halves_part(tag, args, h, v, 0, total)
    else:
        chunk = ((total + nt - 1) // nt + PAR_ALIGN - 1) // PAR_ALIGN * PAR_ALIGN
        for c in prange(nt, num_threads=nt, schedule="static"):
            start = c * chunk
            if start < total:
                halves_part(tag, args, h, v, start, min(total, start + chunk))
    fa_fp_restore(st)


cdef inline void negate_into(const floating* x, Py_ssize_t sx, floating* y, Py_ssize_t sy,
                             Py_ssize_t n, Py_ssize_t ncols) noexcept nogil:
    # y[r*sy + j] = -x[r*sx + j] for n rows of ncols adjacent columns (softmin's first
    # pass: softmin(x) = softmax(-x), computed in place in y, so no -x is ever allocated).
    cdef Py_ssize_t r, j
    for r in range(n):
        for j in range(ncols):
            y[r * sy + j] = -x[r * sx + j]

cdef inline void rowwise_part(floating* tag, char** args, const Py_ssize_t* dims,
                              const Py_ssize_t* steps, bint logmode, bint neg, Py_ssize_t lo,
                              Py_ssize_t hi) noexcept nogil:
    # Slices lo .. hi-1 of a gufunc (n)->(n) call: dims = (outer, n); steps = (outer x,
    # outer y, core x, core y). Each slice is computed the same way whatever the range.
    # neg (softmin): each slice is first negated into y, then y is computed in place
    # (every pass below reads an element before it writes it, so in place is safe).
    cdef Py_ssize_t n = dims[1], isz = sizeof(floating), o
    cdef Py_ssize_t ox = steps[0], oy = steps[1], cx = steps[2], cy = steps[3]
    cdef const floating* xs
    cdef floating* ys
    if cx == isz and cy == isz:  # contiguous slices
        for o in range(lo, hi):
            xs = <const floating*>(args[0] + o * ox)
            ys = <floating*>(args[1] + o * oy)
            if neg:
                negate_into(xs, 0, ys, 0, 1, n)
                xs = ys
            rowwise_contig(xs, ys, n, logmode)
    elif ox == isz and oy == isz:  # adjacent columns, swept together
        xs = <const floating*>(args[0]) + lo
        ys = <floating*>(args[1]) + lo
        if neg:
            negate_into(xs, cx // isz, ys, cy // isz, n, hi - lo)
            xs = ys
            cx = cy
        rowwise_strided(xs, cx // isz, ys, cy // isz, n, hi - lo, logmode)
    else:
        for o in range(lo, hi):
            xs = <const floating*>(args[0] + o * ox)
            ys = <floating*>(args[1] + o * oy)
            if neg:
                negate_into(xs, cx // isz, ys, cy // isz, n, 1)
                xs = ys
            rowwise_strided(xs, (cy if neg else cx) // isz, ys, cy // isz, n, 1, logmode)

cdef inline void rowwise_loop(floating* tag, char** args, const Py_ssize_t* dims,
                              const Py_ssize_t* steps, bint logmode, bint neg) noexcept nogil:
    # gufunc (n)->(n) loop: the slices split evenly over the threads (none for small calls).
    # Adjacent columns (the reduced axis strided, slices next to each other): the
    # threads split every row, so each gets at least 512 bytes of it and its share
    # starts on a multiple of 64 bytes; narrower rows run on one thread (two threads
    # writing the same cache lines row after row were twice as slow as one).
    cdef Py_ssize_t nouter = dims[0], n = dims[1], chunk, lo
    cdef Py_ssize_t isz = sizeof(floating), align = 1
    cdef int nt, c
    if nouter == 0 or n == 0:
        return
    cdef fa_fpstate st = fa_fp_save()
    nt = threads_for(nouter * n)
    if nt > nouter:
        nt = <int>nouter
    if steps[0] == isz and steps[1] == isz and steps[2] != isz:
        align = 64 // isz
        if nt > nouter * isz // 512:
            nt = <int>(nouter * isz // 512)
    if nt <= 1:
        rowwise_part(tag, args, dims, steps, logmode, neg, 0, nouter)
    else:
        chunk = ((nouter + nt - 1) // nt + align - 1) // align * align
        for c in prange(nt, num_threads=nt, schedule="static"):
            lo = c * chunk
            if lo < nouter:
                rowwise_part(tag, args, dims, steps, logmode, neg, lo, min(nouter, lo + chunk))
    fa_fp_restore(st)

cdef void rowwise_half_part(char** args, const Py_ssize_t* dims, const Py_ssize_t* steps,
                            bint logmode, bint neg, Py_ssize_t lo, Py_ssize_t hi,
                            float* buf) noexcept nogil:
    # float16 slices lo .. hi-1: each is widened (exactly) into the float32 buffer,
    # negated for softmin, computed there in place by the float32 code, and rounded once
    # back to float16 (fa_float_to_half). Any strides.
    cdef Py_ssize_t n = dims[1], o, i
    cdef Py_ssize_t ox = steps[0], oy = steps[1], cx = steps[2], cy = steps[3]
    cdef char* xp
    cdef char* yp
    cdef float v
    for o in range(lo, hi):
        xp = args[0] + o * ox
        yp = args[1] + o * oy
        for i in range(n):
            v = fa_half_to_float((<const uint16_t*>(xp + i * cx))[0])
            buf[i] = -v if neg else v
        rowwise_contig(<const float*>buf, buf, n, logmode)
        for i in range(n):
            (<uint16_t*>(yp + i * cy))[0] = fa_float_to_half(buf[i])

cdef inline void half_slices(char** args, const Py_ssize_t* dims, const Py_ssize_t* steps,
                             bint logmode, bint neg, Py_ssize_t lo, Py_ssize_t hi,
                             float* buf) noexcept nogil:
    # rowwise_half_part, or NaN slices when the buffer could not be allocated
    cdef Py_ssize_t o, i
    if buf != NULL:
        rowwise_half_part(args, dims, steps, logmode, neg, lo, hi, buf)
        return
    for o in range(lo, hi):
        for i in range(dims[1]):
            (<uint16_t*>(args[1] + o * steps[1] + i * steps[3]))[0] = 0x7e00

cdef inline void rowwise_half(char** args, const Py_ssize_t* dims, const Py_ssize_t* steps,
                              bint logmode, bint neg) noexcept nogil:
    # gufunc (n)->(n) loop for float16, split over threads like rowwise_loop; each thread
    # has its own float32 buffer of one slice (on the stack up to BUF elements). If that
    # buffer cannot be allocated, the slices are filled with NaN (nothing else is left).
    cdef Py_ssize_t nouter = dims[0], n = dims[1], chunk, lo, hi
    cdef int nt, c
    cdef float stackbuf[BUF]
    cdef float* buf
    if nouter == 0 or n == 0:
        return
    cdef fa_fpstate st = fa_fp_save()
    nt = threads_for(nouter * n)
    if nt > nouter:
        nt = <int>nouter
    if nt == 1:  # no OpenMP region for single-threaded calls
        buf = &stackbuf[0]
        if n > BUF:
            buf = <float*>malloc(n * sizeof(float))
        half_slices(args, dims, steps, logmode, neg, 0, nouter, buf)
        if n > BUF:
            free(buf)
    else:
        chunk = (nouter + nt - 1) // nt
        for c in prange(nt, num_threads=nt, schedule="static"):
            lo = c * chunk
            hi = min(nouter, lo + chunk)
            if lo < hi:
                buf = <float*>malloc(n * sizeof(float))
                half_slices(args, dims, steps, logmode, neg, lo, hi, buf)
                free(buf)
    fa_fp_restore(st)

