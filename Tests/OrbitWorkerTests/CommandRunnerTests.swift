import Foundation
import OrbitProtocol
import OrbitSpec
import OrbitTesting
import Synchronization
import Testing

@testable import OrbitWorker

@Suite("A program's output: progress points and final metrics")
struct ProgressLinesTests {
  func read(_ lines: [String]) -> (ProgressLines, [(step: Int, metrics: String)]) {
    var p = ProgressLines()
    var sent: [(step: Int, metrics: String)] = []
    for line in lines { if let point = p.take(line[...]) { sent.append(point) } }
    if let last = p.unsentLastPoint() { sent.append(last) }
    return (p, sent)
  }

  @Test func resultFileWinsOverStdout() {
    let (p, _) = read([#"{"loss": 9}"#])
    #expect(p.finalMetrics(resultFile: #"{"loss": 0.25}"#) == #"{"loss":0.25}"#)
  }

  @Test func lastJSONObjectLineWithoutAStepIsTheMetrics() {
    let (p, _) = read([
      "epoch 1", #"{"loss": 2}"#, "not json {", #"{"loss": 1, "acc": 0.5}"#, "bye", "[1, 2]",
    ])
    #expect(p.finalMetrics(resultFile: nil) == #"{"acc":0.5,"loss":1}"#)
  }

  @Test func stepLinesAreACurveAndTheLastPointIsTheResultWhenNothingElseIs() {
    let lines = (1...5).map { #"{"step": \#($0), "loss": \#(10 - $0)}"# }
    let (p, sent) = read(lines + [#"{"_step": 6, "loss": 3.5}"#])
    #expect(sent.map(\.step) == [1, 2, 3, 4, 5, 6])
    #expect(sent[0].metrics == #"{"loss":9}"#, "the step key is not a metric")
    #expect(p.finalMetrics(resultFile: nil) == #"{"loss":3.5}"#)
  }

  @Test func aLongCurveIsSentLogSpacedWithItsLastPoint() {
    let lines = (1...100_000).map { #"{"step": \#($0), "loss": 1}"# }
    let (_, sent) = read(lines)
    #expect(sent.count < 200, "\(sent.count) points for 10^5 steps")
    #expect(sent.first?.step == 1 && sent.last?.step == 100_000)
    let steps = sent.map(\.step)
    #expect(steps == steps.sorted() && Set(steps).count == steps.count)
  }

  @Test func noMetricsIsNil() {
    let (p, _) = read(["hello"])
    #expect(p.finalMetrics(resultFile: nil) == nil)
    #expect(p.lastLine == "hello")
  }

  @Test func aMissingNamedMetricIsAFailureThatSaysWhatWasLastPrinted() throws {
    let spec = try Spec.parse(
      yaml:
        "method: grid\nprogram: x.py\nmetric: {name: val_loss, goal: minimize}\nparameters:\n  a: {value: 1}\n",
      fileName: "s.yaml")
    #expect(spec.missingMetric(in: #"{"val_loss":0.5}"#, lastOutput: "") == nil)
    let message = try #require(spec.missingMetric(in: #"{"loss":0.5}"#, lastOutput: "done"))
    #expect(message.contains("reported no 'val_loss'") && message.contains("'done'"))
    #expect(spec.missingMetric(in: #"{"val_loss":null}"#, lastOutput: "") != nil)
  }

  @Test func pointLinesAreDataPointsNeitherCurveNorResult() {
    var p = ProgressLines()
    var curve: [Int] = []
    for line in [
      #"{"step": 1, "loss": 2}"#,
      #"{"_point": true, "samples_seen": 1200, "val_loss": 0.5, "step": 12, "n_params": 10}"#,
      #"{"_point": true, "val_loss": 0.4}"#,
      #"{"_point": false, "samples_seen": 5, "val_loss": 9}"#,
      #"{"val_loss": 0.3}"#,
      #"{"samples_seen": 2400, "_point": true, "test_loss": 0.25}"#,
    ] {
      if let point = p.take(line[...]) { curve.append(point.step) }
    }
    #expect(curve == [1], "a point line is no curve point, even with a step key")
    #expect(
      p.takeDataPoints() == [
        #"{"_point":true,"n_params":10,"samples_seen":1200,"step":12,"val_loss":0.5}"#,
        #"{"_point":true,"samples_seen":2400,"test_loss":0.25}"#,
      ], "a point needs its samples_seen; `_point: false` is an ordinary line")
    #expect(p.takeDataPoints().isEmpty)
    #expect(p.finalMetrics(resultFile: nil) == #"{"val_loss":0.3}"#)
  }

  @Test func aPointLineFromTheCoreHasTheDocumentedForm() {
    let metrics: [String: Double] = ["samples_seen": 9830, "val_loss": 0.25]
    #expect(metrics.pointJSON == #"{"_point":true,"samples_seen":9830,"val_loss":0.25}"#)
    #expect([String: Double]().pointJSON == #"{"_point":true}"#)
  }

  @Test func metricsJSONWritesNonFiniteAsNull() {
    let m: [String: Double] = ["a": 1.5, "b": .nan, "c": .infinity]
    #expect(m.metricsJSON == #"{"a":1.5,"b":null,"c":null}"#)
  }
}

@Suite("A real program under the command runner")
struct CommandRunnerProgramTests {
  static let program = """
    import json, os, sys
    args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
    for step in range(1, 4):
        print(json.dumps({"step": step, "loss": 1.0 / step}), flush=True)
    with open(os.environ["ORBIT_PROGRESS_PATH"], "a") as f:
        f.write(json.dumps({"step": 10, "loss": 0.05}) + "\\n")
    with open(os.path.join(os.environ["ORBIT_TRIAL_DIR"], "model.ckpt"), "w") as f:
        f.write("weights " + args["x"])
    print("training done", file=sys.stderr)
    print(json.dumps({"val_loss": 0.04, "x": int(args["x"])}))
    """

  /// Trial 0 of the spec `yaml`, run once in a fresh sandbox that holds `files`.
  static func runFirstTrial(_ yaml: String, files: [String: String] = [:]) throws -> TrialOutcome {
    let sandbox = try Sandbox()
    defer { try? FileManager.default.removeItem(atPath: sandbox.path) }
    for (name, text) in files { try sandbox.write(name, text) }
    let spec = try Spec.parse(yaml: yaml, fileName: "\(sandbox.path)/s.yaml")
    let runner = CommandRunner(spec: spec, directory: sandbox.path, scratch: sandbox.path)
    let trial = spec.trial(at: 0)
    return runner.run(
      TaskAssignment(trialID: trial.id, index: 0, attempt: 1, paramsJSON: trial.paramsJSON),
      context: TrialContext(isCancelled: { false }, reportProgress: { _, _ in }))
  }

  @Test func aCommandThatCannotStartFailsWith127AndSaysWhy() throws {
    let outcome = try Self.runFirstTrial(
      "method: grid\nprogram: x.py\ncommand: [orbit-no-such-command, \"${program}\"]\nparameters:\n  x: {value: 7}\n"
    )
    #expect(outcome.status == .failed)
    #expect(outcome.exitCode == 127)
    #expect(
      outcome.stderrTail.contains(
        "cannot start 'orbit-no-such-command': No such file or directory"),
      "\(outcome.stderrTail)")
  }

  @Test func itsCurveResultArtifactsAndLogsAreWhereTheContractSays() throws {
    let sandbox = try Sandbox()
    defer { try? FileManager.default.removeItem(atPath: sandbox.path) }
    try sandbox.write("train.py", Self.program)
    let spec = try Spec.parse(
      yaml:
        "method: grid\nprogram: train.py\nmetric: {name: val_loss, goal: minimize}\nparameters:\n  x: {value: 7}\n",
      fileName: "\(sandbox.path)/s.yaml")
    try FileManager.default.createDirectory(
      atPath: sandbox.path + "/scratch", withIntermediateDirectories: true)
    let runner = CommandRunner(
      spec: spec, directory: sandbox.path, scratch: sandbox.path + "/scratch",
      trialRoot: sandbox.path + "/trials")
    let trial = spec.trial(at: 0)
    let task = TaskAssignment(
      trialID: trial.id, index: 0, attempt: 1, paramsJSON: trial.paramsJSON)
    let points = Mutex<[Int]>([])
    let outcome = runner.run(
      task,
      context: TrialContext(
        isCancelled: { false }, reportProgress: { step, _ in points.withLock { $0.append(step) } }))
    #expect(outcome.status == .ok, "\(outcome.stderrTail)")
    #expect(outcome.metricsJSON == #"{"val_loss":0.04,"x":7}"#)
    #expect(outcome.stderrTail == "training done\n", "an ok run keeps its stderr tail")
    #expect(points.withLock { $0 } == [1, 2, 3, 10])
    let folder = "\(sandbox.path)/trials/\(trial.id.hex)/attempt-1"
    #expect(
      try String(contentsOfFile: folder + "/model.ckpt", encoding: .utf8) == "weights 7")
    #expect(
      try String(contentsOfFile: folder + "/stdout.log", encoding: .utf8).contains(
        #""val_loss": 0.04"#))
    #expect(
      try String(contentsOfFile: folder + "/stderr.log", encoding: .utf8) == "training done\n")
    // A second attempt gets a folder of its own.
    _ = runner.run(
      task, context: TrialContext(isCancelled: { false }, reportProgress: { _, _ in }))
    #expect(FileManager.default.fileExists(atPath: folder + ".1/model.ckpt"))
  }

  @Test func aProgramsPointLinesReachTheCoordinatorAsPointsAtNegativeSteps() throws {
    let sandbox = try Sandbox()
    defer { try? FileManager.default.removeItem(atPath: sandbox.path) }
    try sandbox.write(
      "branches.py",
      """
      import json
      for step in (1, 2):
          print(json.dumps({"step": step, "val_loss": 1.0 / step}), flush=True)
      for d in (100, 200):
          print(json.dumps({"_point": True, "samples_seen": d, "val_loss": 1.0 / d}), flush=True)
      print(json.dumps({"val_loss": 0.005}))
      """)
    let spec = try Spec.parse(
      yaml:
        "method: grid\nprogram: branches.py\nmetric: {name: val_loss, goal: minimize}\nparameters:\n  x: {value: 1}\n",
      fileName: "\(sandbox.path)/s.yaml")
    let runner = CommandRunner(spec: spec, directory: sandbox.path, scratch: sandbox.path)
    let trial = spec.trial(at: 0)
    let sent = Mutex<[(Int, String)]>([])
    let outcome = runner.run(
      TaskAssignment(trialID: trial.id, index: 0, attempt: 1, paramsJSON: trial.paramsJSON),
      context: TrialContext(
        isCancelled: { false },
        reportProgress: { step, metrics in sent.withLock { $0.append((step, metrics)) } }))
    #expect(outcome.status == .ok, "\(outcome.stderrTail)")
    #expect(outcome.metricsJSON == #"{"val_loss":0.005}"#, "a point is never the result")
    let messages = sent.withLock { $0 }
    #expect(messages.map(\.0) == [1, 2, -1, -2])
    #expect(messages[2].1 == #"{"_point":true,"samples_seen":100,"val_loss":0.01}"#)
    #expect(messages[3].1 == #"{"_point":true,"samples_seen":200,"val_loss":0.005}"#)
  }

  @Test func aProgramThatPrintsNoNamedMetricFails() throws {
    let outcome = try Self.runFirstTrial(
      "method: grid\nprogram: quiet.py\nmetric: {name: val_loss, goal: minimize}\nparameters:\n  x: {value: 1}\n",
      files: ["quiet.py": "print('all good, I promise')\n"])
    #expect(outcome.status == .failed)
    #expect(outcome.stderrTail.contains("reported no 'val_loss'"))
    #expect(outcome.stderrTail.contains("all good, I promise"))
  }
}

@Suite("The core runner's data points")
struct CoreRunnerPointTests {
  static func object(_ json: String) throws -> [String: ParamValue] {
    guard case .object(let object) = try ParamValue.parseJSON(json) else {
      Issue.record("not a JSON object: \(json)")
      return [:]
    }
    return object
  }

  @Test func aWSDTrialSendsEachBranchAsAPointLine() throws {
    let spec = try Spec.parse(
      yaml: """
        method: grid
        runner: core
        task: {kind: manifold, n_train: 256, n_val: 64, n_test: 128}
        model: {kind: mlp, width: 8}
        train: {schedule: wsd, cooldowns: [640, 1280, 1920], batch: 64, warmup: 2, curve_points: 4}
        parameters:
          seed: {value: 3}
        """, fileName: "core.yaml")
    let trial = spec.trial(at: 0)
    #expect(
      CoreRunner.coreParameters(trial.params)["train.cooldowns"]
        == .list([.int(640), .int(1280), .int(1920)]))
    let sent = Mutex<[(Int, String)]>([])
    let outcome = CoreRunner(spec: spec).run(
      TaskAssignment(trialID: trial.id, index: 0, attempt: 1, paramsJSON: trial.paramsJSON),
      context: TrialContext(
        isCancelled: { false },
        reportProgress: { step, metrics in sent.withLock { $0.append((step, metrics)) } }))
    #expect(outcome.status == .ok, "\(outcome.stderrTail)")
    let messages = sent.withLock { $0 }
    let points = messages.filter { $0.0 < 0 }
    #expect(points.map(\.0) == [-1, -2, -3])
    #expect(messages.filter { $0.0 >= 0 }.count == 4, "the curve is sent as before")
    // Branches at steps 10, 20 and 30 with cooldowns of 2, 4 and 6 steps of batch 64.
    for (point, samples) in zip(points, [768, 1536, 2304]) {
      let object = try Self.object(point.1)
      #expect(object["_point"] == .bool(true))
      #expect(object["samples_seen"]?.doubleValue == Double(samples))
      for key in ["n_params", "flops", "val_loss", "test_loss", "train_loss", "branch_samples"] {
        #expect(object[key]?.doubleValue?.isFinite == true, "\(key) in \(point.1)")
      }
    }
    // The last point is the trial's result.
    let result = try Self.object(outcome.metricsJSON)
    let last = try Self.object(points.last!.1)
    #expect(result["test_loss"] == last["test_loss"])
    #expect(result["flops"] == last["flops"])
  }
}
