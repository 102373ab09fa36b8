import Foundation

@testable import OrbitAnalysis

/// Files copied into this test folder, found via #filePath (the target declares no resources).
enum TestData {
  static var folder: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("data")
  }

  static func table(_ name: String) throws -> Table {
    try Table.parseCSV(String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
  }

  /// Epoch's 245 Chinchilla points with the 5 highest losses dropped: (N, D = C/6N, loss).
  static func chinchillaPoints() throws -> (n: [Double], d: [Double], loss: [Double]) {
    let table = try table("chinchilla-epoch-2024.csv")
    let n = table.numbers("Model Size").map { $0! }
    let c = table.numbers("Training FLOP").map { $0! }
    let loss = table.numbers("loss").map { $0! }
    let kept = loss.indices.sorted { loss[$0] > loss[$1] }.dropFirst(5).sorted()
    return (kept.map { n[$0] }, kept.map { c[$0] / (6 * n[$0]) }, kept.map { loss[$0] })
  }

  /// The full 4,500-start fit of those points, computed once and shared by the suites.
  static let chinchillaFit: (objective: HuberLogObjective, fit: LawFit) = {
    let points = try! chinchillaPoints()
    let fitter = LawFitter(law: .chinchilla)
    let objective = try! fitter.makeObjective(x: points.n, secondX: points.d, y: points.loss)
    return (objective, fitter.fit(objective))
  }()
}
