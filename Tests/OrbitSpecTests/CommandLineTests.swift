import Testing

@testable import OrbitSpec

/// Macro expansion of `command`, as wandb's agent does it, values formatted by Python's `str()`.
struct CommandLineTests {
  static let params: [String: ParamValue] = [
    "lr": 0.001, "epochs": 10, "use_bias": true, "dropout": 1.0, "opt": "adam",
    "model.width": 64, "bn": false,
  ]

  /// A spec whose `command` is written in block style, as wandb's docs write it (in a flow
  /// list `${env}` would need quotes).
  static func spec(_ command: [String]?, program: String? = "train.py") throws -> Spec {
    var yaml = "method: grid\nparameters:\n  x: {value: 1}\n"
    if let program { yaml += "program: \(program)\n" }
    if let command { yaml += "command:\n" + command.map { "  - \($0)\n" }.joined() }
    return try Spec.parse(yaml: yaml, fileName: "spec.yaml")
  }

  @Test func defaultCommand() throws {
    let spec = try Self.spec(nil)
    #expect(spec.command == ["${env}", "${interpreter}", "${program}", "${args}"])
    let trial = Trial(index: 0, params: Self.params)
    #expect(
      spec.commandLine(for: trial, jsonFilePath: "/tmp/p.json", environment: [:]) == [
        "/usr/bin/env", "python3", "train.py", "--bn=False", "--dropout=1.0", "--epochs=10",
        "--lr=0.001", "--model.width=64", "--opt=adam", "--use_bias=True",
      ])
  }

  @Test func everyMacro() throws {
    let spec = try Self.spec([
      "${env}", "${interpreter}", "${program}", "--cfg=${args_json_file}", "${args_json}",
      "host=${envvar:HOST}", "'${envvar:MISSING}'", "${args_no_hyphens}",
    ])
    let trial = Trial(index: 0, params: ["lr": 0.5, "n": 2])
    #expect(
      spec.commandLine(for: trial, jsonFilePath: "/run/t.json", environment: ["HOST": "gpu1"]) == [
        "/usr/bin/env", "python3", "train.py", "--cfg=/run/t.json", #"{"lr":0.5,"n":2}"#,
        "host=gpu1", "", "lr=0.5", "n=2",
      ])
  }

  @Test func argsNoEqualsAndBooleanFlags() throws {
    let trial = Trial(index: 0, params: ["lr": 0.5, "fast": true, "slow": false])
    let noEquals = try Self.spec(["run", "${args_no_equals}"])
    #expect(
      noEquals.commandLine(for: trial, jsonFilePath: "", environment: [:]) == [
        "run", "--fast", "True", "--lr", "0.5", "--slow", "False",
      ])
    let flags = try Self.spec(["run", "${args_no_boolean_flags}"])
    #expect(
      flags.commandLine(for: trial, jsonFilePath: "", environment: [:]) == [
        "run", "--fast", "--lr=0.5",
      ])
  }

  @Test func commandWithoutProgram() throws {
    let spec = try Self.spec(["sh", "-c", "'echo ${args_json}'"], program: nil)
    #expect(spec.program == nil)
    let trial = Trial(index: 0, params: ["a": "x y"])
    #expect(
      spec.commandLine(for: trial, jsonFilePath: "", environment: [:]) == [
        "sh", "-c", #"echo {"a":"x y"}"#,
      ])
  }

  @Test func programMacroWithoutProgramIsAnError() {
    #expect(throws: SpecError.self) {
      try Self.spec(["python3", "${program}"], program: nil)
    }
  }

  @Test func trialParamsFromSpecReachTheCommand() throws {
    let spec = try Spec.parse(
      yaml: """
        method: grid
        program: train.py
        seeds: 2
        parameters:
          lr: {values: [0.1]}
          width: {values: [8]}
        """, fileName: "spec.yaml")
    #expect(
      spec.commandLine(for: spec.trial(at: 1), jsonFilePath: "", environment: [:]) == [
        "/usr/bin/env", "python3", "train.py", "--lr=0.1", "--seed=1", "--width=8",
      ])
  }
}
