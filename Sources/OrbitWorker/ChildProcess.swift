import CSupport
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A program started in a process group of its own, with stdout and stderr captured.
///
/// Owns the child: `signalGroup` signals every process of the group (the program and anything
/// it started), `reap` reaps it, and `exitFD` wakes a poll the moment it exits, so a trial's
/// end is seen at once instead of at the next tick of a timer.
struct ChildProcess {
  let pid: pid_t
  let stdoutFD: Int32
  let stderrFD: Int32
  /// A pidfd, readable once the child has exited; -1 where the kernel has none (before 5.3).
  /// Closed by `reap` when it reaps the child.
  let exitFD: Int32

  /// Why a program could not start.
  struct SpawnError: Error, CustomStringConvertible {
    var errno: Int32
    var executable: String
    var description: String {
      let reason = String(validatingCString: strerror(errno)) ?? "errno \(errno)"
      return "cannot start '\(executable)': \(reason)"
    }
  }

  /// Starts `arguments[0]` (searched in PATH) with `environment`, in `directory`.
  static func spawn(arguments: [String], environment: [String: String], directory: String?)
    throws(SpawnError) -> ChildProcess
  {
    var outPipe: [Int32] = [0, 0]
    var errPipe: [Int32] = [0, 0]
    guard orbit_pipe_cloexec(&outPipe) == 0, orbit_pipe_cloexec(&errPipe) == 0 else {
      throw SpawnError(errno: errno, executable: arguments.first ?? "")
    }
    // fork + exec in C: the child sets PR_SET_PDEATHSIG before exec, so it dies with the worker
    // even when the worker is SIGKILLed; it gets its own process group (pgid = its pid) so a
    // timeout kills the whole tree it starts, and default signal dispositions and an empty mask.
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv { free(pointer) }
      for pointer in envp { free(pointer) }
    }
    var spawnErrno: Int32 = 0
    let pid = orbit_spawn_guarded(
      arguments[0], argv, envp, directory, outPipe[1], errPipe[1], &spawnErrno)
    close(outPipe[1])
    close(errPipe[1])
    if pid < 0 {
      close(outPipe[0])
      close(errPipe[0])
      throw SpawnError(errno: spawnErrno, executable: arguments[0])
    }
    return ChildProcess(
      pid: pid, stdoutFD: outPipe[0], stderrFD: errPipe[0], exitFD: orbit_pidfd_open(pid))
  }

  /// Sends `signal` to every process in the child's group.
  func signalGroup(_ signal: Int32) {
    kill(-pid, signal)
  }

  /// Reaps the child if it has exited; returns its exit code (128 + signal when killed).
  func reap(block: Bool) -> Int32? {
    var status: Int32 = 0
    let rc = waitpid(pid, &status, block ? 0 : WNOHANG)
    guard rc == pid else { return nil }
    if exitFD >= 0 { close(exitFD) }
    if status & 0x7f == 0 { return (status >> 8) & 0xff }  // WIFEXITED → WEXITSTATUS
    return 128 + (status & 0x7f)  // WTERMSIG
  }
}
