"""Derive the polynomial coefficients used in src/fastact/_vmath.h.

Run:  python tools/fit_coefficients.py   (needs mpmath)

tanh, small |x| (|x| < 0.6):  tanh(x) = x + x^3 * P(x^2),  P fitted on u = x^2 in
[0, 0.36] with mpmath.chebyfit (Chebyshev interpolation, within a few percent of the
minimax error).  P(u) = (tanh(sqrt u) - sqrt u) / u^1.5, with P(0) = -1/3.
The degree is chosen so that the approximation error in tanh is far below half an
ulp: float32 degree 5 (2^-32 relative), float64 degree 11 (2^-61 relative).

exp uses the Taylor coefficients 1/k! on |r| <= ln(2)/2 (no fit needed): degree 7 for
float32 (truncation 5e-9 relative, 0.09 ulp) and degree 13 for float64 (4e-18, 0.04 ulp).
"""
import mpmath as mp

mp.mp.dps = 60
TANH_SMALL = mp.mpf("0.6")


def tanh_p(u):
    if u == 0:
        return mp.mpf(-1) / 3
    s = mp.sqrt(u)
    return (mp.tanh(s) - s) / (u * s)


def fit(deg):
    coeffs, err = mp.chebyfit(tanh_p, [0, TANH_SMALL**2], deg + 1, error=True)
    # chebyfit returns highest degree first; relative error in tanh ~ err * x^2
    rel = err * TANH_SMALL**2
    return coeffs, rel


if __name__ == "__main__":
    for name, deg in (("f32", 5), ("f64", 11)):
        coeffs, rel = fit(deg)
        print(f"/* tanh small-|x| P(u), {name}, degree {deg}, "
              f"relative error in tanh <= 2^{float(mp.log(rel, 2)):.1f}; highest first */")
        print(",\n".join("    " + mp.nstr(c, 21, min_fixed=-1, max_fixed=1) for c in coeffs))
