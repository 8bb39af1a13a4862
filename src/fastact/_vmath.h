/*
 * _vmath.h -- branch-free scalar math primitives that GCC/Clang vectorise.
 *
 * Design:
 *  (a) No libm calls in kernels: a libm call keeps a loop scalar (PERF-NOTES). Every
 *      primitive here is straight-line code (selects, not branches), so with
 *      -fno-trapping-math the compiler if-converts and vectorises the caller's loop.
 *  (b) Written once: _vmath_impl.h is a template, instantiated (included) for float64
 *      (fa_<name>_d) and float32 (fa_<name>_f), each with its own constants.
 *  (c) Both sides of a select are evaluated, and NaN/inf may flow through the side that
 *      is thrown away. That can raise IEEE status flags that the *result* does not
 *      justify, so every ufunc loop saves the flags on entry and restores them on exit
 *      (fa_fp_save / fa_fp_restore). No kernel here can legitimately overflow, divide
 *      by zero or be invalid for a non-NaN input, so nothing real is hidden. Underflow
 *      is undone too: the discarded side of a select underflows for ordinary inputs
 *      (sigmoid(1000) computes e^-1000), so the flag would say nothing about the result.
 *      fastact's kernels therefore never raise floating-point warnings.
 *  (d) Coefficients: exp uses the Taylor coefficients 1/k!, log1p those of 2 atanh(s)
 *      (2/(2j+1)); tanh's small-|x| polynomial is fitted by tools/fit_coefficients.py
 *      (mpmath.chebyfit). expm1 / log1p / log(1 + e^z) / x f(x) (silu, mish) /
 *      tanhshrink serve the float64 kernels (_d) and the float32 ones (_f, float
 *      arithmetic, FA_LOG1P_COMP adding the steps float needs); a third instance (_fd:
 *      double arithmetic, float32-sized truncations) serves gelu's float32 kernel.
 */
#ifndef FASTACT_VMATH_H
#define FASTACT_VMATH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <fenv.h>
#include <float.h>
#include <math.h>

#if defined(_MSC_VER)
#  define FA_INLINE __forceinline
#  define FA_NOINLINE __declspec(noinline)
#else
#  define FA_INLINE inline __attribute__((always_inline))
#  define FA_NOINLINE __attribute__((noinline))
#endif

/* Software prefetch for large calls. On some machines (this project's KVM guests
 * among them) the hardware prefetchers fall behind the kernels' streams: a float64
 * tanh over 3.2e7 elements ran at 2.8 ns/el against 1.3 in cache. Prefetching
 * FA_PF_DIST bytes ahead, a few cache lines before each small chunk, brought it to
 * 1.5 (README, Speed). fa_prefetch(p, nb, w) touches [p, p + nb), for writing if w;
 * a prefetch never faults, so running past the end of the arrays is harmless. Where
 * the compiler has no prefetch builtin: nothing. */
#define FA_PF_DIST 4096
#if defined(__GNUC__) || defined(__clang__)
#  define FA_PREFETCH_R(p) __builtin_prefetch((p), 0, 3)
#  define FA_PREFETCH_W(p) __builtin_prefetch((p), 1, 3)
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#  include <xmmintrin.h>
#  define FA_PREFETCH_R(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#  define FA_PREFETCH_W(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#else
#  define FA_PREFETCH_R(p) ((void)(p))
#  define FA_PREFETCH_W(p) ((void)(p))
#endif
static FA_INLINE void fa_prefetch(const char *p, ptrdiff_t nb, int write)
{
    ptrdiff_t o;
    for (o = 0; o < nb; o += 64) {
        if (write) FA_PREFETCH_W(p + o); else FA_PREFETCH_R(p + o);
    }
}

/* Shared constants of the template instances. */
#define FA_LOG2E 1.44269504088896338700e+00
#define FA_TANH_SMALL 0.6                    /* tanh: polynomial below, (1 - e^-2a)/(1 + e^-2a) above */

#define fmad fma   /* fa_fms_ calls FA_FN(fma): fmad / fmaf */
#define FA_CAT_(a, b) a##b
#define FA_CAT(a, b) FA_CAT_(a, b)

/* Each block defines the template's parameters, includes it, and the template #undefs
 * them again at its end. */

/* ------------------------------------------------- float64 (suffix d) */
#define FA_SFX d
#define FA_EXP_DEG 13                        /* Taylor truncation 4e-18 relative (0.04 ulp) */
#define FA_LOG1P_DEG 10                      /* Taylor 2 atanh: truncation 2^-60 */
#define FA_LOG1P_R 2.0 / 21, 2.0 / 19, 2.0 / 17, 2.0 / 15, 2.0 / 13, 2.0 / 11, 2.0 / 9, \
    2.0 / 7, 2.0 / 5, 2.0 / 3
#include "_vmath_f64.h"
#include "_vmath_impl.h"

/* ------------------------------------------------- float64 for float32 results (suffix fd)
 * double arithmetic with float32-sized truncations (~2^-36 relative): the float32
 * kernels that compute in double (gelu) use these. */
#define FA_SFX fd
#define FA_EXP_DEG 9                         /* Taylor truncation 7e-12 relative (2^-37) */
#define FA_LOG1P_DEG 6                       /* Taylor 2 atanh: truncation 2^-40 */
#define FA_LOG1P_R 2.0 / 13, 2.0 / 11, 2.0 / 9, 2.0 / 7, 2.0 / 5, 2.0 / 3
#include "_vmath_f64.h"
#include "_vmath_impl.h"

/* ------------------------------------------------- float32 (suffix f) */
#define FA_T float
#define FA_U uint32_t
#define FA_SFX f
#define FA_SIGMOID_EXP_LO 1
#define FA_TANH_COMP 1
#define FA_LOG1P_COMP 1
#define FA_SIX_TENTHS_LO (-2.384185791015625e-08f) /* 0.6 - float(0.6) */
#define FA_MANT 23
#define FA_BIAS 127u
#define FA_SIGN 0x80000000u
#define FA_MAGIC 12582912.0f                 /* 1.5 * 2^23 */
#define FA_LN2_HI 0.693145751953125f         /* 0x3f317200: 9 trailing zero bits */
#define FA_LN2_LO 1.42860676533018690e-06f
#define FA_EXP_HI 89.0f
#define FA_EXP_LO (-104.0f)
#define FA_EXP_DEG 7                         /* Taylor truncation 5e-9 relative (0.09 ulp) */
#define FA_TANH_BIG 10.0f
#define FA_TANH_DEG 5
#define FA_SOFTSIGN_BIG 1.152921504606846976e18f /* 2^60 */
#define FA_SOFTSIGN_TINY 9.094947017729282e-13f /* 2^-40 */
#define FA_TANH_TINY 1.220703125e-04f         /* 2^-13 */
#define FA_SIGMOID_TINY 1.4901161193847656e-08f /* 2^-26 */
#define FA_RECIP_MAGIC 0x7EF311C3u
#define FA_TANH_P 2.37076564049778779519e-3f, -8.41007080153073637925e-3f, \
    2.17883219971085212798e-2f, -5.39615517813426909377e-2f, \
    1.33333128668617991972e-1f, -3.33333332312079250015e-1f
#define FA_M1_TINY 2.98023223876953125e-08f /* 2^-25 */
#define FA_EXPM1_LO (-18.0f)
#define FA_LOG1P_DEG 5                       /* truncation 2^-34 */
#define FA_LOG1P_R 2.0f / 11, 2.0f / 9, 2.0f / 7, 2.0f / 5, 2.0f / 3
#define FA_SQRTH_BITS 0x3F3504F3u
#define FA_MAXV 3.4028234663852886e38f
#define FA_L1PE_BIG 1.073741824e9f            /* 2^30 */
#define FA_XF_TINY 7.450580596923828125e-09f /* 2^-27 */
#define FA_XF_BIG 110.0f
#define FA_THIRD_LO 9.934107462565104e-09f
#define FA_TS_TINY 9.313225746154785e-10f     /* 2^-30 */
#define FA_TS_ZERO 8.881784197001252e-16f     /* 2^-50: tanhshrink rounds to +-0 below */
#define FA_TS_UP 5.36870912e8f               /* 2^29 */
#define FA_TS_DOWN 6.462348535570529e-27f     /* 2^-87 */
#define FA_TS_HUGE 1.073741824e9f             /* 2^30 */
#include "_vmath_impl.h"

/* ------------------------------------------------- gelu, float64 (float32 rounds it) */
#include "_gelu_table.h"

/* a*b + c with the product exact and about one rounding: an FMA where the target has
 * it, else Dekker's exact product and two additions. */
static FA_INLINE double fa_fmaa_d(double a, double b, double c)
{
#if defined(__FMA__) || defined(__aarch64__) || defined(_M_ARM64) || defined(__ARM_FEATURE_FMA)
    return fma(a, b, c);
#else
    /* Dekker's splitting overflows for |a| or |b| > 2^996 or infinite (NaN): then the
     * plain a*b + c (two roundings; a NaN input still gives NaN) */
    double ph = a * b, r = ph + (-fa_fms_d(a, b, ph) + c);
    return r == r ? r : ph + c;
#endif
}

/* float twin of fa_fmaa_d */
static FA_INLINE float fa_fmaa_f(float a, float b, float c)
{
#if defined(__FMA__) || defined(__aarch64__) || defined(_M_ARM64) || defined(__ARM_FEATURE_FMA)
    return fmaf(a, b, c);
#else
    float ph = a * b, r = ph + (-fa_fms_f(a, b, ph) + c);
    return r == r ? r : ph + c;
#endif
}

/* x/2 exactly (round to nearest even in the subnormal range) by integer arithmetic on
 * the bits, so that tiny and subnormal inputs never reach the floating-point units
 * (slow there). Exponent field >= 2: one off the exponent; below: the bits are linear
 * in the value, shift right rounding to even. Finite x only (the callers select it
 * for |x| < 2^-60). */
static FA_INLINE double fa_half_d(double x)
{
    uint64_t u = fa_bits_d(x), b = u & ~0x8000000000000000ull, s = u & 0x8000000000000000ull;
    uint64_t r = b >= (2ull << 52) ? b - (1ull << 52) : (b >> 1) + (b & (b >> 1) & 1u);
    return fa_from_bits_d(r | s);
}

#define FA_GELU_SMALL 0.5        /* polynomial below, e^(-a^2/2) h(a) above */
#define FA_GELU_BIG 39.0         /* a clamped here: Phi(-39) = 3e-333 underflows */
#define FA_GELU_TINY 8.673617379884035e-19  /* 2^-60: gelu x = x/2 below */

/*
 * gelu(x) = x Phi(x), Phi the standard normal CDF = erfc(-x/sqrt 2)/2. a = |x|:
 *  - a < 2^-60 (subnormals included): x/2, exact (fa_half_d);
 *  - a < 1/2: x/2 + x^2 Q(x^2) (Q fitted, _gelu_table.h), Q's constant term in two parts;
 *    the sum is one fused step: ~0.6 ulp (for x < 0 the x^2 Q term is 0.62 of the result
 *    at most, so its errors count less than that);
 *  - a >= 1/2: g = a Phi(-a) = a h(a) e^(-a^2/2) with h(a) = erfc(a/sqrt 2) e^(a^2/2)/2
 *    from a table of 56 degree-11 polynomials (fit 2^-60 relative), its constant term in
 *    two parts so that a h = ph + pl is double-length; e^(-a^2/2) from the exact
 *    a^2 = sh + sl (fa_fms_) through exp's lo argument (a rounded a^2 or a/sqrt 2 would
 *    cost a relative error a^2 eps: hundreds of ulp in the tail), and with exp's low part
 *    plo: (ph + pl)(p + plo) rounded once, then scaled by 2^n in two steps (subnormal
 *    results, from x < -37.5, rounded once more). gelu = x - g (x > 0: g <= 0.16 x) or -g.
 *    a is clamped to [1/2, 39] first (the other branch's values are thrown away; above
 *    39 g underflows to 0): gelu(x) = x for x >= 39, -0.0 for x <= -39.
 * Special: +-0 -> +-0, +inf -> +inf, -inf -> -0.0, NaN -> NaN.
 * Error: ~1 ulp (tools/accuracy_f64.py: measured table in the README).
 */
static FA_INLINE double fa_gelu_core_d(double x, int tdeg, int f32)
{
    const double *Q = FA_GELU_Q;
    double a = fa_abs_d(x), au, u, q, small, ae, mid, t, p, hl, ph, pl, sh, sl, e, plo, g;
    uint64_t bits, n, n1;
    int64_t idx;
    int k;
    /* tiny: the arithmetic sees 0 instead (a - a: not a constant, see fa_tanh_) */
    au = a < FA_GELU_TINY ? a - a : a;
    u = au * au;
    q = Q[FA_GELU_Q_DEG];
    for (k = FA_GELU_Q_DEG - 1; k >= 1; k--) {
        q = q * u + Q[k];
    }
    q = Q[0] + (Q[FA_GELU_Q_DEG + 1] + u * q);
    small = fa_fmaa_d(u, q, 0.5 * (x < 0 ? -au : au));
    /* the tail: a in [1/2, 39] (NaN stays NaN) */
    ae = a < FA_GELU_SMALL ? FA_GELU_SMALL : a;
    ae = ae > FA_GELU_BIG ? FA_GELU_BIG : ae;
    bits = fa_bits_d(ae);
    idx = (int64_t)(bits >> 49) - (int64_t)(0x3FE0000000000000ull >> 49);
    idx = idx < 0 ? 0 : idx;
    idx = idx > FA_GELU_TAB_N - 1 ? FA_GELU_TAB_N - 1 : idx;
    mid = fa_from_bits_d((bits & ~((1ull << 49) - 1u)) | (1ull << 48));
    t = ae - mid;                                  /* exact (Sterbenz) */
    p = FA_GELU_TAB[tdeg][idx];
    for (k = tdeg - 1; k >= 1; k--) {
        p = p * t + FA_GELU_TAB[k][idx];
    }
    hl = FA_GELU_TAB[FA_GELU_TAB_DEG + 1][idx] + t * p;  /* h = c0 + hl */
    ph = ae * FA_GELU_TAB[0][idx];
    pl = ae * hl - fa_fms_d(ae, FA_GELU_TAB[0][idx], ph);  /* a h = ph + pl */
    sh = ae * ae;
    sl = -fa_fms_d(ae, ae, sh);                    /* a^2 = sh + sl exactly */
    e = f32 ? fa_exp_reduced_fd(-0.5 * sh, -0.5 * sl, &plo, &n, &n1, 0)
            : fa_exp_reduced_d(-0.5 * sh, -0.5 * sl, &plo, &n, &n1, 0);
    g = fa_fmaa_d(ph, e, ph * plo + pl * (e + plo));  /* pl is not small: keep pl plo */
    g = (g * fa_from_bits_d((uint64_t)(n1 + 1023u) << 52))
        * fa_from_bits_d((uint64_t)(n - n1 + 1023u) << 52);
    g = x > 0 ? x - g : -g;
    g = a < FA_GELU_SMALL ? small : g;
    return a < FA_GELU_TINY ? fa_half_d(x) : g;
}

static FA_INLINE double fa_gelu_d(double x) { return fa_gelu_core_d(x, FA_GELU_TAB_DEG, 0); }

/* gelu for float32 results: the same in double with the table polynomials truncated
 * (FA_GELU_TAB_DEG_F; float32 needs ~2^-30 of h, and gelu's float32 range |x| < 14.1
 * keeps t small) and the float32-sized exp (suffix fd), then rounded once. */
#define FA_GELU_TAB_DEG_F 6
static FA_INLINE float fa_gelu_f(float x) { return (float)fa_gelu_core_d((double)x, FA_GELU_TAB_DEG_F, 1); }

/* 2 sqrt(2/pi) and 0.044715 in two parts each (hi + lo to ~2^-107) */
#define FA_GELU_C_HI 1.5957691216057308
#define FA_GELU_C_LO (-9.96930880911092e-17)
#define FA_GELU_K_HI 0.044715
#define FA_GELU_K_LO (2.1960211427085595e-18)
#define FA_GELU_TBIG 30.0        /* a clamped here: x sigmoid(-2u) = 0 (underflow) */

/*
 * gelu_tanh(x) = x/2 (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3) (PyTorch's
 * approximate="tanh"), written as x sigmoid(z), z = 2u = c x (1 + k x^2): no cancellation
 * for x < 0. In the tail sigmoid(z) ~ e^z and z's relative error is multiplied by |z|
 * (up to 745), so z = zh + zl is carried in double-length (exact products, the constants
 * in two parts). e = e^-|z| with exp's low part; sigmoid as in fa_sigmoid_: one division
 * corrected by its exact remainder (q + c), and x (q + c) fused into one rounding.
 * |x| is clamped to 30 (gelu_tanh(-21.5) underflows already): x >= 30 -> x,
 * x <= -30 -> -0.0. |x| < 2^-60 (subnormals too) -> x/2 exactly (fa_half_d).
 * Special: +-0 -> +-0, +inf -> +inf, -inf -> -0.0, NaN -> NaN. Error ~0.6 ulp.
 */
static FA_INLINE double fa_gelu_tanh_d(double x)
{
    double a = fa_abs_d(x), ac, sh, sl, th, tl, wh, wl, bv, vh, vl, zh, zl, m, p, plo;
    double s1, s2, e, elo, s, slo, num, q, inv, c, xm, xc;
    uint64_t n, n1;
    int pos = x > 0;
    ac = a < FA_GELU_TINY ? a - a : a;
    ac = ac > FA_GELU_TBIG ? FA_GELU_TBIG : ac;         /* NaN stays NaN */
    sh = ac * ac;
    sl = -fa_fms_d(ac, ac, sh);                           /* a^2 = sh + sl */
    th = FA_GELU_K_HI * sh;
    tl = (FA_GELU_K_HI * sl + FA_GELU_K_LO * sh) - fa_fms_d(FA_GELU_K_HI, sh, th);
    wh = 1.0 + th;                                        /* 1 + k a^2 = wh + wl (TwoSum) */
    bv = wh - th;
    wl = ((1.0 - bv) + (th - (wh - bv))) + tl;
    vh = ac * wh;
    vl = ac * wl - fa_fms_d(ac, wh, vh);                  /* a (1 + k a^2) = vh + vl */
    zh = FA_GELU_C_HI * vh;
    zl = (FA_GELU_C_HI * vl + FA_GELU_C_LO * vh) - fa_fms_d(FA_GELU_C_HI, vh, zh);
    m = -zh;
    m = m < -800.0 ? -800.0 : m;   /* e (and x e, |x| <= 30) round to 0 below */
    p = fa_exp_reduced_d(m, -zl, &plo, &n, &n1, 0);
    s1 = fa_from_bits_d((uint64_t)(n1 + 1023u) << 52);
    s2 = fa_from_bits_d((uint64_t)(n - n1 + 1023u) << 52);
    e = (p * s1) * s2;
    elo = (plo * s1) * s2;                                /* e^-|z| = e + elo */
    s = 1.0 + e;
    slo = ((1.0 - s) + e) + elo;                          /* 1 + e + elo = s + slo */
    /* x < 0: x e/(1 + e) with e = (p + plo) 2^n: the quotient and the product with x are
     * formed unscaled (p, not e) and 2^n applied last, so that a subnormal result is
     * rounded once, not a subnormal quotient multiplied by |x| (up to 30: 30 ulp) */
    num = pos ? 1.0 : p;
    q = num / s;
    /* 1/s for the correction: plo can be hundreds of ulp (it carries zl), so 1/s is
     * needed to ~1e-4: the bit-pattern estimate (13%) and two Newton steps (3e-4) */
    inv = fa_from_bits_d(0x7FDE6238DA3C2118ull - fa_bits_d(s));
    inv = inv * (2.0 - s * inv);
    inv = inv * (2.0 - s * inv);
    inv = pos ? q : inv;
    c = (fa_fms_d(q, s, num) + (pos ? 0.0 : plo) - q * slo) * inv;
    xm = pos ? x : -ac;          /* x > 30: q = 1, c = 0, so x itself (also +inf) */
    xc = pos ? ac : -ac;
    q = fa_fmaa_d(xm, q, xc * c);
    q = pos ? q : (q * s1) * s2;
    return a < FA_GELU_TINY ? fa_half_d(x) : q;
}

#define FA_GLU_BIG 1.0715086071862673e301  /* 2^1000: |a| above is pre-scaled */

/*
 * glu's elementwise part, float64: a sigmoid(b) with sigmoid(b) = (q + c) 2^n
 * (fa_sigmoid_parts_d, late: for b <= 0 q and c are unscaled, 2^n = s1 s2; b > 0: 1):
 * a q + a c is fused into one rounding (fa_fmaa_d) and the 2^n scale applied after the
 * product, so a subnormal sigmoid(b) (b < -708) is not rounded before it is multiplied
 * by a (that cost |a| subnormal ulps: 360 ulp at b = -725.5, a = 1e3); the result is
 * rounded once more only where it is itself subnormal. |a| > 2^1000 (q may reach 1.42:
 * a q could overflow) takes s1 first instead, exactly (a s1 stays far above 2^-1022).
 * a = +-inf: 0 for the correction (inf c could be inf - inf). Where sigmoid(b) rounds
 * to 0 (b < -745.13, b = -inf) the result is a * 0 (+-0; inf * 0 = NaN), as before the
 * product. a = +-0 -> +-0 (the fused a q + a c would give +0 for -0). NaN in either -> NaN.
 * Error ~1.5 ulp (exp's error inside sigmoid: README).
 */
static FA_INLINE double fa_glu_d(double a, double b)
{
    double c, s1, s2, q = fa_sigmoid_parts_d(b, &c, &s1, &s2, 1), as, f1, r;
    int big = fa_abs_d(a) > FA_GLU_BIG;
    as = big ? a * s1 : a;
    f1 = big ? 1.0 : s1;
    r = fa_fmaa_d(as, q, (as - as == 0 ? as : 0.0) * c);
    r = (r * f1) * s2;
    r = a == 0 ? a * q : r;   /* +-0 (the fused sum gives +0 for -0), NaN for a NaN b */
    return (q * s1) * s2 == 0 ? a * 0.0 : r;
}

#define FA_GLU_BIG_F 1.2676506002282294e30f  /* 2^100: |a| above is pre-scaled */

/*
 * glu's elementwise part, float32, in float arithmetic: a sigmoid(b) = a (q + c) 2^N
 * with e = e^-|b| = (p + plo) 2^n (exp's low part kept), b > 0: q + c = 1/(1 + e) and
 * N = 0; b <= 0: q + c = p/(1 + e) and N = n (the fa_sigmoid_parts_ division, corrected
 * by its exact remainder). a (q + c) is rounded once (fa_mul2_f) and 2^N applied after
 * the product in three normal factors, so a subnormal sigmoid(b) times a large a is not
 * rounded first: |b| is clamped at 200 (not exp's 104), where a sigmoid(b) underflows
 * for every float a, and e enters 1 + e scaled by 2^max(n, -100) (below, e is far under
 * an ulp of 1). |a| > 2^100 takes its first factor before the product (no overflow).
 * Special: a = +-0 -> +-0 (a q for the sign); b < -745.13 (where float64's sigmoid
 * rounds to 0, as fa_glu_d), b = -inf included -> a * 0 (+-0; NaN for a = +-inf);
 * a = +-inf: inf * sigmoid(b); NaN in either -> NaN. Error: 0.75 ulp measured (every
 * 256th float32, glu(x, x), all paths: README).
 */
static FA_INLINE float fa_glu_f(float a, float b)
{
    uint32_t n, n1;
    int32_t ni, m1, m3;
    int pos = b > 0, big = fa_abs_f(a) > FA_GLU_BIG_F;
    float z = -fa_abs_f(b), p, plo, sc, e, elo, s, slo, num, nlo, q, inv, c, as, f1, r;
    z = z < -200.0f ? -200.0f : z;                   /* NaN stays NaN */
    z = z > -1.4901161193847656e-08f ? z - z : z;    /* 2^-26: sigmoid = 1/2, exp(0) */
    p = fa_exp_reduced_f(z, 0.0f, &plo, &n, &n1, 0);
    ni = (int32_t)n;
    sc = fa_pow2_f((uint32_t)(ni < -100 ? -100 : ni));
    e = p * sc;
    elo = plo * sc;
    s = 1.0f + e;
    slo = ((1.0f - s) + e) + elo;                    /* 1 + e + elo = s + slo */
    num = pos ? 1.0f : p;
    nlo = pos ? 0.0f : plo;
    q = num / s;
    inv = pos ? q : 1.0f - q * sc;                   /* 1/(1 + e), roughly */
    c = (fa_fms_f(q, s, num) + nlo - q * slo) * inv;
    m1 = pos ? 0 : (ni * 11) / 32;                   /* n = 2 m1 + m3, each >= -96 */
    m3 = pos ? 0 : ni - 2 * m1;
    as = big ? a * fa_pow2_f((uint32_t)m1) : a;
    f1 = big ? 1.0f : fa_pow2_f((uint32_t)m1);
    r = fa_fmaa_f(as, q, (as - as == 0 ? as : 0.0f) * c);
    r = ((r * f1) * fa_pow2_f((uint32_t)m1)) * fa_pow2_f((uint32_t)m3);
    r = a == 0 ? a * q : r;
    return b < -745.1332f ? a * 0.0f : r;
}

/* ---------------------------------------------- float32 tanh, a whole block
 * fa_tanh_block_f(x, y, n): y[i] = tanh(x[i]) for float32.
 * With AVX-512 (GCC/Clang): by table, like SVML/NumPy. |x| picks one
 * of 32 intervals from its float bits (4 per binade, 2^-4 .. 2^4; see
 * tools/fit_coefficients.py), and a degree-5 polynomial in t = |x| - start of interval,
 * with coefficients fetched by in-register permutes (vpermt2ps), gives tanh|x| (fit
 * error 2^-26.3; the constant term is added in two parts and the small terms first, so
 * the result is rounded about once: 0.63 ulp measured over every float32); the sign is
 * put back by a bit-or.
 * No division and no exp: about half the work of fa_tanh_f. Interval 0 is |x| * Q(|x|),
 * and below 2^-12 the result is x itself (+-0 and subnormals exact, at normal speed);
 * past 10 the table holds 1 (+-inf -> +-1);
 * NaN flows through the arithmetic (the clamp keeps it).
 * Elsewhere: the plain loop over fa_tanh_f, which the compiler vectorises. */
#if defined(__AVX512F__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include "_tanh_table.h"
typedef float fa_v16f __attribute__((vector_size(64)));

static FA_INLINE fa_v16f fa_tanh_v16f(fa_v16f x, const fa_v16f *lo, const fa_v16f *hi)
{
    const __m512i absmask = _mm512_set1_epi32(0x7fffffff);
    __m512i xb = (__m512i)x, ab = _mm512_and_si512(xb, absmask);
    /* |x| clamped below 16, so inf lands in the last interval, which holds 1, with a
     * finite t; vminps returns its second operand for a NaN one, so NaN stays NaN (its
     * interval is arbitrary: t, hence the result, is NaN) */
    __m512i ac = _mm512_castps_si512(_mm512_min_ps(_mm512_castsi512_ps(_mm512_set1_epi32(0x417fffff)),
                                                   _mm512_castsi512_ps(ab)));
    /* interval: 4 per binade from 2^-4 (bits 0x3d800000); below 2^-4 -> 0 */
    __m512i raw = _mm512_sub_epi32(_mm512_srai_epi32(ac, 21), _mm512_set1_epi32(0x3d800000 >> 21));
    __m512i idx = _mm512_max_epi32(raw, _mm512_setzero_si512());
    __mmask16 pos = _mm512_cmpgt_epi32_mask(raw, _mm512_setzero_si512());
    /* |x| < 2^-12: tanh x = x (x^3/3 is below a third of an ulp); t = 0 there keeps
     * subnormal operands and results out of the arithmetic (they cost 3x on some CPUs) */
    __mmask16 tiny = _mm512_cmplt_epi32_mask(ab, _mm512_set1_epi32(0x39800000));
    /* t = |x| - start of its interval (exact); t = |x| on interval 0 */
    __m512i start = _mm512_maskz_and_epi32(pos, ac, _mm512_set1_epi32((int)0xffe00000));
    fa_v16f t = (fa_v16f)_mm512_maskz_sub_ps(~tiny, (__m512)ac, (__m512)start), p;
    int k;
#define FA_TAB(k) ((fa_v16f)_mm512_permutex2var_ps((__m512)lo[k], idx, (__m512)hi[k]))
    p = FA_TAB(FA_TANH_TAB_DEG);
    for (k = FA_TANH_TAB_DEG - 1; k >= 2; k--) {
        p = p * t + FA_TAB(k);
    }
    /* c0 + c1 t + t^2 p, small terms first: c0 in two parts (hi + lo) and c1 t fused, so
     * the result is rounded about once; on interval 0 (c0 = 0, c1 = 1) it is t + t^2 p */
    p = FA_TAB(0) + (FA_TAB(1) * t + ((t * t) * p + FA_TAB(FA_TANH_TAB_DEG + 1)));
#undef FA_TAB
    p = (fa_v16f)_mm512_mask_mov_ps((__m512)p, tiny, (__m512)ab);
    /* sign of x back on (bit-or) */
    return (fa_v16f)_mm512_or_si512((__m512i)p, _mm512_andnot_si512(absmask, xb));
}

static void fa_tanh_block_f(const float *x, float *y, ptrdiff_t n)
{
    fa_v16f lo[FA_TANH_TAB_DEG + 2], hi[FA_TANH_TAB_DEG + 2], v;
    float buf[16];
    ptrdiff_t i = 0;
    int k;
    for (k = 0; k <= FA_TANH_TAB_DEG + 1; k++) {
        memcpy(&lo[k], &FA_TANH_TAB[k][0], sizeof lo[k]);
        memcpy(&hi[k], &FA_TANH_TAB[k][16], sizeof hi[k]);
    }
    for (; i + 16 <= n; i += 16) {
        memcpy(&v, x + i, sizeof v);
        v = fa_tanh_v16f(v, lo, hi);
        memcpy(y + i, &v, sizeof v);
    }
    if (i < n) {  /* the tail through a padded buffer: same arithmetic as the body */
        memset(buf, 0, sizeof buf);
        memcpy(buf, x + i, (size_t)(n - i) * sizeof(float));
        memcpy(&v, buf, sizeof v);
        v = fa_tanh_v16f(v, lo, hi);
        memcpy(buf, &v, sizeof v);
        memcpy(y + i, buf, (size_t)(n - i) * sizeof(float));
    }
}
/*
 * The interval of a >= 0 among tanh's 32 (4 per binade from 2^-4; interval 0: a below
 * 0.078125; a clamped below 16 by the caller), for the tables fitted about the
 * intervals' midpoints (tanhshrink, gelu): *idx for vpermt2ps (its low 5 bits), *pos the
 * lanes past interval 0; returns t = a - midpoint (exact: same binade), t = a on
 * interval 0.
 */
static FA_INLINE __m512 fa_tab32_mid(__m512 a, __m512i *idx, __mmask16 *pos)
{
    __m512i bits = _mm512_castps_si512(a);
    __m512i raw = _mm512_sub_epi32(_mm512_srai_epi32(bits, 21), _mm512_set1_epi32(0x3d800000 >> 21));
    __m512i mid;
    *idx = _mm512_max_epi32(raw, _mm512_setzero_si512());
    *pos = _mm512_cmpgt_epi32_mask(raw, _mm512_setzero_si512());
    mid = _mm512_maskz_ternarylogic_epi32(*pos, bits, _mm512_set1_epi32((int)0xffe00000),
                                          _mm512_set1_epi32(0x00100000), 0xEA); /* a&b | c */
    return _mm512_sub_ps(a, _mm512_castsi512_ps(mid));
}

/*
 * float32 tanhshrink(x) = x - tanh(x) = sign(x) g(a), a = |x|, AVX-512 block
 * (fa_tanhshrink_block_f), float arithmetic, no cancellation:
 *  - 0.078125 <= a < 16: g from a table of 32 degree-5 polynomials fitted to g itself
 *    (_tanhshrink_table.h, fit error 2^-26.7) in t = a - midpoint on tanh's intervals;
 *    s = c0 + c1 t rounded with its rounding error kept (c0 - s exact: Sterbenz, g
 *    changes by less than 2x within an interval), plus t^2 p and c0's low part: the
 *    result is rounded about once;
 *  - a < 0.078125: g = a^3 P(a^2), P of degree 2 (fit 2^-31), a^3 = c3 + c3l (FMA) and
 *    P = ph + pl (P(0) in two parts), rounded once at the end;
 *  - a >= 16: g = a - 1 (the rest, 2 e^-2a, is below 2^-44 relative).
 * Special: a < 2^-30 is computed scaled by 2^29 (a^3/3, P = P(0)) and rounded into the
 * subnormal range once at the end by 2^-87; a < 2^-50 (subnormals, +-0) -> +-0 (a^3/3
 * rounds to 0), computed on a = 0, so no subnormal operand occurs; +-inf -> +-inf;
 * NaN -> NaN; the sign of x put back by a bit-or (-0.0 -> -0.0).
 * Error: this block 0.846 ulp over all 2^32 float32 inputs (worst x = 0.12501821, mean
 * 0.056); the scalar template (fa_tanhshrink_f) 0.75.
 * Elsewhere: the plain loop over fa_tanhshrink_f, which the compiler vectorises.
 */
#include "_tanhshrink_table.h"

typedef struct { __m512 lo[FA_TS_DEG + 2], hi[FA_TS_DEG + 2]; } fa_tstab;

/* tanhshrink's g(a) for a < 0.078125 (fa_tanhshrink_v16f): a^3 P(a^2), a < 2^-30
 * scaled by 2^29 (exact) with P = P(0), and a < 2^-50 -> 0 */
static FA_INLINE __m512 fa_tanhshrink_small_v16f(__m512 a)
{
    __mmask16 tiny = _mm512_cmp_ps_mask(a, _mm512_set1_ps(0x1p-30f), _CMP_LT_OQ);
    __m512 b, sh, sl, c3, c3l, tail, ph, pl, r;
    /* b = a, 0 below 2^-50, times 2^29 below 2^-30; b^2 = sh + sl, b^3 = c3 + c3l (FMA),
     * P = ph + pl (Fast2Sum) */
    b = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, _mm512_set1_ps(0x1p-50f), _CMP_GE_OQ), a);
    b = _mm512_mask_mul_ps(b, tiny, b, _mm512_set1_ps(0x1p29f));
    sh = _mm512_mul_ps(b, b);
    sl = _mm512_fmsub_ps(b, b, sh);
    c3 = _mm512_mul_ps(b, sh);
    c3l = _mm512_fmadd_ps(b, sl, _mm512_fmsub_ps(b, sh, c3));
    tail = _mm512_maskz_mul_ps((__mmask16)~tiny, sh,
                               _mm512_fmadd_ps(sh, _mm512_set1_ps(FA_TS_P[2]), _mm512_set1_ps(FA_TS_P[1])));
    ph = _mm512_add_ps(_mm512_set1_ps(FA_TS_P[0]), tail);
    pl = _mm512_add_ps(_mm512_add_ps(_mm512_sub_ps(_mm512_set1_ps(FA_TS_P[0]), ph), tail),
                       _mm512_set1_ps(FA_TS_P[FA_TS_SMALL_DEG + 1]));
    r = _mm512_fmadd_ps(c3, ph, _mm512_fmadd_ps(c3l, ph, _mm512_mul_ps(c3, pl)));
    return _mm512_mask_mul_ps(r, tiny, r, _mm512_set1_ps(0x1p-87f));
}

static FA_INLINE __m512 fa_tanhshrink_v16f(__m512 x, const fa_tstab *tab)
{
    const __m512i absmask = _mm512_set1_epi32(0x7fffffff);
    __m512 a = _mm512_abs_ps(x), ac, t, p, s, r;
    __mmask16 pos;
    __m512i idx;
    int k;
    /* table: a clamped below 16 (NaN stays NaN: vminps returns its second operand) */
    ac = _mm512_min_ps(_mm512_castsi512_ps(_mm512_set1_epi32(0x417fffff)), a);
    t = fa_tab32_mid(ac, &idx, &pos);
    r = _mm512_setzero_ps();
    if (pos != 0) {  /* a lane at or above 0.078125 (each path only when a lane needs it) */
#define FA_TAB(k) _mm512_permutex2var_ps(tab->lo[k], idx, tab->hi[k])
        p = FA_TAB(FA_TS_DEG);
        for (k = FA_TS_DEG - 1; k >= 2; k--) {
            p = _mm512_fmadd_ps(p, t, FA_TAB(k));
        }
        s = _mm512_fmadd_ps(FA_TAB(1), t, FA_TAB(0));
        r = _mm512_add_ps(_mm512_fmadd_ps(FA_TAB(1), t, _mm512_sub_ps(FA_TAB(0), s)),
                          _mm512_fmadd_ps(_mm512_mul_ps(t, t), p, FA_TAB(FA_TS_DEG + 1)));
#undef FA_TAB
        r = _mm512_add_ps(s, r);
    }
    if (pos != (__mmask16)0xffff) {  /* a lane below 0.078125 */
        r = _mm512_mask_mov_ps(r, (__mmask16)~pos, fa_tanhshrink_small_v16f(a));
    }
    r = _mm512_mask_sub_ps(r, _mm512_cmp_ps_mask(a, _mm512_set1_ps(16.0f), _CMP_GE_OQ),
                           a, _mm512_set1_ps(1.0f));
    /* sign of x back on (bit-or) */
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(r),
                                               _mm512_andnot_si512(absmask, _mm512_castps_si512(x))));
}

static void fa_tanhshrink_block_f(const float *x, float *y, ptrdiff_t n)
{
    fa_tstab tab;
    ptrdiff_t i = 0;
    int k;
    for (k = 0; k <= FA_TS_DEG + 1; k++) {
        tab.lo[k] = _mm512_loadu_ps(&FA_TS_TAB[k][0]);
        tab.hi[k] = _mm512_loadu_ps(&FA_TS_TAB[k][16]);
    }
    for (; i + 16 <= n; i += 16) {
        _mm512_storeu_ps(y + i, fa_tanhshrink_v16f(_mm512_loadu_ps(x + i), &tab));
    }
    if (i < n) {  /* the tail with masked loads and stores: same arithmetic */
        __mmask16 mask = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, mask, fa_tanhshrink_v16f(_mm512_maskz_loadu_ps(mask, x + i), &tab));
    }
}

/*
 * float32 softsign(x) = x / (1 + |x|), AVX-512 block: the formula of fa_softsign_f
 * (1 + a = s + slo exactly by TwoSum, a = |x| clamped at 2^60) with the division
 * replaced by vrcp14ps: q0 = a r, r = 1/s to 2^-14, then one correction by the exact
 * remainder, q = q0 + (a - q0 s - q0 slo) r, whose error (2^-14)^2 is 1/16 ulp: about
 * one rounding, 0.55 ulp measured over every float32. No division (a third of the time).
 * |x| < 2^-40 (subnormals included) -> x, computed on a = 0; -0.0 -> -0.0; +-inf ->
 * +-1; NaN -> NaN (min keeps NaN as its second operand).
 */
static FA_INLINE __m512 fa_softsign_v16f(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 a = _mm512_min_ps(_mm512_set1_ps(0x1p60f), _mm512_abs_ps(x)), s, bv, slo, r, q, c;
    __mmask16 tiny = _mm512_cmp_ps_mask(a, _mm512_set1_ps(0x1p-40f), _CMP_LT_OQ);
    a = _mm512_maskz_mov_ps((__mmask16)~tiny, a);
    s = _mm512_add_ps(a, one);
    bv = _mm512_sub_ps(s, a);
    slo = _mm512_add_ps(_mm512_sub_ps(one, bv), _mm512_sub_ps(a, _mm512_sub_ps(s, bv)));
    r = _mm512_rcp14_ps(s);
    q = _mm512_mul_ps(a, r);
    c = _mm512_fnmadd_ps(q, slo, _mm512_fnmadd_ps(q, s, a));
    q = _mm512_fmadd_ps(c, r, q);
    /* sign of x onto q (bit select: sign from x, the rest from q) */
    q = _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_castps_si512(q), _mm512_castps_si512(x),
                                                      _mm512_set1_epi32((int)0x80000000), 0xd8));
    return _mm512_mask_mov_ps(q, tiny, x);
}

static void fa_softsign_block_f(const float *x, float *y, ptrdiff_t n)
{
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) {
        _mm512_storeu_ps(y + i, fa_softsign_v16f(_mm512_loadu_ps(x + i)));
    }
    if (i < n) {  /* the tail with masked loads and stores: same arithmetic */
        __mmask16 mask = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, mask, fa_softsign_v16f(_mm512_maskz_loadu_ps(mask, x + i)));
    }
}

/*
 * float32 e^(z + lo) on AVX-512, in parts: e^z = 2^(n/32) * e^r with n = round(z*32/ln2),
 * r = z - n*ln2/32 (ln2/32 in two parts, each product fused: r carries no error of
 * consequence) + lo, |r| <= ln2/64; 2^(j/32) = t + tl from a 32-entry table (_exp2_table.h,
 * hi + lo) fetched by permutes; e^r - 1 = p by a degree-4 polynomial (Taylor, truncation
 * 2^-43); then 2^(j/32) e^r = t + w with w = t p + tl (fused), and *m = n div 32 for
 * vscalefps, which rounds subnormal results once. z must be >= -104 (callers clamp) or
 * NaN (NaN out). Without a correction, callers pass lo = FA_NO_LO_F (-0.0: r + -0.0 is
 * r for every r, so the compiler drops the addition; + 0.0 it must keep, for r = -0.0).
 */
#include "_exp2_table.h"
#define FA_NO_LO_F _mm512_set1_ps(-0.0f)
#define FA_NO_LO_D _mm512_set1_pd(-0.0)

typedef struct { __m512 thi_lo, thi_hi, tlo_lo, tlo_hi; } fa_exp2tab;

static FA_INLINE fa_exp2tab fa_exp2tab_load(void)
{
    fa_exp2tab t;
    t.thi_lo = _mm512_loadu_ps(&FA_EXP2_32[0][0]);
    t.thi_hi = _mm512_loadu_ps(&FA_EXP2_32[0][16]);
    t.tlo_lo = _mm512_loadu_ps(&FA_EXP2_32[1][0]);
    t.tlo_hi = _mm512_loadu_ps(&FA_EXP2_32[1][16]);
    return t;
}

static FA_INLINE __m512 fa_exp_parts_v16f(__m512 z, __m512 lo, const fa_exp2tab *tab,
                                          __m512 *w, __m512 *m)
{
    /* n = round(z 32/ln2) by the magic-number trick: kb's low bits hold n (the permutes
     * read its low 5 bits, n mod 32), kb - 1.5 2^23 = n as a float (|n| < 2^13) */
    __m512 kb = _mm512_fmadd_ps(z, _mm512_set1_ps(46.16624130844683f), _mm512_set1_ps(12582912.0f));
    __m512 k = _mm512_sub_ps(kb, _mm512_set1_ps(12582912.0f));
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.02166085f), z);  /* float(ln2/32) */
    __m512i j = _mm512_castps_si512(kb);
    __m512 p, t, tl;
    *m = _mm512_mul_ps(k, _mm512_set1_ps(0.03125f));  /* n/32: vscalefps takes its floor */
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-5.952044687e-11f), r); /* ln2/32 - float(ln2/32) */
    r = _mm512_add_ps(r, lo);
    /* e^r - 1 = r + r^2 (1/2 + r/6 + r^2/24) */
    p = _mm512_fmadd_ps(_mm512_set1_ps(1.0f / 24.0f), r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(_mm512_mul_ps(r, r), p, r);
    t = _mm512_permutex2var_ps(tab->thi_lo, j, tab->thi_hi);
    tl = _mm512_permutex2var_ps(tab->tlo_lo, j, tab->tlo_hi);
    *w = _mm512_fmadd_ps(t, p, tl);
    return t;
}

/* |r| with the sign of s, bitwise: one vpternlog (sign bit ? s : r), float32 / float64 */
static FA_INLINE __m512 fa_copysign_v16f(__m512 r, __m512 s)
{
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_set1_epi32(INT32_MIN),
        _mm512_castps_si512(s), _mm512_castps_si512(r), 0xca));
}

static FA_INLINE __m512d fa_copysign_v8d(__m512d r, __m512d s)
{
    return _mm512_castsi512_pd(_mm512_ternarylogic_epi64(_mm512_set1_epi64(INT64_MIN),
        _mm512_castpd_si512(s), _mm512_castpd_si512(r), 0xca));
}

/*
 * float32 sigmoid, a whole block, AVX-512: the formula of fa_sigmoid_f (one division
 * corrected by its remainder) with the table exp above, its two parts kept (e + elo,
 * Fast2Sum). Same special cases as fa_sigmoid_f; NaN flows through the arithmetic.
 */
static FA_INLINE __m512 fa_sigmoid_v16f(__m512 x, const fa_exp2tab *tab)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 a = _mm512_abs_ps(x);
    __m512 z = _mm512_max_ps(_mm512_sub_ps(_mm512_setzero_ps(), a), _mm512_set1_ps(-104.0f));
    /* |x| < 2^-26: sigmoid = 1/2; z = 0 keeps subnormals out of the arithmetic (slow) */
    z = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, _mm512_set1_ps(0x1p-26f), _CMP_NLT_UQ), z);
    __m512 t, w, m, e, elo, s, slo, num, q, inv, c;
    __mmask16 pos = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ);
    __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    /* x <= -104 (z clamped there): e = 0 (e^-104 < 2^-150), so the result is 0, without
     * the underflowing 2^m, which costs a microcode assist on Intel CPUs */
    __mmask16 keep = _mm512_cmp_ps_mask(z, _mm512_set1_ps(-104.0f), _CMP_NEQ_UQ);
    t = fa_exp_parts_v16f(z, FA_NO_LO_F, tab, &w, &m);
    e = _mm512_add_ps(t, w);                           /* 2^(j/32) (1 + p) = e + elo */
    elo = _mm512_add_ps(_mm512_sub_ps(t, e), w);       /* Fast2Sum, t >= |w| */
    e = _mm512_maskz_scalef_ps(keep, e, m);            /* subnormal results: rounded once */
    elo = _mm512_maskz_scalef_ps(keep, elo, m);
    s = _mm512_add_ps(one, e);
    slo = _mm512_add_ps(_mm512_add_ps(_mm512_sub_ps(one, s), e), elo); /* 1+e+elo = s+slo */
    num = _mm512_mask_blend_ps(pos, e, one);
    q = _mm512_div_ps(num, s);
    inv = _mm512_mask_blend_ps(pos, _mm512_sub_ps(one, q), q);
    c = _mm512_fnmadd_ps(q, slo, _mm512_fnmadd_ps(q, s, num));  /* num - q s - q slo */
    c = _mm512_mul_ps(_mm512_mask_add_ps(c, ~pos, c, elo), inv);  /* + elo when num = e */
    return _mm512_mask_blend_ps(nan, _mm512_add_ps(q, c), x);
}

/*
 * float32 sigmoid by table, AVX-512 (the block's main path):
 *   u = |x| clamped to [2^-26, 17.71], interval i = round(u 16/9) (32 of width 9/16
 *   centred on i 9/16; interval 0 is [0, 9/32]), t = u - i 9/16 (exact, |t| <= 9/32);
 *   g = sigmoid(-u) = P_i(t), degree 6 (_sigmoid_table.h, fit error 2^-29.5);
 *   x <= 0: g; x > 0: 1 - g. With c0 + c0lo the constant term of the side wanted (g(c_i)
 *   or 1 - g(c_i), two parts each): s = c0 + c1 t rounded, its rounding error kept
 *   exactly, plus t^2 Q(t) + c0lo, so each result is rounded about once:
 *   0.846 ulp over every float32 in [-17.71, inf) (the rest: fa_sigmoid_v16f, 0.75).
 * Special: |x| < 2^-26 -> 0.5 (u = 2^-26: no subnormal in the arithmetic), x > 17.33
 * -> 1, NaN -> NaN; x < -17.71 (the subnormal tail, -inf) is not covered: the caller
 * takes those lanes from fa_sigmoid_v16f.
 */
#include "_sigmoid_table.h"
#define FA_SIG_ROWS (FA_SIG_TAB_DEG + 5)
typedef struct { __m512 lo[FA_SIG_ROWS], hi[FA_SIG_ROWS]; } fa_sigtab;

static FA_INLINE void fa_sigtab_load(fa_sigtab *t)
{
    int k;
    for (k = 0; k < FA_SIG_ROWS; k++) {
        t->lo[k] = _mm512_loadu_ps(&FA_SIG_TAB[k][0]);
        t->hi[k] = _mm512_loadu_ps(&FA_SIG_TAB[k][16]);
    }
}

static FA_INLINE __m512 fa_sigmoid_tab_v16f(__m512 x, const fa_sigtab *tab, __m512 *rest)
{
    /* sigmoid(x) = (returned) + *rest, *rest below half an ulp of the first */
    /* rows 0 .. C-1: t^1 .. t^C; C .. C+4: centre, g hi, g lo, 1-g hi, -(1-g lo) */
    const int C = FA_SIG_TAB_DEG;
    /* u clamped to [2^-26, 17.71]: below, sigmoid rounds to 1/2 and no subnormal enters
     * the arithmetic; above, to 1 (x > 0; x < -17.71 is the caller's); NaN stays NaN */
    __m512 u = _mm512_max_ps(_mm512_set1_ps(0x1p-26f),
                             _mm512_min_ps(_mm512_set1_ps(17.71f), _mm512_abs_ps(x)));
    __m512 t, q, r, c0, c1, s;
    /* the interval i = round(u 16/9) by the magic-number trick: k's low bits hold i (the
     * permutes read its low 5 bits), k - 1.5 2^23 = i as a float; t = u - i 9/16, exact */
    __m512 k = _mm512_fmadd_ps(u, _mm512_set1_ps(1.77777777f), _mm512_set1_ps(12582912.0f));
    __m512i idx = _mm512_castps_si512(k);
    __mmask16 pos = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ);
    int j;
#define FA_TAB(k) _mm512_permutex2var_ps(tab->lo[k], idx, tab->hi[k])
    t = _mm512_fnmadd_ps(_mm512_sub_ps(k, _mm512_set1_ps(12582912.0f)), _mm512_set1_ps(0.5625f), u);
    q = FA_TAB(C - 1);
    for (j = C - 2; j >= 1; j--) {
        q = _mm512_fmadd_ps(q, t, FA_TAB(j));
    }
    r = _mm512_fmadd_ps(_mm512_mul_ps(t, t), q, _mm512_mask_blend_ps(pos, FA_TAB(C + 2), FA_TAB(C + 4)));
    /* 1 - g: the terms after c0 negated */
    r = _mm512_mask_sub_ps(r, pos, _mm512_setzero_ps(), r);
    c1 = _mm512_mask_sub_ps(FA_TAB(0), pos, _mm512_setzero_ps(), FA_TAB(0));
    c0 = _mm512_mask_blend_ps(pos, FA_TAB(C + 1), FA_TAB(C + 3));
#undef FA_TAB
    /* s = c0 + c1 t rounded, and its rounding error exactly (c0 - s is exact: Sterbenz,
     * |c1 t| <= 0.32 c0), so that the result is rounded once, at the caller's end */
    s = _mm512_fmadd_ps(c1, t, c0);
    *rest = _mm512_add_ps(_mm512_fmadd_ps(c1, t, _mm512_sub_ps(c0, s)), r);
    return s;
}

/* A vector of sigmoid: the table, and for lanes below -17.71 (rare) the exp kernel. */
static FA_INLINE __m512 fa_sigmoid_any_v16f(__m512 x, const fa_sigtab *st, const fa_exp2tab *et)
{
    __m512 r, y = fa_sigmoid_tab_v16f(x, st, &r);
    __mmask16 far = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-17.71f), _CMP_LT_OQ);
    y = _mm512_add_ps(y, r);  /* NaN: u is NaN (the clamps keep it), so y is */
    return far ? _mm512_mask_blend_ps(far, y, fa_sigmoid_v16f(x, et)) : y;
}

static void fa_sigmoid_block_f(const float *x, float *y, ptrdiff_t n)
{
    fa_exp2tab tab = fa_exp2tab_load();
    fa_sigtab st;
    ptrdiff_t i = 0;
    fa_sigtab_load(&st);
    for (; i + 16 <= n; i += 16) {
        _mm512_storeu_ps(y + i, fa_sigmoid_any_v16f(_mm512_loadu_ps(x + i), &st, &tab));
    }
    if (i < n) {  /* the tail with masked loads and stores: same arithmetic */
        __mmask16 mask = (__mmask16)((1u << (n - i)) - 1u);
        __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
        _mm512_mask_storeu_ps(y + i, mask, fa_sigmoid_any_v16f(v, &st, &tab));
    }
}

/*
 * float64 e^(z + lo) on AVX-512, in parts, as fa_exp_parts_v16f: n = round(z*16/ln2) (the
 * magic-number trick: kb's low bits hold n), r = z - n*ln2/16 (two fused products) + lo,
 * |r| <= ln2/32; 2^(j/16) = t + tl from the float64 table (every other entry of
 * _exp2_table.h's 32: one permute of 16 each, on n's low 4 bits); e^r - 1 = p by Taylor to
 * degree 7 (truncation r^8/8! < 2^-59); returns t with *w = t p + tl (fused) and
 * *m = n div 16 for vscalefpd. z >= -746 (callers clamp) or NaN (NaN out).
 */
typedef struct { __m512d hi[2], lo[2]; } fa_exp2tab_d;



static FA_INLINE fa_exp2tab_d fa_exp2tab_load_d(void)
{
    fa_exp2tab_d t;
    double h[16], l[16];
    int i;
    for (i = 0; i < 16; i++) {  /* 2^(i/16) = 2^(2i/32) */
        h[i] = FA_EXP2_32D[0][2 * i];
        l[i] = FA_EXP2_32D[1][2 * i];
    }
    for (i = 0; i < 2; i++) {
        t.hi[i] = _mm512_loadu_pd(&h[8 * i]);
        t.lo[i] = _mm512_loadu_pd(&l[8 * i]);
    }
    return t;
}

static FA_INLINE __m512d fa_exp_parts_v8d(__m512d z, __m512d lo, const fa_exp2tab_d *tab,
                                          __m512d *w, __m512d *m)
{
    const __m512d magic = _mm512_set1_pd(6755399441055744.0);  /* 1.5 2^52 */
    __m512d kb = _mm512_fmadd_pd(z, _mm512_set1_pd(23.083120654223414), magic);
    __m512d k = _mm512_sub_pd(kb, magic);
    __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(0.043321698784996582), z); /* ln2/16 */
    __m512i n = _mm512_castpd_si512(kb);  /* low bits: n's (magic's are 0) */
    __m512d p, t, tl;
    *m = _mm512_mul_pd(k, _mm512_set1_pd(0.0625));  /* n/16: vscalefpd takes its floor */
    r = _mm512_fnmadd_pd(k, _mm512_set1_pd(1.4494042586539372e-18), r); /* its low part */
    r = _mm512_add_pd(r, lo);
    p = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 5040.0), r, _mm512_set1_pd(1.0 / 720.0));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 120.0));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 24.0));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 6.0));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.5));
    p = _mm512_fmadd_pd(_mm512_mul_pd(r, r), p, r);
    t = _mm512_permutex2var_pd(tab->hi[0], n, tab->hi[1]);
    tl = _mm512_permutex2var_pd(tab->lo[0], n, tab->lo[1]);
    *w = _mm512_fmadd_pd(t, p, tl);
    return t;
}

/*
 * float64 sigmoid, a whole block, AVX-512: fa_sigmoid_v16f's formula in float64 with
 * the table exp above (e + elo kept). Same special cases as fa_sigmoid_d.
 */
static FA_INLINE __m512d fa_sigmoid_v8d(__m512d x, const fa_exp2tab_d *tab)
{
    const __m512d one = _mm512_set1_pd(1.0);
    /* z = -|x| (x with its sign bit set), clamped to [-746, -2^-55] with the constants
     * first, so that a NaN x stays NaN (vmaxpd / vminpd return their second operand
     * when one is NaN) and flows through the arithmetic. |x| < 2^-55: sigmoid rounds to
     * 1/2; the clamp keeps subnormals out (e = 1 - 2^-55 is carried as 1 + elo) */
    __m512d z = _mm512_max_pd(_mm512_set1_pd(-746.0), _mm512_or_pd(x, _mm512_set1_pd(-0.0)));
    __m512d t, w, m, e, elo, s, slo, num, q, inv, c;
    __mmask8 pos = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GT_OQ);
    z = _mm512_min_pd(_mm512_set1_pd(-0x1p-55), z);
    /* no underflow where the result does not need it (a microcode assist on Intel
     * CPUs): x > 40 uses e^-40 (e only enters 1 + e, and the result is 1 either way);
     * x <= -746 gives e = 0 (e^-746 < 2^-1075) without the 2^m */
    __mmask8 keep = _mm512_cmp_pd_mask(z, _mm512_set1_pd(-746.0), _CMP_NEQ_UQ);
    z = _mm512_mask_max_pd(z, pos, z, _mm512_set1_pd(-40.0));
    t = fa_exp_parts_v8d(z, FA_NO_LO_D, tab, &w, &m);
    e = _mm512_add_pd(t, w);
    elo = _mm512_add_pd(_mm512_sub_pd(t, e), w);
    e = _mm512_maskz_scalef_pd(keep, e, m);
    elo = _mm512_maskz_scalef_pd(keep, elo, m);
    s = _mm512_add_pd(one, e);
    slo = _mm512_add_pd(_mm512_add_pd(_mm512_sub_pd(one, s), e), elo);
    num = _mm512_mask_blend_pd(pos, e, one);
    inv = _mm512_rcp14_pd(s);                                             /* 2^-14 */
    inv = _mm512_fmadd_pd(inv, _mm512_fnmadd_pd(s, inv, one), inv);      /* 2^-28 */
    q = _mm512_mul_pd(num, inv);
    c = _mm512_fnmadd_pd(q, slo, _mm512_fnmadd_pd(q, s, num));
    c = _mm512_mul_pd(_mm512_mask_add_pd(c, (__mmask8)~pos, c, elo), inv);
    return _mm512_add_pd(q, c);
}

static void fa_sigmoid_block_d(const double *x, double *y, ptrdiff_t n)
{
    fa_exp2tab_d tab = fa_exp2tab_load_d();
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm512_storeu_pd(y + i, fa_sigmoid_v8d(_mm512_loadu_pd(x + i), &tab));
    }
    if (i < n) {
        __mmask8 mask = (__mmask8)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_pd(y + i, mask, fa_sigmoid_v8d(_mm512_maskz_loadu_pd(mask, x + i), &tab));
    }
}

/*
 * sigmoid's compensated parts for the AVX-512 x * sigmoid blocks (silu, glu), float32.
 * z + lo = -|b| (clamped by the caller; 0 for tiny |b|; lo: FA_NO_LO_F, or z's low
 * part when -|b| is carried in two parts, |lo| <= ulp(z)), pos = b > 0. The table exp gives
 * e^z = (P + Plo) 2^m (P = t + w and its Fast2Sum error, unscaled, P in [1, 2)) and
 * e = (P + Plo) 2^m scaled (vscalefps). Then
 *   pos:  sigmoid(b) = 1/(1 + e)               = q + c
 *   else: sigmoid(b) = (P + Plo)/(1 + e) * 2^m = (q + c) 2^m   (2^m left to the caller)
 * q the rounded quotient, c = (num - q s - q slo [+ Plo]) / (1 + e): the exact remainder
 * (one FMA), the low part of 1 + e = s + slo, the numerator's low part, times vrcp14(s)
 * (2^-14 relative is plenty for a correction of ~2^-24 q). Returns q; *c and *m.
 */
static FA_INLINE __m512 fa_sigparts_v16f(__m512 z, __m512 lo, __mmask16 pos,
                                         const fa_exp2tab *tab, __m512 *c, __m512 *m)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 t, w, P, Plo, e, elo, s, slo, num, q, r, inv;
    t = fa_exp_parts_v16f(z, lo, tab, &w, m);
    P = _mm512_add_ps(t, w);
    Plo = _mm512_add_ps(_mm512_sub_ps(t, P), w);                  /* Fast2Sum, t >= |w| */
    /* e only enters through 1 + e: below 2^-60 its size no longer matters (2^-36 of an
     * ulp), so it is scaled by at most 2^-60 and stays normal. A subnormal e or elo
     * costs a microcode assist on Intel CPUs (~150 cycles per instruction) */
    e = _mm512_max_ps(*m, _mm512_set1_ps(-60.0f));
    elo = _mm512_scalef_ps(Plo, e);
    e = _mm512_scalef_ps(P, e);
    s = _mm512_add_ps(one, e);
    slo = _mm512_add_ps(_mm512_add_ps(_mm512_sub_ps(one, s), e), elo); /* 1+e+elo = s+slo */
    num = _mm512_mask_blend_ps(pos, P, one);
    inv = _mm512_rcp14_ps(s);                                     /* 2^-14 */
    inv = _mm512_fmadd_ps(inv, _mm512_fnmadd_ps(s, inv, one), inv);       /* 2^-28 */
    q = _mm512_mul_ps(num, inv);
    r = _mm512_fnmadd_ps(q, slo, _mm512_fnmadd_ps(q, s, num));   /* num - q s - q slo */
    r = _mm512_mask_add_ps(r, (__mmask16)~pos, r, Plo);
    *c = _mm512_mul_ps(r, inv);
    return q;
}

/* float64 twin of fa_sigparts_v16f (same formula, vrcp14pd for 1/(1 + e)). */
static FA_INLINE __m512d fa_sigparts_v8d(__m512d z, __mmask8 pos, const fa_exp2tab_d *tab,
                                         __m512d *c, __m512d *m)
{
    const __m512d one = _mm512_set1_pd(1.0);
    __m512d t, w, P, Plo, e, elo, s, slo, num, q, r, inv;
    t = fa_exp_parts_v8d(z, FA_NO_LO_D, tab, &w, m);
    P = _mm512_add_pd(t, w);
    Plo = _mm512_add_pd(_mm512_sub_pd(t, P), w);
    /* as fa_sigparts_v16f: e only enters 1 + e, so it is scaled by at most 2^-120 and
     * stays normal (no microcode assist) */
    e = _mm512_max_pd(*m, _mm512_set1_pd(-120.0));
    elo = _mm512_scalef_pd(Plo, e);
    e = _mm512_scalef_pd(P, e);
    s = _mm512_add_pd(one, e);
    slo = _mm512_add_pd(_mm512_add_pd(_mm512_sub_pd(one, s), e), elo);
    num = _mm512_mask_blend_pd(pos, P, one);
    inv = _mm512_rcp14_pd(s);                                     /* 2^-14 */
    inv = _mm512_fmadd_pd(inv, _mm512_fnmadd_pd(s, inv, one), inv);       /* 2^-28 */
    q = _mm512_mul_pd(num, inv);   /* 2^-28: c (~2^-28 q, 2^-28 relative) mends it */
    r = _mm512_fnmadd_pd(q, slo, _mm512_fnmadd_pd(q, s, num));   /* num - q s - q slo */
    r = _mm512_mask_add_pd(r, (__mmask8)~pos, r, Plo);
    *c = _mm512_mul_pd(r, inv);
    return q;
}

/*
 * silu(x) = x sigmoid(x), AVX-512 blocks (float32: fa_silu_block_f, float64:
 * fa_silu_block_d). Sigmoid's parts q + c from fa_sigparts_v16f / _v8d, then
 * x q + x c in one rounding (FMA) and, for x <= 0, the 2^m scale after the product
 * (vscalefps), so the negative tail x e^x keeps its subnormal value, rounded once
 * (as fa_xf_ / fa_glu_d). |x| is clamped at 110 (float32) / 800 (float64), where
 * x e^x has underflowed.
 * Special, float32: |x| < 2^-27 (+-0, subnormals) -> x * 0.5 (the arithmetic sees 0);
 * x > 110 -> x (+inf -> +inf); x < -108.6875 -> -0.0 (-inf -> -0.0, the limit; the
 * result rounds to -0.0 below -108.66); NaN -> NaN (final select). float64, with fewer
 * selects: exp's argument -|x| is clamped to [-800, -2^-56] (no subnormal reaches exp)
 * and x itself enters x q + x c, so NaN flows through and |x| < 2^-56 (subnormals)
 * gives x/2 rounded; the result takes x's sign (one vpternlogq), which is right for +-0
 * too; x < -751.8 -> -0.0 (the result rounds to -0.0 below -751.7556) without the
 * underflowing 2^m; |x| > 800 (+-inf) -> max(x, -0.0): x, or -0.0 for x < 0 (the
 * limit). Same results as fa_xf_f / fa_xf_d up to rounding.
 * Error (tools/accuracy_f32.py --step 256, accuracy_f64.py -n 1e6, avx512): float32
 * 0.750 ulp, float64 0.625 (both at subnormal results: rounded twice, the product and
 * the scale).
 */
static FA_INLINE __m512 fa_silu_v16f(__m512 x, const fa_exp2tab *tab)
{
    const __m512 zero = _mm512_setzero_ps(), big = _mm512_set1_ps(110.0f);
    const __m512 nbig = _mm512_set1_ps(-110.0f);
    __m512 xc, z, q, c, m, r;
    __mmask16 tiny = _mm512_cmp_ps_mask(_mm512_abs_ps(x), _mm512_set1_ps(0x1p-27f), _CMP_LT_OQ);
    __mmask16 pos = _mm512_cmp_ps_mask(x, zero, _CMP_GT_OQ);
    xc = _mm512_maskz_mov_ps((__mmask16)~tiny, x);
    xc = _mm512_min_ps(_mm512_max_ps(xc, nbig), big);             /* NaN -> -110 */
    z = _mm512_sub_ps(zero, _mm512_abs_ps(xc));
    q = fa_sigparts_v16f(z, FA_NO_LO_F, pos, tab, &c, &m);
    /* x < -108.6875: -0.0 (the result rounds to -0.0 below -108.66), without applying
     * the underflowing 2^m (a microcode assist on Intel CPUs) */
    __mmask16 under = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-108.6875f), _CMP_LT_OQ);
    r = _mm512_fmadd_ps(xc, q, _mm512_mul_ps(xc, c));              /* x q + x c, once */
    r = _mm512_mask_scalef_ps(r, (__mmask16)~(pos | under), r, m); /* 2^m last */
    r = _mm512_mask_mul_ps(r, tiny, x, _mm512_set1_ps(0.5f));
    r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, big, _CMP_GT_OQ), x);
    r = _mm512_mask_mov_ps(r, under, _mm512_set1_ps(-0.0f));
    return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

static FA_INLINE __m512d fa_silu_v8d(__m512d x, const fa_exp2tab_d *tab)
{
    const __m512d big = _mm512_set1_pd(800.0);
    __m512d a = _mm512_abs_pd(x), z, q, c, m, r;
    __mmask8 pos = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GT_OQ), under;
    /* z = -|x| in [-800, -2^-56] (NaN: -2^-56, x's NaN then flows through x q) */
    z = _mm512_max_pd(_mm512_min_pd(_mm512_sub_pd(_mm512_setzero_pd(), a),
                                    _mm512_set1_pd(-0x1p-56)), _mm512_sub_pd(_mm512_setzero_pd(), big));
    q = fa_sigparts_v8d(z, pos, tab, &c, &m);
    r = _mm512_fmadd_pd(x, q, _mm512_mul_pd(x, c));
    /* x < -751.8 (the result rounds to -0.0 below -751.7556): -0.0, without the
     * underflowing 2^m (a microcode assist on Intel CPUs) */
    under = _mm512_cmp_pd_mask(x, _mm512_set1_pd(-751.8), _CMP_LT_OQ);
    r = _mm512_mask_scalef_pd(r, (__mmask8)~(pos | under), r, m);
    r = _mm512_mask_mov_pd(r, under, _mm512_set1_pd(0.0));
    r = fa_copysign_v8d(r, x);  /* x's sign: right for x = +-0 too (there c < 0) */
    /* |x| > 800 (+-inf included, where inf c is NaN): x for x > 0, else -0.0 */
    return _mm512_mask_max_pd(r, _mm512_cmp_pd_mask(a, big, _CMP_GT_OQ), x, _mm512_set1_pd(-0.0));
}

/*
 * glu's elementwise part a sigmoid(b), AVX-512 two-input blocks (y[i] = glu(x[i], p[i]):
 * fa_glu_block_f / fa_glu_block_d). Sigmoid's parts of b (fa_sigparts_v16f / _v8d),
 * a q + a c in one rounding (FMA), and for b <= 0 the 2^m scale after the product, so a
 * subnormal sigmoid(b) times a large a is rounded once. |b| is clamped at 200 (float32:
 * a sigmoid(b) underflows for every float a below) / 746 (float64). |a| > 2^100 / 2^1000
 * with b <= 0 (q may reach 2: a q could overflow) is taken times 2^-64 first (exact) and
 * the scale by 2^(m + 64).
 * Special (as fa_glu_f / fa_glu_d): a = +-0 -> +-0 (a q, for the sign); a = +-inf ->
 * inf * sigmoid(b) (correction term dropped: inf c could be inf - inf); sigmoid(b)
 * rounding to 0 in float64 (b < -745.1332, b = -inf included) -> a * 0 (NaN for
 * a = +-inf); NaN in either -> NaN. |b| < 2^-26 / 2^-55: sigmoid = 1/2 (exp(0)).
 * float32: b < -193 with a finite -> a * 0 (the product rounds to +-0 there), so the
 * 2^m that would underflow (a microcode assist on Intel CPUs) is not applied.
 * Error (glu(x, x) swept by tools/accuracy_f32.py --step 256 / accuracy_f64.py -n 1e6,
 * avx512): float32 0.750 ulp, float64 0.625 (at subnormal results, as silu).
 */
static FA_INLINE __m512 fa_glu_v16f(__m512 a, __m512 b, const fa_exp2tab *tab)
{
    const __m512 zero = _mm512_setzero_ps();
    __m512 aa = _mm512_abs_ps(a), z, q, c, m, as, ac, r;
    __mmask16 pos = _mm512_cmp_ps_mask(b, zero, _CMP_GT_OQ);
    __mmask16 tiny = _mm512_cmp_ps_mask(_mm512_abs_ps(b), _mm512_set1_ps(0x1p-26f), _CMP_LT_OQ);
    __mmask16 big = _mm512_cmp_ps_mask(aa, _mm512_set1_ps(0x1p100f), _CMP_GT_OQ) & (__mmask16)~pos;
    z = _mm512_max_ps(_mm512_sub_ps(zero, _mm512_abs_ps(b)), _mm512_set1_ps(-200.0f));
    z = _mm512_maskz_mov_ps((__mmask16)~tiny, z);                  /* NaN -> -200 */
    q = fa_sigparts_v16f(z, FA_NO_LO_F, pos, tab, &c, &m);
    as = _mm512_mask_mul_ps(a, big, a, _mm512_set1_ps(0x1p-64f));
    m = _mm512_mask_add_ps(m, big, m, _mm512_set1_ps(64.0f));
    ac = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(aa, _mm512_set1_ps(INFINITY), _CMP_LT_OQ), as);
    /* b < -193 and a finite: a sigmoid(b) < 2^128 2^-278 rounds to +-0, so a * 0,
     * without applying the underflowing 2^m (a microcode assist on Intel CPUs) */
    __mmask16 under = _mm512_cmp_ps_mask(b, _mm512_set1_ps(-193.0f), _CMP_LT_OQ)
                      & _mm512_cmp_ps_mask(aa, _mm512_set1_ps(INFINITY), _CMP_LT_OQ);
    r = _mm512_fmadd_ps(as, q, _mm512_mul_ps(ac, c));              /* a q + a c, once */
    r = _mm512_mask_scalef_ps(r, (__mmask16)~(pos | under), r, m); /* 2^m last */
    r = _mm512_mask_mul_ps(r, under, a, zero);
    r = _mm512_mask_mul_ps(r, _mm512_cmp_ps_mask(a, zero, _CMP_EQ_OQ), a, q);
    r = _mm512_mask_mul_ps(r, _mm512_cmp_ps_mask(b, _mm512_set1_ps(-745.1332f), _CMP_LT_OQ),
                           a, zero);
    return _mm512_mask_add_ps(r, _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q), a, b);
}

static FA_INLINE __m512d fa_glu_v8d(__m512d a, __m512d b, const fa_exp2tab_d *tab)
{
    const __m512d zero = _mm512_setzero_pd();
    __m512d aa = _mm512_abs_pd(a), z, q, c, m, as, ac, r;
    __mmask8 pos = _mm512_cmp_pd_mask(b, zero, _CMP_GT_OQ), under;
    __mmask8 tiny = _mm512_cmp_pd_mask(_mm512_abs_pd(b), _mm512_set1_pd(0x1p-55), _CMP_LT_OQ);
    __mmask8 big = _mm512_cmp_pd_mask(aa, _mm512_set1_pd(0x1p1000), _CMP_GT_OQ) & (__mmask8)~pos;
    z = _mm512_max_pd(_mm512_sub_pd(zero, _mm512_abs_pd(b)), _mm512_set1_pd(-746.0));
    z = _mm512_maskz_mov_pd((__mmask8)~tiny, z);
    q = fa_sigparts_v8d(z, pos, tab, &c, &m);
    /* sigmoid(b) itself rounds to 0 (b < -745.13): a * 0, as fa_glu_d */
    under = _mm512_cmp_pd_mask(_mm512_scalef_pd(q, m), zero, _CMP_EQ_OQ) & (__mmask8)~pos;
    as = _mm512_mask_mul_pd(a, big, a, _mm512_set1_pd(0x1p-64));
    m = _mm512_mask_add_pd(m, big, m, _mm512_set1_pd(64.0));
    ac = _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(aa, _mm512_set1_pd(INFINITY), _CMP_LT_OQ), as);
    r = _mm512_fmadd_pd(as, q, _mm512_mul_pd(ac, c));
    r = _mm512_mask_scalef_pd(r, (__mmask8)~pos, r, m);
    r = _mm512_mask_mul_pd(r, _mm512_cmp_pd_mask(a, zero, _CMP_EQ_OQ), a, q);
    r = _mm512_mask_mul_pd(r, under, a, zero);
    return _mm512_mask_add_pd(r, _mm512_cmp_pd_mask(a, b, _CMP_UNORD_Q), a, b);
}

/*
 * float32 silu by sigmoid's table (the block's main path): sigmoid(x) = c0 + rest
 * (fa_sigmoid_tab_v16f), then x c0 + x rest in one rounding (FMA). x >= 17.71 gives x
 * (sigmoid is within 2^-25 of 1 there, so the product rounds to x); tiny |x|: x * 0.5
 * (sigmoid's u is clamped at 2^-26; x rest underflows harmlessly); the result takes x's
 * sign (it has it anyway, but x rest < 0 would make +0 of -0.0), so +-0 -> +-0.
 * x < -17.71 (the tail x e^x), +inf and NaN come from fa_silu_v16f.
 * Error 0.873 ulp over every float32.
 */
static FA_INLINE __m512 fa_silu_any_v16f(__m512 x, const fa_sigtab *st, const fa_exp2tab *et)
{
    __m512 rest, c0 = fa_sigmoid_tab_v16f(x, st, &rest), y;
    /* x < -17.71, NaN or +inf */
    __mmask16 far = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-17.71f), _CMP_NGE_UQ)
                    | _mm512_cmp_ps_mask(x, _mm512_set1_ps(INFINITY), _CMP_EQ_OQ);
    y = _mm512_fmadd_ps(x, c0, _mm512_mul_ps(x, rest));
    y = fa_copysign_v16f(y, x);  /* x's sign: right for x = +-0 too (rest may be < 0) */
    return far ? _mm512_mask_blend_ps(far, y, fa_silu_v16f(x, et)) : y;
}

static void fa_silu_block_f(const float *x, float *y, ptrdiff_t n)
{
    fa_exp2tab tab = fa_exp2tab_load();
    fa_sigtab st;
    ptrdiff_t i = 0;
    fa_sigtab_load(&st);
    for (; i + 16 <= n; i += 16) {
        _mm512_storeu_ps(y + i, fa_silu_any_v16f(_mm512_loadu_ps(x + i), &st, &tab));
    }
    if (i < n) {  /* the tail with masked loads and stores: same arithmetic */
        __mmask16 mask = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, mask,
                              fa_silu_any_v16f(_mm512_maskz_loadu_ps(mask, x + i), &st, &tab));
    }
}

static void fa_silu_block_d(const double *x, double *y, ptrdiff_t n)
{
    fa_exp2tab_d tab = fa_exp2tab_load_d();
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm512_storeu_pd(y + i, fa_silu_v8d(_mm512_loadu_pd(x + i), &tab));
    }
    if (i < n) {
        __mmask8 mask = (__mmask8)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_pd(y + i, mask, fa_silu_v8d(_mm512_maskz_loadu_pd(mask, x + i), &tab));
    }
}

/*
 * float32 glu's a sigmoid(b) by sigmoid's table (the block's main path), as silu:
 * sigmoid(b) = s + rest (fa_sigmoid_tab_v16f), a s + a rest in one rounding (FMA; |a s|
 * <= |a|: no overflow), then a's sign (so a = +-0 -> +-0). Lanes with b < -17.71, a = +-inf
 * or a NaN come from fa_glu_v16f. Error 0.87 ulp measured (glu(x, x), every 16th float32).
 */
static FA_INLINE __m512 fa_glu_any_v16f(__m512 a, __m512 b, const fa_sigtab *st,
                                        const fa_exp2tab *et)
{
    __m512 rest, s = fa_sigmoid_tab_v16f(b, st, &rest), y;
    /* b < -17.71 or NaN; a infinite or NaN */
    __mmask16 far = _mm512_cmp_ps_mask(b, _mm512_set1_ps(-17.71f), _CMP_NGE_UQ)
                    | _mm512_cmp_ps_mask(_mm512_abs_ps(a), _mm512_set1_ps(FLT_MAX), _CMP_NLE_UQ);
    y = _mm512_fmadd_ps(a, s, _mm512_mul_ps(a, rest));
    y = fa_copysign_v16f(y, a);  /* a's sign: right for a = +-0 too (rest may be < 0) */
    return far ? _mm512_mask_blend_ps(far, y, fa_glu_v16f(a, b, et)) : y;
}

static void fa_glu_block_f(const float *x, const float *p, float *y, ptrdiff_t n)
{
    fa_exp2tab tab = fa_exp2tab_load();
    fa_sigtab st;
    ptrdiff_t i = 0;
    fa_sigtab_load(&st);
    for (; i + 16 <= n; i += 16) {
        _mm512_storeu_ps(y + i, fa_glu_any_v16f(_mm512_loadu_ps(x + i), _mm512_loadu_ps(p + i),
                                                &st, &tab));
    }
    if (i < n) {
        __mmask16 mask = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, mask, fa_glu_any_v16f(_mm512_maskz_loadu_ps(mask, x + i),
                                                           _mm512_maskz_loadu_ps(mask, p + i),
                                                           &st, &tab));
    }
}

/*
 * float64 glu, the common lanes first: |a| <= 2^1000 and b >= -745.13 (neither NaN) need
 * none of fa_glu_v8d's selects but sigmoid's clamps and the sign of a zero product: the
 * result always has a's sign (sigmoid(b) >= 0), so a copysign (one vpternlogq) makes
 * a = +-0 (and a product that underflows) right. A vector with any other lane takes
 * those lanes from fa_glu_v8d. Same results as fa_glu_v8d (|b| < 2^-55: -|b| clamped
 * to -2^-55 instead of 0; sigmoid = 1/2 either way).
 */
static FA_INLINE __m512d fa_glu_any_v8d(__m512d a, __m512d b, const fa_exp2tab_d *tab)
{
    __m512d z, q, c, m, r;
    __mmask8 pos = _mm512_cmp_pd_mask(b, _mm512_setzero_pd(), _CMP_GT_OQ);
    __mmask8 rare = _mm512_cmp_pd_mask(_mm512_abs_pd(a), _mm512_set1_pd(0x1p1000), _CMP_NLE_UQ)
                    | _mm512_cmp_pd_mask(b, _mm512_set1_pd(-745.1332), _CMP_NGE_UQ);
    z = _mm512_max_pd(_mm512_min_pd(_mm512_or_pd(b, _mm512_set1_pd(-0.0)), _mm512_set1_pd(-0x1p-55)),
                      _mm512_set1_pd(-746.0));                     /* -|b| clamped */
    q = fa_sigparts_v8d(z, pos, tab, &c, &m);
    r = _mm512_fmadd_pd(a, q, _mm512_mul_pd(a, c));               /* a q + a c, once */
    r = _mm512_mask_scalef_pd(r, (__mmask8)~pos, r, m);           /* 2^m last */
    r = fa_copysign_v8d(r, a);                                    /* a's sign */
    return rare ? _mm512_mask_blend_pd(rare, r, fa_glu_v8d(a, b, tab)) : r;
}

static void fa_glu_block_d(const double *x, const double *p, double *y, ptrdiff_t n)
{
    fa_exp2tab_d tab = fa_exp2tab_load_d();
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm512_storeu_pd(y + i, fa_glu_any_v8d(_mm512_loadu_pd(x + i), _mm512_loadu_pd(p + i), &tab));
    }
    if (i < n) {
        __mmask8 mask = (__mmask8)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_pd(y + i, mask, fa_glu_any_v8d(_mm512_maskz_loadu_pd(mask, x + i),
                                                      _mm512_maskz_loadu_pd(mask, p + i), &tab));
    }
}

/* log1p(e)/e on e in [0, 1], degree 11 (mpmath.chebyfit; 2^-32.8 relative: 2^-9 of a
 * float32 ulp), highest degree first */
static const double FA_L1P01[12] = {
    -0.0012525852620659762, 0.008925603861739712, -0.029800145490202278,
    0.06350289738777211, -0.1008180479257159, 0.13403457249133155,
    -0.1644481781513311, 0.19963546159118528, -0.24996389178843487,
    0.33333145512337686, -0.4999999612139627, 0.9999999998657495};

/* max(z, 0) + log1p(e), e = (P + Plo) 2^m = e^-|z| in [0, 1], in double (8 lanes):
 * e from the float parts (exact conversions, one double sum, vscalefpd: ~2^-40 relative),
 * log1p(e) = e P(e) (FA_L1P01). z NaN gives 0 + log1p(e) (the callers select NaN). */
static FA_INLINE __m512d fa_l1pe_half_v8d(__m256 z, __m256 P, __m256 Plo, __m256 m)
{
    __m512d e = _mm512_add_pd(_mm512_cvtps_pd(P), _mm512_cvtps_pd(Plo)), p;
    int k;
    e = _mm512_scalef_pd(e, _mm512_cvtps_pd(m));
    p = _mm512_set1_pd(FA_L1P01[0]);
    for (k = 1; k < 12; k++) {
        p = _mm512_fmadd_pd(p, e, _mm512_set1_pd(FA_L1P01[k]));
    }
    return _mm512_fmadd_pd(p, e, _mm512_max_pd(_mm512_cvtps_pd(z), _mm512_setzero_pd()));
}

/*
 * log(1 + e^z) for float32 z, 16 lanes: max(z, 0) + log1p(e^-|z|), with e^-|z| from the
 * float table exp (fa_exp_parts_v16f, its two parts kept, |z| clamped at 110 where
 * log1p(e^-110) is below half the smallest float subnormal), the sum and log1p in double
 * (two halves of 8), rounded to float once: 0.5 ulp + ~2^-9 ulp. sgn = -1 gives
 * -log(1 + e^z) (log_sigmoid), rounded the same. Subnormal results (z < -87) are rounded
 * once; z = +inf -> inf, z = -inf -> 0; NaN: the callers select it.
 */
static FA_INLINE __m512 fa_l1pe_v16f(__m512 z, const fa_exp2tab *tab, double sgn)
{
    __m512 ez = _mm512_max_ps(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_abs_ps(z)),
                              _mm512_set1_ps(-110.0f));   /* NaN -> -110 */
    __m512 t, w, m, P, Plo;
    __m512d r0, r1, sg = _mm512_set1_pd(sgn);
    t = fa_exp_parts_v16f(ez, FA_NO_LO_F, tab, &w, &m);
    P = _mm512_add_ps(t, w);
    Plo = _mm512_add_ps(_mm512_sub_ps(t, P), w);   /* Fast2Sum, t >= |w| */
    r0 = fa_l1pe_half_v8d(_mm512_castps512_ps256(z), _mm512_castps512_ps256(P),
                          _mm512_castps512_ps256(Plo), _mm512_castps512_ps256(m));
    r1 = fa_l1pe_half_v8d(_mm512_extractf32x8_ps(z, 1), _mm512_extractf32x8_ps(P, 1),
                          _mm512_extractf32x8_ps(Plo, 1), _mm512_extractf32x8_ps(m, 1));
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(_mm512_mul_pd(r0, sg))),
                              _mm512_cvtpd_ps(_mm512_mul_pd(r1, sg)), 1);
}

/*
 * softplus(x) for float32 with beta = 1 (the template calls it then; other betas take
 * the scalar kernel): x if x > threshold (or x > 2^30, as softplus_f), else
 * log(1 + e^x) by fa_l1pe_v16f. Special: -inf -> 0, +inf -> +inf, NaN -> NaN.
 * Error: 0.521 ulp (tools/accuracy_f32.py --step 256, avx512).
 */
static void fa_softplus1_block_f(const float *x, float *y, ptrdiff_t n, float threshold)
{
    fa_exp2tab tab = fa_exp2tab_load();
    const __m512 th = _mm512_set1_ps(threshold), big = _mm512_set1_ps(1.073741824e9f);
    ptrdiff_t i;
    for (i = 0; i < n; i += 16) {
        __mmask16 mask = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1u);
        __m512 v = _mm512_maskz_loadu_ps(mask, x + i), r = fa_l1pe_v16f(v, &tab, 1.0);
        __mmask16 keep = _mm512_cmp_ps_mask(v, th, _CMP_GT_OQ)
                         | _mm512_cmp_ps_mask(v, big, _CMP_GT_OQ)
                         | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        _mm512_mask_storeu_ps(y + i, mask, _mm512_mask_mov_ps(r, keep, v));
    }
}

/*
 * log_sigmoid(x) = -log(1 + e^-x), float32: fa_l1pe_v16f(-x) negated (rounded once).
 * Special: -inf -> -inf, +inf -> -0.0, NaN -> NaN; x > 87: -e^-x, subnormal, rounded
 * once. Error: 0.521 ulp (tools/accuracy_f32.py --step 256, avx512).
 */
static void fa_log_sigmoid_block_f(const float *x, float *y, ptrdiff_t n)
{
    fa_exp2tab tab = fa_exp2tab_load();
    ptrdiff_t i;
    for (i = 0; i < n; i += 16) {
        __mmask16 mask = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1u);
        __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
        __m512 r = fa_l1pe_v16f(_mm512_sub_ps(_mm512_setzero_ps(), v), &tab, -1.0);
        _mm512_mask_storeu_ps(y + i, mask,
                              _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), v));
    }
}

/*
 * gelu(x) = x Phi(x), float32, AVX-512 block (fa_gelu_block_f), float arithmetic.
 * a = |x|, G = Phi(-a) = h(a) e^(-a^2/2) <= 1/2:
 *  - h(a) = erfc(a/sqrt 2) e^(a^2/2)/2 from a table of 32 degree-6 polynomials
 *    (_gelu_f32_table.h, in t = a - midpoint) on tanh's intervals of a (4 per binade
 *    from 2^-4, interval 0 below 0.078125), fetched by vpermt2ps; h = c0 + R with c0's
 *    low part and the small terms in R (h is not rounded: R is carried beside c0);
 *  - e^(-a^2/2) from the table exp with a^2 = sh + sl exact (FMA), both halves fed in
 *    (fa_exp_parts_v16f's lo argument: a rounded a^2 would cost a^2 2^-24 relative),
 *    E = (T + W) 2^m unscaled;
 *  - G = (c0 + R)(T + W) = Gh + Gl (c0 T exact by FMA), unscaled;
 *  - x <= 0: gelu = x G: x Gh + x Gl rounded once, then 2^m (subnormal results, from
 *    x < -13.2, rounded once more); x > 0: gelu = x (1 - G), 1 - G 2^m = u + ul
 *    (Fast2Sum), x u + x ul rounded once.
 * Special: |x| < 2^-25 (+-0, subnormals) -> x * 0.5; x > 8 -> x (+inf -> +inf;
 * 1 - G rounds to 1 there); x < -14.375 -> -0.0 (-inf -> -0.0; gelu rounds to -0.0
 * below -14.356); NaN -> NaN. Neither those nor the intermediates take a subnormal
 * value, which costs a microcode assist per instruction on Intel CPUs (the results
 * of -14.375 <= x < -13.15 are subnormal: those vectors pay it once).
 * Error: 0.770 ulp (tools/accuracy_f32.py --step 256, avx512; 0.79 on a dense grid of
 * [-14, 14]); x < 0 carries h's fit (2^-26.4 with float coefficients) and the
 * rounding of the small parts.
 */
#include "_gelu_f32_table.h"

typedef struct { __m512 lo[FA_GELU_F_DEG + 2], hi[FA_GELU_F_DEG + 2]; } fa_gelutab_f;

static FA_INLINE __m512 fa_gelu_v16f(__m512 x, const fa_gelutab_f *gt, const fa_exp2tab *tab)
{
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    const __m512 big = _mm512_set1_ps(15.0f);
    __m512 a = _mm512_abs_ps(x), ac, t, p, R, c0, sh, sl, T, W, m, Gh, Gl, Gs, Gls, u, ul, rn, rp, r;
    __mmask16 tiny = _mm512_cmp_ps_mask(a, _mm512_set1_ps(0x1p-25f), _CMP_LT_OQ);
    __mmask16 pos = _mm512_cmp_ps_mask(x, zero, _CMP_GT_OQ), under, mid;
    __m512i idx;
    int k;
    ac = _mm512_min_ps(_mm512_maskz_mov_ps((__mmask16)~tiny, a), big);   /* NaN -> 15 */
    t = fa_tab32_mid(ac, &idx, &mid);                 /* t = a - midpoint; interval 0: a */
#define FA_GTAB(k) _mm512_permutex2var_ps(gt->lo[k], idx, gt->hi[k])
    p = FA_GTAB(FA_GELU_F_DEG);
    for (k = FA_GELU_F_DEG - 1; k >= 2; k--) {
        p = _mm512_fmadd_ps(p, t, FA_GTAB(k));
    }
    /* R = c1 t + t^2 p + c0lo: h = c0 + R */
    R = _mm512_fmadd_ps(FA_GTAB(1), t, _mm512_fmadd_ps(_mm512_mul_ps(t, t), p,
                                                       FA_GTAB(FA_GELU_F_DEG + 1)));
    c0 = FA_GTAB(0);
#undef FA_GTAB
    sh = _mm512_mul_ps(ac, ac);
    sl = _mm512_fmsub_ps(ac, ac, sh);                                   /* a^2 = sh + sl */
    T = fa_exp_parts_v16f(_mm512_mul_ps(sh, _mm512_set1_ps(-0.5f)),
                          _mm512_mul_ps(sl, _mm512_set1_ps(-0.5f)), tab, &W, &m);
    Gh = _mm512_mul_ps(c0, T);
    Gl = _mm512_add_ps(_mm512_fmsub_ps(c0, T, Gh),
                       _mm512_fmadd_ps(c0, W, _mm512_mul_ps(R, _mm512_add_ps(T, W))));
    /* x <= 0: -a (Gh + Gl), 2^m last; x < -14.375 (the result rounds to -0.0 below
     * -14.356) -> -0.0 below, so 2^m is not applied there (nor for x > 0): an underflow
     * costs a microcode assist on Intel CPUs (~150 cycles an instruction) */
    under = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-14.375f), _CMP_LT_OQ);
    u = _mm512_sub_ps(zero, ac);                                        /* x itself */
    rn = _mm512_maskz_scalef_ps((__mmask16)~(under | pos), _mm512_fmadd_ps(u, Gh, _mm512_mul_ps(u, Gl)), m);
    /* x > 0: a (1 - G); x > 8 -> x below (G < 2^-50), so 2^m is floored at 2^-50 and
     * G stays normal */
    m = _mm512_max_ps(m, _mm512_set1_ps(-50.0f));
    Gs = _mm512_scalef_ps(Gh, m);
    Gls = _mm512_scalef_ps(Gl, m);
    u = _mm512_sub_ps(one, Gs);
    ul = _mm512_sub_ps(_mm512_sub_ps(_mm512_sub_ps(one, u), Gs), Gls);
    rp = _mm512_fmadd_ps(ac, u, _mm512_mul_ps(ac, ul));
    r = _mm512_mask_blend_ps(pos, rn, rp);
    r = _mm512_mask_mul_ps(r, tiny, x, _mm512_set1_ps(0.5f));
    r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, _mm512_set1_ps(8.0f), _CMP_GT_OQ), x);
    r = _mm512_mask_mov_ps(r, under, _mm512_set1_ps(-0.0f));
    return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

static void fa_gelu_block_f(const float *x, float *y, ptrdiff_t n)
{
    fa_exp2tab tab = fa_exp2tab_load();
    fa_gelutab_f gt;
    ptrdiff_t i;
    int k;
    for (k = 0; k <= FA_GELU_F_DEG + 1; k++) {
        gt.lo[k] = _mm512_loadu_ps(&FA_GELU_F_TAB[k][0]);
        gt.hi[k] = _mm512_loadu_ps(&FA_GELU_F_TAB[k][16]);
    }
    for (i = 0; i < n; i += 16) {
        __mmask16 mask = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, mask,
                              fa_gelu_v16f(_mm512_maskz_loadu_ps(mask, x + i), &gt, &tab));
    }
}

/*
 * gelu_tanh(x) = x sigmoid(z), z = c x (1 + k x^2) (fa_gelu_tanh_d's form), float32 on
 * AVX-512 (fa_gelu_tanh_block_f), in float arithmetic:
 *  - a = |x| clamped to [2^-30, 12] (below, sigmoid(z) = 1/2 within 2^-31 and no
 *    subnormal reaches exp; above, the result is x or -0.0, see below);
 *  - z = zh + zl in two floats (relative ~2^-44): a^2 exact by FMA, k a^2 with k in two
 *    parts, 1 + k a^2 by Fast2Sum on (max, min), times a, times c (c in two parts), each
 *    product's error by FMA. z's error is multiplied by |z| (<= 104 where the result is
 *    not 0) in sigmoid's tail, hence the two parts;
 *  - sigmoid(+-z) by fa_sigparts_v16f with zl fed into exp's reduced argument; x q + x c
 *    in one rounding, 2^m last for x <= 0 (a subnormal result rounded once), as silu.
 * Special: the result takes x's sign (+-0 -> +-0), |x| > 12 -> max(x, -0.0) (x, or -0.0:
 * +inf -> +inf, -inf -> -0.0), x < -10.78125 -> -0.0 (the result rounds to -0.0 below
 * -10.7709) without the underflowing 2^m; NaN flows through x q. Only the subnormal
 * results (-10.78125 <= x < -10.10) take a subnormal value anywhere (a microcode
 * assist per instruction on Intel CPUs). Error: README (every float32).
 */
static FA_INLINE __m512 fa_gelu_tanh_v16f(__m512 x, const fa_exp2tab *tab)
{
    const __m512 big = _mm512_set1_ps(12.0f), one = _mm512_set1_ps(1.0f);
    const __m512 kh = _mm512_set1_ps((float)FA_GELU_K_HI);
    const __m512 kl = _mm512_set1_ps((float)(FA_GELU_K_HI - (double)(float)FA_GELU_K_HI));
    const __m512 ch = _mm512_set1_ps((float)FA_GELU_C_HI);
    const __m512 cl = _mm512_set1_ps((float)(FA_GELU_C_HI - (double)(float)FA_GELU_C_HI));
    __m512 a = _mm512_abs_ps(x), ac, sh, sl, th, tl, wb, ws, wh, wl, vh, vl, zh, zl, q, c, m, r;
    __mmask16 pos = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ), under;
    ac = _mm512_max_ps(_mm512_min_ps(a, big), _mm512_set1_ps(0x1p-30f));  /* NaN -> 2^-30 */
    sh = _mm512_mul_ps(ac, ac);
    sl = _mm512_fmsub_ps(ac, ac, sh);                                   /* a^2 = sh + sl */
    th = _mm512_mul_ps(kh, sh);
    tl = _mm512_fmadd_ps(kh, sl, _mm512_fmadd_ps(kl, sh, _mm512_fmsub_ps(kh, sh, th)));
    wb = _mm512_max_ps(one, th);                                        /* 1 + th: Fast2Sum */
    ws = _mm512_min_ps(one, th);
    wh = _mm512_add_ps(wb, ws);
    wl = _mm512_add_ps(_mm512_sub_ps(ws, _mm512_sub_ps(wh, wb)), tl);   /* 1 + k a^2 */
    vh = _mm512_mul_ps(ac, wh);
    vl = _mm512_fmadd_ps(ac, wl, _mm512_fmsub_ps(ac, wh, vh));          /* a (1 + k a^2) */
    zh = _mm512_mul_ps(ch, vh);
    zl = _mm512_fmadd_ps(ch, vl, _mm512_fmadd_ps(cl, vh, _mm512_fmsub_ps(ch, vh, zh)));
    q = fa_sigparts_v16f(_mm512_sub_ps(_mm512_setzero_ps(), zh),
                         _mm512_sub_ps(_mm512_setzero_ps(), zl), pos, tab, &c, &m);
    r = _mm512_fmadd_ps(x, q, _mm512_mul_ps(x, c));
    /* x < -10.78125 (the result rounds to -0.0 below -10.7709): -0.0, without the
     * underflowing 2^m (a microcode assist on Intel CPUs) */
    under = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-10.78125f), _CMP_LT_OQ);
    r = _mm512_mask_scalef_ps(r, (__mmask16)~(pos | under), r, m);
    r = _mm512_mask_mov_ps(fa_copysign_v16f(r, x), under, _mm512_set1_ps(-0.0f));
    return _mm512_mask_max_ps(r, _mm512_cmp_ps_mask(a, big, _CMP_GT_OQ), x, _mm512_set1_ps(-0.0f));
}

static void fa_gelu_tanh_block_f(const float *x, float *y, ptrdiff_t n)
{
    fa_exp2tab tab = fa_exp2tab_load();
    ptrdiff_t i;
    for (i = 0; i < n; i += 16) {
        __mmask16 mask = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, mask,
                              fa_gelu_tanh_v16f(_mm512_maskz_loadu_ps(mask, x + i), &tab));
    }
}

/*
 * Softmax's exponentials, float32, AVX-512: e = e^(x - m) with the rounding error of the
 * subtraction (TwoSum) fed into the reduced argument, so a large |x - m| loses nothing;
 * one rounding (about 0.5 ulp). x = -inf gives 0 (the difference is clamped at -104,
 * where e is 0, and its NaN error term replaced by -1); NaN gives NaN.
 */
static FA_INLINE __m512 fa_expdiff_v16f(__m512 xv, __m512 mv, const fa_exp2tab *tab)
{
    const __m512 lim = _mm512_set1_ps(-104.0f);
    __m512 d = _mm512_sub_ps(xv, mv), bb = _mm512_sub_ps(d, xv);
    __m512 err = _mm512_add_ps(_mm512_sub_ps(xv, _mm512_sub_ps(d, bb)),
                               _mm512_sub_ps(_mm512_sub_ps(_mm512_setzero_ps(), mv), bb));
    __m512 z = _mm512_max_ps(lim, d);                          /* NaN stays NaN */
    __m512 t, w, m;
    /* Neither a subnormal operand nor an underflow (each a microcode assist on Intel
     * CPUs): |z| < 2^-60 (a row of tiny values) goes in as 0 with no error term (e = 1
     * either way), and for z = -104 (x - m <= -104, x = -inf) e = 0 without the 2^m */
    __mmask16 small = _mm512_cmp_ps_mask(_mm512_abs_ps(z), _mm512_set1_ps(0x1p-60f), _CMP_LT_OQ);
    __mmask16 keep = _mm512_cmp_ps_mask(z, lim, _CMP_NEQ_UQ);
    /* err is NaN for x = -inf (and x NaN): -1 instead (vmaxps keeps its second operand
     * then); elsewhere |err| <= ulp(d)/2 */
    err = _mm512_maskz_max_ps((__mmask16)~small, err, _mm512_set1_ps(-1.0f));
    z = _mm512_maskz_mov_ps((__mmask16)~small, z);
    t = fa_exp_parts_v16f(z, err, tab, &w, &m);
    return _mm512_maskz_scalef_ps(keep, _mm512_add_ps(t, w), m);
}

/*
 * fa_expdiff_v16f with a fast path: when every lane has 2^-60 <= |d| <= 87, d = x - m
 * (the common case), there is no clamp, no special lane and no subnormal anywhere
 * (e >= e^-87 is normal), so none of the masks; the error of x - m by Fast2Sum on the
 * operands ordered by magnitude (vrangeps), exact as TwoSum's: the same bits. nm = -m.
 */
static FA_INLINE __m512 fa_expdiff_fast_v16f(__m512 xv, __m512 mv, __m512 nm,
                                             const fa_exp2tab *tab)
{
    __m512 d = _mm512_sub_ps(xv, mv), big, sml, t, w, m;
    /* |d|'s bits minus 2^-60's, unsigned, at most 87's minus 2^-60's (NaN, inf: above) */
    __m512i b = _mm512_and_si512(_mm512_castps_si512(d), _mm512_set1_epi32(0x7fffffff));
    b = _mm512_sub_epi32(b, _mm512_set1_epi32(0x21800000));
    if (_mm512_cmple_epu32_mask(b, _mm512_set1_epi32(0x42ae0000 - 0x21800000)) != 0xffff) {
        return fa_expdiff_v16f(xv, mv, tab);
    }
    /* vrangeps 7: the larger magnitude (with its sign), 6: the smaller */
    big = _mm512_range_ps(xv, nm, 0x07);
    sml = _mm512_range_ps(xv, nm, 0x06);
    t = fa_exp_parts_v16f(d, _mm512_sub_ps(sml, _mm512_sub_ps(d, big)), tab, &w, &m);
    return _mm512_scalef_ps(_mm512_add_ps(t, w), m);
}

static FA_INLINE __mmask16 fa_tail_mask(ptrdiff_t left)
{
    return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1u);
}

/* Add the 16 floats of v (as doubles) to s[0..15] where mask is set. */
static FA_INLINE void fa_add16_pd(double *s, __m512 v, __mmask16 mask)
{
    __m256 h1 = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    __m512d s0 = _mm512_maskz_loadu_pd((__mmask8)mask, s);
    __m512d s1 = _mm512_maskz_loadu_pd((__mmask8)(mask >> 8), s + 8);
    _mm512_mask_storeu_pd(s, (__mmask8)mask,
                          _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(v))));
    _mm512_mask_storeu_pd(s + 8, (__mmask8)(mask >> 8), _mm512_add_pd(s1, _mm512_cvtps_pd(h1)));
}

/*
 * The exp-sum pass of softmax over float32 (the contract of _kernels.pxi's
 * lanes_expsum), AVX-512, e = fa_expdiff_v16f:
 *  - fa_expsum_lanes_f: one row of w lanes, lane j with its own max mx[j] and sums
 *    s[j] (the strided-axis sweep);
 *  - fa_expsum_row_f: one contiguous slice of n with one max m, summed in registers
 *    into *s and *k.
 * store (softmax): y = e, every e summed. Otherwise (log_softmax): k counts the entries
 * equal to the max, the others' e are summed. Sums in double.
 */
#define FA_LANES_F 1
static FA_INLINE void fa_expsum_lanes_f(const float *x, float *y, ptrdiff_t w,
                                        const float *mx, double *s, double *k, int store)
{
    const fa_exp2tab tab = fa_exp2tab_load();
    const __m512 one = _mm512_set1_ps(1.0f);
    ptrdiff_t j;
    for (j = 0; j < w; j += 16) {
        __mmask16 mask = fa_tail_mask(w - j);
        __m512 xv = _mm512_maskz_loadu_ps(mask, x + j), mv = _mm512_maskz_loadu_ps(mask, mx + j);
        __m512 e = fa_expdiff_fast_v16f(xv, mv, _mm512_sub_ps(_mm512_setzero_ps(), mv), &tab);
        if (store) {
            _mm512_mask_storeu_ps(y + j, mask, e);
        } else {
            __mmask16 eq = _mm512_cmp_ps_mask(xv, mv, _CMP_EQ_OQ);
            fa_add16_pd(k + j, one, eq & mask);
            e = _mm512_maskz_mov_ps((__mmask16)~eq, e);
        }
        fa_add16_pd(s + j, e, mask);
    }
}

/* One vector of fa_expsum_row_f (mask: the lanes in the row; store and mask constant
 * where it is inlined, so the full vectors have neither masks nor branches on them). */
static FA_INLINE void fa_expsum_step_f(const float *x, float *y, __mmask16 mask, __m512 mv,
                                       __m512 nm, int store, const fa_exp2tab *tab,
                                       __m512 *sv, __m512 *cv, ptrdiff_t *count)
{
    __m512 xv = _mm512_maskz_loadu_ps(mask, x), t;
    __m512 e = _mm512_maskz_mov_ps(mask, fa_expdiff_fast_v16f(xv, mv, nm, tab));
    if (store) {
        _mm512_mask_storeu_ps(y, mask, e);
    } else {
        __mmask16 eq = _mm512_cmp_ps_mask(xv, mv, _CMP_EQ_OQ) & mask;
        *count += __builtin_popcount((unsigned)eq);
        e = _mm512_maskz_mov_ps((__mmask16)~eq, e);
    }
    t = _mm512_add_ps(*sv, e);
    *cv = _mm512_add_ps(*cv, _mm512_add_ps(_mm512_sub_ps(*sv, t), e));
    *sv = t;
}

static FA_INLINE void fa_expsum_row_as_f(const float *x, float *y, ptrdiff_t n, float m,
                                         int store, double *s, double *k)
{
    /* The sum in float, compensated: every lane's running sum starts at 1 >= every e
     * (e = e^(x - m) <= 1), so Fast2Sum's condition holds and c gathers each addition's
     * exact rounding error; every 64 vectors (a lane's sum stays below 65, its error
     * terms below 2^-12) the lanes go into *s in double, minus the 16 ones. */
    const fa_exp2tab tab = fa_exp2tab_load();
    const __m512 mv = _mm512_set1_ps(m), nm = _mm512_set1_ps(-m), one = _mm512_set1_ps(1.0f);
    ptrdiff_t j = 0, end, count = 0;
    double total = 0.0;
    while (j < n) {
        __m512 sv = one, cv = _mm512_setzero_ps();
        end = n - j > 1024 ? j + 1024 : n;
        for (; j + 16 <= end; j += 16) {
            fa_expsum_step_f(x + j, y + j, (__mmask16)0xffff, mv, nm, store, &tab, &sv, &cv, &count);
        }
        if (j < end) {
            fa_expsum_step_f(x + j, y + j, fa_tail_mask(end - j), mv, nm, store, &tab, &sv, &cv,
                             &count);
            j = end;
        }
        total += (_mm512_reduce_add_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(sv)))
                  + _mm512_reduce_add_pd(_mm512_cvtps_pd(_mm256_castpd_ps(
                        _mm512_extractf64x4_pd(_mm512_castps_pd(sv), 1)))) - 16.0)
                 + _mm512_reduce_add_pd(_mm512_add_pd(
                       _mm512_cvtps_pd(_mm512_castps512_ps256(cv)),
                       _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(cv), 1)))));
    }
    *s += total;
    *k += (double)count;
}

static void fa_expsum_row_f(const float *x, float *y, ptrdiff_t n, float m, int store,
                            double *s, double *k)
{
    if (store) {  /* the two instances: store constant in each */
        fa_expsum_row_as_f(x, y, n, m, 1, s, k);
    } else {
        fa_expsum_row_as_f(x, y, n, m, 0, s, k);
    }
}

/* float64 twins of the above: e^(x - m) (one rounding), the exp-sum pass over lanes and
 * over a contiguous slice, the sums kept as s + c (c gathers the exact rounding errors
 * of s: TwoSum over lanes, as _kernels.pxi's lanes_expsum does for float64; Fast2Sum
 * over a slice, whose running sums start at 1). */
static FA_INLINE __m512d fa_expdiff_v8d(__m512d xv, __m512d mv, const fa_exp2tab_d *tab)
{
    const __m512d lim = _mm512_set1_pd(-746.0);
    __m512d d = _mm512_sub_pd(xv, mv), bb = _mm512_sub_pd(d, xv);
    __m512d err = _mm512_add_pd(_mm512_sub_pd(xv, _mm512_sub_pd(d, bb)),
                                _mm512_sub_pd(_mm512_sub_pd(_mm512_setzero_pd(), mv), bb));
    __m512d z = _mm512_max_pd(lim, d);
    __m512d t, w, m;
    /* as fa_expdiff_v16f: |z| < 2^-120 as 0, z = -746 (e^-746 < 2^-1075) -> 0 */
    __mmask8 small = _mm512_cmp_pd_mask(_mm512_abs_pd(z), _mm512_set1_pd(0x1p-120), _CMP_LT_OQ);
    __mmask8 keep = _mm512_cmp_pd_mask(z, lim, _CMP_NEQ_UQ);
    err = _mm512_maskz_max_pd((__mmask8)~small, err, _mm512_set1_pd(-1.0));
    z = _mm512_maskz_mov_pd((__mmask8)~small, z);
    t = fa_exp_parts_v8d(z, err, tab, &w, &m);
    return _mm512_maskz_scalef_pd(keep, _mm512_add_pd(t, w), m);
}

/* Fast2Sum into (s, c) for |s| >= |v| (three operations instead of TwoSum's six) */
static FA_INLINE void fa_fast2sum_pd(__m512d *s, __m512d *c, __m512d v)
{
    __m512d t = _mm512_add_pd(*s, v);
    *c = _mm512_add_pd(*c, _mm512_add_pd(_mm512_sub_pd(*s, t), v));
    *s = t;
}

static FA_INLINE void fa_twosum_pd(__m512d *s, __m512d *c, __m512d v)
{
    __m512d t = _mm512_add_pd(*s, v), bv = _mm512_sub_pd(t, *s);
    *c = _mm512_add_pd(*c, _mm512_add_pd(_mm512_sub_pd(*s, _mm512_sub_pd(t, bv)),
                                         _mm512_sub_pd(v, bv)));
    *s = t;
}

static FA_INLINE void fa_expsum_lanes_d(const double *x, double *y, ptrdiff_t w,
                                        const double *mx, double *s, double *c, double *k,
                                        int store)
{
    const fa_exp2tab_d tab = fa_exp2tab_load_d();
    const __m512d one = _mm512_set1_pd(1.0);
    ptrdiff_t j;
    for (j = 0; j < w; j += 8) {
        __mmask8 mask = w - j >= 8 ? (__mmask8)0xff : (__mmask8)((1u << (w - j)) - 1u);
        __m512d xv = _mm512_maskz_loadu_pd(mask, x + j), mv = _mm512_maskz_loadu_pd(mask, mx + j);
        __m512d e = fa_expdiff_v8d(xv, mv, &tab);
        __m512d sv = _mm512_maskz_loadu_pd(mask, s + j), cv = _mm512_maskz_loadu_pd(mask, c + j);
        if (store) {
            _mm512_mask_storeu_pd(y + j, mask, e);
        } else {
            __mmask8 eq = _mm512_cmp_pd_mask(xv, mv, _CMP_EQ_OQ) & mask;
            __m512d kv = _mm512_maskz_loadu_pd(mask, k + j);
            _mm512_mask_storeu_pd(k + j, mask, _mm512_mask_add_pd(kv, eq, kv, one));
            e = _mm512_maskz_mov_pd((__mmask8)~eq, e);
        }
        fa_twosum_pd(&sv, &cv, e);
        _mm512_mask_storeu_pd(s + j, mask, sv);
        _mm512_mask_storeu_pd(c + j, mask, cv);
    }
}

static void fa_expsum_row_d(const double *x, double *y, ptrdiff_t n, double m, int store,
                            double *s, double *c, double *k)
{
    const fa_exp2tab_d tab = fa_exp2tab_load_d();
    const __m512d mv = _mm512_set1_pd(m);
    __m512d s0 = _mm512_set1_pd(1.0), c0 = _mm512_setzero_pd();
    __m512d s1 = _mm512_set1_pd(1.0), c1 = _mm512_setzero_pd();
    double sv[8], cv[8], rest, comp = 0.0, t, bv;
    ptrdiff_t j, count = 0;
    int i;
    for (j = 0; j < n; j += 16) {  /* two vectors at a time: independent chains */
        __mmask8 m0 = n - j >= 8 ? (__mmask8)0xff : (__mmask8)((1u << (n - j)) - 1u);
        __mmask8 m1 = n - j >= 16 ? (__mmask8)0xff
                      : n - j <= 8 ? (__mmask8)0 : (__mmask8)((1u << (n - j - 8)) - 1u);
        __m512d x0 = _mm512_maskz_loadu_pd(m0, x + j), x1 = _mm512_maskz_loadu_pd(m1, x + j + 8);
        __m512d e0 = _mm512_maskz_mov_pd(m0, fa_expdiff_v8d(x0, mv, &tab));
        __m512d e1 = _mm512_maskz_mov_pd(m1, fa_expdiff_v8d(x1, mv, &tab));
        if (store) {
            _mm512_mask_storeu_pd(y + j, m0, e0);
            _mm512_mask_storeu_pd(y + j + 8, m1, e1);
        } else {
            __mmask8 q0 = _mm512_cmp_pd_mask(x0, mv, _CMP_EQ_OQ) & m0;
            __mmask8 q1 = _mm512_cmp_pd_mask(x1, mv, _CMP_EQ_OQ) & m1;
            count += __builtin_popcount((unsigned)q0) + __builtin_popcount((unsigned)q1);
            e0 = _mm512_maskz_mov_pd((__mmask8)~q0, e0);
            e1 = _mm512_maskz_mov_pd((__mmask8)~q1, e1);
        }
        fa_fast2sum_pd(&s0, &c0, e0);
        fa_fast2sum_pd(&s1, &c1, e1);
    }
    /* the running sums started at 1 (>= every e <= 1: Fast2Sum's condition); s - 1 is
     * exact (s < 2^53) */
    s0 = _mm512_sub_pd(s0, _mm512_set1_pd(1.0));
    s1 = _mm512_sub_pd(s1, _mm512_set1_pd(1.0));
    fa_twosum_pd(&s0, &c0, s1);
    c0 = _mm512_add_pd(c0, c1);
    _mm512_storeu_pd(sv, s0);
    _mm512_storeu_pd(cv, c0);
    rest = *s;
    for (i = 0; i < 8; i++) {  /* the lanes into *s + *c, TwoSum again */
        t = rest + sv[i];
        bv = t - rest;
        comp += ((rest - (t - bv)) + (sv[i] - bv)) + cv[i];
        rest = t;
    }
    *s = rest;
    *c += comp;
    *k += (double)count;
}

#else
#define FA_LANES_F 0
static FA_INLINE void fa_expsum_lanes_f(const float *x, float *y, ptrdiff_t w,
                                        const float *mx, double *s, double *k, int store)
{
    (void)x; (void)y; (void)w; (void)mx; (void)s; (void)k; (void)store;  /* never called */
}
static FA_INLINE void fa_expsum_row_f(const float *x, float *y, ptrdiff_t n, float m,
                                      int store, double *s, double *k)
{
    (void)x; (void)y; (void)n; (void)m; (void)s; (void)k; (void)store;  /* never called */
}
static FA_INLINE void fa_expsum_lanes_d(const double *x, double *y, ptrdiff_t w,
                                        const double *mx, double *s, double *c, double *k,
                                        int store)
{
    (void)x; (void)y; (void)w; (void)mx; (void)s; (void)c; (void)k; (void)store;
}
static FA_INLINE void fa_expsum_row_d(const double *x, double *y, ptrdiff_t n, double m,
                                      int store, double *s, double *c, double *k)
{
    (void)x; (void)y; (void)n; (void)m; (void)s; (void)c; (void)k; (void)store;
}


static void fa_sigmoid_block_f(const float *x, float *y, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        y[i] = fa_sigmoid_f(x[i]);
    }
}

static void fa_tanh_block_f(const float *x, float *y, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        y[i] = fa_tanh_f(x[i]);
    }
}

static void fa_softsign_block_f(const float *x, float *y, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        y[i] = fa_softsign_f(x[i]);
    }
}

static void fa_tanhshrink_block_f(const float *x, float *y, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        y[i] = fa_tanhshrink_f(x[i]);
    }
}

static void fa_sigmoid_block_d(const double *x, double *y, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        y[i] = fa_sigmoid_d(x[i]);
    }
}

/* silu / glu blocks without AVX-512: the scalar kernels in a loop (they vectorise) */
static void fa_silu_block_f(const float *x, float *y, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        y[i] = fa_xf_f(x[i], 0);
    }
}

static void fa_silu_block_d(const double *x, double *y, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        y[i] = fa_xf_d(x[i], 0);
    }
}

static void fa_glu_block_f(const float *x, const float *p, float *y, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        y[i] = fa_glu_f(x[i], p[i]);
    }
}

static void fa_glu_block_d(const double *x, const double *p, double *y, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        y[i] = fa_glu_d(x[i], p[i]);
    }
}

/* softplus (beta = 1) / log_sigmoid blocks without AVX-512: softplus_f / log_sigmoid_f
 * of _kernels.pxi (beta = 1) in a loop */
static void fa_softplus1_block_f(const float *x, float *y, ptrdiff_t n, float threshold)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        float lo, hi = fa_log1pexp_2_f(x[i], 0.0f, &lo), r = hi + lo;
        r = x[i] > threshold ? x[i] : r;
        y[i] = x[i] > 1.073741824e9f ? x[i] : r;
    }
}

static void fa_log_sigmoid_block_f(const float *x, float *y, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        float lo, hi = fa_log1pexp_2_f(-x[i], 0.0f, &lo);
        y[i] = -(hi + lo);
    }
}

/* gelu_tanh without AVX-512: in double, rounded once (k_gelu_tanh's own formula) */
static void fa_gelu_tanh_block_f(const float *x, float *y, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        y[i] = (float)fa_gelu_tanh_d((double)x[i]);
    }
}

static void fa_gelu_block_f(const float *x, float *y, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        y[i] = fa_gelu_f(x[i]);
    }
}
#endif

/* ------------------------------------------- float16 <-> float32 (IEEE binary16)
 * The float16 loops compute in float32 and round once: fa_half_to_float is exact,
 * fa_float_to_half rounds to nearest, ties to even. Both are straight-line integer code
 * with selects (no table, no libm, no F16C), so the loops that call them vectorise.
 * Special cases: +-0, subnormals (both ways), +-inf, overflow (|x| >= 65520 -> +-inf),
 * NaN -> NaN with the sign and the top 10 payload bits kept and the quiet bit set (as
 * NumPy's npy_float_to_half). */
static FA_INLINE float fa_half_to_float(uint16_t h)
{
    uint32_t em = (uint32_t)h & 0x7fffu, sign = ((uint32_t)h & 0x8000u) << 16;
    /* normal: move exponent and mantissa into place and rebias (+112 in the exponent);
     * inf/NaN: rebias once more so the exponent becomes 255 (payload kept) */
    uint32_t nb = (em << 13) + (112u << 23);
    nb += em >= 0x7c00u ? (112u << 23) : 0u;
    /* zero and subnormal: m * 2^-24, exact (m < 1024, the result is a normal float) */
    float sub = (float)(int32_t)em * 5.9604644775390625e-08f;
    uint32_t sb, r;
    memcpy(&sb, &sub, sizeof sb);
    r = (em < 0x400u ? sb : nb) | sign;
    memcpy(&sub, &r, sizeof sub);
    return sub;
}

static FA_INLINE uint16_t fa_float_to_half(float f)
{
    uint32_t x, a, sign, mant_odd, normal, sub, nan, big, o;
    float af, t;
    memcpy(&x, &f, sizeof x);
    a = x & 0x7fffffffu;
    sign = (x >> 16) & 0x8000u;
    /* normal range: drop 13 bits rounding to nearest even (a carry into the exponent is
     * right, and past 65504 it gives exactly 0x7c00 = inf) */
    mant_odd = (a >> 13) & 1u;
    normal = (a - (112u << 23) + 0xfffu + mant_odd) >> 13;
    /* below 2^-14 (half subnormals and zero): adding 0.5 rounds |f| to a multiple of
     * 2^-24 in the FPU's round-to-nearest-even; the low bits are the half's bits */
    memcpy(&af, &a, sizeof af);
    t = af + 0.5f;
    memcpy(&sub, &t, sizeof sub);
    sub -= 0x3f000000u;
    nan = 0x7e00u | ((a >> 13) & 0x3ffu);
    big = a > 0x7f800000u ? nan : 0x7c00u;  /* NaN, or inf / overflow */
    o = a < (113u << 23) ? sub : normal;
    o = a >= (143u << 23) ? big : o;  /* >= 65536: inf (or NaN) */
    return (uint16_t)(o | sign);
}

/* ------------------------------------------- floating-point status flags (c) */
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#include <xmmintrin.h>
/* MXCSR exception flags: IE=1, DE=2, ZE=4, OE=8, UE=16, PE=32. We undo IE, ZE, OE, UE. */
#define FA_FP_MASK 0x1Du
typedef unsigned int fa_fpstate;
static FA_NOINLINE fa_fpstate fa_fp_save(void) { return _mm_getcsr(); }
static FA_NOINLINE void fa_fp_restore(fa_fpstate saved)
{
    unsigned int now = _mm_getcsr();
    if ((now & FA_FP_MASK) != (saved & FA_FP_MASK)) {
        _mm_setcsr((now & ~FA_FP_MASK) | (saved & FA_FP_MASK));
    }
}
#else
#define FA_FP_MASK (FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW | FE_UNDERFLOW)
typedef int fa_fpstate;
static FA_NOINLINE fa_fpstate fa_fp_save(void) { return fetestexcept(FA_FP_MASK); }
static FA_NOINLINE void fa_fp_restore(fa_fpstate saved)
{
    int raised = fetestexcept(FA_FP_MASK) & ~saved;
    if (raised) feclearexcept(raised);
}
#endif

#endif /* FASTACT_VMATH_H */
