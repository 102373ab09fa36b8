import OrbitProtocol
import OrbitSpec

/// How an external program's output becomes a learning curve, data points and a result
/// (docs/PROGRAMS.md): a JSON object line with `"_point": true` is a data point (a model trained
/// to its `samples_seen`, e.g. a cooldown branch); else a line with a step key (`step`, or W&B's
/// `_step`) is a progress point; the final metrics are the result file, else the last JSON object
/// line that is neither, else the last progress point.
struct ProgressLines {
  /// The keys that make a JSON line a progress point, in the order they are looked for.
  static let stepKeys = ["step", "_step"]
  /// Most points sent to the coordinator per trial: a program logging every step of a million
  /// must not flood the journal. All points stay in the trial's own folder.
  static let maxPointsSent = 2000
  /// A point is sent when its step is this factor beyond the last sent one (or the trial's
  /// first, or its last): log-spaced, about 24 points a decade of steps.
  static let spacing = 1.1
  /// The key that makes a JSON line a data point.
  static let pointKey = "_point"
  /// Most data points sent per trial: a study takes a handful per run (one per cooldown); the
  /// cap only keeps a runaway program from growing the journal.
  static let maxDataPoints = 1000

  /// The last JSON object line without a step key (canonical JSON).
  private(set) var lastResultLine: String?
  /// The last progress point's metrics (canonical JSON, step key removed).
  private(set) var lastPoint: (step: Int, metrics: String)?
  private(set) var pointsSent = 0
  private var lastSentStep: Int?
  /// Data points read and not yet taken by `takeDataPoints` (canonical JSON, `_point` kept).
  private var pendingDataPoints: [String] = []
  /// Data points read so far (sent or pending), at most `maxDataPoints`.
  private(set) var dataPointCount = 0
  /// Send every point (up to the cap), not a log-spaced subset: early termination counts a
  /// trial's logged values, so the coordinator must see each one.
  let everyPoint: Bool

  init(everyPoint: Bool = false) { self.everyPoint = everyPoint }
  /// The last line of any kind, for messages ("last output: …").
  private(set) var lastLine = ""

  /// Reads one line of output; returns the point to send now, if any.
  mutating func take(_ line: Substring) -> (step: Int, metrics: String)? {
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    if !trimmed.isEmpty { lastLine = String(trimmed.prefix(200)) }
    guard trimmed.hasPrefix("{"),
      case .object(var object)? = try? ParamValue.parseJSON(trimmed).replacingNonFinite
    else { return nil }
    if object[Self.pointKey] == .bool(true) {
      takeDataPoint(object)
      return nil
    }
    guard let key = Self.stepKeys.first(where: { object[$0] != nil }),
      let step = Self.integer(object[key]!)
    else {
      lastResultLine = ParamValue.object(object).canonicalJSON
      return nil
    }
    for key in Self.stepKeys { object[key] = nil }
    let point = (step: step, metrics: ParamValue.object(object).canonicalJSON)
    lastPoint = point
    return shouldSend(step) ? sent(point) : nil
  }

  /// The data points read since the last call, oldest first, each a JSON object with
  /// `"_point": true` (the worker sends them as they come: a stopped trial keeps them).
  mutating func takeDataPoints() -> [String] {
    defer { pendingDataPoints.removeAll() }
    return pendingDataPoints
  }

  /// A data point needs its D: a finite `samples_seen` ≥ 0; one without is not a point (nor a
  /// result line: it was meant as a point).
  private mutating func takeDataPoint(_ object: [String: ParamValue]) {
    guard dataPointCount < Self.maxDataPoints,
      let samples = object["samples_seen"]?.doubleValue, samples.isFinite, samples >= 0
    else { return }
    dataPointCount += 1
    pendingDataPoints.append(ParamValue.object(object).canonicalJSON)
  }

  /// The last point, when it was not sent as it came (send it as the trial ends).
  mutating func unsentLastPoint() -> (step: Int, metrics: String)? {
    guard let lastPoint, lastPoint.step != lastSentStep, pointsSent < Self.maxPointsSent + 1 else {
      return nil
    }
    return sent(lastPoint)
  }

  /// The final metrics: `resultFile` (a JSON object), else the last result line, else the last
  /// progress point, else nil.
  func finalMetrics(resultFile: String?) -> String? {
    if let resultFile,
      case .object(let object)? = try? ParamValue.parseJSON(resultFile).replacingNonFinite
    {
      return ParamValue.object(object).canonicalJSON
    }
    return lastResultLine ?? lastPoint?.metrics
  }

  private func shouldSend(_ step: Int) -> Bool {
    guard pointsSent < Self.maxPointsSent else { return false }
    guard let last = lastSentStep, !everyPoint else { return true }
    return Double(step) >= max(Double(last) + 1, (Double(last) * Self.spacing).rounded(.up))
  }

  private mutating func sent(_ point: (step: Int, metrics: String)) -> (step: Int, metrics: String)
  {
    lastSentStep = point.step
    pointsSent += 1
    return point
  }

  private static func integer(_ value: ParamValue) -> Int? {
    switch value {
    case .int(let n): return Int(exactly: n)
    case .double(let d) where d.rounded() == d && abs(d) < 1e15: return Int(d)
    default: return nil
    }
  }
}
