import Foundation
import OrbitJournal
import OrbitSpec

/// One trial's whole history from the journal, for `orbit logs --story`: its dispatches, the
/// worker losses that re-queued it, its retries, its stop and its result, in time order.
public enum TrialStory {
  /// The story of the one trial whose id starts with `prefix`, one line per moment.
  /// - Throws: `SessionError` (66) when no trial matches, (64) when several do.
  public static func lines(journal: Journal, prefix: String) throws(SessionError) -> [String] {
    let ids: [String]
    let entries: [StoryEntry]
    do {
      ids = try journal.trialIDs(startingWith: prefix)
      guard ids.count == 1, let id = TrialID(hex: ids[0]) else {
        throw ids.isEmpty
          ? SessionError(
            "no trial in \(journal.path) starts with '\(prefix)' (give hex digits of its id, as status and trials.csv show)",
            exitCode: ExitStatus.noInput)
          : SessionError(
            "'\(prefix)' names \(ids.count) trials (\(ids.prefix(3).map { String($0.prefix(12)) }.joined(separator: ", "))…): give more of the id",
            exitCode: ExitStatus.usage)
      }
      entries = try journal.story(of: id)
    } catch {
      throw SessionError(error)
    }
    return ["trial \(ids[0])"] + entries.map(line)
  }

  /// `2026-12-08T01:23:45.120Z  #42  dispatched  w1  attempt 1`; a cause (a row about no
  /// trial, caused by the same input) is indented under the moment it explains.
  static func line(_ entry: StoryEntry) -> String {
    let time = Date(timeIntervalSince1970: entry.at).formatted(
      Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    let stimulus = entry.stimulus.map { "#\($0)" } ?? "-"
    let kind = entry.isCause ? "  ↳ \(entry.kind)" : entry.kind
    return [time, stimulus, kind, entry.workerID ?? "-", entry.detail].joined(separator: "  ")
  }
}
