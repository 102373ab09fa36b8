import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// How many SIGINT/SIGTERM the process has received: any of them asks for a clean stop.
let interruptCount = Atomic<Int>(0)
/// How many SIGINT: a second one (a user pressing Ctrl-C again) means "now". A repeated SIGTERM
/// does not: Slurm's stepd signals every process of a step and a batch script's trap often
/// forwards another a few ms later, and both are the same request to stop cleanly.
let sigintCount = Atomic<Int>(0)
/// How many SIGHUP: each asks `orbit coordinator` to reload its allow-list.
let hangupCount = Atomic<Int>(0)

enum Signals {
  /// Counts SIGINT and SIGTERM instead of dying, so the sweep can stop cleanly.
  static func install() {
    let terminate: @convention(c) (Int32) -> Void = { _ in
      interruptCount.add(1, ordering: .relaxed)
    }
    let interrupt: @convention(c) (Int32) -> Void = { _ in
      interruptCount.add(1, ordering: .relaxed)
      sigintCount.add(1, ordering: .relaxed)
    }
    signal(SIGINT, interrupt)
    signal(SIGTERM, terminate)
    let hangup: @convention(c) (Int32) -> Void = { _ in hangupCount.add(1, ordering: .relaxed) }
    signal(SIGHUP, hangup)
    // A process started by Foundation's Process may inherit a mask that blocks them: unblock, or
    // a SIGTERM (and the parent-death signal) would stay pending forever.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    sigaddset(&set, SIGHUP)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
    // A vanished peer must not kill us through a write to a closed pipe.
    signal(SIGPIPE, SIG_IGN)
  }

  /// Stop requests so far (SIGINT or SIGTERM).
  static var interrupts: Int { interruptCount.load(ordering: .relaxed) }
  /// A second SIGINT: stop now, without waiting for what workers hold.
  static var forced: Bool { sigintCount.load(ordering: .relaxed) > 1 }
  static var hangups: Int { hangupCount.load(ordering: .relaxed) }
}
