/// Text from a peer or a program made safe for a terminal or a log: control and format
/// characters (C0, DEL, C1, bidi overrides, zero-width) are written as `\u{…}`, so an escape
/// sequence in a worker id, a BYE reason or a trial's stderr cannot move the cursor, hide text
/// or write the clipboard (OSC 52) where the user reads it (issue 25). Newlines and tabs are kept
/// where `keepLines`.
public enum ControlText {
  public static func escaped(_ text: String, keepLines: Bool = false) -> String {
    guard text.unicodeScalars.contains(where: { isUnsafe($0, keepLines: keepLines) }) else {
      return text
    }
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      if isUnsafe(scalar, keepLines: keepLines) {
        out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
      } else {
        out.append(scalar)
      }
    }
    return String(out)
  }

  /// Whether `text` holds nothing `escaped` would change (and no newline or tab).
  public static func isPlain(_ text: String) -> Bool {
    !text.unicodeScalars.contains { isUnsafe($0, keepLines: false) }
  }

  static func isUnsafe(_ scalar: Unicode.Scalar, keepLines: Bool) -> Bool {
    if keepLines && (scalar == "\n" || scalar == "\t") { return false }
    switch scalar.properties.generalCategory {
    case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse,
      .unassigned:
      return true
    default: return false
    }
  }
}
