import Yams

/// Turns Yams' errors into one-line `SpecError`s with `file:line:column`.
enum YAMLErrorTranslation {
  static func specError(_ error: YamlError, fileName: String) -> SpecError {
    func at(_ mark: Mark) -> SourceLocation {
      SourceLocation(file: fileName, line: mark.line, column: mark.column)
    }
    switch error {
    case .scanner(let context, let problem, let mark, _),
      .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      var message = "not valid YAML: \(problem)"
      if let context { message += " (\(context.text) at \(context.mark))" }
      return SpecError(.invalid, message, at: at(mark))
    case .duplicatedKeysInMapping(let duplicates, let context):
      return SpecError(
        .invalid,
        "key '\(duplicates.joined(separator: "', '"))' appears twice in the same mapping; keep one",
        at: at(context.mark))
    case .reader(let problem, _, _, _):
      return SpecError(.invalid, "\(fileName): cannot read the YAML text: \(problem)")
    default:
      return SpecError(.invalid, "\(fileName): not valid YAML: \(error)")
    }
  }
}
