import OrbitSpec

/// The trials an earlier run of this sweep already recorded, as the coordinator skips them.
///
/// Held as a bitmap over plan indices (1 bit a trial: a resumed 10^7-point sweep costs 1.25 MB),
/// plus the ids recorded under another version of the spec, whose indices no longer match.
public struct ResumeSet: Sendable {
  private var bits: [UInt64] = []
  private var movedIDs: Set<TrialID> = []
  public private(set) var count = 0

  public init() {}

  /// Builds the set from the journal's (id, index) rows, checking each against the plan.
  public init(recorded: [(id: TrialID, index: Int)], plan: TrialPlan) {
    for (id, index) in recorded {
      if index >= 0 && index < plan.count && plan.trial(at: index).id == id {
        insert(index: index)
      } else {
        movedIDs.insert(id)
      }
      count += 1
    }
  }

  mutating func insert(index: Int) {
    let word = index >> 6
    if word >= bits.count {
      bits.append(contentsOf: repeatElement(0, count: word - bits.count + 1))
    }
    bits[word] |= 1 << UInt64(index & 63)
  }

  /// Whether the trial at `index` with `id` was recorded by an earlier run.
  func contains(index: Int, id: @autoclosure () -> TrialID) -> Bool {
    let word = index >> 6
    if word < bits.count && bits[word] & (1 << UInt64(index & 63)) != 0 { return true }
    return !movedIDs.isEmpty && movedIDs.contains(id())
  }

  /// Bytes allocated for the bitmap (the moved ids aside): what the "1 bit a trial" above
  /// promises, measured by the tests.
  var bitmapBytes: Int { bits.capacity * MemoryLayout<UInt64>.stride }

  /// True when nothing at or after `index` can be in the set by position.
  func isEmpty(from index: Int) -> Bool {
    movedIDs.isEmpty && (index >> 6) >= bits.count
  }
}
