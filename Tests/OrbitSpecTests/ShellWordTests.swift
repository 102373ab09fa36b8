import Testing

@testable import OrbitSpec

@Suite("Words quoted for a POSIX shell")
struct ShellWordTests {
  @Test func plainWordsStayAndEverythingElseIsSingleQuoted() {
    #expect(ShellWord.quoted("runs/sweep-1.yaml") == "runs/sweep-1.yaml")
    #expect(ShellWord.quoted("my sweep.yaml") == "'my sweep.yaml'")
    #expect(ShellWord.quoted("") == "''")
    #expect(ShellWord.quoted("it's") == "'it'\\''s'")
    #expect(ShellWord.quoted("$(rm -rf ~)") == "'$(rm -rf ~)'")
  }

  @Test func aLetterOfAnotherScriptCannotHideABacktick() {
    // U+0D4E then a backtick: one grapheme cluster that Character.isLetter accepted (issue 25).
    let word = "\u{0D4E}`touch /tmp/pwned`"
    #expect(ShellWord.quoted(word) == "'\(word)'")
    #expect(ShellWord.quoted("caf\u{E9}") == "'caf\u{E9}'", "non-ASCII is quoted, not trusted")
  }
}

@Suite("Peer and program text made safe for a terminal")
struct ControlTextTests {
  @Test func escapeSequencesAndFormatCharactersAreWrittenOut() {
    #expect(ControlText.escaped("w1") == "w1")
    #expect(ControlText.escaped("x\u{1b}[2Jy") == "x\\u{1b}[2Jy")
    #expect(ControlText.escaped("\u{1b}]52;c;aGk=\u{7}") == "\\u{1b}]52;c;aGk=\\u{7}")
    #expect(ControlText.escaped("a\u{202e}b") == "a\\u{202e}b")
    #expect(ControlText.escaped("a\u{0}b") == "a\\u{0}b")
    #expect(ControlText.escaped("two\nlines\tok", keepLines: true) == "two\nlines\tok")
    #expect(ControlText.escaped("two\nlines") == "two\\u{a}lines")
    #expect(ControlText.escaped("café ✓") == "café ✓")
  }
}
