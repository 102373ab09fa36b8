import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// How many SIGINT/SIGTERM the process has received: the first drains, the second forces.
let interruptCount = Atomic<Int>(0)
/// How many SIGHUP: each asks `orbit coordinator` to reload its allow-list.
let hangupCount = Atomic<Int>(0)

enum Signals {
  /// Counts SIGINT and SIGTERM instead of dying, so the sweep can stop cleanly.
  static func install() {
    let handler: @convention(c) (Int32) -> Void = { _ in interruptCount.add(1, ordering: .relaxed) }
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
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

  static var interrupts: Int { interruptCount.load(ordering: .relaxed) }
  static var hangups: Int { hangupCount.load(ordering: .relaxed) }
}
