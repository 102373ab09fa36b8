/// Constants of the wire protocol, with their units and reasons.
public enum Wire {
  /// Bumped on any incompatible change; a peer speaking another version is rejected.
  /// Version 2: RESULT and PROGRESS carry the trial's plan index, RESULT its sweep id, and TASK
  /// and RESULT a lease token. Version 3: trial ids travel as their 32 digest bytes, not as
  /// 64 hex characters behind a length. Version 4: GPU devices in HELLO, a stdout tail in
  /// RESULT. Version 5: HELLO lists each held run with its plan index, attempt, lease token and
  /// whether it finished (was: the ids of running trials alone), so a restarted coordinator
  /// re-adopts what its workers still run and waits for the results they re-send.
  public static let version: UInt8 = 5
  /// First two bytes of every Orbit message ("OB"): cheap rejection of stray traffic.
  public static let magic: (UInt8, UInt8) = (0x4F, 0x42)
  /// Largest message accepted, in bytes: also set as ZMQ_MAXMSGSIZE on every socket so libzmq
  /// drops larger frames before they are buffered. 16 MiB holds a batch of thousands of results.
  public static let maxMessageBytes = 16 << 20
  /// Largest string field (params, metrics, stderr tail), in bytes.
  public static let maxStringBytes = 4 << 20
  /// Largest opaque byte field (a lease token is `LeaseToken.byteCount`, 16 bytes; room for a
  /// longer MAC later).
  public static let maxTokenBytes = 64
  /// Largest metrics object one result may carry, in bytes. Metrics are a few numbers and a
  /// learning curve at most; artifacts belong in files. A larger result is recorded `failed`
  /// with a message saying so, never dropped silently and never a stalled sweep.
  public static let maxMetricsBytes = 64 << 10
  /// Largest RESULT batch a worker builds, in bytes: well under `maxMessageBytes`, so a re-send
  /// of many unacknowledged results after a reconnect goes out as several frames, never one
  /// frame over the limit (which libzmq would drop, stalling the sweep).
  public static let maxResultBatchBytes = 4 << 20
  /// Most items in one TASK or RESULT batch or list field.
  public static let maxBatchItems = 65_536
  /// Default heartbeat interval in milliseconds: both sides send one when otherwise silent.
  public static let heartbeatIntervalMilliseconds = 1000
  /// Heartbeats a peer may miss before it is declared dead: "3-5 is reasonable" (ZeroMQ guide,
  /// Paranoid Pirate). 5 s of silence loses a worker's leases.
  public static let heartbeatLiveness = 5
}
