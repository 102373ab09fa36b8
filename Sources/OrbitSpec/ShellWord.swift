import Foundation

/// A word as a POSIX shell reads it back: as it is when it holds only plain bytes, else in single
/// quotes (a `'` inside becomes `'\''`). The allow-list is of bytes, not of `Character` classes:
/// a letter of another script followed by a backtick can form one grapheme that `isLetter`
/// accepts, and a backtick hidden that way ran a command in a Slurm job (issue 25).
public enum ShellWord {
  /// Bytes a word may hold unquoted: ASCII letters and digits, and `-_./:=,@+`.
  static let plainBytes = Set(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@+".utf8)

  public static func quoted(_ word: String) -> String {
    if !word.isEmpty && word.utf8.allSatisfy(plainBytes.contains) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
