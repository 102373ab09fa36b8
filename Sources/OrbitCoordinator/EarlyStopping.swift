import OrbitProtocol
import OrbitSpec

/// Early stopping and the target: each trial's logged values of the metric, the stops hyperband
/// asked for, and whether a result reached `metric.target`.
///
/// Fed progress points and results, it says which running trials to stop and whether the
/// sweep's target was reached; the machine sends the CANCELs and drains.
struct EarlyStopping {
  typealias History = CoordinatorStateMachine.History

  let metric: Metric?
  let termination: EarlyTermination?
  /// Each trial's values of the metric (this attempt's, in order; negated when the goal is to
  /// maximise): what hyperband judges. A trial that reports data points (`wsd` cooldown
  /// branches) is judged on its points alone (`onPoints`): each is a finished run at its D, so
  /// rung r compares the trials' r-th points, not a trunk that was never cooled down.
  private(set) var histories: [TrialID: History] = [:]
  /// A history grew (or a run was re-adopted) since hyperband last judged.
  private(set) var changed = false
  /// Stops asked for (by this coordinator, or an earlier one of this sweep: from the journal),
  /// by trial: the attempt asked to stop, as the journal's `stop_requests` hold them. Cleared
  /// as each trial's result arrives.
  private(set) var askedStops: [TrialID: Int] = [:]
  /// A result reached `metric.target` (wandb's meaning: no more dispatch).
  private(set) var targetReached = false

  init(metric: Metric?, termination: EarlyTermination?) {
    self.metric = metric
    self.termination = termination
  }

  var isEnabled: Bool { termination != nil }

  /// Adds a progress point's metric value to its trial's history (a new attempt starts anew).
  /// Only what an honest trial can report counts: finite values, steps rising within an attempt
  /// (one value per step: a repeated or earlier step is dropped), at most `maxHistoryValues`.
  mutating func note(_ progress: TrialProgress, attempt: Int, worker: String) {
    guard let metric,
      case .object(let object)? = try? ParamValue.parseJSON(progress.metricsJSON),
      let value = object[metric.name]?.doubleValue, value.isFinite
    else { return }
    let signed = metric.goal == .maximize ? -value : value
    if histories[progress.trialID]?.attempt != attempt {
      histories[progress.trialID] = History(
        attempt: attempt, values: [], lastStep: Int.min, worker: worker)
    }
    var history = histories[progress.trialID]!
    if progress.step < 0 {
      // The k-th data point has step −k (docs/PROTOCOL.md). The first one replaces the curve
      // values: from then on the trial is judged on its points, in order.
      if !history.onPoints { (history.values, history.lastStep, history.onPoints) = ([], 0, true) }
      guard -progress.step > history.lastStep else { return }
      history.lastStep = -progress.step
    } else {
      guard !history.onPoints, progress.step > history.lastStep else { return }
      history.lastStep = progress.step
    }
    guard history.values.count < PeerPolicy.maxHistoryValues else { return }
    history.values.append(signed)
    histories[progress.trialID] = history
    changed = true
  }

  /// A run joined the judged ones without a new value (re-adopted): judge at the next tick.
  mutating func runJoined() { changed = true }

  /// What hyperband stops among `running` (sorted), every running trial judged against every
  /// trial's history, as wandb does.
  func trialsToStop(running: [TrialID]) -> [TrialID] {
    guard let termination else { return [] }
    return termination.trialsToStop(
      histories: histories.mapValues(\.values), running: running,
      sources: histories.mapValues(\.worker))
  }

  /// The stops due now among `running` (sorted); nothing more until a history changes.
  mutating func judge(running: [TrialID]) -> [TrialID] {
    changed = false
    return trialsToStop(running: running)
  }

  /// Why a stop was asked, as the journal's event says it.
  func stopDetail(_ trialID: TrialID) -> String {
    "hyperband: \(metric?.name ?? "metric") after \(histories[trialID]?.values.count ?? 0) values is outside the top 1/\(termination?.eta ?? 0) at its band"
  }

  mutating func askedToStop(_ trialID: TrialID, attempt: Int) { askedStops[trialID] = attempt }

  func wasAskedToStop(_ trialID: TrialID, attempt: Int) -> Bool {
    askedStops[trialID] == attempt
  }

  /// The trial has a result (or is `lost`): no stop is pending for it.
  mutating func forgetStop(_ trialID: TrialID) { askedStops[trialID] = nil }

  /// wandb's `metric.target`: the value by which an ok result first reaches it (then nothing
  /// more is dispatched), or nil.
  mutating func reachesTarget(_ outcome: TrialOutcome) -> (value: Double, target: Double)? {
    guard !targetReached, outcome.status == .ok, let metric, let target = metric.target,
      case .object(let object)? = try? ParamValue.parseJSON(outcome.metricsJSON),
      let value = object[metric.name]?.doubleValue, value.isFinite,
      metric.goal == .maximize ? value >= target : value <= target
    else { return nil }
    targetReached = true
    return (value, target)
  }
}
