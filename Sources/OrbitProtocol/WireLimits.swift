/// Constants of the wire protocol, with their units and reasons.
public enum Wire {
  /// Bumped on any incompatible change; a peer speaking another version is rejected.
  public static let version: UInt8 = 1
  /// First two bytes of every Orbit message ("OB"): cheap rejection of stray traffic.
  public static let magic: (UInt8, UInt8) = (0x4F, 0x42)
  /// Largest message accepted, in bytes: also set as ZMQ_MAXMSGSIZE on every socket so libzmq
  /// drops larger frames before they are buffered. 16 MiB holds a batch of thousands of results.
  public static let maxMessageBytes = 16 << 20
  /// Largest string field (params, metrics, stderr tail), in bytes.
  public static let maxStringBytes = 4 << 20
  /// Most items in one TASK or RESULT batch or list field.
  public static let maxBatchItems = 65_536
  /// Default heartbeat interval in milliseconds: both sides send one when otherwise silent.
  public static let heartbeatIntervalMilliseconds = 1000
  /// Heartbeats a peer may miss before it is declared dead: "3-5 is reasonable" (ZeroMQ guide,
  /// Paranoid Pirate). 5 s of silence loses a worker's leases.
  public static let heartbeatLiveness = 5
}
