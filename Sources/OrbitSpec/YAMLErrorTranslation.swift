import Yams

/// Turns Yams' errors into one-line `SpecError`s with `file:line:column`.
enum YAMLErrorTranslation {
  static func specError(_ error: YamlError, fileName: String) -> SpecError {
    func at(_ mark: Mark) -> SourceLocation {
      SourceLocation(file: fileName, line: mark.line, column: mark.column)
    }
    switch error {
    case .scanner(let context, let problem, let mark, let yaml),
      .parser(let context, let problem, let mark, let yaml),
      .composer(let context, let problem, let mark, let yaml):
      if character(at: mark, in: yaml) == "\t" {
        return SpecError(
          .invalid, "not valid YAML: a tab character; YAML indents with spaces only", at: at(mark))
      }
      var message = "not valid YAML: \(problem)"
      if let context { message += " (\(context.text) at \(context.mark))" }
      if unquotedMacroInFlow(near: mark, in: yaml) {
        // `command: [${env}, …]`: in a flow list `{` opens a mapping; wandb's own examples use
        // a block list, where `- ${env}` is a plain string.
        message +=
          "; a '${…}' macro inside [ … ] must be quoted (\"${env}\"), or write the list as a block (- ${env})"
      }
      return SpecError(.invalid, message, at: at(mark))
    case .duplicatedKeysInMapping(let duplicates, let context):
      let first = at(context.mark)
      let key = duplicates.first ?? ""
      // Yams marks the first occurrence; point at the second, which is usually the mistake.
      if let line = lineOfSecondOccurrence(of: key, after: context.mark, in: context.text) {
        return SpecError(
          .invalid,
          "key '\(key)' appears twice in the same mapping (first at \(first)); keep one",
          at: SourceLocation(file: fileName, line: line, column: context.mark.column))
      }
      return SpecError(
        .invalid,
        "key '\(duplicates.joined(separator: "', '"))' appears twice in the same mapping; keep one",
        at: first)
    case .reader(let problem, _, _, _):
      return SpecError(.invalid, "\(fileName): cannot read the YAML text: \(problem)")
    default:
      return SpecError(.invalid, "\(fileName): not valid YAML: \(error)")
    }
  }

  /// Whether the line of `mark` has an unquoted `${` inside a flow sequence `[ … ]`.
  static func unquotedMacroInFlow(near mark: Mark, in yaml: String) -> Bool {
    let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
    guard mark.line >= 1, mark.line <= lines.count else { return false }
    let line = lines[mark.line - 1]
    guard let open = line.firstIndex(of: "[") else { return false }
    var quote: Character?
    var previous: Character = " "
    for c in line[open...] {
      if let q = quote {
        if c == q { quote = nil }
      } else if c == "\"" || c == "'" {
        quote = c
      } else if c == "{" && previous == "$" {
        return true
      }
      previous = c
    }
    return false
  }

  /// The 1-based line after `first` that has `key:` at the same column — the duplicate in a
  /// block mapping. Nil for flow mappings or anything unusual.
  private static func lineOfSecondOccurrence(of key: String, after first: Mark, in text: String)
    -> Int?
  {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard first.line >= 1, first.line <= lines.count else { return nil }
    for index in first.line..<lines.count {
      let line = lines[index]
      let indent = first.column - 1
      guard line.count > indent else { continue }
      let start = line.index(line.startIndex, offsetBy: indent)
      guard line[..<start].allSatisfy({ $0 == " " || $0 == "-" }) else { continue }
      let rest = line[start...]
      if rest.hasPrefix(key + ":") || rest.hasPrefix("\"\(key)\":") || rest.hasPrefix("'\(key)':") {
        return index + 1
      }
      // A line less indented than the key ends its mapping.
      if let firstNonSpace = line.firstIndex(where: { $0 != " " }),
        line.distance(from: line.startIndex, to: firstNonSpace) < indent,
        !line[firstNonSpace...].hasPrefix("#")
      {
        return nil
      }
    }
    return nil
  }

  /// The character at a 1-based line and column (columns count Unicode scalars, as libyaml's).
  private static func character(at mark: Mark, in text: String) -> Unicode.Scalar? {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard mark.line >= 1, mark.line <= lines.count else { return nil }
    let scalars = Array(lines[mark.line - 1].unicodeScalars)
    guard mark.column >= 1, mark.column <= scalars.count else { return nil }
    return scalars[mark.column - 1]
  }
}
