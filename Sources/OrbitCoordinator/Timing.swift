/// The coordinator loop's timings and buffer bounds, with their units and reasons.
enum Timing {
  /// Longest wait between ticks, in seconds: liveness is checked and heartbeats are sent at
  /// least this often (and at least twice per heartbeat interval).
  static let maxTickSeconds = 0.25
  /// Seconds between rewrites of the journal's live snapshot that `orbit status` reads.
  static let liveSnapshotSeconds = 1.0
  /// Most messages read from the socket before the loop looks at ticks and durable results
  /// again: large enough to amortise a poll, small enough that ACKs are not starved under load.
  static let maxMessagesPerDrain = 10_000
  /// Messages queued per peer before libzmq refuses more: credits already bound what is queued
  /// per worker; this is a backstop.
  static let highWaterMark = 10_000
  /// Milliseconds the socket lingers at close so the closing BYEs reach the workers.
  static let closingLingerMilliseconds: Int32 = 2000
}
