import Foundation
import OrbitProtocol
import OrbitSpec

/// What the coordinator accepts from a peer, in one place: every bound a peer's input meets,
/// with its unit and reason. docs/PROTOCOL.md ("Limits") lists the same numbers.
public enum PeerPolicy {
  /// Most slots one worker may announce: a 4,096-core node is already larger than any here, and
  /// the bound keeps every credit sum far from overflow.
  public static let maxSlots = 4096
  /// Longest worker id, host name and Orbit version string in HELLO, in bytes.
  public static let maxNameBytes = 256
  /// Largest PROGRESS metrics object kept, in bytes: a learning-curve point is a few numbers.
  public static let maxProgressBytes = 16 << 10
  /// Most metric values kept per trial for early termination: what an honest worker sends at
  /// most (`ProgressLines.maxPointsSent`), so a peer cannot grow the coordinator's memory.
  public static let maxHistoryValues = 2000
  /// Longest BYE reason kept, in bytes.
  public static let maxReasonBytes = 512
  /// Messages a peer may send in one second before it is dropped as a flood. An honest worker
  /// sends at most a few per trial batch and a heartbeat a second — under 5,000/s even feeding
  /// 100,000 no-op trials/s — and its backlog after a coordinator stall arrives once.
  public static let maxMessagesPerSecond = 50_000

  /// Protocol violations (credits beyond slots, results for leases it does not hold, messages
  /// only a coordinator sends) after which a peer is dropped.
  public static let strikesBeforeDrop = 3
  /// Trials a new peer may hold at once before it has returned any result: its slots count only
  /// up to what it has shown it can run, one more per result (slow start), so one new peer that
  /// declares 4,096 slots cannot take the whole queue (issue 25).
  public static let initialAllowance = 16
  /// HELLOs repeated on an admitted connection, with nothing else said, that count as one
  /// introduction (a re-admission after a restart: one per message the worker had in flight,
  /// from a worker older than the one-HELLO rule). Past it each is a strike: every WELCOME
  /// carries the spec, so unbounded repeats would amplify a peer's traffic.
  public static let repeatedHellosAllowed = 64
  /// Drops after which a worker id is refused for the rest of the sweep.
  public static let dropsBeforeBan = 3
  /// Most peers whose misbehaviour is remembered (malformed-message log, offender counts): the
  /// memory a flood of fresh identities can make the coordinator keep.
  public static let maxTrackedOffenders = 10_000

  /// Heartbeat intervals an admitted worker must have been silent before a new worker with its
  /// id (a restart) takes its place; a live worker sends at least one per interval.
  public static let silenceBeforeTakeover = 2.0

  /// Why a HELLO is refused, or nil.
  static func problem(with hello: Hello) -> String? {
    guard (1...maxSlots).contains(hello.slots) else {
      return "slots must be between 1 and \(maxSlots) (got \(hello.slots))"
    }
    guard !hello.workerID.isEmpty, hello.workerID.utf8.count <= maxNameBytes,
      hello.host.utf8.count <= maxNameBytes, hello.orbitVersion.utf8.count <= maxNameBytes,
      hello.runners.count <= 8, hello.holding.lazy.filter({ !$0.finished }).count <= hello.slots,
      hello.gpus.count <= hello.slots, hello.gpus.allSatisfy({ $0.utf8.count <= maxNameBytes })
    else {
      return
        "HELLO fields out of bounds (worker id 1–\(maxNameBytes) bytes, host and version ≤ \(maxNameBytes) bytes, at most one GPU entry per slot)"
    }
    // Names are printed in logs, the dashboard and trials.csv, and a worker id keys the
    // journal's workers: no control or format characters (a NUL merged two workers), and one
    // spelling of each name (NFC).
    for (field, value) in [("worker id", hello.workerID), ("host", hello.host)] {
      guard ControlText.isPlain(value) else {
        return "the \(field) has control or format characters: \(ControlText.escaped(value))"
      }
      // Compared as bytes: String's == treats canonically equivalent spellings as equal.
      guard value.utf8.elementsEqual(value.precomposedStringWithCanonicalMapping.utf8) else {
        return
          "the \(field) is not in Unicode NFC: send \(value.precomposedStringWithCanonicalMapping)"
      }
    }
    return nil
  }
}
