import ArgumentParser
import Foundation

/// Checks on numeric and address options, shared by the commands' `validate()`: every number a
/// user types is finite and in a range that means something, before anything starts (issue 25:
/// `--lifetime 99999999999999999d` and `plan --limit=-1` trapped, `--give-up nan` never gave up,
/// `--bind tcp://127.0.0.1:99999` bound a random port).
enum OptionChecks {
  /// The longest duration any option takes: about 31 years. Longer is a typo, and past it the
  /// conversions to whole nanoseconds of the timers would overflow.
  static let maxSeconds = 1e9
  /// Local workers per core `orbit run` starts at most: a worker per slot is the usual shape,
  /// and past this the machine spends its time switching between them.
  static let maxWorkersPerCore = 8

  static func seconds(
    _ value: Double, _ option: String, allowZero: Bool = true
  ) throws {
    guard value.isFinite, allowZero ? value >= 0 : value > 0, value <= maxSeconds else {
      throw ValidationError(
        "\(option) takes a number of seconds \(allowZero ? "≥ 0" : "> 0") and at most \(Int(maxSeconds)), got \(value)"
      )
    }
  }

  static func count(_ value: Int, _ option: String, min: Int = 0, max: Int = .max) throws {
    guard value >= min, value <= max else {
      throw ValidationError(
        "\(option) must be \(max == .max ? "at least \(min)" : "in \(min)…\(max)"), got \(value)")
    }
  }

  /// `tcp://HOST:PORT` (or `ipc://PATH`) with a port in 1…65535, or 0 where `allowsAnyPort`
  /// (binding: the system picks a free one).
  static func endpoint(_ text: String, _ option: String, allowsAnyPort: Bool) throws {
    if text.hasPrefix("ipc://") { return }
    guard text.hasPrefix("tcp://"), let colon = text.lastIndex(of: ":"),
      colon > text.index(text.startIndex, offsetBy: 5)
    else {
      throw ValidationError("\(option) takes tcp://HOST:PORT, got '\(text)'")
    }
    let port = text[text.index(after: colon)...]
    if port == "*" && allowsAnyPort { return }
    guard let number = Int(port), number >= (allowsAnyPort ? 0 : 1), number <= 65535 else {
      throw ValidationError(
        "\(option): the port must be a number in \(allowsAnyPort ? 0 : 1)…65535\(allowsAnyPort ? " (0: a free one)" : ""), got '\(port)'"
      )
    }
  }

  static var maxLocalWorkers: Int {
    maxWorkersPerCore * Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
  }
}
