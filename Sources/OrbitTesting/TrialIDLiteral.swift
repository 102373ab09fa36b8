import OrbitSpec

/// Tests name trials by short words (`"t3"`, `"a"`): the literal is the id of a trial whose
/// canonical JSON is that word, so tests stay readable while the code under test sees real
/// 32-byte ids. Only test targets link this module.
extension TrialID: ExpressibleByStringInterpolation {
  public init(stringLiteral value: String) { self.init(canonicalJSON: value) }
  public init(stringInterpolation: DefaultStringInterpolation) {
    self.init(canonicalJSON: String(stringInterpolation: stringInterpolation))
  }
}
