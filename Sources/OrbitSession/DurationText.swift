/// Durations as people write them on a command line: `3600`, `90s`, `90m`, `1h30m`, `2d`.
public enum DurationText {
  /// Seconds, or nil when `text` is not a duration. A bare number is seconds; otherwise each
  /// number carries its unit (s, m, h, d), largest first as written.
  public static func seconds(parsing text: String) -> Double? {
    if let plain = Double(text) { return plain.isFinite ? plain : nil }
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
    var total = 0.0
    var number = ""
    var seen = 0
    for character in text {
      if character.isNumber || character == "." {
        number.append(character)
      } else if let unit = units[character], let value = Double(number) {
        total += value * unit
        number = ""
        seen += 1
      } else {
        return nil
      }
    }
    return number.isEmpty && seen > 0 ? total : nil
  }
}
