import Foundation
import OrbitAnalysis
import OrbitSpec
import Testing

@testable import OrbitSession

/// What the spec's `analysis:` block does to the roles inferred from parameter names.
@Suite("Inferred roles under an analysis block")
struct InferredRolesTests {
  /// lr × width × dropout, one seed, val_loss only.
  static let table = TrialsCSV.table(
    [64, 128, 256, 512].flatMap { width in
      [0.001, 0.01].flatMap { lr in
        [0.0, 0.1].map { dropout in
          record(
            "w\(width)l\(lr)d\(dropout)",
            params: #"{"width":\#(width),"lr":\#(lr),"dropout":\#(dropout),"seed":0}"#,
            metrics: #"{"val_loss":\#(1.0 / Double(width) + lr + dropout)}"#)
        }
      }
    })

  func settings(_ analysis: String?) throws -> AnalysisSettings {
    var text = """
      method: grid
      program: x.py
      metric: {name: val_loss, goal: minimize}
      parameters:
        width: {values: [64, 128, 256, 512]}
        lr: {values: [0.001, 0.01]}
        dropout: {values: [0.0, 0.1]}

      """
    if let analysis { text += "analysis:\n\(analysis)\n" }
    return Reporting.analysisSettings(spec: try spec(text), table: Self.table)
  }

  @Test func withoutABlockLRAndDropoutAreTunedAndWidthIsTheAxis() throws {
    let s = try settings(nil)
    #expect(s.xs == ["width"])
    #expect(s.tune == ["dropout", "lr"], "in the columns' order")
    #expect(s.groupBy.isEmpty)
    #expect(s.tuneInferred && s.select == "val_loss")
    #expect(s.explicitKeys.isEmpty)
    #expect(s.rolesLine.contains("set `analysis:` to change"))
  }

  @Test func aColumnTheBlockNamesAsAGroupIsNotTuned() throws {
    let s = try settings("  group: [lr]")
    #expect(s.groupBy == ["lr"])
    #expect(s.tune == ["dropout"])
    #expect(s.explicitKeys == ["group"])
    #expect(s.rolesLine.contains("analysis: sets group"))
  }

  @Test func anExplicitTuneListMakesTheOtherInferredOnesGroups() throws {
    let s = try settings("  tune: [lr]")
    #expect(s.tune == ["lr"])
    #expect(!s.tuneInferred)
    #expect(s.groupBy == ["dropout"])
    #expect(s.select == "val_loss")
  }
}

extension InferredRolesTests {
  @Test func aHyperbandSpecReachesTheAnalysis() throws {
    let text = """
      method: grid
      program: x.py
      metric: {name: val_loss, goal: minimize}
      early_terminate: {type: hyperband, min_iter: 3}
      parameters:
        width: {values: [64, 128, 256, 512]}

      """
    let s = Reporting.analysisSettings(spec: try spec(text), table: Self.table)
    #expect(s.earlyTermination == "hyperband")
    #expect(try settings(nil).earlyTermination == nil)
  }
}
