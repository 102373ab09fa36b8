import Testing

@testable import OrbitSpec

/// Every bad spec gives one line naming `file:line:column`, the thing and the fix.
struct SpecErrorTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var label: String
    var yaml: String
    var expected: String
    var testDescription: String { label }
  }

  static let cases: [Case] = [
    Case(
      label: "min not below max",
      yaml: """
        method: grid
        program: t.py
        parameters:
          lr:
            min: 1
            max: 0.1
        """,
      expected: "spec.yaml:5:10: parameter 'lr': min must be < max (got min 1, max 0.1)"),
    Case(
      label: "unknown parameter key",
      yaml: """
        method: grid
        program: t.py
        parameters:
          lr:
            values: [1, 2]
            foo: 3
        """,
      expected: "spec.yaml:6:5: unknown key 'foo' in parameter 'lr'; allowed keys: distribution,"
        + " value, values, probabilities, min, max, q, mu, sigma, a, b, parameters"),
    Case(
      label: "misspelt top-level key",
      yaml: """
        method: grid
        program: t.py
        paramters:
          lr:
            values: [1]
        """,
      expected: "spec.yaml:3:1: unknown key 'paramters' in the spec (did you mean 'parameters'?);"
        + " allowed keys: method, parameters, program, command, name, description, metric,"
        + " run_cap, early_terminate, entity, project, controller, apiVersion, kind, job,"
        + " image_uri, scheduler, runner, seeds, seed, zip, timeout, retries, analysis, task,"
        + " model, train, bayes"),
    Case(
      label: "continuous distribution in a grid",
      yaml: """
        method: grid
        program: t.py
        parameters:
          lr:
            distribution: log_uniform_values
            min: 0.001
            max: 0.1
        """,
      expected: "spec.yaml:4:3: parameter 'lr': distribution 'log_uniform_values' cannot be"
        + " enumerated by method: grid (grid allows constant, categorical, int_uniform,"
        + " q_uniform); give 'values: [...]' or use method: random"),
    Case(
      label: "random without run_cap",
      yaml: """
        method: random
        program: t.py
        parameters:
          lr:
            values: [1, 2]
        """,
      expected:
        "spec.yaml:1:1: random search needs 'run_cap' (how many trials to draw); add e.g."
        + " 'run_cap: 100'"),
    Case(
      label: "invalid parameter name",
      yaml: """
        method: grid
        program: t.py
        parameters:
          1lr:
            values: [1, 2]
        """,
      expected: "spec.yaml:4:3: parameter name '1lr' is invalid: names start with a letter or"
        + " '_' and contain only letters, digits, '_', '.' and '-'"),
    Case(
      label: "unknown distribution",
      yaml: """
        method: grid
        program: t.py
        parameters:
          lr:
            distribution: gaussian
        """,
      expected: "spec.yaml:5:19: parameter 'lr': unknown distribution 'gaussian'; use one of:"
        + " constant, categorical, categorical_w_probabilities, int_uniform, uniform, q_uniform,"
        + " log_uniform, log_uniform_values, q_log_uniform, q_log_uniform_values,"
        + " inv_log_uniform, inv_log_uniform_values, normal, q_normal, log_normal, q_log_normal,"
        + " beta, q_beta"),
    Case(
      label: "parameter given as a bare list",
      yaml: """
        method: grid
        program: t.py
        parameters:
          lr: [1, 2]
        """,
      expected: "spec.yaml:4:7: parameter 'lr' must be a mapping, got a list; to try each value"
        + " write 'lr: {values: [...]}'"),
    Case(
      label: "parameter given as a bare value",
      yaml: """
        method: grid
        program: t.py
        parameters:
          lr: 0.1
        """,
      expected: "spec.yaml:4:7: parameter 'lr' must be a mapping, got '0.1'; for a fixed value"
        + " write 'lr: {value: ...}'"),
    Case(
      label: "zip lists of unequal length",
      yaml: """
        method: grid
        program: t.py
        zip:
          - [a, b]
        parameters:
          a: {values: [1, 2]}
          b: {values: [1, 2, 3]}
        """,
      expected: "spec.yaml:4:9: zip group lists must have equal lengths: 'a' has 2 values but"
        + " 'b' has 3"),
    Case(
      label: "parameter named seed with seeds",
      yaml: """
        method: grid
        program: t.py
        seeds: 2
        parameters:
          seed: {values: [1, 2]}
        """,
      expected: "spec.yaml:5:3: parameter 'seed' clashes with 'seeds: 2', which sets 'seed'"
        + " itself; rename the parameter or remove 'seeds'"),
    Case(
      label: "core setting with the command runner",
      yaml: """
        method: grid
        program: t.py
        model:
          width: 3
        parameters:
          a: {values: [1, 2]}
        """,
      expected: "spec.yaml:3:1: 'model' is a core runner setting but the spec uses runner:"
        + " command; set 'runner: core' or move it under 'parameters'"),
    Case(
      label: "timeout without a unit we know",
      yaml: """
        method: grid
        program: t.py
        timeout: 5 minutes
        parameters:
          a: {values: [1, 2]}
        """,
      expected: "spec.yaml:3:10: 'timeout' must be a positive duration such as 30, 2.5, \"30s\","
        + " \"5m\" or \"1h\", got '5 minutes'"),
    Case(
      label: "unknown command macro",
      yaml: """
        method: grid
        command: [python3, t.py, "${foo}"]
        parameters:
          a: {values: [1, 2]}
        """,
      expected: "spec.yaml:2:26: unknown macro ${foo} in 'command'; known macros: ${env},"
        + " ${interpreter}, ${program}, ${args_json}, ${args_json_file}, ${args},"
        + " ${args_no_equals}, ${args_no_hyphens}, ${args_no_boolean_flags}, ${envvar:NAME}"),
    Case(
      label: "YAML syntax error",
      yaml: """
        method: grid
        program: t.py
        parameters:
          a: {values: [1, 2]
        """,
      expected: "spec.yaml:5:1: not valid YAML: did not find expected ',' or '}' (while parsing"
        + " a flow mapping at 4:6)"),
    Case(
      label: "custom search",
      yaml: """
        method: custom
        program: t.py
        parameters:
          a: {values: [1, 2]}
        """,
      expected:
        "spec.yaml:1:9: method 'custom' (trials proposed by your own code through wandb's controller API) is not supported; use 'method: bayes' for an adaptive search, or 'method: grid' / 'method: random' with the trials you want"
    ),
    Case(
      label: "multi-objective metrics list",
      yaml: """
        method: bayes
        program: t.py
        metrics:
          - {name: loss, goal: minimize}
          - {name: latency, goal: minimize}
        parameters:
          a: {values: [1, 2]}
        """,
      expected:
        "spec.yaml:3:1: a 'metrics' list (several objectives) is not supported: Orbit optimises one 'metric: {name, goal}'; have the program log one combined value (e.g. a weighted sum) and name it, or sweep with method: grid or random and compare the metrics in the report"
    ),
    Case(
      label: "bayes without a metric",
      yaml: """
        method: bayes
        program: t.py
        parameters:
          a: {values: [1, 2]}
        """,
      expected:
        "spec.yaml:1:9: method: bayes needs a 'metric' to optimise; add e.g. 'metric: {name: val_loss, goal: minimize}'"
    ),
    Case(
      label: "unknown key under bayes",
      yaml: """
        method: bayes
        program: t.py
        metric: {name: loss}
        bayes:
          engine: wandb
          seeed: 3
        parameters:
          a: {values: [1, 2]}
        """,
      expected:
        "spec.yaml:6:3: unknown key 'seeed' in 'bayes' (did you mean 'seed'?); allowed keys: engine, seed, warm_start"
    ),
    Case(
      label: "unknown bayes engine",
      yaml: """
        method: bayes
        program: t.py
        metric: {name: loss}
        bayes: {engine: optuna}
        parameters:
          a: {values: [1, 2]}
        """,
      expected:
        "spec.yaml:4:17: unknown bayes engine 'optuna'; use 'orbit' (the default) or 'wandb' (wandb's own rules)"
    ),
    Case(
      label: "bayes block with method random",
      yaml: """
        method: random
        run_cap: 3
        program: t.py
        bayes: {engine: wandb}
        parameters:
          a: {values: [1, 2]}
        """,
      expected:
        "spec.yaml:4:1: 'bayes' settings apply to 'method: bayes' only (this spec has method: random); remove the block or set method: bayes"
    ),
    Case(
      label: "unknown metric goal",
      yaml: """
        method: grid
        program: t.py
        metric: {name: loss, goal: lower}
        parameters:
          a: {values: [1, 2]}
        """,
      expected: "spec.yaml:3:28: metric goal 'lower' is unknown; use 'minimize' or 'maximize'"),
    Case(
      label: "int_uniform with a fractional bound",
      yaml: """
        method: grid
        program: t.py
        parameters:
          a: {min: 1.5, max: 3, distribution: int_uniform}
        """,
      expected: "spec.yaml:4:12: parameter 'a': int_uniform needs integer 'min' and 'max' (got"
        + " min 1.5, max 3); use distribution: uniform for real numbers"),
    Case(
      label: "probabilities not summing to one",
      yaml: """
        method: random
        run_cap: 3
        program: t.py
        parameters:
          a: {values: [1, 2], probabilities: [0.5, 0.6]}
        """,
      expected: "spec.yaml:5:38: parameter 'a': probabilities must sum to 1 (they sum to 1.1)"),
    Case(
      label: "parameter defined nested and flat",
      yaml: """
        method: grid
        program: t.py
        parameters:
          a:
            parameters:
              b: {values: [1]}
          a.b: {values: [2]}
        """,
      expected: "spec.yaml:7:3: parameter 'a.b' is defined twice (first at spec.yaml:6:7); keep"
        + " one"),
    Case(
      label: "list macro inside a token",
      yaml: """
        method: grid
        command: [python3, "x${args}"]
        program: t.py
        parameters:
          a: {values: [1, 2]}
        """,
      expected: "spec.yaml:2:20: macro ${args} expands to several arguments, so it must be a list"
        + " item of its own (got 'x${args}')"),
    Case(
      label: "negative sigma",
      yaml: """
        method: random
        run_cap: 3
        program: t.py
        parameters:
          a: {distribution: normal, sigma: -1}
        """,
      expected: "spec.yaml:5:36: parameter 'a': sigma must be >= 0 (got -1)"),
    Case(
      label: "grid too large for Int",
      yaml: """
        method: grid
        program: t.py
        parameters:
          a: {min: 0, max: 999999999}
          b: {min: 0, max: 999999999}
          c: {min: 0, max: 999999999}
        """,
      expected: "spec.yaml:1:1: the grid has more than 9223372036854775807 trials; shrink a"
        + " parameter's values or use method: random with run_cap"),
    Case(
      label: "parameters left empty",
      yaml: """
        method: grid
        program: t.py
        parameters:
        """,
      expected: "spec.yaml:3:12: 'parameters' must be a mapping of keys to values, got nothing"
        + " (an empty value)"),
    Case(
      label: "int_uniform range beyond 64 bits",
      yaml: """
        method: random
        run_cap: 10
        program: t.py
        parameters:
          a: {min: -9223372036854775807, max: 9223372036854775807}
        """,
      expected: "spec.yaml:5:12: parameter 'a': the range min..max is too large for 64-bit"
        + " integers"),
    Case(
      label: "duplicate key",
      yaml: """
        method: grid
        program: t.py
        parameters:
          a: {values: [1, 2]}
          b: {values: [3]}
          a: {values: [3]}
        """,
      expected: "spec.yaml:6:3: key 'a' appears twice in the same mapping (first at"
        + " spec.yaml:4:3); keep one"),
    Case(
      label: "tab indentation",
      yaml: "method: grid\nprogram: t.py\nparameters:\n\ta: {values: [1, 2]}\n",
      expected: "spec.yaml:4:1: not valid YAML: a tab character; YAML indents with spaces only"),
  ]

  @Test(arguments: cases)
  func badSpecMessage(_ badCase: Case) {
    do {
      let spec = try Spec.parse(yaml: badCase.yaml, fileName: "spec.yaml")
      Issue.record("parsed, with \(spec.trialCount) trials, but should have failed")
    } catch {
      #expect(error.code == .invalid)
      #expect(error.description == badCase.expected)
      #expect(error.location?.file == "spec.yaml")
    }
  }

  @Test func missingFileIsUnreadable() {
    #expect {
      _ = try Spec.load(path: "/nonexistent/orbit/spec.yaml")
    } throws: { error in
      guard let error = error as? SpecError else { return false }
      return error.code == .unreadable
        && error.description == "spec file '/nonexistent/orbit/spec.yaml' does not exist"
    }
  }

  @Test func directoryIsUnreadable() {
    #expect {
      _ = try Spec.load(path: "/tmp")
    } throws: { error in
      (error as? SpecError)?.description == "spec file '/tmp' is a directory"
        && (error as? SpecError)?.code == .unreadable
    }
  }

  @Test func emptyFileIsInvalid() {
    #expect {
      _ = try Spec.parse(yaml: "", fileName: "empty.yaml")
    } throws: { error in
      (error as? SpecError)?.code == .invalid
        && (error as? SpecError)?.location == SourceLocation(file: "empty.yaml", line: 1, column: 1)
    }
  }
}
