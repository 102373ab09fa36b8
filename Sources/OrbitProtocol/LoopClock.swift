import Foundation

/// The clocks an I/O loop reads: monotonic seconds for every timer (liveness, heartbeats, ticks,
/// backoff), wall-clock seconds only for timestamps it records. Injected so that a test can step
/// either one under a running loop: a wall-clock step must change nothing, a monotonic jump is
/// how long a loop was frozen.
public struct LoopClock: Sendable {
  public var monotonic: @Sendable () -> Double
  public var wall: @Sendable () -> Double

  public init(monotonic: @escaping @Sendable () -> Double, wall: @escaping @Sendable () -> Double) {
    self.monotonic = monotonic
    self.wall = wall
  }

  /// CLOCK_MONOTONIC and the system's wall clock.
  public static let system = LoopClock(
    monotonic: { MonotonicClock.seconds() }, wall: { Date().timeIntervalSince1970 })
}
