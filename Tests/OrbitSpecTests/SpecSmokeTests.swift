import Testing

@testable import OrbitSpec

struct SpecSmokeTests {
  @Test func smallGridInOrder() throws {
    let spec = try Spec.parse(
      yaml: """
        method: grid
        program: train.py
        parameters:
          lr:
            values: [0.1, 0.01]
          depth:
            min: 1
            max: 3
        """, fileName: "spec.yaml")
    #expect(spec.trialCount == 6)
    let first = spec.trial(at: 0)
    #expect(first.params == ["depth": .int(1), "lr": .double(0.1)])
    #expect(first.canonicalJSON == #"{"depth":1,"lr":0.1}"#)
    #expect(spec.trial(at: 1).params["lr"] == .double(0.01))
    #expect(spec.trial(at: 5).params == ["depth": .int(3), "lr": .double(0.01)])
  }
}
