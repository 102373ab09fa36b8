#if canImport(Glibc)
  import Glibc
#endif

/// Seconds on a clock that only moves forward at a steady rate (CLOCK_MONOTONIC): what every
/// timer of the protocol — liveness, heartbeats, reconnect backoff — is measured on. A step of
/// the wall clock (NTP, an operator's `date -s`) must neither kill every worker nor keep a dead
/// one alive. Wall-clock time is only ever a recorded timestamp.
public enum MonotonicClock {
  public static func seconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
  }
}
