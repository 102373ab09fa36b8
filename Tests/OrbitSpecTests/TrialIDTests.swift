import Testing

@testable import OrbitSpec

/// Trial ids are content hashes: stable under key order and `1` vs `1.0`, different otherwise.
struct TrialIDTests {
  static func ids(_ yaml: String) throws -> [TrialID] {
    try Spec.parse(yaml: yaml, fileName: "spec.yaml").trials.map(\.id)
  }

  @Test func stableUnderKeyReordering() throws {
    let first = try Self.ids(
      """
      method: grid
      program: train.py
      parameters:
        lr: {values: [0.1, 0.01]}
        model:
          parameters:
            width: {values: [8, 16]}
            depth: {value: 2}
      """)
    let reordered = try Self.ids(
      """
      parameters:
        model:
          parameters:
            depth: {value: 2}
            width: {values: [8, 16]}
        lr: {values: [0.1, 0.01]}
      program: train.py
      method: grid
      """)
    #expect(first == reordered)
    #expect(Set(first).count == 4)
  }

  @Test func oneAndOnePointZeroAreTheSameTrial() throws {
    let ints = try Self.ids(
      """
      method: grid
      program: train.py
      parameters:
        n: {values: [1, 3000000]}
      """)
    let floats = try Self.ids(
      """
      method: grid
      program: train.py
      parameters:
        n: {values: [1.0, 3.0e6]}
      """)
    #expect(ints == floats)
  }

  @Test func differentValuesGiveDifferentIds() throws {
    let ids = try Self.ids(
      """
      method: grid
      program: train.py
      parameters:
        x: {values: [1, "1", true, 1.5, null, [1], "one"]}
      """)
    #expect(Set(ids).count == 7)
  }

  @Test func seedIsPartOfTheId() throws {
    let ids = try Self.ids(
      """
      method: grid
      program: train.py
      seeds: 3
      parameters:
        x: {value: 1}
      """)
    #expect(Set(ids).count == 3)
  }

  @Test func knownIdForKnownParams() {
    // python3 -c 'import hashlib;print(hashlib.sha256(b"{\"lr\":0.1,\"seed\":0}").hexdigest())'
    let trial = Trial(index: 0, params: ["seed": 0, "lr": 0.1])
    #expect(trial.canonicalJSON == #"{"lr":0.1,"seed":0}"#)
    #expect(trial.id.hex == "ff0a64b8b4763380bc3fe638a20a0009284041e735565bcb2fa019f8a55fe989")
    #expect(trial.id.short == String(trial.id.hex.prefix(12)))
  }

  @Test func parsingHex() {
    let hex = String(repeating: "ab", count: 32)
    #expect(TrialID(hex: hex)?.hex == hex)
    #expect(TrialID(hex: hex.uppercased())?.hex == hex)
    #expect(TrialID(hex: "abc") == nil)
    #expect(TrialID(hex: String(repeating: "zz", count: 32)) == nil)
  }
}
