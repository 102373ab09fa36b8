#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Thin wrappers over libm so the module needs no Foundation.
@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _exp(_ x: Double) -> Double { exp(x) }
@inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
@inline(__always) func _erfc(_ x: Double) -> Double { erfc(x) }
@inline(__always) func _log1p(_ x: Double) -> Double { log1p(x) }
@inline(__always) func _expm1(_ x: Double) -> Double { expm1(x) }
@inline(__always) func _lgamma(_ x: Double) -> Double { lgamma(x) }
@inline(__always) func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
