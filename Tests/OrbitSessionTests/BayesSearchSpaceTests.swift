import OrbitSearch
import OrbitSpec
import Testing

@testable import OrbitSession

/// A bayes spec's parameters as an OrbitSearch space, both ways (issue 27).
struct BayesSearchSpaceTests {
  static let yaml = """
    program: train.py
    method: bayes
    metric: {name: val_loss}
    zip:
      - [model.width, optimizer.lr_scale]
    parameters:
      model:
        parameters:
          width: {values: [64, 128, 256]}
          depth: {value: 4}
      optimizer:
        parameters:
          lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
          lr_scale: {values: [1.0, 0.5, 0.25]}
      act: {distribution: categorical_w_probabilities, values: [relu, gelu], probabilities: [0.3, 0.7]}
      warmup: {min: 0, max: 500}
      batch: {distribution: q_log_uniform_values, min: 16, max: 512, q: 16}
      dropout: {distribution: beta, a: 2, b: 5}
    """

  @Test func roundTrip() throws {
    let spec = try Spec.parse(yaml: Self.yaml, fileName: "s.yaml")
    let bridge = try BayesSearchSpace(spec: spec)
    // zip group, lr, act, warmup, batch, dropout: the constant depth is not searched.
    #expect(bridge.space.count == 6)
    #expect(bridge.constants["model.depth"] == .int(4))
    var random = SearchRandom(seed: 3)
    for _ in 0..<50 {
      let point = bridge.space.point((0..<bridge.space.count).map { _ in random.nextUnit() })
      let values = bridge.values(for: point)
      #expect(values.count == 7)
      guard case .int(let warmup) = values["warmup"], case .int(let batch) = values["batch"],
        case .double(let lr) = values["optimizer.lr"]
      else {
        Issue.record("types: \(values)")
        return
      }
      #expect((0...500).contains(warmup) && batch % 16 == 0 && lr >= 1e-4 && lr <= 0.1)
      // A zip row keeps its members together.
      let width = values["model.width"]!
      let scale = values["optimizer.lr_scale"]!
      let rows: [(ParamValue, ParamValue)] = [
        (.int(64), .double(1)), (.int(128), .double(0.5)), (.int(256), .double(0.25)),
      ]
      #expect(rows.contains { $0.0 == width && $0.1 == scale })
      let back = try #require(bridge.point(for: values))
      #expect(bridge.space.key(back) == bridge.space.key(point))
    }
    #expect(bridge.point(for: ["warmup": .int(3)]) == nil)
  }

  @Test func onlyConstantsIsRefused() throws {
    let spec = try Spec.parse(
      yaml: "method: bayes\nprogram: t.py\nmetric: {name: l}\nparameters:\n  a: {value: 1}\n",
      fileName: "s.yaml")
    #expect(throws: SessionError.self) { try BayesSearchSpace(spec: spec) }
  }
}
