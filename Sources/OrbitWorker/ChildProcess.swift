import CSupport
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A program started in a process group of its own, with stdout and stderr captured.
///
/// Owns the child: `terminateGroup` signals every process of the group (the program and anything
/// it started), and `wait` reaps it.
struct ChildProcess {
  let pid: pid_t
  let stdoutFD: Int32
  let stderrFD: Int32

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
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
    if let directory { orbit_spawn_addchdir(&actions, directory) }

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // Its own process group (pgid = its pid), so a timeout kills the whole tree it starts.
    // Default signal dispositions and an empty mask: the worker's own handlers must not leak in.
    var defaults = sigset_t()
    sigfillset(&defaults)
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv { free(pointer) }
      for pointer in envp { free(pointer) }
    }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
    close(outPipe[1])
    close(errPipe[1])
    if rc != 0 {
      close(outPipe[0])
      close(errPipe[0])
      throw SpawnError(errno: rc, executable: arguments[0])
    }
    return ChildProcess(pid: pid, stdoutFD: outPipe[0], stderrFD: errPipe[0])
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
    if status & 0x7f == 0 { return (status >> 8) & 0xff }  // WIFEXITED → WEXITSTATUS
    return 128 + (status & 0x7f)  // WTERMSIG
  }
}
