import ArgumentParser
import Foundation

/// sysexits(3) codes Orbit exits with, so scripts and schedulers can tell failures apart.
enum Exit {
  static let trialsFailed = ExitCode(1)
  static let usage = ExitCode(64)
  static let badData = ExitCode(65)
  static let noInput = ExitCode(66)
  static let unavailable = ExitCode(69)
  static let ioError = ExitCode(74)
  /// EX_TEMPFAIL: the run directory is in use by another coordinator; try again later.
  static let tempFailure = ExitCode(75)
  static let interrupted = ExitCode(130)
}

/// Prints `error: message` to stderr (no stack trace) and returns the exit code to throw.
func fail(_ message: String, _ code: ExitCode) -> ExitCode {
  FileHandle.standardError.write(Data("error: \(message)\n".utf8))
  return code
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
