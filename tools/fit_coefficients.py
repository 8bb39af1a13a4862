"""Derive the polynomial coefficients used in src/fastact/_vmath.h and the table in
src/fastact/_tanh_table.h.

Run from the repository root:  python tools/fit_coefficients.py   (needs mpmath)

tanh, small |x| (|x| < 0.6):  tanh(x) = x + x^3 * P(x^2),  P fitted on u = x^2 in
[0, 0.36] with mpmath.chebyfit (Chebyshev interpolation, within a few percent of the
minimax error).  P(u) = (tanh(sqrt u) - sqrt u) / u^1.5, with P(0) = -1/3.
The degree is chosen so that the approximation error in tanh is far below half an
ulp: float32 degree 5 (2^-32 relative), float64 degree 11 (2^-61 relative).

exp uses the Taylor coefficients 1/k! on |r| <= ln(2)/2 (no fit needed): degree 7 for
float32 (truncation 5e-9 relative, 0.09 ulp) and degree 13 for float64 (4e-18, 0.04 ulp).
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 60
TANH_SMALL = mp.mpf("0.6")


def chebyfit_asc(f, interval, n):
    """mpmath.chebyfit's coefficients, lowest power first, and its error estimate
    (newer mpmath wants asc=True; older ones only know the descending order)."""
    try:
        coeffs, err = mp.chebyfit(f, interval, n, error=True, asc=True)
        return list(coeffs), err
    except TypeError:
        coeffs, err = mp.chebyfit(f, interval, n, error=True)
        return list(reversed(coeffs)), err


def tanh_p(u):
    if u == 0:
        return mp.mpf(-1) / 3
    s = mp.sqrt(u)
    return (mp.tanh(s) - s) / (u * s)


def fit(deg):
    coeffs, err = chebyfit_asc(tanh_p, [0, TANH_SMALL**2], deg + 1)
    # relative error in tanh ~ err * x^2; _vmath.h wants the highest degree first
    rel = err * TANH_SMALL**2
    return list(reversed(coeffs)), rel


def print_tanh_small():
    for name, deg in (("f32", 5), ("f64", 11)):
        coeffs, rel = fit(deg)
        print(f"/* tanh small-|x| P(u), {name}, degree {deg}, "
              f"relative error in tanh <= 2^{float(mp.log(rel, 2)):.1f}; highest first */")
        print(",\n".join("    " + mp.nstr(c, 21, min_fixed=-1, max_fixed=1) for c in coeffs))


# ----------------------------------------------------------------------------------
# float32 tanh by table (the AVX-512 path, src/fastact/_tanh_table.h)
#
# |x| is split into 32 intervals by its float bits: 4 per binade from 2^-4 to 2^4,
# index = (bits(|x|) >> 21) - (bits(2^-4) >> 21), clamped to [0, 31]. On interval i
# (i >= 1) tanh(a) = P_i(a - start), start = a with its low 21 bits cleared (exact);
# interval 0 takes all a < 2^-4 * 1.25 as a * Q(a) (so tiny and subnormal a come out
# exact). Past 10, tanh rounds to 1 in float32: those intervals hold the constant 1.
# Degree 5: fit error <= 2^-26.3 relative (chebyfit), 0.2 ulp at worst; degree 6
# (2^-30) measured 15% slower for the same max error after rounding (0.63 ulp).
TABLE_DEG = 5
TABLE_HEADER = "src/fastact/_tanh_table.h"


def table_interval(i):
    e = -4 + i // 4
    lo = mp.mpf(2) ** e * (1 + mp.mpf(i % 4) / 4)
    return lo, lo + mp.mpf(2) ** e / 4


def tanh_table():
    """Coefficients c[k][i] (k = 0..DEG, lowest first) and the worst fit error."""
    cols, worst = [], mp.mpf(0)
    for i in range(32):
        lo, hi = table_interval(i)
        if i == 0:
            q, err = chebyfit_asc(lambda a: mp.tanh(a) / a if a else mp.mpf(1),
                                  [0, hi], TABLE_DEG)
            coeffs = [mp.mpf(0)] + q  # a * Q(a): c0 = 0
        elif lo >= 10:
            coeffs, err = [mp.mpf(1)] + [mp.mpf(0)] * TABLE_DEG, mp.mpf(0)
        else:
            coeffs, err = chebyfit_asc(lambda t: mp.tanh(lo + t), [0, hi - lo], TABLE_DEG + 1)
            err = err / mp.tanh(lo)
        worst = max(worst, err)
        cols.append(coeffs)
    return [[cols[i][k] for i in range(32)] for k in range(TABLE_DEG + 1)], worst


def float32_table_rows(table):
    """The C rows of a float32 table of 32 intervals: table[k][i] (the coefficient of t^k
    on interval i), then the row DEG+1, the rounding error of the constant term,
    c0 - float32(c0), so that a kernel can add c0 in two parts and round once at the
    end; each value printed as the float32 it rounds to (9 digits round-trip exactly)."""
    c0_lo = [c - mp.mpf(float(np.float32(float(c)))) for c in table[0]]
    return float32_rows(table + [c0_lo])


def float32_rows(rows):
    """The C lines of rows of 32 float32 values (then the closing "};"), 8 to a line."""
    lines = []
    for row in rows:
        vals = ["%.9ef" % float(np.float32(float(v))) for v in row]
        lines.append("    {" + ",".join(vals[:8]) + ",")
        for j in range(8, 32, 8):
            end = "}," if j == 24 else ","
            lines.append("     " + ",".join(vals[j:j + 8]) + end)
    return lines + ["};"]


def write_lines(path, lines, worst):
    """Write a generated header and say so, with its worst fit error."""
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {path}: fit error 2^{float(mp.log(worst, 2)):.1f}")


def write_tanh_table(path=TABLE_HEADER):
    table, worst = tanh_table()
    lines = [
        "/* GENERATED by tools/fit_coefficients.py (write_tanh_table) -- do not edit.",
        " * float32 tanh on 32 intervals of |x|, degree %d per interval; fit error" % TABLE_DEG,
        " * <= 2^%.1f relative. FA_TANH_TAB[k][i]: coefficient of t^k on interval i;"
        % float(mp.log(worst, 2)),
        " * FA_TANH_TAB[DEG+1][i]: the low part of the constant term. */",
        "#define FA_TANH_TAB_DEG %d" % TABLE_DEG,
        "static const float FA_TANH_TAB[%d][32] __attribute__((aligned(64))) = {" % (TABLE_DEG + 2),
    ]
    lines += float32_table_rows(table)
    write_lines(path, lines, worst)



# ----------------------------------------------------------------------------------
# float32 sigmoid by table (the AVX-512 path, src/fastact/_sigmoid_table.h)
#
# u = |x| in [0, 17.72) is split into 32 intervals of width 9/16 centred on i 9/16,
# index = round(u * 16/9) (interval 0: [0, 9/32]); on interval i,
# g(u) = sigmoid(-u) = 1/(1 + e^u) = P_i(t), t = u - i 9/16 (exact, Sterbenz), |t| <= 9/32.
# Degree 6: fit error <= 2^-29 relative (chebyfit).
# sigmoid(x) = P_i(t) for x <= 0 and 1 - P_i(t) for x > 0: the constant terms of both,
# g(centre) and 1 - g(centre), are kept in two parts (hi + lo) so that each result is
# rounded about once (the kernel also keeps the rounding error of c0 + c1 t). Past 17.33
# sigmoid(x) rounds to 1; x < -17.71 goes to the exp kernel.
SIG_DEG = 6
SIG_WIDTH = mp.mpf(9) / 16
SIG_HEADER = "src/fastact/_sigmoid_table.h"


def sigmoid_table():
    """Rows of 32: the coefficients of t^1 .. t^DEG, the centres, g(centre) hi and lo,
    1 - g(centre) hi and minus its lo part; and the worst fit error (relative)."""
    g = lambda u: 1 / (1 + mp.exp(u))
    coef, centres, worst = [[] for _ in range(SIG_DEG)], [], mp.mpf(0)
    for i in range(32):
        c = i * SIG_WIDTH
        iv = [0, SIG_WIDTH / 2] if i == 0 else [-SIG_WIDTH / 2, SIG_WIDTH / 2]
        co, err = chebyfit_asc(lambda t: g(c + t), iv, SIG_DEG + 1)
        worst = max(worst, err / g(c + iv[1]))
        centres.append(c)
        for k in range(SIG_DEG):
            coef[k].append(co[k + 1])
    f32 = lambda v: mp.mpf(float(np.float32(float(v))))
    g0 = [g(c) for c in centres]
    nhi = [f32(v) for v in g0]
    phi = [f32(1 - v) for v in g0]
    rows = coef + [centres, nhi, [v - h for v, h in zip(g0, nhi)], phi,
                   [-((1 - v) - h) for v, h in zip(g0, phi)]]
    return rows, worst


def write_sigmoid_table(path=SIG_HEADER):
    rows, worst = sigmoid_table()
    lines = [
        "/* GENERATED by tools/fit_coefficients.py (write_sigmoid_table) -- do not edit.",
        " * float32 sigmoid(-u), u = |x| < 17.72, on 32 intervals of width 9/16, degree %d"
        % SIG_DEG,
        " * per interval; fit error <= 2^%.1f relative. Rows k = 0 .. DEG-1: the"
        % float(mp.log(worst, 2)),
        " * coefficient of t^(k+1); then the centres, g(centre) hi, lo, 1 - g(centre) hi"
        " and -lo. */",
        "#define FA_SIG_TAB_DEG %d" % SIG_DEG,
        "static const float FA_SIG_TAB[%d][32] __attribute__((aligned(64))) = {"
        % (SIG_DEG + 5),
    ]
    lines += float32_rows(rows)
    write_lines(path, lines, worst)




# ----------------------------------------------------------------------------------
# 2^(j/32), j = 0..31, as float32 hi + lo (src/fastact/_exp2_table.h): the AVX-512
# float32 exp by table (e^z = 2^(n/32) e^r, |r| <= ln2/64), used by sigmoid's block.
EXP2_HEADER = "src/fastact/_exp2_table.h"


def write_exp2_table(path=EXP2_HEADER):
    his, los = [], []
    for j in range(32):
        v = mp.mpf(2) ** (mp.mpf(j) / 32)
        hi = float(np.float32(float(v)))
        his.append(hi)
        los.append(float(np.float32(float(v - mp.mpf(hi)))))
    dhis, dlos = [], []
    for j in range(32):
        v = mp.mpf(2) ** (mp.mpf(j) / 32)
        dhis.append(float(v))
        dlos.append(float(v - mp.mpf(float(v))))
    fmt = lambda vals: ",".join("%.9ef" % v for v in vals)
    dfmt = lambda vals: ",".join("%.17e" % v for v in vals)
    lines = [
        "/* GENERATED by tools/fit_coefficients.py (write_exp2_table) -- do not edit.",
        " * 2^(j/32) = FA_EXP2_32[0][j] + FA_EXP2_32[1][j] (float32 hi + lo), j = 0..31. */",
        "static const float FA_EXP2_32[2][32] __attribute__((aligned(64))) = {",
        "    {" + fmt(his[:16]) + ",", "     " + fmt(his[16:]) + "},",
        "    {" + fmt(los[:16]) + ",", "     " + fmt(los[16:]) + "},",
        "};",
        "/* The same in float64: 2^(j/32) = FA_EXP2_32D[0][j] + FA_EXP2_32D[1][j]. */",
        "static const double FA_EXP2_32D[2][32] __attribute__((aligned(64))) = {",
    ]
    for vals in (dhis, dlos):
        lines += ["    {" + dfmt(vals[:8]) + ","] + [
            "     " + dfmt(vals[i:i + 8]) + ("}," if i == 24 else ",") for i in (8, 16, 24)]
    lines += ["};"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {path}")


# ----------------------------------------------------------------------------------
# gelu (erf form), float64 (src/fastact/_gelu_table.h). Phi = the normal CDF.
#  |x| < 1/2:  Phi(x) = 1/2 + x Q(x^2), Q(u) = (Phi(sqrt u) - 1/2) / sqrt u, Q(0) = 1/sqrt(2 pi),
#              fitted on u in [0, 1/4], degree 8 (fit error 2^-66 relative);
#  a = |x| in [1/2, 39]:  Phi(-a) = e^(-a^2/2) h(a), h(a) = erfc(a/sqrt 2) e^(a^2/2) / 2
#              (the Mills ratio times the normal density's constant: smooth, ~1/(a sqrt(2 pi))).
#              h is fitted on 56 intervals of a picked from its float bits, 8 per binade
#              from 2^-1 (index = (bits(a) >> 49) - (bits(1/2) >> 49), i.e. the exponent and
#              the top 3 mantissa bits), degree 11 in t = a - mid (mid: the interval's centre,
#              bits | 1 << 48; t is exact), fit error <= 2^-59.9 relative.
GELU_HEADER = "src/fastact/_gelu_table.h"
GELU_Q_DEG = 8
GELU_TAB_DEG = 11
GELU_PER_BINADE = 8
GELU_INTERVALS = 56  # 7 binades [2^-1, 2^6); the kernel clamps a to 39 (index 49)


def gelu_h(a):
    return mp.erfc(a / mp.sqrt(2)) * mp.exp(a * a / 2) / 2


def gelu_q(u):
    if u == 0:
        return 1 / mp.sqrt(2 * mp.pi)
    x = mp.sqrt(u)
    return (mp.ncdf(x) - mp.mpf(1) / 2) / x


def gelu_interval(i):
    e = -1 + i // GELU_PER_BINADE
    lo = mp.mpf(2) ** e * (1 + mp.mpf(i % GELU_PER_BINADE) / GELU_PER_BINADE)
    w = mp.mpf(2) ** e / GELU_PER_BINADE
    return lo, lo + w / 2, lo + w


def gelu_tables():
    """(Q coefficients lowest first, Q's fit error, h table [k][i] lowest first, worst h
    fit error), all relative."""
    q, qerr = chebyfit_asc(gelu_q, [0, mp.mpf(1) / 4], GELU_Q_DEG + 1)
    qerr = qerr / gelu_q(mp.mpf(1) / 4)
    cols, worst = [], mp.mpf(0)
    for i in range(GELU_INTERVALS):
        lo, mid, hi = gelu_interval(i)
        c, err = chebyfit_asc(lambda t: gelu_h(mid + t), [lo - mid, hi - mid], GELU_TAB_DEG + 1)
        worst = max(worst, err / gelu_h(hi))
        cols.append(c)
    return q, qerr, [[cols[i][k] for i in range(GELU_INTERVALS)]
                     for k in range(GELU_TAB_DEG + 1)], worst


def _lo(v):
    return float(v - mp.mpf(float(v)))


def write_gelu_table(path=GELU_HEADER):
    q, qerr, table, worst = gelu_tables()
    fmt = lambda v: "%.17e" % float(v)
    lines = [
        "/* GENERATED by tools/fit_coefficients.py (write_gelu_table) -- do not edit.",
        " * gelu, float64 (see the generator): FA_GELU_Q[k], k = 0..%d: Q(u) lowest first, fit"
        % GELU_Q_DEG,
        " * error 2^%.1f relative; FA_GELU_Q[%d]: the low part of Q[0]." % (
            float(mp.log(qerr, 2)), GELU_Q_DEG + 1),
        " * FA_GELU_TAB[k][i]: coefficient of t^k of h on interval i, fit error <= 2^%.1f;"
        % float(mp.log(worst, 2)),
        " * FA_GELU_TAB[%d][i]: the low part of the constant term. */" % (GELU_TAB_DEG + 1),
        "#define FA_GELU_Q_DEG %d" % GELU_Q_DEG,
        "#define FA_GELU_TAB_DEG %d" % GELU_TAB_DEG,
        "#define FA_GELU_TAB_N %d" % GELU_INTERVALS,
        "static const double FA_GELU_Q[%d] = {" % (GELU_Q_DEG + 2),
        "    " + ", ".join(fmt(v) for v in q) + ", " + fmt(_lo(q[0])) + "};",
        "static const double FA_GELU_TAB[%d][%d] = {" % (GELU_TAB_DEG + 2, GELU_INTERVALS),
    ]
    for row in table + [[_lo(c) for c in table[0]]]:
        vals = [fmt(v) for v in row]
        body = ",\n     ".join(", ".join(vals[j:j + 4]) for j in range(0, len(vals), 4))
        lines.append("    {" + body.replace("\\n", "\n") + "},")
    lines.append("};")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {path}: Q fit 2^{float(mp.log(qerr, 2)):.1f}, "
          f"h fit 2^{float(mp.log(worst, 2)):.1f}")


# ----------------------------------------------------------------------------------
# float32 gelu by table (the AVX-512 path, src/fastact/_gelu_f32_table.h):
# Phi(-a) = h(a) e^(-a^2/2), h(a) = erfc(a/sqrt 2) e^(a^2/2)/2 on the 32 intervals of
# tanh's table (4 per binade from 2^-4 to 2^4, interval 0 all a < 0.078125, start 0),
# degree 6 in t = a - mid (mid: the interval's midpoint; interval 0: t = a); row DEG+1:
# the low part of the constant term.
GELU_F_DEG = 6
GELU_F_HEADER = "src/fastact/_gelu_f32_table.h"


def gelu_f32_table():
    cols, worst = [], mp.mpf(0)
    for i in range(32):
        lo, hi = table_interval(i)
        lo = mp.mpf(0) if i == 0 else lo
        mid = lo if i == 0 else (lo + hi) / 2
        c, err = chebyfit_asc(lambda t: gelu_h(mid + t), [lo - mid, hi - mid], GELU_F_DEG + 1)
        worst = max(worst, err / gelu_h(hi))
        cols.append(c)
    return [[cols[i][k] for i in range(32)] for k in range(GELU_F_DEG + 1)], worst


def write_gelu_f32_table(path=GELU_F_HEADER):
    table, worst = gelu_f32_table()
    lines = [
        "/* GENERATED by tools/fit_coefficients.py (write_gelu_f32_table) -- do not edit.",
        " * float32 gelu: h(a) = erfc(a/sqrt 2) e^(a^2/2)/2 on tanh's 32 intervals of a",
        " * (t = a - midpoint; interval 0: t = a),",
        " * degree %d per interval; fit error <= 2^%.1f relative. FA_GELU_F_TAB[k][i]:"
        % (GELU_F_DEG, float(mp.log(worst, 2))),
        " * coefficient of t^k on interval i; [DEG+1][i]: the low part of the constant. */",
        "#define FA_GELU_F_DEG %d" % GELU_F_DEG,
        "static const float FA_GELU_F_TAB[%d][32] __attribute__((aligned(64))) = {"
        % (GELU_F_DEG + 2),
    ]
    lines += float32_table_rows(table)
    write_lines(path, lines, worst)


# ----------------------------------------------------------------------------------
# float32 tanhshrink by table (the AVX-512 path, src/fastact/_tanhshrink_table.h):
# g(a) = a - tanh(a), a = |x|, on tanh's 32 intervals (4 per binade from 2^-4), degree
# TS_DEG in t = a - mid (the interval's midpoint): fit error <= 2^-26.7 relative to g,
# fitted directly, so the cancellation of a - tanh(a) never happens in float32.
# Interval 0 (a < 0.078125) is not in the table (zeros): there g = a^3 P(a^2), P of
# degree TS_SMALL_DEG in u = a^2 (fit error 2^-31 relative), P(0) = 1/3 in two parts.
# Past 16, g = a - 1 (2 e^-2a < 2^-44 relative) without a table.
TS_DEG = 5
TS_SMALL_DEG = 2
TS_HEADER = "src/fastact/_tanhshrink_table.h"


def tanhshrink_table():
    """(table rows [k][i] lowest first, worst fit error, small P lowest first, P's fit
    error), all relative."""
    g = lambda a: a - mp.tanh(a)
    cols, worst = [[mp.mpf(0)] * (TS_DEG + 1)], mp.mpf(0)
    for i in range(1, 32):
        lo, hi = table_interval(i)
        mid = (lo + hi) / 2
        c, err = chebyfit_asc(lambda t: g(mid + t), [lo - mid, hi - mid], TS_DEG + 1)
        worst = max(worst, err / g(lo))
        cols.append(c)

    def small_p(u):
        if u == 0:
            return mp.mpf(1) / 3
        s = mp.sqrt(u)
        return (s - mp.tanh(s)) / (u * s)

    top = table_interval(1)[0] ** 2
    p, perr = chebyfit_asc(small_p, [0, top], TS_SMALL_DEG + 1)
    return ([[cols[i][k] for i in range(32)] for k in range(TS_DEG + 1)], worst,
            p, perr / small_p(top))


def write_tanhshrink_table(path=TS_HEADER):
    table, worst, p, perr = tanhshrink_table()
    f32 = lambda v: float(np.float32(float(v)))
    lines = [
        "/* GENERATED by tools/fit_coefficients.py (write_tanhshrink_table) -- do not edit.",
        " * float32 tanhshrink g(a) = a - tanh(a) on tanh's 32 intervals of a = |x| (t = a -",
        " * midpoint), degree %d per interval; fit error <= 2^%.1f relative. Interval 0 is"
        % (TS_DEG, float(mp.log(worst, 2))),
        " * a^3 P(a^2) instead: FA_TS_P = P's coefficients lowest first (fit error 2^%.1f),"
        % float(mp.log(perr, 2)),
        " * then the low part of P(0). FA_TS_TAB[k][i]: coefficient of t^k on interval i;",
        " * [DEG+1][i]: the low part of the constant term. */",
        "#define FA_TS_DEG %d" % TS_DEG,
        "#define FA_TS_SMALL_DEG %d" % TS_SMALL_DEG,
        "static const float FA_TS_P[%d] = {" % (TS_SMALL_DEG + 2)
        + ", ".join("%.9ef" % f32(v) for v in p) + ", %.9ef};" % f32(p[0] - mp.mpf(f32(p[0]))),
        "static const float FA_TS_TAB[%d][32] __attribute__((aligned(64))) = {" % (TS_DEG + 2),
    ]
    lines += float32_table_rows(table)
    write_lines(path, lines, worst)


if __name__ == "__main__":
    print_tanh_small()
    write_tanh_table()
    write_sigmoid_table()
    write_exp2_table()
    write_gelu_table()
    write_gelu_f32_table()
    write_tanhshrink_table()
