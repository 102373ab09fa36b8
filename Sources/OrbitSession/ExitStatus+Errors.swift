import OrbitAnalysis
import OrbitCompute
import OrbitJournal
import OrbitSpec
import OrbitWorker
import ZeroMQ

extension ExitStatus {
  /// The one map from a module's error to the sysexits code `orbit` ends with: an unreadable
  /// spec is missing input (66), a bad spec, core setting or analysis is bad data (65), the
  /// journal failing is an I/O error (74), ZeroMQ failing is unavailable (69); `SessionError`
  /// and `WorkerError` carry their own. A reader for which a missing journal is missing input
  /// (66: `orbit status`, `serve`, `export`) says so with a `SessionError`. Nil for any other
  /// error (ArgumentParser's, which exit as ArgumentParser decides).
  public static func code(for error: any Error) -> Int32? {
    switch error {
    case let error as SessionError: return error.exitCode
    case let error as WorkerError: return error.exitCode
    case let error as SpecError: return error.code == .unreadable ? noInput : badData
    case is CoreConfigError, is AnalysisError: return badData
    case is JournalError: return ioError
    case is ZMQError: return unavailable
    default: return nil
    }
  }
}

extension SessionError {
  /// `error` with the exit code `ExitStatus.code(for:)` gives it (74 for an error it does not
  /// know: something failed reading or writing the run).
  public init(_ error: any Error) {
    if let error = error as? SessionError {
      self = error
    } else {
      self.init("\(error)", exitCode: ExitStatus.code(for: error) ?? ExitStatus.ioError)
    }
  }
}
