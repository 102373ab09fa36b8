import Foundation
import OrbitSpec

#if canImport(Glibc)
  import Glibc
#endif

/// The files of a run directory that belong to its coordinator: the lock that makes it one
/// coordinator's, and the secret its lease tokens are signed with.
enum RunDirectory {
  /// Takes the run directory's lock (an `flock` on `coordinator.lock`, released by the kernel
  /// when the process ends however it ends — no stale PID file to clean up). Returns the open
  /// descriptor, to keep for the process's life.
  static func lock(_ directory: String) throws(SessionError) -> Int32 {
    let path = directory + "/coordinator.lock"
    let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      throw SessionError(
        "cannot open \(path): \(String(cString: strerror(errno)))", exitCode: ExitStatus.ioError)
    }
    if flock(fd, LOCK_EX | LOCK_NB) != 0 {
      let reason = errno
      close(fd)
      if reason == EWOULDBLOCK {
        throw SessionError(
          "another coordinator is using \(directory) (it holds \(path)): stop it first, or pass another --run-dir",
          exitCode: ExitStatus.tempFailure)
      }
      throw SessionError(
        "cannot lock \(path): \(String(cString: strerror(reason)))", exitCode: ExitStatus.ioError)
    }
    return fd
  }

  /// Bytes of the lease-token secret: 256 bits, HMAC-SHA256's key size.
  static let secretBytes = 32

  /// The run directory's lease secret, made on first use: created atomically with mode 0600
  /// (`O_CREAT | O_EXCL`), never chmod'ed after writing, so no other user ever reads it.
  static func leaseSecret(_ directory: String) throws(SessionError) -> [UInt8] {
    let path = directory + "/lease.key"
    var fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
    if fd >= 0 {
      var secret = [UInt8](repeating: 0, count: secretBytes)
      var generator = SystemRandomNumberGenerator()
      for i in secret.indices { secret[i] = UInt8.random(in: 0...255, using: &generator) }
      let written = secret.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      fsync(fd)
      close(fd)
      guard written == secretBytes else {
        unlink(path)
        throw SessionError(
          "cannot write \(path): \(String(cString: strerror(errno)))", exitCode: ExitStatus.ioError)
      }
      return secret
    }
    guard errno == EEXIST else {
      throw SessionError(
        "cannot create \(path): \(String(cString: strerror(errno)))", exitCode: ExitStatus.ioError)
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    guard fd >= 0 else {
      throw SessionError(
        "cannot read \(path): \(String(cString: strerror(errno)))", exitCode: ExitStatus.ioError)
    }
    defer { close(fd) }
    var info = stat()
    fstat(fd, &info)
    guard info.st_mode & 0o077 == 0 else {
      throw SessionError(
        "\(path) is readable by other users (mode \(String(info.st_mode & 0o777, radix: 8))): anyone who reads it can forge results. Remove it (a new one is made) or chmod 600 it.",
        exitCode: ExitStatus.ioError)
    }
    var secret = [UInt8](repeating: 0, count: secretBytes)
    let count = secret.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count == secretBytes else {
      throw SessionError(
        "\(path) is damaged (\(count) bytes, expected \(secretBytes)): remove it",
        exitCode: ExitStatus.ioError)
    }
    return secret
  }
}

/// Whether a spec may resume the sweep recorded in a run directory: only if every recorded trial
/// still means the same thing under it. Adding grid points is a resume; anything else is a new
/// sweep (`--new-sweep`).
enum SweepContinuity {
  /// Why `spec` cannot continue the sweep recorded with `recordedSpecText` and `recorded`
  /// trials, or nil when it can.
  static func difference(
    spec: Spec, recordedSpecText: String, recordedFileName: String,
    recorded: [(id: TrialID, index: Int)]
  ) -> String? {
    if let old = try? Spec.parse(yaml: recordedSpecText, fileName: recordedFileName) {
      if old.runner != spec.runner {
        return "the runner changed (\(old.runner.rawValue) → \(spec.runner.rawValue))"
      }
      if old.program != spec.program {
        return "the program changed (\(old.program ?? "none") → \(spec.program ?? "none"))"
      }
      if old.command != spec.command {
        return
          "the command changed (\(old.command.joined(separator: " ")) → \(spec.command.joined(separator: " ")))"
      }
    }
    // Every recorded trial must still be a trial of the new plan, at its index or (grid points
    // added) elsewhere. A changed fixed parameter changes every id; a removed value some.
    var missing: Set<TrialID> = []
    for (id, index) in recorded {
      if index >= 0 && index < spec.trialCount && spec.trial(at: index).id == id { continue }
      missing.insert(id)
    }
    if !missing.isEmpty {
      for trial in spec.trials {
        missing.remove(trial.id)
        if missing.isEmpty { break }
      }
    }
    guard missing.isEmpty else {
      let count = "\(missing.count) of the \(recorded.count) recorded trials are not in this spec"
      guard let old = try? Spec.parse(yaml: recordedSpecText, fileName: recordedFileName),
        let first = recorded.filter({ missing.contains($0.id) }).min(by: { $0.index < $1.index }),
        first.index >= 0, first.index < old.trialCount, old.trial(at: first.index).id == first.id
      else {
        return count + " (grid points removed, or a fixed parameter or the seeds changed)"
      }
      return count + ": " + firstDifference(recorded: old.trial(at: first.index), spec: spec)
    }
    return nil
  }

  /// Most distinct values per parameter read from the new spec to name a difference: enough for
  /// any grid a person writes, bounded for a random search's million points.
  static let valuesScanLimit = 200_000

  /// The first reason `trial`, recorded under the old spec, is not a trial of `spec`: a parameter
  /// removed or added, a value the spec no longer has (`epochs: 3 → 4`), or a combination the
  /// grid no longer makes.
  static func firstDifference(recorded trial: Trial, spec: Spec) -> String {
    let oldNames = Set(trial.params.keys)
    let newNames = Set(spec.parameterNames)
    if let removed = oldNames.subtracting(newNames).sorted().first {
      return "parameter '\(removed)' was removed (recorded \(removed) = \(trial.params[removed]!))"
    }
    var values: [String: Set<ParamValue>] = [:]
    for candidate in spec.trials.prefix(valuesScanLimit) {
      for (name, value) in candidate.params { values[name, default: []].insert(value) }
    }
    if let added = newNames.subtracting(oldNames).sorted().first {
      let now = values[added].map(describe) ?? "?"
      return "parameter '\(added)' was added (\(added): \(now))"
    }
    for name in trial.params.keys.sorted() {
      let old = trial.params[name]!
      guard let now = values[name], !now.contains(old) else { continue }
      return
        "\(name): \(old) → \(describe(now)) (recorded trial \(trial.index) has \(name) = \(old))"
    }
    return
      "the recorded point \(trial.paramsJSON) is no longer a combination of this spec's grid (its zip or grid structure changed)"
  }

  /// A parameter's values as a person reads them: `4`, or `[0.001, 0.01, …]`.
  static func describe(_ values: Set<ParamValue>) -> String {
    let sorted = values.map(\.json).sorted()
    if sorted.count == 1 { return sorted[0] }
    let shown = sorted.prefix(6).joined(separator: ", ")
    return "[\(shown)\(sorted.count > 6 ? ", … (\(sorted.count) values)" : "")]"
  }
}
