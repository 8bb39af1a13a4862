/*
 * _vmath.h -- branch-free scalar math primitives that GCC/Clang vectorise.
 *
 * Design:
 *  (a) No libm calls in kernels: a libm call keeps a loop scalar (PERF-NOTES). Every
 *      primitive here is straight-line code (selects, not branches), so with
 *      -fno-trapping-math the compiler if-converts and vectorises the caller's loop.
 *  (b) Written once: _vmath_impl.h is a template, instantiated (included) for float64
 *      (fa_<name>_d), float32 arithmetic (fa_<name>_f) and float32 results computed in
 *      float64 arithmetic (fa_<name>_fd), each with its own constants.
 *  (c) Both sides of a select are evaluated, and NaN/inf may flow through the side that
 *      is thrown away. That can raise IEEE status flags that the *result* does not
 *      justify, so every ufunc loop saves the flags on entry and restores them on exit
 *      (fa_fp_save / fa_fp_restore). No kernel here can legitimately overflow, divide
 *      by zero or be invalid for a non-NaN input, so nothing real is hidden. Underflow
 *      is undone too: the discarded side of a select underflows for ordinary inputs
 *      (sigmoid(1000) computes e^-1000), so the flag would say nothing about the result.
 *      fastact's kernels therefore never raise floating-point warnings.
 *  (d) Coefficients: exp uses the Taylor coefficients 1/k!; tanh's small-|x|
 *      polynomial is fitted by tools/fit_coefficients.py (mpmath.chebyfit).
 */
#ifndef FASTACT_VMATH_H
#define FASTACT_VMATH_H

#include <stdint.h>
#include <string.h>
#include <fenv.h>
#include <math.h>

#if defined(_MSC_VER)
#  define FA_INLINE __forceinline
#  define FA_NOINLINE __declspec(noinline)
#else
#  define FA_INLINE inline __attribute__((always_inline))
#  define FA_NOINLINE __attribute__((noinline))
#endif

/* Shared constants of the template instances. */
#define FA_LOG2E 1.44269504088896338700e+00
#define FA_TANH_SMALL 0.6                    /* tanh: polynomial below, 1 - 2/(e^2a + 1) above */

#define fmad fma   /* fa_fms_ calls FA_FN(fma): fmad / fmaf */
#define fmafd fma
#define FA_CAT_(a, b) a##b
#define FA_CAT(a, b) FA_CAT_(a, b)

/* Each block defines the template's parameters, includes it, and the template #undefs
 * them again at its end. */

/* ------------------------------------------------- float64 (suffix d) */
#define FA_T double
#define FA_U uint64_t
#define FA_SFX d
#define FA_MANT 52
#define FA_BIAS 1023u
#define FA_SIGN 0x8000000000000000ull
#define FA_MAGIC 6755399441055744.0          /* 1.5 * 2^52: adding it rounds to an integer */
#define FA_LN2_HI 6.93147180369123816490e-01 /* fdlibm's split: 32 trailing zero bits, */
#define FA_LN2_LO 1.90821492927058770002e-10 /* so k * LN2_HI is exact */
#define FA_EXP_HI 710.0                      /* exp(x) = inf above ln(DBL_MAX) = 709.78 */
#define FA_EXP_LO (-746.0)                   /* exp(x) rounds to 0 below -745.13 */
#define FA_EXP_DEG 13                        /* Taylor truncation 4e-18 relative (0.04 ulp) */
#define FA_TANH_BIG 20.0                     /* tanh(20) rounds to 1 in float64 */
#define FA_TANH_DEG 11                       /* fit error 2^-60.6 relative */
#define FA_TANH_P 6.93404642098895338539e-6, -3.20866140379359905329e-5, \
    9.33243223384744719101e-5, -2.37952013839249946671e-4, \
    5.89768099468826772972e-4, -1.45579588557346344288e-3, \
    3.59212425000869238651e-3, -8.86323529280328939218e-3, \
    2.18694885273681084139e-2, -5.39682539680853062182e-2, \
    1.33333333333332062768e-1, -3.33333333333333331746e-1
#include "_vmath_impl.h"

/* ------------------------------------------------- float32 (suffix f)
 * Plain float32 arithmetic: twice the lanes of the fd instance below but about 1.4 ulp
 * instead of 0.5. Used where speed decides (tanh, against NumPy's SIMD tanh). */
#define FA_T float
#define FA_U uint32_t
#define FA_SFX f
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
#define FA_TANH_P 2.37076564049778779519e-3f, -8.41007080153073637925e-3f, \
    2.17883219971085212798e-2f, -5.39615517813426909377e-2f, \
    1.33333128668617991972e-1f, -3.33333332312079250015e-1f
#include "_vmath_impl.h"

/* ----------------------------- float32 results, computed in float64 (suffix fd)
 * float32 kernels convert to double, use these and round once at the end: the only
 * error of consequence is that final rounding, so float32 results are within about
 * 0.5 ulp. The approximations need only float32-level accuracy (cheaper polynomials),
 * and double's range holds every float32 result exactly (no subnormal scaling issue). */
#define FA_T double
#define FA_U uint64_t
#define FA_SFX fd
#define FA_MANT 52
#define FA_BIAS 1023u
#define FA_SIGN 0x8000000000000000ull
#define FA_MAGIC 6755399441055744.0
#define FA_LN2_HI 6.93147180369123816490e-01
#define FA_LN2_LO 1.90821492927058770002e-10
#define FA_EXP_HI 710.0                      /* the float64 range: results far below */
#define FA_EXP_LO (-746.0)                   /* float32's stay tiny when summed (softmax) */
#define FA_EXP_DEG 8                         /* Taylor truncation 2e-10 relative (0.004 ulp32) */
#define FA_TANH_BIG 10.0                     /* tanh(10) rounds to 1 in float32 */
#define FA_TANH_DEG 5                        /* fit error 2^-31.4 relative */
#define FA_TANH_P 2.37076564049778779519e-3, -8.41007080153073637925e-3, \
    2.17883219971085212798e-2, -5.39615517813426909377e-2, \
    1.33333128668617991972e-1, -3.33333332312079250015e-1
#include "_vmath_impl.h"

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
