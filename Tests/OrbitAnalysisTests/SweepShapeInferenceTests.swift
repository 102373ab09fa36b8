import Foundation
import Testing

@testable import OrbitAnalysis

/// Typical W&B and Hydra sweeps without an `analysis:` block: which parameters are scale axes,
/// which are tuned at each scale, which make families (issue 23, item 2).
@Suite struct SweepShapeInferenceTests {
  struct Shape: CustomTestStringConvertible, Sendable {
    var name: String
    /// Swept parameters (names as the spec has them) and their values.
    var parameters: [(String, [String])]
    var metrics: [String] = ["val_loss"]
    var y = "val_loss"
    var xs: [String]
    var tune: [String]
    var groups: [String]
    var select: String? = nil
    var testDescription: String { name }
  }

  static let shapes: [Shape] = [
    Shape(
      name: "W&B lr × width", parameters: [("lr", ["0.003", "0.01", "0.03"]), widths],
      xs: ["width"], tune: ["lr"], groups: [], select: "val_loss"),
    Shape(
      name: "lr × width × seed", parameters: [lrs, widths, ("seed", ["0", "1", "2"])],
      xs: ["width"], tune: ["lr"], groups: []),
    Shape(
      name: "data fraction × model size",
      parameters: [
        ("data_fraction", ["0.1", "0.25", "0.5", "1"]), ("model_size", ["1e6", "4e6", "1.6e7"]),
      ],
      xs: ["data_fraction", "model_size"], tune: [], groups: []),
    Shape(
      name: "dropout × depth",
      parameters: [("dropout", ["0", "0.1", "0.3"]), ("depth", ["2", "4", "8", "16"])],
      xs: ["depth"], tune: ["dropout"], groups: []),
    Shape(
      name: "batch × lr (nothing to scale)",
      parameters: [("batch_size", ["32", "64", "128", "256"]), lrs],
      xs: [], tune: ["batch_size", "lr"], groups: []),
    Shape(
      name: "Hydra dotted: optimizer.lr × model.n_layers × optimizer.weight_decay",
      parameters: [
        ("optimizer.lr", ["1e-4", "3e-4", "1e-3"]), ("model.n_layers", ["2", "4", "8", "12"]),
        ("optimizer.weight_decay", ["0", "0.01", "0.1"]),
      ],
      xs: ["model.n_layers"], tune: ["optimizer.lr", "optimizer.weight_decay"], groups: []),
    Shape(
      name: "learning_rate × hidden_size × optimizer",
      parameters: [
        ("learning_rate", ["1e-4", "1e-3", "1e-2"]),
        ("hidden_size", ["128", "256", "512", "1024"]),
        ("optimizer", ["adam", "sgd"]),
      ],
      xs: ["hidden_size"], tune: ["learning_rate"], groups: ["optimizer"]),
    Shape(
      name: "max_steps × warmup_steps × lr",
      parameters: [
        ("max_steps", ["1000", "4000", "16000"]), ("warmup_steps", ["100", "500", "2000"]), lrs,
      ],
      xs: ["max_steps"], tune: ["warmup_steps", "lr"], groups: []),
    Shape(
      name: "nanoGPT n_embd × n_layer × lr, with n_params reported",
      parameters: [("n_embd", ["64", "128", "256", "512"]), ("n_layer", ["2", "4", "8"]), lrs],
      metrics: ["val_loss", "n_params"],
      xs: ["n_embd", "n_layer", "n_params"], tune: ["lr"], groups: []),
    Shape(
      name: "tokens × d_model × adam_beta2, test_loss fitted, val_loss picks",
      parameters: [
        ("tokens", ["1e8", "4e8", "1.6e9"]), ("d_model", ["256", "512", "1024"]),
        ("adam_beta2", ["0.95", "0.99", "0.999"]),
      ],
      metrics: ["val_loss", "test_loss"], y: "test_loss",
      xs: ["tokens", "d_model"], tune: ["adam_beta2"], groups: [], select: "val_loss"),
    Shape(
      name: "width × momentum × a task's temperature",
      parameters: [
        widths, ("momentum", ["0.8", "0.9", "0.99"]), ("temperature", ["0.25", "1", "4"]),
      ],
      xs: ["width"], tune: ["momentum"], groups: ["temperature"]),
    Shape(
      name: "layers × lr × data_seed (a seed is never a scale)",
      parameters: [("num_layers", ["2", "4", "8"]), lrs, ("data_seed", ["1", "10", "100"])],
      xs: ["num_layers"], tune: ["lr"], groups: ["data_seed"]),
    Shape(
      name: "epochs × lr × num_classes, train_loss only",
      parameters: [("epochs", ["1", "4", "16"]), lrs, ("num_classes", ["10", "100", "1000"])],
      metrics: ["train_loss"], y: "train_loss",
      xs: ["epochs"], tune: ["lr"], groups: ["num_classes"], select: "train_loss"),
  ]
  static let lrs = ("lr", ["0.001", "0.003", "0.01"])
  static let widths = ("width", ["64", "128", "256", "512"])

  /// The grid of `shape` with a loss that falls with every size and is lowest at a middle lr.
  static func table(_ shape: Shape) -> Table {
    var rows: [[String]] = [[]]
    for (_, values) in shape.parameters {
      rows = rows.flatMap { row in values.map { row + [$0] } }
    }
    let names = shape.parameters.map(\.0)
    let columns = ["trial_id", "status"] + names + shape.metrics
    let table = rows.enumerated().map { i, values -> [String] in
      var loss = 0.2
      var size = 1.0
      for (name, value) in zip(names, values) {
        let v = Double(value) ?? 1
        if ParameterRole.of(name) == .scale && v > 0 { size *= v }
        if ParameterRole.of(name) == .tuned { loss += 0.01 * abs(log(max(v, 1e-3) / 0.01)) }
      }
      loss += 3 * pow(size, -0.3)
      let metrics = shape.metrics.map { $0 == "n_params" ? "\(Int(size * 12))" : "\(loss)" }
      return ["t\(i)", "ok"] + values + metrics
    }
    return Table(columns: columns, rows: table)
  }

  @Test(arguments: shapes) func theInferredRolesAreTheOnesAUserMeant(_ shape: Shape) {
    let table = Self.table(shape)
    let parameters = Set(shape.parameters.map(\.0)).subtracting(["seed"])
    let settings = AnalysisSettings.inferred(from: table, y: shape.y, parameters: parameters)
    #expect(settings.xs == shape.xs)
    #expect(settings.tune == shape.tune)
    #expect(settings.groupBy == shape.groups)
    #expect(settings.tuneInferred == !shape.tune.isEmpty)
    if let select = shape.select { #expect(settings.select == select) }
    #expect(settings.rolesLine.hasPrefix("axes: "))
  }

  @Test func namesSayScaleOrOptimiser() {
    for name in [
      "lr", "train.lr", "learningRate", "peak_lr", "lr0", "adam_beta1", "batch_size",
      "per_device_train_batch_size", "gradient_accumulation_steps", "warmup_ratio", "wd",
      "label_smoothing", "max_grad_norm", "init_std", "lr_decay_steps",
    ] {
      #expect(ParameterRole.of(name) == .tuned, "\(name)")
    }
    for name in [
      "width", "model.width", "depth", "n_layer", "nLayers", "num_layers", "tokens",
      "max_steps", "task.n_train", "data_fraction", "hidden_dim", "d_model", "n", "N",
      "dataset_size", "num_train_epochs", "n_heads", "seq_len",
    ] {
      #expect(ParameterRole.of(name) == .scale, "\(name)")
    }
    for name in [
      "temperature", "optimizer", "model.kind", "data_seed", "num_classes", "act",
      "task.teacher_seed",
    ] {
      #expect(ParameterRole.of(name) == .other, "\(name)")
    }
  }

  /// lr × width × 3 seeds, val_loss only (examples/own-program): the fits are val_loss against
  /// width over the best lr at each width; nothing is fitted against lr.
  @Test func aWidthByLRGridFitsWidthOverTheBestLR() throws {
    var rows: [[String]] = []
    for lr in [0.003, 0.01, 0.03] {
      for width in [64.0, 128, 256, 512, 1024] {
        for seed in 0..<3 {
          let floor = 0.1 + 5 * pow(width, -0.5) + 0.3 * pow(log10(lr / 0.01), 2)
          let noise = 1 + 0.01 * sin(Double(seed * 7) + width + lr * 100)
          rows.append(["ok", "\(lr)", "\(Int(width))", "\(seed)", "\(floor * noise)"])
        }
      }
    }
    let table = Table(columns: ["status", "lr", "width", "seed", "val_loss"], rows: rows)
    var settings = AnalysisSettings.inferred(
      from: table, y: "val_loss", parameters: ["lr", "width"])
    settings.bootstrap = 50
    let analysis = Analysis.run(table: table, settings: settings)
    #expect(analysis.families.count == 1)
    let family = try #require(analysis.families.first)
    #expect(family.axis == "width")
    let tuned = try #require(family.tuned)
    #expect(tuned.optima.count == 5)
    #expect(tuned.optima.allSatisfy { $0.setting == "0.01" })
    #expect(abs(family.pure.fit.parameter("alpha") - 0.5) < 0.25)
    #expect(!analysis.families.contains { $0.axis == "lr" })
    #expect(analysis.warnings.contains { $0.contains("biased low") })
    let summary = analysis.summary()
    #expect(
      summary.hasPrefix("axes: width · tuned: lr (best val_loss at each scale) · groups: none"))
    #expect(analysis.fitsJSON().contains("\"tune_inferred\" : true"))
  }
}
