/// wandb's command macros: validation when a spec is parsed, expansion per trial.
enum CommandTemplate {
  /// Macros that expand to several tokens; each must be a whole list item.
  static let listMacros = ["args", "args_no_equals", "args_no_hyphens", "args_no_boolean_flags"]
  /// Macros replaced inside a token.
  static let textMacros = ["env", "interpreter", "program", "args_json", "args_json_file"]
  /// wandb's default command.
  static let defaultCommand = ["${env}", "${interpreter}", "${program}", "${args}"]

  /// One `${…}` occurrence in a token.
  struct Occurrence {
    var range: Range<String.Index>
    var name: String
  }

  /// The macros in `token`, in order. An unterminated `${` is not a macro.
  static func occurrences(in token: String) -> [Occurrence] {
    var result: [Occurrence] = []
    var searchStart = token.startIndex
    while let open = token[searchStart...].range(of: "${"),
      let close = token[open.upperBound...].firstIndex(of: "}")
    {
      result.append(
        Occurrence(
          range: open.lowerBound..<token.index(after: close),
          name: String(token[open.upperBound..<close])))
      searchStart = token.index(after: close)
    }
    return result
  }

  /// A message describing the first invalid macro use in `command`, with its item index, or nil.
  static func problem(in command: [String], hasProgram: Bool) -> (index: Int, message: String)? {
    if command.isEmpty { return (0, "'command' must not be empty") }
    for (index, token) in command.enumerated() {
      for occurrence in occurrences(in: token) {
        let name = occurrence.name
        if listMacros.contains(name) {
          if token != "${\(name)}" {
            return (
              index,
              "macro ${\(name)} expands to several arguments, so it must be a list item of its own"
                + " (got '\(token)')"
            )
          }
        } else if name.hasPrefix("envvar:") {
          if name.count == "envvar:".count {
            return (index, "macro ${envvar:NAME} needs a variable name")
          }
        } else if !textMacros.contains(name) {
          let known = (textMacros + listMacros).map { "${\($0)}" } + ["${envvar:NAME}"]
          return (
            index,
            "unknown macro ${\(name)} in 'command'; known macros: "
              + known.joined(separator: ", ")
          )
        } else if name == "program" && !hasProgram {
          return (index, "'command' uses ${program} but the spec has no 'program' key; add one")
        }
      }
    }
    return nil
  }

  /// Expands every macro of `command` for one trial's parameters.
  static func expand(
    _ command: [String], params: [String: ParamValue], program: String?, jsonFilePath: String,
    environment: [String: String]
  ) -> [String] {
    let names = params.keys.sorted(by: codePointLess)
    var result: [String] = []
    for token in command {
      switch token {
      case "${args}":
        for name in names { result.append("--\(name)=\(params[name]!.pythonString)") }
      case "${args_no_equals}":
        for name in names {
          result.append("--\(name)")
          result.append(params[name]!.pythonString)
        }
      case "${args_no_hyphens}":
        for name in names { result.append("\(name)=\(params[name]!.pythonString)") }
      case "${args_no_boolean_flags}":
        // wandb: a true bool becomes a bare flag, a false one is left out.
        for name in names {
          switch params[name]! {
          case .bool(true): result.append("--\(name)")
          case .bool(false): break
          case let value: result.append("--\(name)=\(value.pythonString)")
          }
        }
      default:
        let found = occurrences(in: token)
        if found.isEmpty {
          result.append(token)
          continue
        }
        var expanded = ""
        var cursor = token.startIndex
        for occurrence in found {
          expanded += token[cursor..<occurrence.range.lowerBound]
          expanded += replacement(
            for: occurrence.name, params: params, program: program, jsonFilePath: jsonFilePath,
            environment: environment)
          cursor = occurrence.range.upperBound
        }
        expanded += token[cursor...]
        result.append(expanded)
      }
    }
    return result
  }

  private static func replacement(
    for name: String, params: [String: ParamValue], program: String?, jsonFilePath: String,
    environment: [String: String]
  ) -> String {
    switch name {
    case "env": return "/usr/bin/env"
    case "interpreter": return "python3"
    case "program": return program ?? ""
    case "args_json": return ParamValue.object(params).json
    case "args_json_file": return jsonFilePath
    default:
      if name.hasPrefix("envvar:") {
        return environment[String(name.dropFirst("envvar:".count))] ?? ""
      }
      return "${\(name)}"
    }
  }
}
