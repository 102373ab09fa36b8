/// The worker loop's timings, with their units and reasons (the coordinator's are in its
/// `Timing`, the protocol's in `Wire`).
enum WorkerTiming {
  /// Seconds between ticks of the loop: heartbeats, reconnects, giving up and the lifetime are
  /// checked this often; a tenth of the shortest heartbeat interval a coordinator sends.
  static let tickSeconds = 0.1
  /// How long a trial that died of SIGTERM waits for this worker's own stop request (its
  /// signal watcher polls every 50 ms; Slurm signals a step's processes one after another).
  static let terminatedGraceSeconds = 1.0
  /// Most coordinator messages read before the loop looks at finished trials and ticks again:
  /// a TASK burst cannot starve the results that free its credits.
  static let maxMessagesPerDrain = 1000
  /// Seconds before the first reconnect after a silent coordinator; doubled after each one.
  static let firstReconnectDelaySeconds = 1.0
  /// The reconnect backoff's cap, seconds: a coordinator restarted after a long outage is found
  /// within half a minute, and a dead one costs one TCP connect per half minute.
  static let maxReconnectDelaySeconds = 32.0
}
