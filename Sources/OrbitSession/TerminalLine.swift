/// The progress line `orbit run` rewrites on a terminal.
public enum TerminalLine {
  /// Cells of the progress bar drawn before the text when it fits.
  static let barWidth = 20

  /// `text` as one row of a `columns`-wide terminal: a line longer than the terminal wraps, and
  /// `\r` then returns only to the start of its last row, so every update would add rows. The
  /// bar goes first when space is short, then the text is cut with an ellipsis.
  public static func fit(_ text: String, done: Int, total: Int, columns: Int) -> String {
    let room = max(10, columns - 1)
    if text.count + barWidth + 1 <= room {
      let filled = total == 0 ? barWidth : min(barWidth, done * barWidth / max(1, total))
      return String(repeating: "█", count: filled)
        + String(repeating: "░", count: barWidth - filled) + " " + text
    }
    return text.count <= room ? text : String(text.prefix(room - 1)) + "…"
  }
}
