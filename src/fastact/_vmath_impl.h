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
static FA_INLINE FA_T FA_FN(fa_expm1_reduced_)(FA_T x, FA_T lo, FA_T* slo, FA_T* rerr,
                                              FA_U* n, FA_U* n1, int fold_lo)
{
    /* The reduction shared by exp and expm1: x + lo = n ln2 + r + rerr, and
     * e^r - 1 = s + *slo (returned), with r = x - n ln2 rounded and *rerr its error
     * (the Cody-Waite step's rounding error, plus lo); e^(r + rerr) - 1 =
     * s + slo + (1 + s) rerr to ~2^-8 ulp. n and n1 = round(n/2) as integers.
     * fold_lo (a constant after inlining) adds lo to r itself, for callers that ignore
     * the low parts. */
    static const FA_T inv_fact[12] = {  /* 1/k!, k = 13 .. 2; the last DEG-1 are used */
        (FA_T)(1.0 / 6227020800.0), (FA_T)(1.0 / 479001600.0), (FA_T)(1.0 / 39916800.0),
        (FA_T)(1.0 / 3628800.0), (FA_T)(1.0 / 362880.0), (FA_T)(1.0 / 40320.0),
        (FA_T)(1.0 / 5040.0), (FA_T)(1.0 / 720.0), (FA_T)(1.0 / 120.0), (FA_T)(1.0 / 24.0),
        (FA_T)(1.0 / 6.0), (FA_T)0.5};
    FA_T k = x * (FA_T)FA_LOG2E + FA_MAGIC;               /* low bits hold n = round(x/ln2) */
    FA_T h = (k - FA_MAGIC) * (FA_T)0.5 + FA_MAGIC;       /* low bits hold round(n/2) */
    FA_T rhi, kl, r, q, t, s;
    int i;
    *n = FA_FN(fa_bits_)(k) - FA_FN(fa_bits_)(FA_MAGIC);
    *n1 = FA_FN(fa_bits_)(h) - FA_FN(fa_bits_)(FA_MAGIC);
    k -= FA_MAGIC;
    rhi = x - k * FA_LN2_HI;                /* exact */
    kl = k * FA_LN2_LO;
    r = rhi - kl;
    *rerr = ((rhi - r) - kl) + lo;          /* Fast2Sum error, |rhi| >= |kl| */
    if (fold_lo) {
        r = r + lo;
    }
    q = inv_fact[13 - FA_EXP_DEG];
    for (i = 14 - FA_EXP_DEG; i < 12; i++) {
        q = q * r + inv_fact[i];
    }
    t = (r * r) * q;                        /* e^r - 1 - r, |t| <= 0.065 */
    s = r + t;
    *slo = (r - s) + t;                     /* Fast2Sum, |r| >= |t| */
    return s;
}

static FA_INLINE FA_T FA_FN(fa_exp_reduced_)(FA_T x, FA_T lo, FA_T* plo, FA_U* n,
                                              FA_U* n1, int fold_lo)
{
    /* e^(x + lo) = (p + *plo) * 2^n, with |*plo| <~ ulp(p): returns p = 1 + s from the
     * shared reduction (fa_expm1_reduced_), the final sum done exactly (Fast2Sum), so
     * p + plo carries e^r to ~2^-8 ulp. */
    FA_T slo, rerr, s = FA_FN(fa_expm1_reduced_)(x, lo, &slo, &rerr, n, n1, fold_lo);
    FA_T p = (FA_T)1 + s;
    *plo = (((FA_T)1 - p) + s) + (slo + rerr * p);
    return p;
}

/* 2^n (integer n, FA_U two's complement) from the exponent bits: normal n only. */
static FA_INLINE FA_T FA_FN(fa_pow2_)(FA_U n)
{
    return FA_FN(fa_from_bits_)((FA_U)(n + FA_BIAS) << FA_MANT);
}

/* exp(x + lo) without the low part (about 1 ulp): softmax's exponentials. The callers
 * that need better (sigmoid) use fa_exp_reduced_ and its low part directly. */
static FA_INLINE FA_T FA_FN(fa_exp2sum_fast_)(FA_T x, FA_T lo)
{
    FA_U n, n1;
    FA_T p, plo, r;
    /* No subnormal operand and no underflow for the common cases (each a microcode
     * assist, ~150 cycles, on Intel CPUs): x <= FA_EXP_LO (where e^x rounds to 0: x - max
     * of a masked logit, x = -inf) and |x| < 2^-60 (a row of tiny values: e^x rounds to
     * 1) are computed on x = lo = 0 and selected after. NaN fails the tests and stays. */
    int gone = x <= FA_EXP_LO;
    int flat = gone || FA_FN(fa_abs_)(x) < (FA_T)8.673617379884035e-19;  /* 2^-60 */
    x = flat ? (FA_T)0 : x;
    lo = flat ? (FA_T)0 : lo;
    x = x > FA_EXP_HI ? FA_EXP_HI : x;
    p = FA_FN(fa_exp_reduced_)(x, lo, &plo, &n, &n1, 1);  /* plo unused: dropped */
    r = (p * FA_FN(fa_from_bits_)((FA_U)(n1 + FA_BIAS) << FA_MANT))
        * FA_FN(fa_from_bits_)((FA_U)(n - n1 + FA_BIAS) << FA_MANT);
    return gone ? (FA_T)0 : r;
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

/* softmax's last step for one element: e (h0 + h1) with one rounding (fa_mul2_), e scaled
 * by 2^64 first and the product back after (both exact for normal values): h1 is ~2^-24
 * h0 (2^-53 in float64), so e h1 would underflow, and lose the correction, for results
 * below ~2^-100 (2^-970); a subnormal result is rounded twice (at most one more ulp of
 * the smallest subnormal). */
static FA_INLINE FA_T FA_FN(fa_softmax_scale_)(FA_T e, FA_T h0, FA_T h1)
{
    return FA_FN(fa_mul2_)(e * (FA_T)18446744073709551616.0, h0, h1)
           * (FA_T)5.42101086242752217e-20;
}

/* The max pass of a contiguous softmax slice (rowwise_contig): NaN skipped (the
 * comparison is false), -inf when there is none; 32 running maxima, so the loop
 * vectorises without reassociating anything. */
static FA_INLINE FA_T FA_FN(fa_max_row_)(const FA_T *x, ptrdiff_t n)
{
    FA_T mm[32], v;
    ptrdiff_t i, j;
    for (j = 0; j < 32; j++) {
        mm[j] = (FA_T)-INFINITY;
    }
    for (i = 0; i + 32 <= n; i += 32) {
        for (j = 0; j < 32; j++) {
            v = x[i + j];
            mm[j] = v > mm[j] ? v : mm[j];
        }
    }
    for (j = 0; i + j < n; j++) {
        v = x[i + j];
        mm[j] = v > mm[j] ? v : mm[j];
    }
    for (i = 16; i >= 1; i /= 2) {  /* a tree of halves, not a chain of 32 */
        for (j = 0; j < i; j++) {
            mm[j] = mm[j + i] > mm[j] ? mm[j + i] : mm[j];
        }
    }
    return mm[0];
}

/* The last pass of a contiguous softmax slice (rowwise_contig; _kernels.pxi's
 * finish_one, a loop each so that both vectorise): softmax y = y (h0 + h1) in one
 * rounding (fa_softmax_scale_), log_softmax y = (x - h0) - h1. */
static FA_INLINE void FA_FN(fa_finish_row_)(const FA_T *x, FA_T *y, ptrdiff_t n, FA_T h0,
                                            FA_T h1, int logmode)
{
    ptrdiff_t i;
    if (logmode) {
        for (i = 0; i < n; i++) {
            y[i] = (x[i] - h0) - h1;
        }
    } else {
        for (i = 0; i < n; i++) {
            y[i] = FA_FN(fa_softmax_scale_)(y[i], h0, h1);
        }
    }
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
    FA_U n, n1, pm;
    FA_T z = -FA_FN(fa_abs_)(x), p, plo, s1, s2, e, elo, s, slo, num, nlo, q, inv, c;
    int pos = x > 0, gone;
    z = z < FA_EXP_LO ? FA_EXP_LO : z;  /* NaN stays NaN */
    z = z > -(FA_T)FA_SIGMOID_TINY ? z - z : z;  /* sigmoid = 1/2 there: 0 (as in tanh) */
    /* No underflow where the result does not need it (each one a microcode assist on
     * Intel CPUs): x > 40 needs e only through 1 + e, where e^-40 already rounds away
     * (the result is 1), so z is floored at -40; x <= FA_EXP_LO gives 0 (late = 0; a
     * late caller handles that tail itself), computed on z = 0 and selected below. */
    z = (pos && z < (FA_T)-40) ? (FA_T)-40 : z;
    gone = !late && z == FA_EXP_LO;
    z = gone ? (FA_T)0 : z;
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
    /* num = pos ? 1 : (p or e), selected by bits: with a plain select GCC moved the
     * division into both arms (1/s and e/s, two divisions a vector, then a blend) */
    pm = (FA_U)0 - (FA_U)pos;
    num = FA_FN(fa_from_bits_)((FA_FN(fa_bits_)(late ? p : e) & ~pm)
                               | (FA_FN(fa_bits_)((FA_T)1) & pm));
    nlo = pos ? (FA_T)0 : (late ? plo : elo);
    q = num / s;
    /* 1/(1 + e), good enough for the correction: q, or 1 - the (scaled) quotient */
    inv = pos ? q : (FA_T)1 - (late ? (q * s1) * s2 : q);
    c = (FA_FN(fa_fms_)(q, s, num) + nlo - q * slo) * inv;
    q = gone ? (FA_T)0 : q;
    c = gone ? (FA_T)0 : c;
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

/* (ah + al) * (bh + bl) rounded once (al, bl small against ah, bh): the exact product
 * ah*bh as hi + lo (fa_fms_), then the small cross terms. Error <= 0.5 ulp + ~2^-100
 * relative (double) of the true product of the two-part numbers. */
static FA_INLINE FA_T FA_FN(fa_mul22_)(FA_T ah, FA_T al, FA_T bh, FA_T bl)
{
    FA_T ph = ah * bh;
    return ph + (-FA_FN(fa_fms_)(ah, bh, ph) + (ah * bl + al * bh));
}

/*
 * expm1(x + xlo) in two parts: returns hi, *lo with hi + lo = e^(x+xlo) - 1 to ~2^-60
 * relative (double; float 2^-30); hi + lo rounded once is within 0.5 ulp + that.
 * Range reduction as exp (fa_expm1_reduced_: x + xlo = n ln2 + r + rerr, Cody-Waite with
 * ln2 in two parts, as in fdlibm/Tang's method; e^r - 1 = s + slo by the Taylor
 * polynomial of exp), then
 *     e^x - 1 = 2^n (s + m),  m = 1 - 2^-n  (exact while |n| <= 53; n = 0: m = 0),
 * summed exactly (Fast2Sum: |m| >= 1/2 > |s| when n != 0) and scaled by 2^n in two
 * factors (2^n1 2^(n-n1)), so there is no cancellation near 0 (n = 0 gives s itself)
 * and none near -1 (the sum is formed before scaling).
 * Ranges: x clamped to [FA_EXPM1_LO, FA_EXP_HI] where e^x - 1 rounds to -1 below and
 * overflows above (so -inf -> -1, +inf -> +inf); |x| < FA_M1_TINY (subnormals and +-0
 * included) -> hi = x, lo = xlo (e^x - 1 = x(1 + x/2): within 2^-55), with x replaced by
 * 0 in the arithmetic so that no subnormal operand occurs; NaN -> NaN.
 */
static FA_INLINE FA_T FA_FN(fa_expm1_2_)(FA_T x, FA_T xlo, FA_T* lo)
{
    FA_U n, n1;
    FA_T a = FA_FN(fa_abs_)(x);
    int tiny = a < (FA_T)FA_M1_TINY;
    FA_T z = tiny ? x - x : x, zl = tiny ? xlo - xlo : xlo;  /* 0 there, not a constant */
    FA_T s, slo, rerr, s1, s2, m, v, c;
    z = z > FA_EXP_HI ? FA_EXP_HI : z;      /* NaN fails both tests and stays NaN */
    z = z < FA_EXPM1_LO ? FA_EXPM1_LO : z;
    s = FA_FN(fa_expm1_reduced_)(z, zl, &slo, &rerr, &n, &n1, 0);
    s1 = FA_FN(fa_pow2_)(n1);
    s2 = FA_FN(fa_pow2_)(n - n1);
    m = (FA_T)1 - FA_FN(fa_pow2_)((FA_U)0 - n1) * FA_FN(fa_pow2_)(n1 - n);  /* 1 - 2^-n */
    v = m + s;
    c = ((m - v) + s) + (slo + rerr * ((FA_T)1 + s));  /* m + s + slo + (1+s) rerr = v + c */
    *lo = tiny ? xlo : (c * s1) * s2;
    return tiny ? x : (v * s1) * s2;
}

/* expm1(x) = e^x - 1 rounded (fa_expm1_2_): <= 0.5 ulp + 2^-7 ulp (double). Special:
 * +-0 -> +-0, subnormals -> x, -inf -> -1, +inf -> +inf, NaN -> NaN. */
static FA_INLINE FA_T FA_FN(fa_expm1_)(FA_T x)
{
    FA_T lo, hi = FA_FN(fa_expm1_2_)(x, (FA_T)0, &lo);
    return FA_FN(fa_abs_)(x) < (FA_T)FA_M1_TINY ? x : hi + lo;
}

/*
 * log1p(x + xlo) in two parts (x >= -1, |xlo| <= ulp(x)): returns hi, *lo, hi + lo
 * within ~2^-58 relative (double).
 *   u = 1 + x exactly as u + c (TwoSum; c also takes xlo);
 *   u = 2^k m with m in [sqrt(1/2), sqrt 2) from the bits (the exponent offset trick of
 *   fdlibm/musl log: add bits(1) - bits(sqrt(1/2)) before splitting), f = m - 1 exact;
 *   log(1 + x) = k ln2 + log(1 + f) + c/u, and with s = f/(2 + f), z = s^2
 *   log(1 + f) = 2 atanh s = f - f^2/2 + s (f^2/2 + R(z)),  R(z) = sum_j 2 z^j/(2j + 1)
 *   (the Taylor series of 2 atanh(s)/s - 2; |s| <= 0.1716, FA_LOG1P_DEG terms:
 *   truncation 2^-60 (double) / 2^-34 (float) relative). k ln2_hi + f is summed exactly
 *   (TwoSum) and f^2/2 kept in two parts, so every rounding error left is ~2^-55
 *   relative or less.
 * Special: |x| < FA_M1_TINY (+-0, subnormals) -> hi = x, lo = xlo (log1p x = x(1 - x/2))
 * computed without subnormal operands; x = -1 -> -inf; x < -1 -> NaN; +inf -> +inf;
 * NaN -> NaN. k is formed from the exponent bits without an int -> float conversion
 * (vectorises on AVX2).
 */
static FA_INLINE FA_T FA_FN(fa_log1p_2_)(FA_T x, FA_T xlo, FA_T* lo)
{
    static const FA_T R[FA_LOG1P_DEG] = {FA_LOG1P_R};
    const FA_U off = FA_FN(fa_bits_)((FA_T)1) - (FA_U)FA_SQRTH_BITS;
    const FA_T two_mant = (FA_T)((FA_U)1 << FA_MANT);
    FA_T a = FA_FN(fa_abs_)(x);
    int tiny = a < (FA_T)FA_M1_TINY;
    FA_T xs = tiny ? x - x : x, xl = tiny ? xlo - xlo : xlo;
    FA_T u, bv, c, cu, m, f, k, sden, s, z, r, hfh, hfl, A, h0, bb, e0, rest, hi;
    FA_U ub;
    int i;
    xs = xs > FA_MAXV ? FA_MAXV : xs;       /* +inf: finite arithmetic, selected below */
    xs = xs < (FA_T)-1 ? (FA_T)-1 : xs;
    u = (FA_T)1 + xs;
    bv = u - xs;
    c = (((FA_T)1 - bv) + (xs - (u - bv))) + xl;  /* TwoSum: 1 + xs + xl = u + c */
    cu = c;
    ub = FA_FN(fa_bits_)(u) + off;
    k = (FA_FN(fa_from_bits_)((ub >> FA_MANT) | FA_FN(fa_bits_)(two_mant)) - two_mant)
        - (FA_T)FA_BIAS;
    m = FA_FN(fa_from_bits_)((ub & (((FA_U)1 << FA_MANT) - 1)) + (FA_U)FA_SQRTH_BITS);
    f = m - (FA_T)1;
    c = c / u;
#if FA_LOG1P_COMP
    /* float: c/u's rounding and (c/u)^2/2 reach 0.5 ulp where log1p x is small (u near
     * 1, c up to ulp(1)): the quotient corrected by its remainder (1/u roughly, from the
     * bits) and the second-order term of log(1 + c/u) */
    c = c + FA_FN(fa_fms_)(c, u, cu) * FA_FN(fa_from_bits_)(FA_RECIP_MAGIC - FA_FN(fa_bits_)(u));
    c = c - (FA_T)0.5 * c * c;
#endif
    sden = (FA_T)2 + f;
    s = f / sden;
    z = s * s;
    r = R[0];
    for (i = 1; i < FA_LOG1P_DEG; i++) {
        r = r * z + R[i];
    }
    r = r * z;
    hfh = ((FA_T)0.5 * f) * f;
    hfl = -FA_FN(fa_fms_)((FA_T)0.5 * f, f, hfh);  /* f^2/2 = hfh + hfl exactly */
    A = k * FA_LN2_HI;                             /* exact */
    h0 = A + f;
    bb = h0 - A;
    e0 = (A - (h0 - bb)) + (f - bb);               /* TwoSum */
    rest = ((s * ((hfh + hfl) + r) - hfl) - hfh) + (k * FA_LN2_LO + c);
    rest = rest + e0;
    hi = h0 + rest;
    *lo = tiny ? xlo : (h0 - hi) + rest;           /* Fast2Sum, |h0| >= |rest| */
    hi = x > FA_MAXV ? x : hi;                     /* +inf */
    hi = x == (FA_T)-1 ? x / (x - x) : hi;         /* -1 -> -inf */
    hi = x < (FA_T)-1 ? (x - x) / (x - x) : hi;    /* NaN (never reached by the kernels) */
    return tiny ? x : hi;
}

/* log1p(x) rounded (fa_log1p_2_): <= 0.5 ulp + 2^-5 ulp (double). Special: +-0 -> +-0,
 * subnormals -> x, -1 -> -inf, < -1 -> NaN, +inf -> +inf, NaN -> NaN. */
static FA_INLINE FA_T FA_FN(fa_log1p_)(FA_T x)
{
    FA_T lo, hi = FA_FN(fa_log1p_2_)(x, (FA_T)0, &lo);
    return FA_FN(fa_abs_)(x) < (FA_T)FA_M1_TINY ? x : hi + lo;
}

/*
 * log(1 + e^(z + zlo)) in two parts (the softplus core): hi + *lo to ~2^-56 relative.
 *   = max(z, 0) + log1p(e^-|z|) + sigmoid(z) zlo,
 * e^-|z| with its low part (fa_exp_reduced_, scaled by 2^n in two factors), log1p of
 * it in two parts (fa_log1p_2_), max(z, 0) added exactly (TwoSum); sigmoid(z) for the
 * (tiny) zlo term by the series 1 - e + e^2 / e - e^2. No overflow anywhere: z >
 * FA_L1PE_BIG -> z (the log1p term is below 2^-100 relative); z -> -inf -> 0 (the
 * result is e^z, subnormal below -708 / -87); NaN -> NaN.
 */
static FA_INLINE FA_T FA_FN(fa_log1pexp_2_)(FA_T z, FA_T zlo, FA_T* lo)
{
    FA_U n, n1;
    FA_T zc = z > FA_L1PE_BIG ? FA_L1PE_BIG : z;   /* NaN stays NaN */
    FA_T a = FA_FN(fa_abs_)(zc), mz = zc > 0 ? zc : (FA_T)0;
    FA_T ez = -a < FA_EXP_LO ? FA_EXP_LO : -a;
    FA_T p, plo, s1, s2, e, elo, lh, ll, sig, h, bb, err, t;
    p = FA_FN(fa_exp_reduced_)(ez, (FA_T)0, &plo, &n, &n1, 0);
    s1 = FA_FN(fa_pow2_)(n1);
    s2 = FA_FN(fa_pow2_)(n - n1);
    e = (p * s1) * s2;
    elo = (plo * s1) * s2;
    lh = FA_FN(fa_log1p_2_)(e, elo, &ll);
#if FA_LOG1P_COMP
    /* float: for e < 2^-12 log1p's two-part arithmetic leaves ~1 ulp of the (small)
     * result; there log1p(e + elo) = e + (elo - e^2/2 + e^3/3) to 2^-36 relative */
    ll = e < (FA_T)2.44140625e-4 ? elo + (e * e) * ((FA_T)-0.5 + e * (FA_T)(1.0 / 3.0)) : ll;
    lh = e < (FA_T)2.44140625e-4 ? e : lh;
#endif
    sig = zc > 0 ? (FA_T)1 - e + e * e : e - e * e;
    zlo = a < FA_L1PE_BIG ? zlo : (FA_T)0;        /* an infinite z has a NaN zlo */
    h = mz + lh;
    bb = h - mz;
    err = (mz - (h - bb)) + (lh - bb);             /* TwoSum */
    t = err + (ll + sig * zlo);
    *lo = z > FA_L1PE_BIG ? (FA_T)0 : t;
    return z > FA_L1PE_BIG ? z : h;
}

/*
 * x * f(x) * 2^m in one rounding, for silu (f = sigmoid) and mish (f = tanh(softplus)):
 * with e = e^-|x| (two parts, p + plo = e 2^-n unscaled):
 *   silu: x > 0: x / (1 + e);            x <= 0: x p 2^n / (1 + e)
 *   mish: x > 0: x (1 + 2e)/(1 + 2e + 2e^2);  x <= 0: x p 2^n (2 + e)/(2 + 2e + e^2)
 *   (tanh(log(1 + w)) = (w^2 + 2w)/(w^2 + 2w + 2), w = e^x, divided through by w^2 or w),
 * i.e. N = n0 + n1 e, D = N + n1 e^2 (mish) or N = 1, D = 1 + e (silu). N and D are
 * are kept in two parts, the quotient corrected by its exact remainder, x p formed exactly,
 * and the product (fa_mul22_) rounded once; the factor 2^n is applied last, so the
 * negative tail (x e^x, subnormal below ~-708 / ~-87) is rounded only once and never
 * computed from a subnormal e. About 0.5 ulp + 2^-50 relative.
 * Special: |x| < FA_XF_TINY (+-0, subnormals): x * f(0) (f(0) = 1/2, 3/5); x > FA_XF_BIG
 * -> x (+inf -> +inf); x < -FA_XF_BIG -> -0.0 (-inf -> -0.0, the limit); NaN -> NaN.
 */
static FA_INLINE FA_T FA_FN(fa_xf_)(FA_T x, int mish)
{
    FA_U n, n1;
    FA_T ax = FA_FN(fa_abs_)(x), a;
    int pos = x > 0;
    FA_T xc = ax < (FA_T)FA_XF_TINY ? x - x : x;      /* 0 there: no subnormal operands */
    FA_T p, plo, s1, s2, e, elo, A, Al, c1, t, tl, Nh, Nl, bb, sq, sql, Dh, Dl, q, ql;
    FA_T xa, xal, r, f0;
    xc = xc > FA_XF_BIG ? FA_XF_BIG : xc;            /* NaN stays NaN */
    xc = xc < -FA_XF_BIG ? -FA_XF_BIG : xc;
    a = FA_FN(fa_abs_)(xc);
    p = FA_FN(fa_exp_reduced_)(-a, (FA_T)0, &plo, &n, &n1, 0);
    s1 = FA_FN(fa_pow2_)(n1);
    s2 = FA_FN(fa_pow2_)(n - n1);
    e = (p * s1) * s2;                               /* e^-|x|, for N and D */
    elo = (plo * s1) * s2;
    if (mish) {
        c1 = pos ? (FA_T)2 : (FA_T)1;                /* n1 above; n0 = 3 - n1 */
        t = c1 * e;
        tl = c1 * elo;
        Nh = ((FA_T)3 - c1) + t;
        bb = Nh - t;
        Nl = ((((FA_T)3 - c1) - bb) + (t - (Nh - bb))) + tl;   /* TwoSum */
        sq = e * e;
        sql = -FA_FN(fa_fms_)(e, e, sq) + (FA_T)2 * e * elo;
        sq = c1 * sq;                                /* D = N + 2e^2 (x > 0), */
        sql = c1 * sql;                              /*     N + e^2 + e (x <= 0) */
        Dh = Nh + sq;
        bb = Dh - sq;
        Dl = (((Nh - bb) + (sq - (Dh - bb))) + Nl) + sql;      /* TwoSum */
        t = pos ? (FA_T)0 : e;
        tl = pos ? (FA_T)0 : elo;
        sq = Dh + t;
        bb = sq - t;
        Dl = (((Dh - bb) + (t - (sq - bb))) + Dl) + tl;        /* TwoSum */
        Dh = sq;
    } else {
        Nh = (FA_T)1;
        Nl = (FA_T)0;
        Dh = (FA_T)1 + e;
        Dl = (((FA_T)1 - Dh) + e) + elo;                        /* Fast2Sum, 1 >= e */
    }
    q = Nh / Dh;
    ql = (FA_FN(fa_fms_)(q, Dh, Nh) + Nl - q * Dl) / Dh;       /* N/D = q + ql */
    A = pos ? (FA_T)1 : p;
    Al = pos ? (FA_T)0 : plo;
    xa = xc * A;
    xal = -FA_FN(fa_fms_)(xc, A, xa) + xc * Al;                 /* x (A + Al) = xa + xal */
    r = FA_FN(fa_mul22_)(xa, xal, q, ql);
    r = pos ? r : (r * s1) * s2;                                /* 2^n last: one rounding */
    f0 = mish ? (FA_T)0.6 : (FA_T)0.5;
    /* x f0 rounded once (f0 = 0.6 in two parts for mish), sign by copysign (-0.0) */
    /* (float: 0.6 in two parts, else 1.06 ulp; double: plainly, 0.6's own error is 0.33 ulp
     * and Dekker's product near the smallest normal would lose more) */
    r = ax < (FA_T)FA_XF_TINY
        ? ((FA_T)FA_SIX_TENTHS_LO != 0
           ? FA_FN(fa_copysign_)(FA_FN(fa_mul2_)(ax, f0, mish ? (FA_T)FA_SIX_TENTHS_LO : (FA_T)0), x)
           : x * f0)
        : r;
    r = x > FA_XF_BIG ? x : r;
    return x < -FA_XF_BIG ? -(FA_T)0 : r;
}

/*
 * tanhshrink(x) = x - tanh(x), odd: sign(x) g(a), a = |x|, without cancellation:
 *   a < FA_TANH_SMALL: g = -a^3 P(a^2), P tanh's small-|x| polynomial (tanh a = a + a^3 P,
 *     fit error 2^-57 relative to P), with a^3 (fa_fms_) and P's last step kept in two
 *     parts (P(0) = -1/3 as hi + lo), product rounded once (fa_mul22_);
 *   a >= FA_TANH_SMALL: g = (a - 1) + 2e/(1 + e), e = e^-2a (two parts, a clamped at
 *     FA_TANH_BIG where the quotient is negligible), the quotient q = 2e (1/(1 + e))
 *     corrected by its remainder times the same reciprocal (one division: q + ql is
 *     2e/(1 + e) to ~2^-100 relative even when q is not the nearest) and the sums done
 *     exactly (TwoSum): cancellation (g = 0.063 at a = 0.6) costs nothing.
 * Error about 0.5 ulp + 2^-55 relative (double). Special: +-0 -> +-0; |x| < 2^-300
 * (double; 2^-30 float) is a^3/3, computed scaled by 2^299 (2^29) and rounded into the subnormal
 * range once at the end, so no subnormal operand occurs; |x| > 2^60 -> x (+-inf ->
 * +-inf); |x| < 2^-360 (2^-50 float) -> +-0 directly (a^3/3 rounds to 0); NaN -> NaN.
 */
static FA_INLINE FA_T FA_FN(fa_tanhshrink_)(FA_T x)
{
    static const FA_T P[FA_TANH_DEG + 1] = {FA_TANH_P};
    const FA_T third_lo = (FA_T)FA_THIRD_LO;      /* -1/3 - (FA_T)(-1/3) */
    FA_T a = FA_FN(fa_abs_)(x);
    int tiny;
    /* |x| < FA_TS_ZERO: the result rounds to +-0; a = 0 keeps the scaled path's squares
     * from underflowing (a microcode assist per instruction on Intel CPUs) */
    a = a < (FA_T)FA_TS_ZERO ? (FA_T)0 : a;
    tiny = a < (FA_T)FA_TS_TINY;
    FA_T as = a * (tiny ? (FA_T)FA_TS_UP : (FA_T)1);  /* exact */
    FA_T ac = as > FA_TANH_BIG ? FA_TANH_BIG : as;   /* NaN stays NaN */
    FA_T u, ul, c3, c3l, p, t, tl, ph, pl, small, e, elo, num, dh, dl, inv, q, ql, d, dlo, hi,
        bb, lo, big, ab;
    FA_U n, n1;
    int i;
    /* small: a^3 = c3 + c3l, P = ph + pl */
    u = ac * ac;
    ul = -FA_FN(fa_fms_)(ac, ac, u);
    c3 = ac * u;
    c3l = -FA_FN(fa_fms_)(ac, u, c3) + ac * ul;
    /* scaled tiny a: only the leading term a^3/3 (P(0)), so P is evaluated at 0 */
    u = tiny ? u - u : u;
    ul = tiny ? ul - ul : ul;
    p = P[0];
    for (i = 1; i < FA_TANH_DEG; i++) {
        p = p * u + P[i];
    }
    t = p * u;
    tl = -FA_FN(fa_fms_)(p, u, t) + p * ul;
    ph = P[FA_TANH_DEG] + t;
    pl = ((P[FA_TANH_DEG] - ph) + t) + (tl + third_lo);  /* Fast2Sum, 1/3 > |t| */
    small = FA_FN(fa_mul22_)(c3, c3l, -ph, -pl);
    small = small * (tiny ? (FA_T)FA_TS_DOWN : (FA_T)1);  /* rounded once if subnormal */
    /* big: (a - 1) + 2e/(1 + e) */
    e = FA_FN(fa_exp_reduced_)(-(ac + ac), (FA_T)0, &elo, &n, &n1, 0);
    e = e * FA_FN(fa_pow2_)(n);
    elo = elo * FA_FN(fa_pow2_)(n);
    num = e + e;
    dh = (FA_T)1 + e;
    dl = (((FA_T)1 - dh) + e) + elo;                  /* Fast2Sum */
    inv = (FA_T)1 / dh;                               /* the one division */
    q = num * inv;
    ql = (FA_FN(fa_fms_)(q, dh, num) + (elo + elo) - q * dl) * inv;
    ab = as > FA_TS_HUGE ? FA_TS_HUGE : as;
    d = ab - (FA_T)1;
    dlo = (ab - d) - (FA_T)1;                         /* Fast2Sum: a - 1 = d + dlo */
    hi = d + q;
    bb = hi - d;
    lo = ((d - (hi - bb)) + (q - bb)) + (ql + dlo);  /* TwoSum */
    big = hi + lo;
    big = a > FA_TS_HUGE ? a : big;
    return FA_FN(fa_copysign_)(a < (FA_T)FA_TANH_SMALL ? small : big, x);
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
#undef FA_THIRD_LO
#undef FA_TS_TINY
#undef FA_TS_ZERO
#undef FA_TS_UP
#undef FA_TS_DOWN
#undef FA_TS_HUGE
#undef FA_M1_TINY
#undef FA_EXPM1_LO
#undef FA_LOG1P_DEG
#undef FA_LOG1P_R
#undef FA_SQRTH_BITS
#undef FA_MAXV
#undef FA_L1PE_BIG
#undef FA_XF_TINY
#undef FA_XF_BIG
#undef FA_LOG1P_COMP
#undef FA_SIX_TENTHS_LO
