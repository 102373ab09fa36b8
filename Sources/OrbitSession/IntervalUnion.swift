/// The union of time intervals, kept as disjoint sorted intervals with their total length: a
/// sweep's one wall time (the time some trial was running, over every run of it), which the
/// report, the summary and the dashboard all show. Trials arrive about in time order, so an
/// insertion touches the last few intervals: a poll of a 100,000-trial sweep does not sort
/// 100,000 intervals again.
public struct IntervalUnion: Sendable, Equatable {
  /// Disjoint, sorted by start; touching intervals are merged.
  private(set) var intervals: [(start: Double, end: Double)] = []
  /// Their summed length.
  public private(set) var seconds = 0.0

  public init() {}

  public init(_ intervals: [(start: Double, end: Double)]) {
    for interval in intervals { insert(start: interval.start, end: interval.end) }
  }

  public static func == (a: IntervalUnion, b: IntervalUnion) -> Bool {
    a.intervals.elementsEqual(b.intervals) { $0 == $1 }
  }

  /// The index of the first interval whose end is at or after `time`.
  private func firstEnding(atOrAfter time: Double) -> Int {
    var (low, high) = (0, intervals.count)
    while low < high {
      let middle = (low + high) / 2
      if intervals[middle].end < time { low = middle + 1 } else { high = middle }
    }
    return low
  }

  /// Adds [start, end] (nothing when it is empty or not finite).
  public mutating func insert(start: Double, end: Double) {
    guard start.isFinite, end.isFinite, end > start else { return }
    let first = firstEnding(atOrAfter: start)
    var last = first
    var merged = (start: start, end: end)
    while last < intervals.count, intervals[last].start <= end {
      merged.start = min(merged.start, intervals[last].start)
      merged.end = max(merged.end, intervals[last].end)
      seconds -= intervals[last].end - intervals[last].start
      last += 1
    }
    intervals.replaceSubrange(first..<last, with: [merged])
    seconds += merged.end - merged.start
  }

  /// The union's length with [start, end] added, without adding it (the current run of a live
  /// sweep, up to now).
  public func seconds(adding start: Double, _ end: Double) -> Double {
    guard start.isFinite, end.isFinite, end > start else { return seconds }
    var uncovered = end - start
    var i = firstEnding(atOrAfter: start)
    while i < intervals.count, intervals[i].start < end {
      uncovered -= min(end, intervals[i].end) - max(start, intervals[i].start)
      i += 1
    }
    return seconds + max(0, uncovered)
  }
}
