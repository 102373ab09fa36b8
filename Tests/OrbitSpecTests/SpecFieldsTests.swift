import Foundation
import Testing

@testable import OrbitSpec

/// The non-parameter keys: wandb's and Orbit's own.
struct SpecFieldsTests {
  static let full = """
    name: scaling
    description: width sweep
    method: grid
    program: train.py
    metric:
      name: val_loss
      goal: maximize
      target: 0.1
    run_cap: 50
    timeout: 5m
    retries: 0
    seeds: 2
    entity: someone
    project: orbit
    early_terminate: {type: hyperband, min_iter: 3}
    analysis:
      fit: chinchilla
      x: [params, tokens]
    parameters:
      lr: {values: [0.1, 0.01]}
    """

  @Test func everyTopLevelField() throws {
    let spec = try Spec.parse(yaml: Self.full, fileName: "full.yaml")
    #expect(spec.name == "scaling")
    #expect(spec.description == "width sweep")
    #expect(spec.method == .grid)
    #expect(spec.runner == .command)
    #expect(spec.metric == Metric(name: "val_loss", goal: .maximize, target: 0.1))
    #expect(spec.runCap == 50)
    #expect(spec.timeout == 300)
    #expect(spec.retries == 0)
    #expect(spec.seeds == 2)
    #expect(spec.trialCount == 4)
    #expect(spec.analysis == .object(["fit": "chinchilla", "x": ["params", "tokens"]]))
    #expect(spec.text == Self.full)
    #expect(spec.fingerprint == SHA256.hexDigest(Self.full))
    #expect(spec.parameterNames == ["lr", "seed"])
  }

  @Test func defaults() throws {
    let spec = try Spec.parse(
      yaml: "method: grid\nprogram: t.py\nparameters:\n  a: {value: 1}\n", fileName: "s.yaml")
    #expect(spec.retries == Spec.defaultRetries)
    #expect(Spec.defaultRetries == 0)
    #expect(spec.timeout == nil)
    #expect(spec.metric == nil)
    #expect(spec.seeds == nil)
    #expect(spec.runner == .command)
    #expect(spec.randomSeed == 0)
    #expect(spec.trialCount == 1)
  }

  @Test(arguments: [
    ("30", 30.0), ("2.5", 2.5), ("\"30s\"", 30), ("5m", 300), ("1h", 3600), ("250ms", 0.25),
  ])
  func timeoutForms(text: String, seconds: Double) throws {
    let spec = try Spec.parse(
      yaml: "method: grid\nprogram: t.py\ntimeout: \(text)\nparameters:\n  a: {value: 1}\n",
      fileName: "s.yaml")
    #expect(spec.timeout == seconds)
  }

  @Test func metricGoalDefaultsToMinimize() throws {
    let spec = try Spec.parse(
      yaml: "method: grid\nprogram: t.py\nmetric: {name: loss}\nparameters:\n  a: {value: 1}\n",
      fileName: "s.yaml")
    #expect(spec.metric?.goal == .minimize)
  }

  @Test func coreSettingsBecomeConstantsAndCanBeOverridden() throws {
    let spec = try Spec.parse(
      yaml: """
        method: grid
        runner: core
        task:
          kind: teacher
        model:
          width: 32
          depth: 2
        parameters:
          model.width:
            values: [8, 16]
        """, fileName: "core.yaml")
    #expect(spec.runner == .core)
    #expect(spec.trialCount == 2)
    #expect(
      spec.trial(at: 1).params == ["task.kind": "teacher", "model.depth": 2, "model.width": 16])
    // The override is located at the parameter, the constant at its setting.
    #expect(
      spec.location(of: "model.width") == SourceLocation(file: "core.yaml", line: 9, column: 3))
    #expect(
      spec.location(of: "model.depth") == SourceLocation(file: "core.yaml", line: 7, column: 3))
    #expect(spec.location(of: "task.kind") == SourceLocation(file: "core.yaml", line: 4, column: 3))
    #expect(spec.location(of: "nothing") == nil)
  }

  @Test func coreSpecNeedsNoParameters() throws {
    let spec = try Spec.parse(
      yaml: "method: grid\nrunner: core\nseeds: 3\nmodel: {width: 8}\n", fileName: "core.yaml")
    #expect(spec.trialCount == 3)
    #expect(spec.trial(at: 2).params == ["model.width": 8, "seed": 2])
  }

  @Test func parameterLocations() throws {
    let spec = try Spec.parse(
      yaml: """
        method: grid
        program: t.py
        parameters:
          opt:
            parameters:
              lr:
                values: [1, 2]
        """, fileName: "nested.yaml")
    #expect(spec.location(of: "opt.lr") == SourceLocation(file: "nested.yaml", line: 6, column: 7))
    #expect(spec.location(of: "opt") == SourceLocation(file: "nested.yaml", line: 4, column: 3))
  }

  @Test func yamlTypesFollowYAML11() throws {
    let spec = try Spec.parse(
      yaml: """
        method: grid
        program: t.py
        parameters:
          a: {value: yes}
          b: {value: "yes"}
          c: {value: 1e-3}
          d: {value: 0x10}
          e: {value: ~}
          f: {value: '1'}
          g: {value: 2024-01-01}
        """, fileName: "s.yaml")
    #expect(
      spec.trial(at: 0).params == [
        "a": true, "b": "yes", "c": 0.001, "d": 16, "e": nil, "f": "1", "g": "2024-01-01",
      ])
  }

  @Test func yamlMergeKeysAndExtensionKeys() throws {
    let spec = try Spec.parse(
      yaml: """
        method: grid
        program: t.py
        x-ladder: &ladder
          values: [1, 2]
        parameters:
          a:
            <<: *ladder
          b:
            <<: *ladder
            values: [3]
        """, fileName: "merge.yaml")
    #expect(spec.trials.map(\.params) == [["a": 1, "b": 3], ["a": 2, "b": 3]])
  }

  /// The example at the top of docs/SPEC.md, kept in step with it.
  @Test func documentationExample() throws {
    let spec = try Spec.parse(
      yaml: """
        name: width-ladder
        method: grid
        program: train.py            # run as: /usr/bin/env python3 train.py --k=v ...
        metric: {name: val_loss, goal: minimize}
        seeds: 3                     # every point three times, seed = 0, 1, 2
        timeout: 10m
        zip:
          - [model.width, optimizer.lr]   # a scale ladder: these advance together
        parameters:
          model:
            parameters:
              width: {values: [64, 128, 256]}
              depth: {value: 4}
          optimizer:
            parameters:
              lr: {values: [0.02, 0.01, 0.005]}
          data_fraction: {values: [0.25, 0.5, 1.0]}
        """, fileName: "spec.yaml")
    #expect(spec.trialCount == 27)
    #expect(spec.timeout == 600)
    #expect(
      spec.trial(at: 4).params == [
        "data_fraction": 0.25, "model.depth": 4, "model.width": 128, "optimizer.lr": 0.01,
        "seed": 1,
      ])
  }

  @Test func loadReadsAFile() throws {
    let path = "/tmp/orbit-spec-load-\(getpid()).yaml"
    try Self.full.write(toFile: path, atomically: true, encoding: .utf8)
    defer { unlink(path) }
    let spec = try Spec.load(path: path)
    #expect(spec.fileName == path)
    #expect(spec.trialCount == 4)
  }
}
