import Foundation
import Testing

@testable import OrbitSpec

/// Grid order, values and ids of the specs in `golden/` against the lists written by
/// `golden/make_golden.py` (an independent Python implementation of wandb's grid rules).
struct GoldenGridTests {
  static let cases = [
    "flat_grid", "int_uniform_grid", "q_uniform_grid", "nested_grid", "zip_grid", "seeds_grid",
    "core_grid", "run_cap_grid", "unicode_grid", "random_all", "random_zip_seeds", "huge_grid",
  ]

  static func goldenURL(_ name: String) throws -> URL {
    try #require(Bundle.module.url(forResource: "golden/\(name)", withExtension: nil))
  }

  @Test(arguments: cases)
  func matchesGolden(name: String) throws {
    let yamlText = try String(contentsOf: Self.goldenURL("\(name).yaml"), encoding: .utf8)
    let spec = try Spec.parse(yaml: yamlText, fileName: "\(name).yaml")
    let goldenText = try String(contentsOf: Self.goldenURL("\(name).json"), encoding: .utf8)
    guard case .object(let golden) = try ParamValue.parseJSON(goldenText),
      case .int(let count) = golden["count"], case .list(let trials) = golden["trials"]
    else {
      Issue.record("malformed golden file \(name).json")
      return
    }
    #expect(spec.trialCount == Int(count))
    #expect(!trials.isEmpty)
    for entry in trials {
      guard case .object(let expected) = entry, case .int(let index) = expected["index"],
        case .string(let id) = expected["id"], case .object(let params) = expected["params"]
      else {
        Issue.record("malformed golden trial in \(name).json")
        return
      }
      let trial = spec.trial(at: Int(index))
      #expect(trial.index == Int(index))
      // Exact values and types: 1 is not 1.0 in params, only in the id.
      #expect(trial.params == params, "\(name) trial \(index)")
      #expect(trial.id.hex == id, "\(name) trial \(index)")
      #expect(trial.id == TrialID(canonicalJSON: trial.canonicalJSON))
      // The JSON written alongside equals the dictionary's, and parses back to it exactly.
      #expect(trial.canonicalJSON == ParamValue.object(trial.params).canonicalJSON)
      #expect(trial.paramsJSON == ParamValue.object(trial.params).json)
      #expect(try ParamValue.parseJSON(trial.paramsJSON) == .object(trial.params))
    }
  }

  @Test func dimensionsInGridOrder() throws {
    let yamlText = try String(contentsOf: Self.goldenURL("zip_grid.yaml"), encoding: .utf8)
    let spec = try Spec.parse(yaml: yamlText, fileName: "zip_grid.yaml")
    #expect(
      spec.gridDimensions.map(\.description) == ["data (2)", "[lr, width] (3)", "momentum (2)"])
    let seeded = try Spec.parse(
      yaml: try String(contentsOf: Self.goldenURL("seeds_grid.yaml"), encoding: .utf8),
      fileName: "seeds_grid.yaml")
    #expect(
      seeded.gridDimensions == [
        GridDimension(names: ["lr"], count: 2), GridDimension(names: ["seed"], count: 3),
      ])
  }

  /// The lazy sequence yields what `trial(at:)` does, in order.
  @Test func sequenceMatchesRandomAccess() throws {
    let yamlText = try String(contentsOf: Self.goldenURL("zip_grid.yaml"), encoding: .utf8)
    let spec = try Spec.parse(yaml: yamlText, fileName: "zip_grid.yaml")
    let all = Array(spec.trials)
    #expect(all.count == spec.trialCount)
    for (offset, trial) in all.enumerated() {
      #expect(trial.index == offset)
      #expect(trial.id == spec.trial(at: offset).id)
    }
    #expect(Set(all.map(\.id)).count == all.count)
  }
}
