/// The normal distribution, the regularised incomplete beta function and expected improvement:
/// what the CDF/PPF mapping and the acquisition functions need, in double precision.
public enum SpecialFunctions {
  static let sqrt2 = 2.0.squareRoot()
  static let logSqrt2Pi = 0.5 * _log(2 * Double.pi)

  /// The standard normal density φ(z).
  public static func normalPDF(_ z: Double) -> Double { _exp(-0.5 * z * z - logSqrt2Pi) }

  /// The standard normal CDF Φ(z), accurate in both tails (through erfc).
  public static func normalCDF(_ z: Double) -> Double { 0.5 * _erfc(-z / sqrt2) }

  /// The standard normal quantile Φ⁻¹(p): Acklam's rational approximation (relative error
  /// 1.2e-9) polished by one Halley step on erfc, to full double precision.
  public static func normalPPF(_ p: Double) -> Double {
    if p <= 0 { return -.infinity }
    if p >= 1 { return .infinity }
    let a = [
      -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00,
    ]
    let b = [
      -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
      6.680131188771972e+01, -1.328068155288572e+01,
    ]
    let c = [
      -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00,
    ]
    let d = [
      7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00,
    ]
    let low = 0.02425
    var x: Double
    if p < low {
      let q = (-2 * _log(p)).squareRoot()
      x =
        (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
        / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    } else if p <= 1 - low {
      let q = p - 0.5
      let r = q * q
      x =
        (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    } else {
      let q = (-2 * _log(1 - p)).squareRoot()
      x =
        -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
        / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    // Halley refinement: e = Φ(x) − p, u = e·√(2π)·exp(x²/2).
    let e = normalCDF(x) - p
    let u = e * (2 * Double.pi).squareRoot() * _exp(x * x / 2)
    x -= u / (1 + x * u / 2)
    return x
  }

  /// exp(x²)·erfc(x) without overflow: direct below 26 (exp(676) is finite), the asymptotic
  /// series above, where its error is below 1e-12.
  static func erfcx(_ x: Double) -> Double {
    if x < 26 { return _exp(x * x) * _erfc(x) }
    let inv2 = 1 / (x * x)
    return 1 / (x * Double.pi.squareRoot())
      * (1 - 0.5 * inv2 + 0.75 * inv2 * inv2 - 1.875 * inv2 * inv2 * inv2)
  }

  /// Expected improvement of a minimisation at a point with predictive mean `mean` and standard
  /// deviation `sd`, below the incumbent `best`: (best − μ)Φ(z) + σφ(z), z = (best − μ)/σ.
  public static func expectedImprovement(mean: Double, sd: Double, best: Double) -> Double {
    guard sd > 0 else { return max(best - mean, 0) }
    let z = (best - mean) / sd
    return (best - mean) * normalCDF(z) + sd * normalPDF(z)
  }

  /// log of expected improvement, accurate where EI underflows (Ament et al. 2023, "Unexpected
  /// improvements to expected improvement"): log σ + log h(z), h(z) = φ(z) + zΦ(z), with h
  /// written through erfcx for z < −1 so that far-from-incumbent candidates still rank.
  public static func logExpectedImprovement(mean: Double, sd: Double, best: Double) -> Double {
    guard sd > 0 else {
      let gain = best - mean
      return gain > 0 ? _log(gain) : -.infinity
    }
    let z = (best - mean) / sd
    return _log(sd) + logH(z)
  }

  /// log(φ(z) + zΦ(z)).
  static func logH(_ z: Double) -> Double {
    if z > -1 {
      return _log(normalPDF(z) + z * normalCDF(z))
    }
    // h(z) = φ(z)·(1 − |z|·√(π/2)·erfcx(|z|/√2)) for z < 0; the bracket by log1p of a
    // negative number, which stays accurate as it approaches 0 (its floor is about 1/z²).
    let t = -z
    let ratio = t * (Double.pi / 2).squareRoot() * erfcx(t / sqrt2)
    let bracket = 1 - ratio
    let logBracket = bracket > 1e-3 ? _log(bracket) : _log1p(-ratio)
    // Far out, 1 − ratio loses digits; the series 1/t² − 3/t⁴ + 15/t⁶ is exact enough there.
    if t > 40 {
      let i2 = 1 / (t * t)
      return -0.5 * z * z - logSqrt2Pi + _log(i2 * (1 - 3 * i2 + 15 * i2 * i2))
    }
    return -0.5 * z * z - logSqrt2Pi + logBracket
  }

  /// The regularised incomplete beta function I_x(a, b): the continued fraction (modified
  /// Lentz), on the side of x where it converges fast.
  public static func incompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let logFront =
      _lgamma(a + b) - _lgamma(a) - _lgamma(b) + a * _log(x) + b * _log(1 - x)
    if x < (a + 1) / (a + b + 2) {
      return _exp(logFront) * betaFraction(x, a: a, b: b) / a
    }
    return 1 - _exp(logFront) * betaFraction(1 - x, a: b, b: a) / b
  }

  private static func betaFraction(_ x: Double, a: Double, b: Double) -> Double {
    let tiny = 1e-300
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var h = d
    for m in 1...300 {
      let m = Double(m)
      let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
      d = 1 + even * d
      if abs(d) < tiny { d = tiny }
      c = 1 + even / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      h *= d * c
      let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
      d = 1 + odd * d
      if abs(d) < tiny { d = tiny }
      c = 1 + odd / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      h *= delta
      if abs(delta - 1) < 1e-15 { break }
    }
    return h
  }

  /// The inverse of ``incompleteBeta(_:a:b:)`` in x: bisection to 1e-14, robust for every
  /// shape (Newton alone overshoots near 0 and 1 when a or b < 1).
  public static func inverseIncompleteBeta(_ p: Double, a: Double, b: Double) -> Double {
    if p <= 0 { return 0 }
    if p >= 1 { return 1 }
    var low = 0.0
    var high = 1.0
    for _ in 0..<200 {
      let mid = 0.5 * (low + high)
      if incompleteBeta(mid, a: a, b: b) < p { low = mid } else { high = mid }
      if high - low < 1e-15 { break }
    }
    return 0.5 * (low + high)
  }
}
