import Foundation
import OrbitAnalysis
import OrbitJournal
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitSession

@Suite("The report of a run directory")
struct ReportingTests {
  /// A table with a scale axis (`model.width`: 4 values over a factor 8), a group
  /// (`model.kind`) and a seed column.
  static let table = TrialsCSV.table(
    [8, 16, 32, 64].flatMap { width in
      ["mlp", "cnn"].map { kind in
        record(
          "w\(width)\(kind)",
          params: #"{"model.width":\#(width),"model.kind":"\#(kind)","seed":0}"#,
          metrics: #"{"test_loss":\#(1.0 / Double(width)),"acc":0.5,"n_params":\#(width * 10)}"#)
      }
    })

  func spec(analysis: String?, metric: String? = "acc") throws -> Spec {
    var text = "method: grid\nprogram: x.py\nparameters:\n  a: {value: 1}\n"
    if let metric { text += "metric: {name: \(metric), goal: maximize}\n" }
    if let analysis { text += "analysis:\n\(analysis)\n" }
    return try OrbitSessionTests.spec(text)
  }

  @Test func withoutAnAnalysisMappingYIsTheMetricAndTheRestIsInferred() throws {
    let settings = Reporting.analysisSettings(spec: try spec(analysis: nil), table: Self.table)
    #expect(settings.y == "acc")
    #expect(settings.xs == ["model.width", "n_params"])
    #expect(settings.groupBy == ["model.kind"])
    #expect(settings.seedColumn == "seed")
    #expect(settings.bootstrap == AnalysisSettings(y: "", xs: []).bootstrap)
    let noMetric = try spec(analysis: nil, metric: nil)
    #expect(Reporting.analysisSettings(spec: noMetric, table: Self.table).y == "test_loss")
    #expect(Reporting.analysisSettings(spec: nil, table: Self.table).y == "test_loss")
  }

  @Test func sweepTimesCoverEveryRunButNotTheGapBetweenThem() {
    func trial(_ id: String, _ start: Double, _ end: Double, cpu: Double?) -> TrialRecord {
      var r = record(
        TrialID(hex: String(repeating: id, count: 64))!, wallSeconds: end - start,
        metrics: cpu.map { #"{"cpu_seconds":\#($0)}"# } ?? "{}")
      r.startedAt = start
      r.finishedAt = end
      return r
    }
    // A first run of 60 s (two overlapping trials), stopped, resumed a day later for 35 s.
    let trials = [
      trial("a", 0, 40, cpu: 38), trial("b", 20, 60, cpu: 39),
      trial("c", 86_400, 86_435, cpu: nil),
    ]
    let times = Reporting.sweepTimes(trials)
    #expect(times.wall == 95)
    #expect(times.cpu == 38 + 39 + 35)
    #expect(times.measured == 2)
  }

  @Test func aTunedColumnIsReadAndIsNeitherAnInferredAxisNorAGroup() throws {
    // model.kind would be a group and model.width an axis; tuning model.kind takes it out.
    let tuned = try spec(analysis: "  tune: [model.kind]\n  select: acc")
    let settings = Reporting.analysisSettings(spec: tuned, table: Self.table)
    #expect(settings.tune == ["model.kind"])
    #expect(settings.select == "acc")
    #expect(settings.groupBy.isEmpty)
    #expect(settings.xs == ["model.width", "n_params"])
    let plain = Reporting.analysisSettings(
      spec: try spec(analysis: "  tune: model.kind"), table: Self.table)
    #expect(plain.tune == ["model.kind"])
    #expect(plain.select == "val_loss", "the default validation metric")
  }

  @Test func theAnalysisMappingOverridesEachSetting() throws {
    let spec = try spec(
      analysis: """
          y: test_loss
          x: [n_params, 3]
          group: model.width
          seed: run
          bootstrap: 50
          level: 0.9
        """)
    let settings = Reporting.analysisSettings(spec: spec, table: Self.table)
    #expect(settings.y == "test_loss")
    // A value that is not a column name (3) is dropped from a list.
    #expect(settings.xs == ["n_params"])
    #expect(settings.groupBy == ["model.width"])
    #expect(settings.seedColumn == "run")
    #expect(settings.bootstrap == 50)
    #expect(settings.level == 0.9)
  }

  @Test func settingsOfTheWrongTypeAreIgnored() throws {
    let spec = try spec(analysis: "  y: 3\n  bootstrap: many\n  x: {a: 1}\n")
    let settings = Reporting.analysisSettings(spec: spec, table: Self.table)
    let inferred = Reporting.analysisSettings(spec: try self.spec(analysis: nil), table: Self.table)
    #expect(settings.y == "acc")
    #expect(settings.bootstrap == inferred.bootstrap)
    #expect(settings.xs == inferred.xs)
  }

  /// `orbit run` writes trials.csv once (when the sweep finishes) and its report leaves it be;
  /// `orbit report` writes it with the report.
  @Test func theReportWritesTrialsCSVOnlyWhenAsked() throws {
    let sandbox = try Sandbox()
    let text = commandSpecText(values: [1, 2, 3, 4, 5])
    try recordSweep(in: sandbox.path, specText: text) { spec in
      spec.trials.map { entry($0, metrics: #"{"loss":\#(1.0 / Double($0.index + 1))}"#) }
    }
    let summary = try Reporting.writeReport(runDirectory: sandbox.path, writeCSV: false)
    #expect(!summary.isEmpty)
    #expect(!sandbox.exists("trials.csv"))
    #expect(sandbox.read("report.html")?.contains("<html") == true)
    #expect(sandbox.read("fits.json")?.isEmpty == false)

    try Reporting.writeReport(runDirectory: sandbox.path, writeCSV: true)
    let journal = try Journal(path: sandbox.path + "/journal.sqlite", readOnly: true)
    #expect(sandbox.read("trials.csv") == TrialsCSV.render(try journal.trials()))
  }

  @Test func noJournalIsNoReportWithCode65() throws {
    let sandbox = try Sandbox()
    #expect {
      try Reporting.writeReport(runDirectory: sandbox.path, writeCSV: true)
    } throws: { error in
      let e = error as? SessionError
      return e?.exitCode == 65 && e!.message.hasPrefix("no report for \(sandbox.path): ")
    }
    #expect(!sandbox.exists("report.html"))
  }
}

@Suite("Learning curves in the report")
struct LearningCurveReportTests {
  @Test func eachFamilyGetsAPlotOfItsTrialsCurves() throws {
    let sandbox = try Sandbox()
    let text = """
      method: grid
      program: x.py
      metric: {name: val_loss, goal: minimize}
      parameters:
        optimizer: {values: [adam, sgd]}
        width: {values: [8, 16, 32, 64]}
      """
    try recordSweep(in: sandbox.path, specText: text) { spec in
      (0..<spec.trialCount).map { i in
        let t = spec.trial(at: i)
        return entry(t, metrics: #"{"val_loss":\#(1.0 / Double(i + 1))}"#)
      }
    }
    let journal = try Journal(path: sandbox.path + "/journal.sqlite")
    let trials = try journal.trials()
    try journal.apply(
      trials.flatMap { t in
        (1...5).map { step in
          JournalJob.progress(
            trialID: t.id, attempt: 1, step: step,
            metricsJSON: #"{"train_loss":\#(Double(t.index + 1) / Double(step))}"#, workerID: "w")
        }
      }, sweepID: try journal.latestSweep()!.id)
    try journal.close()
    _ = try Reporting.writeReport(runDirectory: sandbox.path, writeCSV: false)
    let html = try #require(sandbox.read("report.html"))
    #expect(html.contains("Learning curves: train_loss by step"))
    // Families are the group column (optimizer): one plot each, every trial a line in it.
    #expect(html.components(separatedBy: "<figure class=\"curves\"").count - 1 == 2)
    #expect(html.contains("optimizer = adam") && html.contains("optimizer = sgd"))
  }

  @Test func theMetricIsTheAnalysisYWhenTheCurvesLogIt() {
    let settings = AnalysisSettings(y: "loss", xs: [], groupBy: [])
    let id = TrialID(canonicalJSON: "{}")
    let points = [
      ProgressPoint(trialID: id, step: 1, metricsJSON: #"{"loss":2,"acc":0.1}"#),
      ProgressPoint(trialID: id, step: 2, metricsJSON: #"{"acc":0.2}"#),
    ]
    let (curves, metric) = Reporting.learningCurves(
      points, trials: [record(id)], settings: settings)
    #expect(metric == "loss")
    #expect(curves.count == 1 && curves[0].points.count == 1 && curves[0].family == "all")
  }
}

/// Issue 24, item 2: a trial's data points (cooldown branches, `_point` lines) are rows of their
/// own in trials.csv, `orbit export` and the analysis — a stopped trial's too.
@Suite struct DataPointRowsTests {
  @Test func eachPointIsARowWithItsTrialsParametersAndAStoppedTrialKeepsItsPoints() throws {
    let sandbox = try Sandbox()
    let text = """
      method: grid
      program: x.py
      metric: {name: test_loss, goal: minimize}
      seeds: 2
      parameters:
        width: {values: [8, 16, 32, 64, 128]}
      analysis: {bootstrap: 20}
      """
    try recordSweep(in: sandbox.path, specText: text) { spec in
      (0..<spec.trialCount).map { i in
        // The widest trial was stopped after its points: they still count.
        entry(spec.trial(at: i), i == spec.trialCount - 1 ? .stopped : .ok)
      }
    }
    let journal = try Journal(path: sandbox.path + "/journal.sqlite")
    let trials = try journal.trials()
    var jobs: [JournalJob] = []
    for trial in trials {
      guard case .object(let params) = try ParamValue.parseJSON(trial.paramsJSON),
        case .int(let width) = params["width"]
      else { continue }
      let n = Double(width * width + 3 * width)
      for (k, d) in [4096.0, 16384, 65536].enumerated() {
        let loss = 0.1 + 40 / pow(n, 0.4) + 60 / pow(d, 0.35)
        jobs.append(
          .progress(
            trialID: trial.id, attempt: 1, step: -(k + 1),
            metricsJSON:
              #"{"_point":true,"n_params":\#(n),"samples_seen":\#(d),"flops":\#(6 * n * d),"test_loss":\#(loss)}"#,
            workerID: "w1"))
      }
    }
    try journal.apply(jobs, sweepID: try journal.latestSweep()!.id)
    try journal.close()
    _ = try Reporting.writeReport(runDirectory: sandbox.path, writeCSV: true)
    let csv = try Table.parseCSV(try #require(sandbox.read("trials.csv")))
    #expect(csv.columns.contains("point"))
    #expect(!csv.columns.contains("_point"))
    #expect(csv.rows.count == trials.count * 3)
    let status = csv.columns.firstIndex(of: "status")!
    let point = csv.columns.firstIndex(of: "point")!
    #expect(csv.rows.allSatisfy { $0[status] == "ok" })
    #expect(Set(csv.rows.map { $0[point] }) == ["1", "2", "3"])
    // The analysis sees (N, D, L) per point: a Chinchilla fit and a compute frontier.
    let fitsText = try #require(sandbox.read("fits.json"))
    let fits = try #require(
      try JSONSerialization.jsonObject(with: Data(fitsText.utf8)) as? [String: Any])
    #expect((fits["chinchilla"] as? [String: Any])?.isEmpty == false)
    #expect((fits["compute_optimal"] as? [String: Any])?.isEmpty == false)
  }
}
