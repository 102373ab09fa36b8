import Foundation

/// What a swept parameter is to a scaling study, read from its name: a scale (model or data
/// size: width, depth, layers, tokens, steps, data…), an optimiser hyperparameter that is tuned
/// at each scale, not scaled (lr, weight_decay, warmup, momentum, beta…, dropout, batch…), or
/// something else (a task, a kind, a seed: a group column).
public enum ParameterRole: String, Sendable {
  case scale, tuned, other

  /// The role of a column named `column` (dotted or not; the last component decides:
  /// `train.lr` is tuned, `model.width` a scale). A tuned word wins over a scale word
  /// (`batch_size`, `warmup_steps` and `lr_decay_steps` are tuned), and a seed is never a scale
  /// (`data_seed`).
  public static func of(_ column: String) -> ParameterRole {
    let words = Self.words(column)
    if words.contains(where: isTunedWord) { return .tuned }
    if words.contains(where: { $0.hasPrefix("seed") }) { return .other }
    if words == ["n"] || words == ["num"] { return .scale }
    if words.contains(where: scaleWords.contains) { return .scale }
    return .other
  }

  /// The last dotted component, split into lower-case words at `_`, `-`, digits-to-letters and
  /// camelCase: `model.nLayers` → [n, layers], `adam_beta2` → [adam, beta2].
  static func words(_ column: String) -> [String] {
    let last = column.split(separator: ".").last.map(String.init) ?? column
    var words: [String] = []
    var current = ""
    var previous: Character?
    for c in last {
      if c == "_" || c == "-" || c == " " {
        if !current.isEmpty { words.append(current) }
        current = ""
      } else {
        if c.isUppercase, let p = previous, p.isLowercase, !current.isEmpty {
          words.append(current)
          current = ""
        }
        current.append(Character(c.lowercased()))
      }
      previous = c
    }
    if !current.isEmpty { words.append(current) }
    return words
  }

  /// Optimiser and regularisation hyperparameters: tuned at each scale, never a scale axis.
  static let tunedWords: Set<String> = [
    "lr", "learning", "wd", "decay", "warmup", "momentum", "beta", "betas", "dropout", "drop",
    "batch", "bs", "eps", "epsilon", "clip", "grad", "gradient", "accumulation", "smoothing",
    "l2", "reg", "regularization", "regularisation", "schedule", "scheduler", "init", "ema",
    "nesterov", "rho",
  ]

  static func isTunedWord(_ word: String) -> Bool {
    if tunedWords.contains(word) { return true }
    // beta1, beta2, lr0, adam_beta_2: a tuned word with a digit suffix.
    let stem = word.prefix { !$0.isNumber }
    return stem.count < word.count && tunedWords.contains(String(stem))
  }

  /// Words that say model or data size (n and num count only with another scale word, or
  /// alone: `num_classes` is a task's, not a scale).
  static let scaleWords: Set<String> = [
    "width", "depth", "layers", "layer", "tokens", "token", "steps", "step", "iters",
    "iterations", "iter", "epochs", "epoch", "data", "dataset", "samples", "sample", "examples",
    "size", "params", "parameters", "dim", "dims", "hidden", "units", "channels", "heads",
    "embd", "embed", "embedding", "model", "train", "neurons", "compute", "flops", "budget",
    "seq", "ctx", "context", "blocks", "experts", "filters", "fraction", "frac", "subset",
    "nodes",
  ]
}
