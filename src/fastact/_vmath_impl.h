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
 *   parts) + lo, |r| <= ln2/2; e^r = 1 + r + r^2 Q(r), Q the Taylor polynomial (Horner),
 *   with its low part (plo) kept for callers that want it; 2^n applied in two factors
 *   2^n1 * 2^n2 (n1 = round(n/2)) so that subnormal results are rounded once and
 *   n = 128 / 1024 does not overflow the exponent field.
 * Special cases: x > FA_EXP_HI -> +inf; x < FA_EXP_LO (and -inf) -> +0; NaN -> NaN.
 * Error: with the low part ~0.5 ulp (one final rounding), without it <= 1 ulp.
 */
static FA_INLINE FA_T FA_FN(fa_exp_reduced_)(FA_T x, FA_T lo, FA_T* plo, FA_U* n,
                                              FA_U* n1, int fold_lo)
{
    /* e^(x + lo) = (p + *plo) * 2^n, with |*plo| <~ ulp(p): returns p, and n and
     * n1 = round(n/2) as integers. r = x - n ln2 is kept as r + rerr (the Cody-Waite
     * step's rounding error, plus lo), e^r = 1 + r + r^2 Q(r) with the two final sums
     * done exactly (Fast2Sum), so p + plo carries e^r to ~2^-8 ulp. fold_lo (a constant
     * after inlining) adds lo to r itself, for callers that ignore plo. */
    static const FA_T inv_fact[12] = {  /* 1/k!, k = 13 .. 2; the last DEG-1 are used */
        (FA_T)(1.0 / 6227020800.0), (FA_T)(1.0 / 479001600.0), (FA_T)(1.0 / 39916800.0),
        (FA_T)(1.0 / 3628800.0), (FA_T)(1.0 / 362880.0), (FA_T)(1.0 / 40320.0),
        (FA_T)(1.0 / 5040.0), (FA_T)(1.0 / 720.0), (FA_T)(1.0 / 120.0), (FA_T)(1.0 / 24.0),
        (FA_T)(1.0 / 6.0), (FA_T)0.5};
    FA_T k = x * (FA_T)FA_LOG2E + FA_MAGIC;               /* low bits hold n = round(x/ln2) */
    FA_T h = (k - FA_MAGIC) * (FA_T)0.5 + FA_MAGIC;       /* low bits hold round(n/2) */
    FA_T rhi, kl, r, rerr, q, t, s, slo, p;
    int i;
    *n = FA_FN(fa_bits_)(k) - FA_FN(fa_bits_)(FA_MAGIC);
    *n1 = FA_FN(fa_bits_)(h) - FA_FN(fa_bits_)(FA_MAGIC);
    k -= FA_MAGIC;
    rhi = x - k * FA_LN2_HI;                /* exact */
    kl = k * FA_LN2_LO;
    r = rhi - kl;
    rerr = ((rhi - r) - kl) + lo;           /* Fast2Sum error, |rhi| >= |kl| */
    if (fold_lo) {
        r = r + lo;
    }
    q = inv_fact[13 - FA_EXP_DEG];
    for (i = 14 - FA_EXP_DEG; i < 12; i++) {
        q = q * r + inv_fact[i];
    }
    t = (r * r) * q;                        /* e^r - 1 - r, |t| <= 0.065 */
    s = r + t;
    slo = (r - s) + t;                      /* Fast2Sum, |r| >= |t| */
    p = (FA_T)1 + s;
    *plo = (((FA_T)1 - p) + s) + (slo + rerr * p);
    return p;
}

/* exp(x + lo) without the low part (about 1 ulp): softmax's exponentials. The callers
 * that need better (sigmoid) use fa_exp_reduced_ and its low part directly. */
static FA_INLINE FA_T FA_FN(fa_exp2sum_fast_)(FA_T x, FA_T lo)
{
    FA_U n, n1;
    FA_T p, plo;
    x = x > FA_EXP_HI ? FA_EXP_HI : x; /* NaN fails both tests and stays NaN */
    x = x < FA_EXP_LO ? FA_EXP_LO : x;
    p = FA_FN(fa_exp_reduced_)(x, lo, &plo, &n, &n1, 1);  /* plo unused: dropped */
    return (p * FA_FN(fa_from_bits_)((FA_U)(n1 + FA_BIAS) << FA_MANT))
           * FA_FN(fa_from_bits_)((FA_U)(n - n1 + FA_BIAS) << FA_MANT);
}

/* c - a*b without rounding error (the caller's values make it exact): one FMA where
 * the target has it, else Dekker's product with Veltkamp splitting. */
static FA_INLINE FA_T FA_FN(fa_fms_)(FA_T a, FA_T b, FA_T c)
{
#if defined(__FMA__) || defined(__aarch64__) || defined(_M_ARM64) || defined(__ARM_FEATURE_FMA)
    return FA_FN(fma)(-a, b, c);
#else
    const FA_T split = (FA_T)((1u << ((FA_MANT + 2) / 2)) + 1);
    FA_T ca = split * a, cb = split * b;
    FA_T ah = ca - (ca - a), al = a - ah, bh = cb - (cb - b), bl = b - bh;
    FA_T ph = a * b;
    FA_T pl = ((ah * bh - ph) + ah * bl + al * bh) + al * bl;
    return (c - ph) - pl;
#endif
}

/* a * (bh + bl) with one rounding (bl tiny against bh): an FMA where the target has
 * it, else Dekker's exact product of a*bh plus the small terms. */
static FA_INLINE FA_T FA_FN(fa_mul2_)(FA_T a, FA_T bh, FA_T bl)
{
#if defined(__FMA__) || defined(__aarch64__) || defined(_M_ARM64) || defined(__ARM_FEATURE_FMA)
    return FA_FN(fma)(a, bh, a * bl);
#else
    FA_T ph = a * bh;
    return ph + (-FA_FN(fa_fms_)(a, bh, ph) + a * bl);
#endif
}

/*
 * tanh(x) = sign(x) * t(|x|) with
 *   t(a) = a + a^3 P(a^2)          for a < 0.6   (fitted P, error < 2^-31 / 2^-60)
 *   t(a) = (1 - e) / (1 + e)       for a >= 0.6, e = e^(-2a) <= 0.31 (t >= 0.537)
 * The big branch keeps e in two parts (e + elo: exp's low part), forms 1 - e and 1 + e
 * exactly (Fast2Sum, 1 >= e), divides once and corrects the quotient by its exact
 * remainder, scaled by 1/(1 + e) = (1 + q)/2: about one rounding. a is clamped to
 * FA_TANH_BIG (where tanh rounds to 1), so e is normal.
 * Special cases: +-0 -> +-0, |x| < FA_TANH_TINY (subnormals included) -> x, computed
 * without subnormal operands (slow on some CPUs), +-inf -> +-1, NaN -> NaN.
 * FA_TANH_COMP (float32 only): the correction step; float64 skips it for speed (its
 * budget is 2 ulp) and drops elo.
 * Error: float32 0.78 ulp (every float32, AVX2 and baseline paths: README), float64
 * 1.5 ulp (1e7 random inputs, tools/accuracy_f64.py).
 * float32 on AVX-512 uses the table kernel fa_tanh_block_f instead (_vmath.h).
 */
static FA_INLINE FA_T FA_FN(fa_tanh_)(FA_T x)
{
    static const FA_T P[FA_TANH_DEG + 1] = {FA_TANH_P};
    FA_T a = FA_FN(fa_abs_)(x);
    /* tanh a = a below FA_TANH_TINY: there au = a - a = 0 keeps subnormal and underflowing
     * products (slow on many CPUs) out of both branches; not a constant, so the compiler
     * cannot fold the substitution into a select of precomputed results */
    FA_T au = a < (FA_T)FA_TANH_TINY ? a - a : a;
    FA_T u = au * au;
    FA_T p = P[0], small, ac, sc, e, elo, nh, nl, dh, dl, q;
    FA_U n, n1;
    int i;
    for (i = 1; i <= FA_TANH_DEG; i++) {
        p = p * u + P[i];
    }
    small = a + au * (u * p);
    ac = au > FA_TANH_BIG ? FA_TANH_BIG : au;  /* -40 <= -2ac <= 0: 2^n in one step */
    e = FA_FN(fa_exp_reduced_)(-(ac + ac), (FA_T)0, &elo, &n, &n1, 0);
    sc = FA_FN(fa_from_bits_)((FA_U)(n + FA_BIAS) << FA_MANT);
    e = e * sc;
    elo = elo * sc;                            /* e^(-2ac) = e + elo */
    nh = (FA_T)1 - e;
    nl = (((FA_T)1 - nh) - e) - elo;           /* 1 - e - elo = nh + nl */
    dh = (FA_T)1 + e;
    dl = (((FA_T)1 - dh) + e) + elo;           /* 1 + e + elo = dh + dl */
    q = nh / dh;
#if FA_TANH_COMP
    q = q + (FA_FN(fa_fms_)(q, dh, nh) + nl - q * dl) * (((FA_T)1 + q) * (FA_T)0.5);
#endif
    return FA_FN(fa_copysign_)(a < (FA_T)FA_TANH_SMALL ? small : q, x);
}

/* 1/(a + b + c) as ih + il (|c| small): TwoSum of a + b, one division, the exact
 * remainder. Used once per softmax slice, so that dividing by the slice's sum costs
 * one correctly placed rounding per element (fa_mul2_). */
static FA_INLINE FA_T FA_FN(fa_recip3_)(FA_T a, FA_T b, FA_T c, FA_T *il)
{
    FA_T hi = a + b, bv = hi - a;
    FA_T lo = ((a - (hi - bv)) + (b - bv)) + c;
    FA_T ih = (FA_T)1 / hi;
    *il = (FA_FN(fa_fms_)(ih, hi, (FA_T)1) - ih * lo) * ih;
    return ih;
}

/*
 * softsign(x) = x / (1 + |x|) = sign(x) * a/(1 + a), a = |x| clamped where a/(1+a)
 * rounds to 1 (2^60 float32, 2^100 float64), so +-inf -> +-1 instead of inf/inf.
 * 1 + a is kept in two parts (TwoSum), q = a/s, and q is corrected by the exact
 * remainder (the correction needs 1/s only roughly: a bit-pattern estimate): one
 * rounding, about 0.5 ulp. |x| < FA_SOFTSIGN_TINY (subnormals included) -> x; -0.0 ->
 * -0.0; NaN -> NaN (the clamps keep NaN).
 */
static FA_INLINE FA_T FA_FN(fa_softsign_)(FA_T x)
{
    FA_T a = FA_FN(fa_abs_)(x), s, bv, slo, q;
    /* |x| < FA_SOFTSIGN_TINY (subnormals included): the result is x, and the arithmetic
     * sees a + 1 = 1 instead, so that no product underflows (slow on many CPUs). The two
     * tests differ (float / bits) and a + 1 is no constant, so that the compiler cannot
     * fold the substitution into the final select. */
    int tiny = a < (FA_T)FA_SOFTSIGN_TINY;
    FA_U ab = FA_FN(fa_bits_)(a);
    a = ab < FA_FN(fa_bits_)((FA_T)FA_SOFTSIGN_TINY) ? a + (FA_T)1 : a;  /* = 1 there */
    a = a > FA_SOFTSIGN_BIG ? FA_SOFTSIGN_BIG : a;
    s = (FA_T)1 + a;
    bv = s - a;
    slo = (((FA_T)1 - bv) + (a - (s - bv)));  /* TwoSum: 1 + a = s + slo exactly */
    q = a / s;
    /* the correction's 1/s within 13% from the exponent bits (no second division) */
    q = q + (FA_FN(fa_fms_)(q, s, a) - q * slo)
            * FA_FN(fa_from_bits_)(FA_RECIP_MAGIC - FA_FN(fa_bits_)(s));
    return tiny ? x : FA_FN(fa_copysign_)(q, x);
}

/*
 * sigmoid(x) = 1 / (1 + e^-x), from e = e^-|x| <= 1 (no overflow anywhere):
 *   q = num / (1 + e) with num = 1 (x > 0) or e (x <= 0), then q is corrected by the
 *   exact remainder of the division and the low part of 1 + e (Fast2Sum), scaled by
 *   1/(1 + e) (= q or 1 - q): one division, about one rounding. What is left is exp's
 *   own error: float32 carries exp's low part along (FA_SIGMOID_EXP_LO: 0.85 ulp over
 *   every float32); float64 drops it for speed (1.4 ulp measured).
 * The negative tail keeps its true, subnormal value. Special: -inf -> 0, +inf -> 1,
 * -0.0 -> 0.5, NaN -> NaN.
 * late (a constant after inlining): for x <= 0 the numerator is e's unscaled p (e = p 2^n),
 *   so sigmoid(x) = (q + c) * (*sc1) * (*sc2) with the 2^n scale left to the caller
 *   (glu multiplies by its other half first, so that a subnormal sigmoid is not rounded
 *   before the product: rounded once, at the end); x > 0 and late = 0: *sc1 = *sc2 = 1.
 */
static FA_INLINE FA_T FA_FN(fa_sigmoid_parts_)(FA_T x, FA_T *corr, FA_T *sc1, FA_T *sc2,
                                                int late)
{
    FA_U n, n1;
    FA_T z = -FA_FN(fa_abs_)(x), p, plo, s1, s2, e, elo, s, slo, num, nlo, q, inv, c;
    int pos = x > 0;
    z = z < FA_EXP_LO ? FA_EXP_LO : z;  /* NaN stays NaN */
    z = z > -(FA_T)FA_SIGMOID_TINY ? z - z : z;  /* sigmoid = 1/2 there: 0 (as in tanh) */
    p = FA_FN(fa_exp_reduced_)(z, (FA_T)0, &plo, &n, &n1, 0);
    s1 = FA_FN(fa_from_bits_)((FA_U)(n1 + FA_BIAS) << FA_MANT);
    s2 = FA_FN(fa_from_bits_)((FA_U)(n - n1 + FA_BIAS) << FA_MANT);
    e = (p * s1) * s2;                  /* subnormal results are rounded here, once */
#if FA_SIGMOID_EXP_LO
    elo = (plo * s1) * s2;              /* e^z = e + elo */
#else
    elo = plo = (FA_T)0;
#endif
    s = (FA_T)1 + e;
    slo = (((FA_T)1 - s) + e) + elo;   /* 1 + e + elo = s + slo (Fast2Sum, 1 >= e) */
    num = pos ? (FA_T)1 : (late ? p : e);
    nlo = pos ? (FA_T)0 : (late ? plo : elo);
    q = num / s;
    /* 1/(1 + e), good enough for the correction: q, or 1 - the (scaled) quotient */
    inv = pos ? q : (FA_T)1 - (late ? (q * s1) * s2 : q);
    c = (FA_FN(fa_fms_)(q, s, num) + nlo - q * slo) * inv;
    *corr = c;
    *sc1 = (pos || !late) ? (FA_T)1 : s1;
    *sc2 = (pos || !late) ? (FA_T)1 : s2;
    return q;
}

/* sigmoid(x) = q + c of fa_sigmoid_parts_ (scale applied inside). */
static FA_INLINE FA_T FA_FN(fa_sigmoid_)(FA_T x)
{
    FA_T c, s1, s2, q = FA_FN(fa_sigmoid_parts_)(x, &c, &s1, &s2, 0);
    return q + c;
}

#undef FA_FN
#undef FA_T
#undef FA_U
#undef FA_SFX
#undef FA_MANT
#undef FA_BIAS
#undef FA_SIGN
#undef FA_MAGIC
#undef FA_LN2_HI
#undef FA_LN2_LO
#undef FA_EXP_HI
#undef FA_EXP_LO
#undef FA_EXP_DEG
#undef FA_TANH_BIG
#undef FA_TANH_DEG
#undef FA_TANH_P
#undef FA_SOFTSIGN_BIG
#undef FA_SOFTSIGN_TINY
#undef FA_TANH_TINY
#undef FA_SIGMOID_TINY
#undef FA_SIGMOID_EXP_LO
#undef FA_TANH_COMP
#undef FA_RECIP_MAGIC
