import Foundation
import OrbitTesting
import Testing

/// Every bad-spec case of the spec's unit tests, through the built binary: one line naming
/// file:line:column, the parameter and the fix; exit 65; nothing created.
@Suite("Bad specs through the orbit binary")
struct BadSpecTests {
  struct Case: Decodable, Sendable, CustomTestStringConvertible {
    var file: String
    var expected: String
    var testDescription: String { file }
  }

  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("bad-specs")

  static let cases: [Case] = {
    let data =
      (try? Data(contentsOf: folder.appendingPathComponent("expected.json"))) ?? Data("[]".utf8)
    return (try? JSONDecoder().decode([Case].self, from: data)) ?? []
  }()

  @Test func thereAreCasesToRun() {
    #expect(Self.cases.count >= 25)
  }

  @Test(arguments: cases)
  func badSpecExits65WithItsMessage(_ c: Case) throws {
    let sandbox = try Sandbox()
    try FileManager.default.copyItem(
      atPath: Self.folder.appendingPathComponent(c.file).path, toPath: "\(sandbox.path)/\(c.file)")
    let result = try OrbitProcess.run(["run", c.file], in: sandbox.path, timeout: 30)
    #expect(result.code == 65)
    #expect(result.stderr == "error: \(c.expected)\n")
    #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/runs"))
  }
}
