import ArgumentParser
import Foundation
import OrbitSession
import OrbitSpec

/// `orbit plan SPEC`: what a sweep would run, without running it.
struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan", abstract: "Show a spec's trial count and first trials (a dry run).")

  @Argument(help: "The sweep spec (YAML).")
  var spec: String

  @Flag(help: "Print every trial (id and parameters) in dispatch order as JSON lines.")
  var json = false

  @Option(help: "Trials to show without --json.")
  var limit: Int = 10

  func validate() throws { try OptionChecks.count(limit, "--limit") }

  func run() throws {
    let spec = try SpecLoading.load(spec, toRun: false)
    for warning in spec.warnings { warn(warning) }
    if json {
      // One JSON object per line: streams a 10^7-point grid without holding it.
      var out = ""
      out.reserveCapacity(1 << 16)
      for trial in spec.trials {
        out +=
          #"{"id":"\#(trial.id.hex)","index":\#(trial.index),"params":\#(trial.paramsJSON)}"#
        out += "\n"
        if out.utf8.count > 1 << 16 {
          FileHandle.standardOutput.write(Data(out.utf8))
          out.removeAll(keepingCapacity: true)
        }
      }
      FileHandle.standardOutput.write(Data(out.utf8))
      return
    }
    if let bayes = spec.bayes {
      // An adaptive search has no trial list: say so, then show its cold-start draws.
      let cap = spec.runCap.map { "run_cap \($0)" } ?? "no run_cap (runs until stopped)"
      print(
        "\(spec.name ?? self.spec): adaptive · method bayes (engine \(bayes.engine.rawValue), seed \(bayes.seed)) · \(cap) · runner \(spec.runner.rawValue)"
      )
      print(
        "  suggestions depend on results; before results come back they are drawn from the priors, e.g.:"
      )
    } else {
      print(
        "\(spec.name ?? self.spec): \(spec.trialCount) trials · method \(spec.method.rawValue) · runner \(spec.runner.rawValue)"
      )
    }
    for trial in spec.trials.prefix(limit) {
      let params = trial.params.keys.sorted().map { "\($0)=\(trial.params[$0]!.pythonString)" }
        .joined(separator: " ")
      print(
        "  \(String(trial.index).padding(toLength: 6, withPad: " ", startingAt: 0)) \(trial.id.short)  \(params)"
      )
    }
    if spec.bayes == nil, spec.trialCount > limit {
      print("  … \(spec.trialCount - limit) more (orbit plan --json lists all)")
    }
  }
}
