import Foundation

/// Decides when a trial that died with its worker again is a poison pill (it kills its worker)
/// rather than a trial that shared a worker with bad luck.
///
/// A fixed cap ("lost after 5 deaths") mistakes churn for poison: with workers killed from
/// outside every 0.5 s on a loaded machine, one trial of 300 died with its worker 5 times in a
/// row by chance (issue 25). The judge asks instead whether this many deaths are plausible by
/// chance: it estimates the sweep's background death rate `p` from every *other* run that ended
/// (a result, or a death with its worker), and records the trial `lost` only when
/// `p^losses × trials` — the number of trials of the sweep expected to die that often by chance —
/// falls below `falseLossRate`. A real poison pill on an otherwise healthy sweep (`p` small) is
/// lost after `minimumLosses`; under heavy churn it takes more deaths, never more than
/// `maximumLosses` (each one costs a worker).
///
/// Counts survive a restart (the coordinator journals them with its live snapshot, and a
/// restarted one starts from them): right after a restart the judge knows the sweep's churn
/// instead of falling back on its prior (the simulation found honest trials judged pills after
/// 11 deaths, alone at a sweep's end, against the prior of 1 in 5 under churn of 1 in 2). A
/// trial's own losses are still forgotten, which only makes the judge more patient.
struct LossJudge: Sendable {
  /// Fewest deaths before a trial can be `lost` (the coordinator's `lossLimit`).
  let minimumLosses: Int
  /// Deaths after which a trial is `lost` whatever the churn: 4 × `minimumLosses`.
  let maximumLosses: Int
  /// Trials in the sweep: how many chances chance has.
  let trials: Int

  /// Expected number of honest trials per sweep the rule may record `lost` by chance: one in a
  /// million sweeps, so that twenty thousand simulated schedules see none.
  static let falseLossRate = 1e-6
  /// The prior on the death rate before runs have ended: one death in five runs, weighted as
  /// five runs. Pessimistic on purpose: right after a coordinator restart the judge knows
  /// nothing, and a rate believed too low convicts the innocent (the simulation found an honest
  /// trial judged a pill 6 deaths after a restart under a prior of 1 in 20). A pill alone in a
  /// one-trial sweep is then lost after 9 deaths (0.2⁹ < 10⁻⁶); in a sweep whose other runs
  /// finish, the data soon outweigh the prior (7 ok runs: 7 deaths).
  static let priorDeaths = 1.0
  static let priorRuns = 5.0

  /// Started runs that ended, with a result or with their worker's death.
  private(set) var endedRuns = 0
  /// Of those, the ones that died with their worker.
  private(set) var deaths = 0

  init(minimumLosses: Int, trials: Int, endedRuns: Int = 0, deaths: Int = 0) {
    self.minimumLosses = max(1, minimumLosses)
    self.maximumLosses = 4 * self.minimumLosses
    self.trials = max(1, trials)
    self.endedRuns = max(0, endedRuns)
    self.deaths = min(max(0, deaths), self.endedRuns)
  }

  /// A started run ended: with a result (`died` false) or with its worker.
  mutating func runEnded(died: Bool) {
    endedRuns += 1
    if died { deaths += 1 }
  }

  /// A run counted as dead (its worker was taken for dead) was not: the worker came back still
  /// running it. It has not ended.
  mutating func deathRefuted() {
    guard deaths > 0, endedRuns > 0 else { return }
    deaths -= 1
    endedRuns -= 1
  }

  /// The background death rate seen by a trial with `losses` deaths in `ownRuns` ended runs.
  func backgroundRate(excludingLosses losses: Int, ownRuns: Int) -> Double {
    let otherDeaths = Double(max(0, deaths - losses))
    let otherRuns = Double(max(0, endedRuns - max(ownRuns, losses)))
    return min(1, (otherDeaths + Self.priorDeaths) / (otherRuns + Self.priorRuns))
  }

  /// Whether a trial that has died with its worker `losses` times (of `ownRuns` ended runs,
  /// those deaths included) is to be recorded `lost`.
  func isPoisonPill(losses: Int, ownRuns: Int) -> Bool {
    guard losses >= minimumLosses else { return false }
    guard losses < maximumLosses else { return true }
    let p = backgroundRate(excludingLosses: losses, ownRuns: ownRuns)
    return pow(p, Double(losses)) * Double(trials) < Self.falseLossRate
  }
}
