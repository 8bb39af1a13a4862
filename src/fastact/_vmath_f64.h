/* The float64 parameters of the _vmath_impl.h template shared by its two float64
 * instances (_vmath.h: suffix d, full float64 accuracy, and suffix fd, float64
 * arithmetic with float32-sized truncations). The includer defines FA_SFX, FA_EXP_DEG,
 * FA_LOG1P_DEG and FA_LOG1P_R first; the template #undefs all of them at its end. */
#define FA_T double
#define FA_U uint64_t
#define FA_SIGMOID_EXP_LO 0                  /* see fa_sigmoid_ */
#define FA_TANH_COMP 0                       /* see fa_tanh_ */
#define FA_LOG1P_COMP 0                      /* see fa_log1p_2_ */
#define FA_SIX_TENTHS_LO 0.0                 /* mish tiny x: x * 0.6 plainly (see fa_xf_) */
#define FA_MANT 52
#define FA_BIAS 1023u
#define FA_SIGN 0x8000000000000000ull
#define FA_MAGIC 6755399441055744.0          /* 1.5 * 2^52: adding it rounds to an integer */
#define FA_LN2_HI 6.93147180369123816490e-01 /* fdlibm's split: 32 trailing zero bits, */
#define FA_LN2_LO 1.90821492927058770002e-10 /* so k * LN2_HI is exact */
#define FA_EXP_HI 710.0                      /* exp(x) = inf above ln(DBL_MAX) = 709.78 */
#define FA_EXP_LO (-746.0)                   /* exp(x) rounds to 0 below -745.13 */
#define FA_TANH_BIG 20.0                     /* tanh(20) rounds to 1 in float64 */
#define FA_TANH_DEG 11                       /* fit error 2^-60.6 relative */
#define FA_SOFTSIGN_BIG 1.2676506002282294e30 /* 2^100 */
#define FA_SOFTSIGN_TINY 8.673617379884035e-19 /* 2^-60: softsign x = x below */
#define FA_TANH_TINY 3.7252902984619140625e-09 /* 2^-28: tanh x = x below */
#define FA_SIGMOID_TINY 2.7755575615628914e-17 /* 2^-55: sigmoid x = 1/2 below */
#define FA_RECIP_MAGIC 0x7FDE6238DA3C2118ull  /* bits(1/s) ~ MAGIC - bits(s), 13% */
#define FA_TANH_P 6.93404642098895338539e-6, -3.20866140379359905329e-5, \
    9.33243223384744719101e-5, -2.37952013839249946671e-4, \
    5.89768099468826772972e-4, -1.45579588557346344288e-3, \
    3.59212425000869238651e-3, -8.86323529280328939218e-3, \
    2.18694885273681084139e-2, -5.39682539680853062182e-2, \
    1.33333333333332062768e-1, -3.33333333333333331746e-1
#define FA_M1_TINY 5.5511151231257827e-17   /* 2^-54: expm1 x = log1p x = x below */
#define FA_EXPM1_LO (-45.0)                  /* expm1 rounds to -1 below */
#define FA_SQRTH_BITS 0x3FE6A09E667F3BCDull  /* sqrt(1/2) */
#define FA_MAXV 1.7976931348623157e308
#define FA_L1PE_BIG 1.152921504606846976e18  /* 2^60: log(1 + e^z) = z above */
#define FA_XF_TINY 1.3877787807814457e-17    /* 2^-56: silu x = x/2, mish x = 3x/5 below */
#define FA_XF_BIG 800.0                      /* silu, mish: x above, -0.0 below -800 */
#define FA_THIRD_LO (-1.850371707708594e-17) /* -1/3 - double(-1/3) */
#define FA_TS_TINY 4.909093465297727e-91     /* 2^-300: tanhshrink scaled below */
#define FA_TS_ZERO 4.257959840008151e-109    /* 2^-360: tanhshrink rounds to +-0 below */
#define FA_TS_UP 1.018517988167243e90        /* 2^299: scaled |x| < 1/2 */
#define FA_TS_DOWN 9.464417489334198e-271    /* 2^-897 */
#define FA_TS_HUGE 1.152921504606846976e18   /* 2^60: tanhshrink x = x above */
