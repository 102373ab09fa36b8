/// Which engine proposes the trials of a `method: bayes` sweep.
public enum SearchEngineKind: String, Sendable, CaseIterable {
  /// Orbit's default: ARD Matérn-5/2 with a noise term, log-EI over quasi-random candidates
  /// with local refinement, fantasies that keep parallel workers apart.
  case orbit
  /// wandb's own rules (`wandb/sweeps` `bayes_search.py`): isotropic Matérn-1.5, EI over 1,000
  /// random candidates, random until 2 runs have finished.
  case wandb
}

/// Orbit's extension block of a bayes sweep, `bayes: {engine, seed, warm_start}`; W&B's own
/// keys are unchanged, so a W&B file without this block runs with the defaults.
public struct BayesSettings: Sendable, Hashable {
  public var engine: SearchEngineKind
  /// The seed of the search's random draws (candidates, cold start); `bayes.seed`, else the
  /// spec's top-level `seed`, else 0.
  public var seed: Int64
  /// Finished run directories whose trials seed the model before the first suggestion.
  public var warmStart: [String]

  /// The keys the `bayes:` block may have.
  public static let keys = ["engine", "seed", "warm_start"]

  public init(engine: SearchEngineKind = .orbit, seed: Int64 = 0, warmStart: [String] = []) {
    self.engine = engine
    self.seed = seed
    self.warmStart = warmStart
  }
}
