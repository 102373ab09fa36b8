import ArgumentParser
import Foundation
import OrbitSession

/// Prints `error: message` to stderr (no stack trace) and returns the exit code to throw; the
/// codes are `ExitStatus`'s.
func fail(_ message: String, _ code: Int32) -> ExitCode {
  FileHandle.standardError.write(Data("error: \(message)\n".utf8))
  return ExitCode(code)
}

func warn(_ message: String) {
  FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
}

/// Whether stdout is a terminal (live progress line) or a file/pipe (periodic plain lines).
var stdoutIsTerminal: Bool { isatty(1) == 1 }

/// Flushes buffered `print` output, so plain progress lines reach a log file as they happen.
func flushStandardOutput() {
  fflush(nil)
}
