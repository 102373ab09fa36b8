import Testing

@testable import OrbitCompute

/// Settings parsing, validation messages and OpenBLAS's core-type decision.
struct ConfigTests {
  @Test func defaultsAndIssue6FlagshipSettingsParse() throws {
    let config = try CoreTrialConfig(parameters: [
      "task.kind": .string("cyclic"), "task.length": .int(16), "task.n_train": .int(64),
      "task.n_val": .int(2048), "task.n_test": .int(8192), "task.teacher_width": .int(64),
      "model.kind": .string("mlp"), "model.width": .int(64), "model.depth": .int(2),
      "model.symmetry": .string("augment"), "train.steps": .int(6000), "train.batch": .int(128),
      "train.lr": .double(1e-3), "train.schedule": .string("cosine"),
      "train.eval_every": .int(100), "train.patience": .int(10), "seed": .int(3),
    ])
    #expect(config.train.batch == 64)  // min(batch, n_train)
    #expect(config.model.symmetry == .augment)
    #expect(config.seed == 3)
    let manifold = try CoreTrialConfig(parameters: [
      "task.intrinsic_dim": .int(2), "task.teacher_width": .int(128), "task.fresh": .bool(true),
      "task.teacher_bias_scale": .double(0.5), "model.init": .string("he"),
      "train.steps": .int(16_000), "train.batch": .int(256), "train.warmup": .double(0.02),
      "train.lr": .double(3e-3), "train.lr_floor": .double(3e-6),
      "train.schedule": .string("cosine"),
    ])
    #expect(manifold.train.batch == 256)
    #expect(manifold.train.warmupSteps == 320)
    #expect(manifold.model.initScheme == .he)
    let schedule = manifold.train.learningRateSchedule
    #expect(abs(schedule.rate(at: 0) - 3e-3 / 320) < 1e-12)
    #expect(abs(schedule.rate(at: 319) - 3e-3) < 1e-12)
    #expect(abs(schedule.rate(at: 16_000) - 3e-6) < 1e-12)
    let steps = try CoreTrialConfig(parameters: ["train.warmup": .int(50)])
    #expect(steps.train.warmupSteps == 50)
  }

  @Test(arguments: [
    ("train.lr", CoreValue.double(-0.1), "train.lr must be > 0.0, got -0.1"),
    ("model.kind", .string("resnet"), "model.kind must be one of mlp, conv1d, deepsets"),
    ("task.n_train", .string("many"), "task.n_train must be a whole number, got \"many\""),
    ("train.stpes", .int(3), "train.stpes is not a core setting; train takes train.steps"),
    ("model.kernel", .int(4), "model.kernel must be odd, got 4"),
    ("task.fresh", .int(1), "task.fresh must be true or false, got 1"),
  ])
  func badSettingsNameTheKeyAndTheValue(key: String, value: CoreValue, message: String) {
    #expect {
      _ = try CoreTrialConfig(parameters: [key: value])
    } throws: { error in
      let error = error as! CoreConfigError
      return error.key == key && error.message.hasPrefix(message)
    }
  }

  @Test func crossFieldChecks() {
    #expect(throws: CoreConfigError.self) {
      _ = try CoreTrialConfig(parameters: ["model.kind": .string("deepsets")])
    }
    #expect(throws: CoreConfigError.self) {
      _ = try CoreTrialConfig(parameters: ["model.symmetry": .string("augment")])
    }
    #expect(throws: CoreConfigError.self) {
      _ = try CoreTrialConfig(parameters: ["train.patience": .int(3)])
    }
    #expect(throws: CoreConfigError.self) {
      _ = try CoreTrialConfig(parameters: ["task.intrinsic_dim": .int(40)])
    }
    // Keys outside task/model/train (labels) are ignored.
    #expect(throws: Never.self) {
      _ = try CoreTrialConfig(parameters: ["family": .string("plain")])
    }
  }

  /// Each documented key, set alone to the default its meaning states, builds a config: a key
  /// the docs promise but the parser refuses (or a stated default it rejects) fails here.
  @Test func everyDocumentedKeyIsAccepted() throws {
    var built = 0
    for (key, meaning) in CoreTrialConfig.documentedKeys {
      #expect(!meaning.isEmpty)
      #expect(key == "seed" || key.contains("."))
      guard let value = Self.statedDefault(meaning) else { continue }
      // The warmup-stable-decay settings mean something only with that schedule.
      let companions: [String: CoreValue] =
        key.hasPrefix("train.cooldown_")
        ? ["train.schedule": .string("wsd"), "train.cooldowns": .list([.int(8192), .int(16384)])]
        : [:]
      #expect(throws: Never.self, "\(key): \(value)") {
        _ = try CoreTrialConfig(parameters: companions.merging([key: value]) { $1 })
      }
      built += 1
    }
    #expect(
      CoreTrialConfig.documentedKeys.count == Set(CoreTrialConfig.documentedKeys.map(\.key)).count)
    // Almost every key states a plain default; the few that do not (a default computed from
    // other keys) are the exception.
    #expect(built >= CoreTrialConfig.documentedKeys.count - 5, "\(built) built")
  }

  /// The value a meaning's "Default X." states, typed as a spec would give it; nil when the
  /// default is not one plain word or number ("Default 1000; with schedule wsd …").
  static func statedDefault(_ meaning: String) -> CoreValue? {
    guard let range = meaning.range(of: "Default ", options: .backwards) else { return nil }
    var text = String(meaning[range.upperBound...])
    guard text.hasSuffix(".") else { return nil }
    text.removeLast()
    guard !text.isEmpty, !text.contains(" "), !text.contains(";") else { return nil }
    if let i = Int(text) { return .int(i) }
    if let d = Double(text) { return .double(d) }
    if text == "true" || text == "false" { return .bool(text == "true") }
    return .string(text)
  }

  @Test func openBLASFallbackIsDetectedAndUserChoiceRespected() {
    let zen4: Set<String> = [
      "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16",
    ]
    let sapphire: Set<String> = ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl"]
    #expect(
      OpenBLASCore.recommendedCoreType(
        environment: [:], loadedCore: "Prescott", cpuFlags: sapphire, vendor: "GenuineIntel")
        == "SkylakeX")
    #expect(
      OpenBLASCore.recommendedCoreType(
        environment: [:], loadedCore: "Prescott", cpuFlags: zen4, vendor: "AuthenticAMD")
        == "Cooperlake")
    #expect(
      OpenBLASCore.recommendedCoreType(
        environment: [:], loadedCore: "Core2", cpuFlags: ["avx", "avx2", "fma"],
        vendor: "AuthenticAMD") == "Zen")
    // A recognised CPU needs nothing; a user's setting is never overridden.
    #expect(
      OpenBLASCore.recommendedCoreType(
        environment: [:], loadedCore: "Cooperlake", cpuFlags: zen4, vendor: "AuthenticAMD") == nil)
    #expect(
      OpenBLASCore.recommendedCoreType(
        environment: ["OPENBLAS_CORETYPE": "Haswell"], loadedCore: "Prescott", cpuFlags: sapphire,
        vendor: "GenuineIntel") == nil)
    // An old CPU on old kernels is right as it is.
    #expect(
      OpenBLASCore.recommendedCoreType(
        environment: [:], loadedCore: "Prescott", cpuFlags: ["sse3"], vendor: "GenuineIntel")
        == nil)
    #expect(!OpenBLASCore.coreName.isEmpty)
    // Child processes always get one BLAS thread unless the user chose; the core type only
    // where this machine's library fell back.
    if OpenBLASCore.recommendedCoreType(environment: [:]) == nil {
      #expect(
        OpenBLASCore.childEnvironment(["A": "1"]) == [
          "A": "1", "OPENBLAS_NUM_THREADS": "1", "ORBIT_OPENBLAS_ADDED": "OPENBLAS_NUM_THREADS",
        ])
    }
    // A trial's program gets back the environment the user gave: what Orbit added is removed,
    // what the user set is kept.
    let workers = OpenBLASCore.childEnvironment(["A": "1"])
    #expect(OpenBLASCore.userEnvironment(workers) == ["A": "1"])
    let chosen = OpenBLASCore.childEnvironment(["OPENBLAS_NUM_THREADS": "4"])
    #expect(OpenBLASCore.userEnvironment(chosen) == ["OPENBLAS_NUM_THREADS": "4"])
    #expect(
      OpenBLASCore.childEnvironment(["OPENBLAS_NUM_THREADS": "4"])["OPENBLAS_NUM_THREADS"] == "4")
    #expect(OpenBLASCore.childEnvironment(["OMP_NUM_THREADS": "2"])["OPENBLAS_NUM_THREADS"] == nil)
    #expect(
      OpenBLASCore.childEnvironment(["OPENBLAS_CORETYPE": "Haswell"])["OPENBLAS_CORETYPE"]
        == "Haswell")
  }
}
