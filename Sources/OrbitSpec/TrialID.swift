/// A trial's identity: the SHA-256 of its canonical parameters (seed included), so the same
/// point has the same id on every machine, in every run, whatever the key order in the spec.
public struct TrialID: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// 64 lowercase hex characters.
  public let hex: String

  /// Accepts exactly 64 hex characters (either case; stored lowercase).
  public init?(hex: String) {
    let lower = hex.lowercased()
    guard lower.utf8.count == 64,
      lower.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
    else { return nil }
    self.hex = lower
  }

  /// The id of a trial whose canonical parameter JSON is `canonicalJSON`.
  public init(canonicalJSON: String) {
    hex = SHA256.hexDigest(canonicalJSON)
  }

  /// The id of a trial whose canonical parameter JSON is these UTF-8 bytes.
  init(canonicalBytes: [UInt8]) {
    hex = SHA256.hexString(SHA256.hash(canonicalBytes))
  }

  /// The first 12 hex characters, for logs and tables.
  public var short: String { String(hex.prefix(12)) }

  public var description: String { hex }

  public static func < (lhs: TrialID, rhs: TrialID) -> Bool { lhs.hex < rhs.hex }
}

/// One point of a sweep: its position in dispatch order, its id and its parameters.
public struct Trial: Sendable, Hashable {
  /// Position in dispatch order, 0-based.
  public let index: Int
  /// SHA-256 of ``canonicalJSON``.
  public let id: TrialID
  /// Flattened dotted names → values; includes `seed` when the spec sets `seeds: K`, and the
  /// core runner's `task.*`, `model.*`, `train.*` settings.
  public let params: [String: ParamValue]
  /// The canonical JSON of ``params`` — exactly the bytes the id hashes.
  public let canonicalJSON: String
  /// The parameters as plain JSON (sorted keys, no spaces; `1.0` stays `1.0`), as a program
  /// receives them (`${args_json}`, `ORBIT_PARAMS_JSON`). `ParamValue.parseJSON` gives back
  /// exactly ``params``.
  public let paramsJSON: String

  /// A trial from its parameters (the id and both JSON forms are computed).
  public init(index: Int, params: [String: ParamValue]) {
    let object = ParamValue.object(params)
    self.init(
      index: index, params: params, canonicalJSON: object.canonicalJSON, paramsJSON: object.json)
  }

  init(index: Int, params: [String: ParamValue], canonicalJSON: String, paramsJSON: String) {
    self.index = index
    self.params = params
    self.canonicalJSON = canonicalJSON
    self.paramsJSON = paramsJSON
    self.id = TrialID(canonicalJSON: canonicalJSON)
  }

  /// A trial whose JSON forms were written as UTF-8 bytes (by the grid).
  init(index: Int, params: [String: ParamValue], canonicalBytes: [UInt8], plainBytes: [UInt8]) {
    self.index = index
    self.params = params
    self.canonicalJSON = String(decoding: canonicalBytes, as: UTF8.self)
    self.paramsJSON = String(decoding: plainBytes, as: UTF8.self)
    self.id = TrialID(canonicalBytes: canonicalBytes)
  }
}
