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
