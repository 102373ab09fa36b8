import Foundation
import OrbitSpec
import Testing

/// Orbit's hyperband stops exactly the runs wandb's own engine stops (`sweeps`,
/// `hyperband_stop_runs`), on the recorded histories of golden/hyperband.json
/// (made by golden/make_hyperband.py).
@Suite("Hyperband, as wandb defines it")
struct HyperbandGoldenTests {
  struct Run: Decodable {
    var name: String
    var running: Bool
    var history: [Double]
  }
  struct Case: Decodable {
    var earlyTerminate: [String: Value]
    var goal: String
    var runs: [Run]
    var stopped: [String]
    enum CodingKeys: String, CodingKey {
      case earlyTerminate = "early_terminate"
      case goal, runs, stopped
    }
  }
  enum Value: Decodable {
    case number(Double)
    case text(String)
    case flag(Bool)
    init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if let b = try? c.decode(Bool.self) {
        self = .flag(b)
      } else if let d = try? c.decode(Double.self) {
        self = .number(d)
      } else {
        self = .text(try c.decode(String.self))
      }
    }
    var number: Double? { if case .number(let d) = self { d } else { nil } }
  }

  static let cases: [Case] = {
    let url = Bundle.module.url(
      forResource: "hyperband", withExtension: "json", subdirectory: "golden")!
    return try! JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
  }()

  func termination(_ c: Case) -> EarlyTermination {
    let eta = c.earlyTerminate["eta"]?.number ?? EarlyTermination.defaultEta
    var strict = true
    if case .flag(let b)? = c.earlyTerminate["strict"] { strict = b }
    if let maxIter = c.earlyTerminate["max_iter"]?.number {
      return EarlyTermination(
        maxIter: Int(maxIter), s: Int(c.earlyTerminate["s"]!.number!), eta: eta, strict: strict)
    }
    return EarlyTermination(
      minIter: Int(c.earlyTerminate["min_iter"]!.number!), eta: eta, strict: strict)
  }

  @Test func everyGoldenCaseStopsWhatWandbStops() {
    #expect(Self.cases.count == 60)
    var stoppedTotal = 0
    for (i, c) in Self.cases.enumerated() {
      let sign = c.goal == "maximize" ? -1.0 : 1.0
      let histories = Dictionary(
        uniqueKeysWithValues: c.runs.map { ($0.name, $0.history.map { $0 * sign }) })
      let stopped = termination(c).trialsToStop(
        histories: histories, running: c.runs.filter(\.running).map(\.name))
      #expect(stopped.sorted() == c.stopped, "case \(i): \(c.earlyTerminate)")
      stoppedTotal += stopped.count
    }
    #expect(stoppedTotal > 100, "the cases must stop runs to prove anything")
  }

  @Test func bandsFollowWandb() {
    #expect(EarlyTermination(maxIter: 27, s: 3).bands == [1, 3, 9])
    #expect(EarlyTermination(maxIter: 20, s: 2, eta: 2).bands == [5, 10])
    #expect(Array(EarlyTermination(minIter: 2).bands.prefix(4)) == [2, 6, 18, 54])
  }

  @Test func theSpecReadsEarlyTerminateAndRefusesWhatWandbRefuses() throws {
    let spec = try Spec.parse(
      yaml: """
        method: grid
        program: t.py
        metric: {name: loss, goal: minimize}
        early_terminate: {type: hyperband, max_iter: 27, s: 3, strict: false}
        parameters:
          a: {values: [1, 2]}
        """, fileName: "s.yaml")
    #expect(spec.earlyTermination == EarlyTermination(maxIter: 27, s: 3, strict: false))
    for (yaml, message) in [
      ("early_terminate: {type: hyperband, min_iter: 3}\n", "needs a 'metric'"),
      (
        "metric: {name: loss}\nearly_terminate: {type: median, min_iter: 3}\n",
        "needs 'type: hyperband'"
      ),
      ("metric: {name: loss}\nearly_terminate: {type: hyperband, max_iter: 9}\n", "needs 's'"),
      ("metric: {name: loss}\nearly_terminate: {type: hyperband, min_iter: 2, eta: 1}\n", "> 1"),
    ] {
      #expect(throws: SpecError.self) {
        _ = try Spec.parse(
          yaml: "method: grid\nprogram: t.py\n\(yaml)parameters:\n  a: {value: 1}\n",
          fileName: "s.yaml")
      }
      do {
        _ = try Spec.parse(
          yaml: "method: grid\nprogram: t.py\n\(yaml)parameters:\n  a: {value: 1}\n",
          fileName: "s.yaml")
      } catch {
        #expect(error.description.contains(message), "\(error.description)")
      }
    }
  }
}
