/// sysexits(3) codes Orbit exits with, so scripts and schedulers can tell failures apart.
public enum ExitStatus {
  /// A trial failed (`TrialStatus.isFailure`), or `orbit trial`'s trial diverged.
  public static let trialsFailed: Int32 = 1
  /// EX_USAGE: a command line Orbit refuses (an unsafe bind, an out-of-range option).
  public static let usage: Int32 = 64
  /// EX_DATAERR: a bad spec, a spec that does not continue the recorded sweep, a bad CSV.
  public static let badData: Int32 = 65
  /// EX_NOINPUT: the spec, journal or key file is missing.
  public static let noInput: Int32 = 66
  /// EX_UNAVAILABLE: cannot bind, cannot start ZeroMQ or the local workers.
  public static let unavailable: Int32 = 69
  /// EX_IOERR: the run directory, its journal or its files cannot be read or written.
  public static let ioError: Int32 = 74
  /// EX_TEMPFAIL: the run directory is in use by another coordinator; try again later.
  public static let tempFailure: Int32 = 75
  /// Stopped by SIGINT or SIGTERM (128 + SIGINT); running the command again resumes.
  public static let interrupted: Int32 = 130
}

/// Why a session step refused or failed: the one-line message the command prints after
/// `error: `, and the exit code it ends with.
public struct SessionError: Error, CustomStringConvertible {
  public var message: String
  /// One of `ExitStatus`'s codes.
  public var exitCode: Int32

  public init(_ message: String, exitCode: Int32) {
    self.message = message
    self.exitCode = exitCode
  }

  public var description: String { message }
}
