import Foundation
import OrbitTesting
import Testing

@testable import OrbitSession

@Suite("Keys under analysis:")
struct AnalysisKeysTests {
  static let head = """
    method: grid
    command: [echo]
    parameters:
      model.width: {values: [8, 16, 32]}
    """

  func refusal(_ text: String) throws -> SessionError? {
    let sandbox = try Sandbox()
    let path = try sandbox.file("spec.yaml", text)
    do {
      _ = try SpecLoading.load(path)
      return nil
    } catch {
      return error
    }
  }

  @Test func anUnknownKeyIsA65WithFileLineColumnAndTheKnownKeys() throws {
    let error = try #require(
      try refusal(
        Self.head + "\nanalysis:\n  x: [model.width]\n  # a comment\n  comapre: model.kind\n"))
    #expect(error.exitCode == ExitStatus.badData)
    #expect(
      error.message.contains("spec.yaml:8:3: unknown key 'analysis.comapre'"), "\(error.message)")
    #expect(error.message.contains("did you mean 'compare'?"))
    #expect(error.message.contains("baseline, bootstrap, compare"))
  }

  @Test func flowStyleIsLocatedOnItsLine() throws {
    let error = try #require(
      try refusal(Self.head + "\nanalysis: {x: model.width, bootstrapp: 10}\n"))
    #expect(
      error.message.contains("spec.yaml:5:28: unknown key 'analysis.bootstrapp'"),
      "\(error.message)")
  }

  @Test func everyDocumentedKeyLoads() throws {
    let text =
      Self.head
      + "\nanalysis:\n  y: loss\n  x: [model.width]\n  group: [model.kind]\n  seed: seed\n"
      + "  bootstrap: 100\n  level: 0.9\n  compare: model.kind\n  baseline: plain\n"
      + "  tune: [train.lr]\n  select: val_loss\n"
    #expect(try refusal(text) == nil)
    #expect(Reporting.analysisKeys.count == 10)
  }
}
