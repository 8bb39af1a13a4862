/*
 * _vmath_impl.h -- template body of _vmath.h, included once per precision with FA_T,
 * FA_U, FA_SFX and the constants defined. Do not include it directly.
 * Every function: no branches, no libm, NaN in -> NaN out.
 */
#define FA_FN(name) FA_CAT(name, FA_SFX)

static FA_INLINE FA_U FA_FN(fa_bits_)(FA_T x) { FA_U u; memcpy(&u, &x, sizeof u); return u; }
static FA_INLINE FA_T FA_FN(fa_from_bits_)(FA_U u) { FA_T x; memcpy(&x, &u, sizeof x); return x; }

/* |x| and copysign by bit masks (no libm; exact for every input, NaN included). */
static FA_INLINE FA_T FA_FN(fa_abs_)(FA_T x)
{
    return FA_FN(fa_from_bits_)(FA_FN(fa_bits_)(x) & ~(FA_U)FA_SIGN);
}
static FA_INLINE FA_T FA_FN(fa_copysign_)(FA_T mag, FA_T sgn)
{
    return FA_FN(fa_from_bits_)((FA_FN(fa_bits_)(mag) & ~(FA_U)FA_SIGN)
                                | (FA_FN(fa_bits_)(sgn) & (FA_U)FA_SIGN));
}

/*
 * exp(x + lo), where lo is a small correction (|lo| <= ulp(x)) or 0.
 *   n = round(x / ln2) by the magic-number trick, r = x - n*ln2 (Cody-Waite, ln2 in two
 *   parts) + lo, |r| <= ln2/2; e^r by its Taylor polynomial (Horner); 2^n applied in
 *   two factors 2^n1 * 2^n2 (n1 = round(n/2)) so that subnormal results are rounded once
 *   and n = 128 / 1024 does not overflow the exponent field.
 * Special cases: x > FA_EXP_HI -> +inf; x < FA_EXP_LO (and -inf) -> +0; NaN -> NaN.
 * Error: <= 1 ulp (Horner rounding ~0.8 ulp, reduction ~0.1 ulp); subnormal results
 * are rounded once from an accurate value.
 */
static FA_INLINE FA_T FA_FN(fa_exp2sum_)(FA_T x, FA_T lo)
{
    static const FA_T inv_fact[FA_EXP_DEG + 1] = {
#if FA_EXP_DEG == 13
        (FA_T)(1.0 / 6227020800.0), (FA_T)(1.0 / 479001600.0), (FA_T)(1.0 / 39916800.0),
        (FA_T)(1.0 / 3628800.0), (FA_T)(1.0 / 362880.0), (FA_T)(1.0 / 40320.0),
#elif FA_EXP_DEG != 7
#error "add the 1/k! coefficients for this degree"
#endif
        (FA_T)(1.0 / 5040.0), (FA_T)(1.0 / 720.0), (FA_T)(1.0 / 120.0), (FA_T)(1.0 / 24.0),
        (FA_T)(1.0 / 6.0), (FA_T)0.5, (FA_T)1.0, (FA_T)1.0};
    FA_T k, h, r, p, s1, s2;
    FA_U n, n1, n2;
    int i;

    x = x > FA_EXP_HI ? FA_EXP_HI : x; /* NaN fails both tests and stays NaN */
    x = x < FA_EXP_LO ? FA_EXP_LO : x;
    k = x * FA_LOG2E + FA_MAGIC;               /* low bits hold n = round(x/ln2) */
    h = (k - FA_MAGIC) * (FA_T)0.5 + FA_MAGIC; /* low bits hold n1 = round(n/2) */
    n = FA_FN(fa_bits_)(k) - FA_FN(fa_bits_)(FA_MAGIC);
    n1 = FA_FN(fa_bits_)(h) - FA_FN(fa_bits_)(FA_MAGIC);
    n2 = n - n1;
    k -= FA_MAGIC;
    r = x - k * FA_LN2_HI;
    r = (r - k * FA_LN2_LO) + lo;
    p = inv_fact[0];
    for (i = 1; i <= FA_EXP_DEG; i++) {
        p = p * r + inv_fact[i];
    }
    s1 = FA_FN(fa_from_bits_)((FA_U)(n1 + FA_BIAS) << FA_MANT);
    s2 = FA_FN(fa_from_bits_)((FA_U)(n2 + FA_BIAS) << FA_MANT);
    return (p * s1) * s2;
}

static FA_INLINE FA_T FA_FN(fa_exp_)(FA_T x) { return FA_FN(fa_exp2sum_)(x, (FA_T)0); }

/*
 * tanh(x) = sign(x) * t(|x|) with
 *   t(a) = a + a^3 P(a^2)          for a < 0.6   (fitted P, error < 2^-31 / 2^-60)
 *   t(a) = 1 - 2 / (e^(2a) + 1)    for a >= 0.6  (t >= 0.537, so no cancellation)
 * a is clamped to FA_TANH_BIG (where tanh rounds to 1) so e^(2a) is finite.
 * Special cases: +-0 -> +-0, subnormal x -> x, +-inf -> +-1, NaN -> NaN.
 * Error: <= 2 ulp by analysis (exp 1 ulp enters damped by 2/(e+1) <= 0.46); see the
 * README's measured table.
 */
static FA_INLINE FA_T FA_FN(fa_tanh_)(FA_T x)
{
    static const FA_T P[FA_TANH_DEG + 1] = {FA_TANH_P};
    FA_T a = FA_FN(fa_abs_)(x);
    FA_T u = a * a;
    FA_T p = P[0], small, big, ac, e;
    int i;
    for (i = 1; i <= FA_TANH_DEG; i++) {
        p = p * u + P[i];
    }
    small = a + a * (u * p);
    ac = a > FA_TANH_BIG ? FA_TANH_BIG : a;
    e = FA_FN(fa_exp_)(ac + ac);
    big = (FA_T)1 - (FA_T)2 / (e + (FA_T)1);
    return FA_FN(fa_copysign_)(a < FA_TANH_SMALL ? small : big, x);
}

#undef FA_FN
