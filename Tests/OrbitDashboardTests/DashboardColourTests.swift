import Foundation
import Logging
import OrbitJournal
import OrbitSession
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitDashboard

/// The dashboard and the report of one sweep (3 optimisers × 4 widths × 2 seeds, learning
/// curves logged) as headless Chromium builds them: each family has the same colour in both,
/// the learning curves have a legend by family and, in each family's plot, by scale (a ramp of
/// the family's colour); the wall time and the fit's wording are the report's (issue 23).
@Suite(.serialized) struct DashboardColourTests {
  static let specText = """
    name: colours
    method: grid
    program: train.py
    metric: {name: loss, goal: minimize}
    parameters:
      opt: {values: [adam, lion, sgd]}
      width: {values: [8, 16, 32, 64]}
      seed: {values: [0, 1]}
    analysis:
      x: [width]
      group: [opt]
      seed: seed
      bootstrap: 50
    """

  static let widths = ["width = 8", "width = 16", "width = 32", "width = 64"]

  /// Records the whole sweep, with PROGRESS points (steps 1, 2, 4, 8) for every trial.
  static func sweep(in sandbox: Sandbox) throws {
    try sandbox.write("train.py", "print('{\"loss\": 1}')\n")
    let spec = try Spec.parse(yaml: specText, fileName: "colours.yaml")
    let journal = try Journal(path: sandbox.path + "/journal.sqlite")
    let id = try journal.beginSweep(
      name: "colours", specPath: "colours.yaml", specText: specText,
      fingerprint: spec.fingerprint, trialCount: spec.trialCount, now: 1000)
    var entries: [JournalEntry] = []
    var progress: [JournalJob] = []
    for index in 0..<spec.trialCount {
      let trial = spec.trial(at: index)
      guard case .object(let p) = try ParamValue.parseJSON(trial.paramsJSON),
        let width = p["width"]?.doubleValue, let seed = p["seed"]?.doubleValue
      else { continue }
      let factor = ["adam": 0.8, "lion": 0.9, "sgd": 1.0][p["opt"].map(TrialsCSVCell.text) ?? ""]!
      let loss = factor * 10 * pow(width, -0.5) * (1 + 0.01 * seed)
      entries.append(
        JournalEntry(
          outcome: TrialOutcome(
            trialID: trial.id, index: index, attempt: 1, status: .ok,
            metricsJSON: "{\"loss\":\(loss)}", wallSeconds: 2, startedAt: 1000 + Double(index),
            stderrTail: "", exitCode: 0),
          index: index, paramsJSON: trial.paramsJSON, workerID: "w-a",
          finishedAt: 1002 + Double(index)))
      for step in [1, 2, 4, 8] {
        progress.append(
          .progress(
            trialID: trial.id, attempt: 1, step: step,
            metricsJSON: "{\"loss\":\(loss * (1 + 1 / Double(step)))}", workerID: "w1"))
      }
    }
    _ = try journal.record(entries, sweepID: id)
    try journal.apply(progress, sweepID: id)
    try journal.finishSweep(id: id, state: "finished", now: 1500)
    try journal.close()
  }

  @Test(.enabled(if: Chromium.path != nil), .timeLimit(.minutes(3)))
  func eachFamilyHasTheReportsColourOnTheDashboard() throws {
    let sandbox = try Sandbox()
    try Self.sweep(in: sandbox)
    _ = try Reporting.report(runDirectory: sandbox.path, writeCSV: false)
    let report = try Chromium.dom(url: "file://\(sandbox.path)/report.html")

    // The report: three families, three colours, the points in them.
    let loss = try #require(Chromium.plot(report, "loss-vs-width"))
    let families = Chromium.legend(loss).filter { $0.text.hasPrefix("opt = ") }
    #expect(families.map(\.text) == ["opt = adam", "opt = lion", "opt = sgd"])
    #expect(Set(families.map(\.color)).count == 3)
    #expect(Chromium.pointColors(loss) == Set(families.map(\.color)))
    // Its learning curves: a legend by family in those colours.
    let reportCurves = Chromium.curveFamilies(report)
    #expect(reportCurves.map(\.family) == ["adam", "lion", "sgd"])
    #expect(reportCurves.map(\.color) == families.map(\.color))

    // The dashboard's curves before any fit exists already have the report's colours and
    // titles (from the spec's grid), so they do not change when the first fit lands.
    let early = try DashboardData(runDirectory: sandbox.path)
    let earlyHTML = try #require(
      (try JSONSerialization.jsonObject(
        with: Data(JSONDocument.encode(early.curves(family: nil)).utf8))
        as? [String: Any])?["html"] as? String)
    let earlyFamilies = Chromium.curveFamilies(earlyHTML)
    #expect(earlyFamilies.map(\.color) == reportCurves.map(\.color))
    #expect(earlyFamilies.map(\.text) == ["opt = adam", "opt = lion", "opt = sgd"])

    // The dashboard, served over HTTP with a token, after its first fit.
    let data = try DashboardData(runDirectory: sandbox.path)
    _ = JSONDocument.encode(data.figures(waitingUpTo: 60))
    let token = "colour-test-token"
    let server = DashboardServer(
      routes: DashboardRoutes(data: data, token: token, metrics: nil), host: "127.0.0.1",
      port: 0, logger: Logger(label: "test"))
    let port = try server.start()
    defer { server.stop() }
    let page = try Chromium.dom(
      url: "http://127.0.0.1:\(port)/?token=\(token)", virtualTimeBudget: 15000)

    // The same colour per family as the report, in the learning curves' legend by family…
    let dashboardCurves = Chromium.curveFamilies(page)
    #expect(dashboardCurves.map(\.family) == ["adam", "lion", "sgd"])
    #expect(dashboardCurves.map(\.text) == ["opt = adam", "opt = lion", "opt = sgd"])
    #expect(dashboardCurves.map(\.color) == reportCurves.map(\.color))
    // …and in the live scaling plot's points and legend.
    let live = try #require(Chromium.plot(page, "live-width"))
    #expect(Chromium.pointColors(live) == Set(families.map(\.color)))
    let liveLegend = Chromium.legend(live).filter { $0.text.hasPrefix("opt = ") }
    #expect(liveLegend.map(\.color) == families.map(\.color))

    // In each family's plot, on both pages: a legend line per scale, small to large, each a
    // shade of the family's colour (a ramp: four different colours), the same on both pages.
    for (i, family) in families.enumerated() {
      let onReport = Chromium.legend(try #require(Chromium.plot(report, "curves-\(i)")))
      let onDashboard = Chromium.legend(try #require(Chromium.plot(page, "curves-\(i)")))
      #expect(onReport.map(\.text) == Self.widths)
      #expect(Set(onReport.map(\.color)).count == 4)
      #expect(!onReport.contains { $0.color == "#888888" })
      #expect(onDashboard.map(\.text) == onReport.map(\.text))
      #expect(onDashboard.map(\.color) == onReport.map(\.color), "\(family.text)")
      // A ramp of this family's colour: every shade is nearer to it than to the others'.
      for line in onReport {
        let nearest = families.min {
          Self.distance($0.color, line.color) < Self.distance($1.color, line.color)
        }
        #expect(nearest?.color == family.color, "\(line.text) of \(family.text): \(line.color)")
      }
    }
    // A fit is shown, not a wait for an ok trial the journal has.
    #expect(!page.contains("waiting for the first ok trial"))
    #expect(page.contains("fitted on 24 recorded trials"))
  }

  /// Hue distance of two #RRGGBB colours, so that shades of one colour are near each other.
  static func distance(_ a: String, _ b: String) -> Double {
    func hue(_ c: String) -> Double {
      let v = Int(c.dropFirst(), radix: 16)!
      let (r, g, b) = (
        Double((v >> 16) & 255) / 255, Double((v >> 8) & 255) / 255, Double(v & 255) / 255
      )
      let high = max(r, g, b)
      let low = min(r, g, b)
      guard high > low else { return 0 }
      let d = high - low
      let h: Double =
        high == r ? (g - b) / d : high == g ? 2 + (b - r) / d : 4 + (r - g) / d
      return (h * 60 + 360).truncatingRemainder(dividingBy: 360)
    }
    let d = abs(hue(a) - hue(b))
    return min(d, 360 - d)
  }
}

/// A parameter's text as a family label has it.
enum TrialsCSVCell {
  static func text(_ value: ParamValue) -> String {
    if case .string(let s) = value { return s }
    return value.json
  }
}
