import ArgumentParser
import Foundation
import OrbitCompute

/// The cost of issue 6's flagship trials (cyclic L = 16, MLP 16→64→64→1, 6,000 steps).
struct FlagshipCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flagship",
    abstract: "Wall time and test loss of issue 6's symmetry-study trials, per model variant.")

  @Option(help: "Training-set sizes.") var n: [Int] = [64, 1024, 8192]
  @Option(help: "Steps.") var steps = 6000
  @Option(help: "Validation evaluations every this many steps (0: none).") var evalEvery = 200
  @Option(help: "Early-stopping patience in evaluations (0: train all steps).") var patience = 0
  @Option(help: "Model variants.") var symmetry: [String] = ["none", "augment", "symmetrize"]
  @Option(help: "Seeds.") var seeds: [Int] = [0]
  @Option(help: "Teacher seed (the task).") var teacherSeed = 0
  @Option(help: "Teacher input-weight scale.") var teacherWeightScale = 1.0

  func run() throws {
    OpenBLASCore.pinToOneThread()
    print(coreTypeLine())
    var total = 0.0
    for symmetry in symmetry {
      for trainCount in n {
        for seed in seeds {
          let config = try CoreTrialConfig(parameters: [
            "task.kind": .string("cyclic"), "task.length": .int(16),
            "task.n_train": .int(trainCount),
            "task.n_val": .int(2048), "task.n_test": .int(8192), "task.teacher_width": .int(64),
            "model.width": .int(64), "model.depth": .int(2), "model.symmetry": .string(symmetry),
            "train.steps": .int(steps), "train.batch": .int(128), "train.lr": .double(1e-3),
            "train.schedule": .string("cosine"), "train.eval_every": .int(evalEvery),
            "train.curve_points": .int(12), "train.patience": .int(patience),
            "seed": .int(seed), "task.teacher_seed": .int(teacherSeed),
            "task.teacher_weight_scale": .double(teacherWeightScale),
          ])
          let report = runCoreTrial(config, progress: { _ in }, isCancelled: { false })
          let wall = report.metrics["wall_seconds"] ?? 0
          total += wall
          print(
            "\(symmetry) n=\(trainCount) seed=\(seed): \(String(format: "%.3f", wall)) s, test loss "
              + "\(String(format: "%.5f", report.metrics["test_loss"] ?? .nan)), best step "
              + "\(Int(report.metrics["best_step"] ?? 0))")
        }
      }
    }
    print("total \(String(format: "%.1f", total)) s")
  }
}
