import Foundation
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitSession

#if canImport(Glibc)
  import Glibc
#endif

@Suite("A run directory's lock and lease secret")
struct RunDirectoryTests {
  /// The lock is an `flock` on its own open file: a second open of the same directory's lock,
  /// even from this process, is refused as a second coordinator would be.
  @Test func aSecondLockOnTheSameDirectoryIsRefusedWith75() throws {
    let sandbox = try Sandbox()
    let first = try RunDirectory.lock(sandbox.path)
    #expect(first >= 0)
    #expect {
      try RunDirectory.lock(sandbox.path)
    } throws: { error in
      let e = error as? SessionError
      return e?.exitCode == ExitStatus.tempFailure && e?.exitCode == 75
        && e!.message.contains("another coordinator is using \(sandbox.path)")
    }
    // Another directory is not affected, and closing the descriptor (the process ending)
    // releases the lock.
    let other = try Sandbox()
    let elsewhere = try RunDirectory.lock(other.path)
    close(elsewhere)
    close(first)
    let again = try RunDirectory.lock(sandbox.path)
    close(again)
  }

  @Test func aLockInAMissingDirectoryIsAnIOError() throws {
    let sandbox = try Sandbox()
    #expect {
      try RunDirectory.lock(sandbox.path + "/missing")
    } throws: { error in
      (error as? SessionError)?.exitCode == ExitStatus.ioError
    }
  }

  @Test func theLeaseSecretIsMadeOnceWithMode600() throws {
    let sandbox = try Sandbox()
    let secret = try RunDirectory.leaseSecret(sandbox.path)
    #expect(secret.count == RunDirectory.secretBytes)
    #expect(Set(secret).count > 1)
    let attributes = try FileManager.default.attributesOfItem(atPath: sandbox.path + "/lease.key")
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
    #expect(try RunDirectory.leaseSecret(sandbox.path) == secret)
    let another = try Sandbox()
    #expect(try RunDirectory.leaseSecret(another.path) != secret)
  }

  @Test func aSecretOthersCanReadOrOfTheWrongSizeIsRefused() throws {
    let sandbox = try Sandbox()
    _ = try RunDirectory.leaseSecret(sandbox.path)
    let path = sandbox.path + "/lease.key"
    chmod(path, 0o644)
    #expect {
      try RunDirectory.leaseSecret(sandbox.path)
    } throws: { error in
      let e = error as? SessionError
      return e?.exitCode == ExitStatus.ioError && e!.message.contains("readable by other users")
    }
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
    chmod(path, 0o600)
    #expect {
      try RunDirectory.leaseSecret(sandbox.path)
    } throws: { error in
      let e = error as? SessionError
      return e?.exitCode == ExitStatus.ioError && e!.message.contains("damaged (3 bytes")
    }
  }
}

@Suite("Whether a spec continues the sweep recorded")
struct SweepContinuityTests {
  func difference(from old: String, to new: String, recordedIndices: [Int]) throws -> String? {
    let recorded = try spec(old)
    return SweepContinuity.difference(
      spec: try spec(new), recordedSpecText: old, recordedFileName: "s.yaml",
      recorded: recordedIndices.map { (recorded.trial(at: $0).id, $0) })
  }

  @Test func theSameSpecOrOneWithGridPointsAddedContinues() throws {
    let old = commandSpecText(values: [1, 2, 3])
    #expect(try difference(from: old, to: old, recordedIndices: [0, 1, 2]) == nil)
    let added = commandSpecText(values: [0, 1, 2, 3, 4])
    #expect(try difference(from: old, to: added, recordedIndices: [0, 1, 2]) == nil)
  }

  @Test func removedGridPointsDoNotContinue() throws {
    let old = commandSpecText(values: [1, 2, 3])
    let removed = commandSpecText(values: [1, 3])
    let why = try difference(from: old, to: removed, recordedIndices: [0, 1, 2])
    #expect(why?.hasPrefix("1 of the 3 recorded trials are not in this spec") == true)
    // Only what was recorded counts: the removed point never ran.
    #expect(try difference(from: old, to: removed, recordedIndices: [0, 2]) == nil)
  }

  @Test func aRefusedResumeNamesTheFirstDifference() throws {
    let base = """
      method: grid
      program: x.py
      parameters:
        lr: {values: [0.001, 0.01]}
        epochs: {value: 3}

      """
    // A changed fixed value: every recorded trial is gone, and the message says which value.
    let epochs = try difference(
      from: base, to: base.replacingOccurrences(of: "value: 3", with: "value: 4"),
      recordedIndices: [0, 1])
    #expect(
      epochs
        == "2 of the 2 recorded trials are not in this spec: epochs: 3 → 4 (recorded trial 0 has epochs = 3)"
    )
    // A removed grid value.
    let lr = try difference(
      from: base, to: base.replacingOccurrences(of: "[0.001, 0.01]", with: "[0.01, 0.1]"),
      recordedIndices: [0, 1])
    #expect(lr?.contains("lr: 0.001 → [0.01, 0.1]") == true, "\(lr ?? "nil")")
    // A parameter added, or removed.
    let added = try difference(
      from: base, to: base + "  width: {values: [64, 128]}\n", recordedIndices: [0])
    #expect(
      added?.hasSuffix("parameter 'width' was added (width: [128, 64])") == true,
      "\(added ?? "nil")")
    let removed = try difference(
      from: base, to: base.replacingOccurrences(of: "  epochs: {value: 3}\n", with: ""),
      recordedIndices: [0])
    #expect(
      removed?.hasSuffix("parameter 'epochs' was removed (recorded epochs = 3)") == true,
      "\(removed ?? "nil")")
  }

  @Test func aChangedProgramOrRunnerDoesNotContinue() throws {
    let old = commandSpecText(values: [1, 2])
    let other = commandSpecText(values: [1, 2], program: "y.py")
    #expect(
      try difference(from: old, to: other, recordedIndices: [0])
        == "the program changed (x.py → y.py)")
    let command = """
      method: grid
      command: [python3, x.py, "${args}"]
      parameters:
        a: {values: [1, 2]}
      """
    let commandChanged = try difference(
      from: command, to: command.replacingOccurrences(of: "python3,", with: "python,"),
      recordedIndices: [])
    #expect(commandChanged == "the command changed (python3 x.py ${args} → python x.py ${args})")
    let core = """
      method: grid
      runner: core
      task: {kind: manifold}
      model: {kind: mlp, width: 8}
      train: {steps: 10}
      parameters:
        a: {values: [1, 2]}
      """
    #expect(
      try difference(from: old, to: core, recordedIndices: [])
        == "the runner changed (command → core)")
  }
}
