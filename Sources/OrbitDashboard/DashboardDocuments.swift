import Foundation
import OrbitJournal
import OrbitSession
import OrbitSpec

// The documents the dashboard's `/api/*` answers with (docs/DASHBOARD.md), as types: each
// route returns one, `JSONDocument.encode` writes it. `/api/sweep` and `/api/workers` are
// `SweepOverview` and `[WorkerOverview]`, which `orbit status --json` also prints.

/// One trial as `/api/trials` lists it, and (with `detail`) as `/api/trials/ID` and
/// `/api/errors` show it.
public struct TrialRow: Encodable, Sendable {
  public var id: String
  public var short: String
  public var index: Int
  public var status: TrialStatus
  public var attempt: Int
  public var worker: String
  public var family: String
  public var startedAt: JSONNumber
  public var finishedAt: JSONNumber
  public var wallSeconds: JSONNumber
  public var params: RawJSON
  public var metrics: RawJSON
  public var exitCode: OrNull<Int>
  /// Set on a row whose params or metrics are not a JSON object: shown, flagged, with what it
  /// holds (escaped, at most 300 characters), not a failed page for every row.
  public var unreadable: Bool?
  public var unreadableText: String?
  /// The last line of stderr (at most 300 characters): lists only.
  public var message: String?
  /// The output tails: details only.
  public var stderrTail: String?
  public var stdoutTail: String?
  /// The learning curve: `/api/trials/ID` only.
  public var curve: [CurvePoint]?

  public struct CurvePoint: Encodable, Sendable {
    public var step: Int
    public var metrics: RawJSON
  }

  /// The row of `t`, its family named by `family` (a label of its group columns' values).
  public init(_ t: TrialRecord, family: String, detail: Bool) {
    let params = RawJSON(object: t.paramsJSON)
    let metrics = RawJSON(object: t.metricsJSON)
    id = t.id.hex
    short = t.id.short
    index = t.index
    status = t.status
    attempt = t.attempt
    worker = t.worker
    self.family = family
    startedAt = JSONNumber(t.startedAt)
    finishedAt = JSONNumber(t.finishedAt)
    wallSeconds = JSONNumber(t.wallSeconds)
    self.params = params ?? .emptyObject
    self.metrics = metrics ?? .emptyObject
    exitCode = OrNull(t.exitCode)
    if params == nil || metrics == nil {
      unreadable = true
      unreadableText = String((params == nil ? t.paramsJSON : t.metricsJSON).prefix(300))
    }
    if detail {
      stderrTail = t.stderrTail
      stdoutTail = t.stdoutTail
    } else {
      let last = t.stderrTail.split(separator: "\n").last.map(String.init) ?? ""
      message = String(last.prefix(300))
    }
  }
}

/// `/api/trials`: one page, and how many trials match.
public struct TrialsPage: Encodable, Sendable {
  public var total: Int
  public var offset: Int
  public var limit: Int
  public var groupColumns: [String]
  public var trials: [TrialRow]
}

/// `/api/errors`: the latest failed, timed-out and lost trials, with their output tails.
public struct ErrorsPage: Encodable, Sendable {
  public var trials: [TrialRow]
}

/// `/api/timeline`: busy slot-seconds per worker and bin since the sweep started.
public struct Timeline: Encodable, Sendable {
  public struct Worker: Encodable, Sendable {
    public var id: String
    public var slots: Int
  }
  public struct Busy: Encodable, Sendable {
    public var worker: String
    public var bin: Int
    public var busySeconds: JSONNumber
  }
  public var start: JSONNumber
  public var end: JSONNumber
  public var bins: Int
  public var binSeconds: JSONNumber
  public var workers: [Worker]
  public var busy: [Busy]
}

/// `/api/figures`: the live scaling plots (SVG), the verdict and warnings, how fresh they are;
/// while there is no fit, what the page waits for.
public struct LiveFigures: Encodable, Sendable {
  public struct Figure: Encodable, Sendable {
    public var axis: String
    public var points: Int
    public var trials: Int
    public var aggregated: Bool
    public var svg: String
  }
  public var pending: Bool
  public var recorded: Int
  public var figures: [Figure] = []
  public var verdict = ""
  public var warnings: [String] = []
  /// While pending, from the journal now: what the scaling section says, and the ok trials.
  public var waiting: String?
  public var ok: Int?
  /// Once fitted.
  public var finished: Bool?
  public var final: Bool?
  public var fittedTrials: Int?
  public var resamples: Int?
  public var y: String?
  public var groupColumns: [String]?
  public var families: [String]?
  public var verdictItems: [String]?
  public var computedAt: JSONNumber?

  /// No fit yet, `recorded` trials in the journal.
  public static func pending(recorded: Int) -> LiveFigures {
    LiveFigures(pending: true, recorded: recorded)
  }
}

/// `/api/curves`: the learning curves of a family's latest trials, drawn (SVG in `html`).
public struct LearningCurves: Encodable, Sendable {
  public var metric: String
  public var trials: Int
  public var html: String
}

/// An error answer: `{"error": "…"}`.
public struct ErrorReply: Encodable, Sendable {
  public var error: String
}
