import Testing

@testable import OrbitCompute

/// Data generation, symmetry and settings.
struct TaskTests {
  static func settings(_ parameters: [String: CoreValue]) throws -> CoreTrialConfig {
    try CoreTrialConfig(parameters: parameters)
  }

  @Test(arguments: ["manifold", "cyclic", "permutation"])
  func trainingSetsAreNestedAndOtherSplitsDoNotDependOnN(kind: String) throws {
    let small = try Self.settings(["task.kind": .string(kind), "task.n_train": .int(300)])
    let large = try Self.settings(["task.kind": .string(kind), "task.n_train": .int(600)])
    let a = TaskData(settings: small.task, seed: 5, freshBatch: 1)
    let b = TaskData(settings: large.task, seed: 5, freshBatch: 1)
    let width = a.train!.featureWidth
    #expect(
      Array(a.train!.features.elements) == Array(b.train!.features.elements.prefix(300 * width)))
    #expect(Array(a.train!.targets.elements) == Array(b.train!.targets.elements.prefix(300)))
    #expect(a.test.targets.array == b.test.targets.array)
    #expect(a.validation.features.array == b.validation.features.array)
    // Targets are standardised: test-set variance near 1.
    let targets = a.test.targets.array.map(Double.init)
    let mean = targets.reduce(0, +) / Double(targets.count)
    let variance = targets.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(targets.count)
    #expect(abs(mean) < 0.1)
    #expect(abs(variance - 1) < 0.15)
  }

  @Test func cyclicAndPermutationTargetsAreInvariant() throws {
    var teacherRandom = RandomSource(seed: 12)
    let cyclicConfig = try Self.settings(["task.kind": .string("cyclic")])
    let cyclic = CyclicTeacher(
      settings: cyclicConfig.task, maxChunk: 64, random: &teacherRandom)
    Self.expectInvariant(
      width: 16, group: .cyclicShifts(length: 16),
      draw: { cyclic.draw(count: 64, random: &$0, inputs: $1, targets: $2) },
      evaluate: { cyclic.evaluate(count: 64, inputs: $0, targets: $1) })
    let permutationConfig = try Self.settings(["task.kind": .string("permutation")])
    let permutation = PermutationTeacher(
      settings: permutationConfig.task, maxChunk: 64, random: &teacherRandom)
    Self.expectInvariant(
      width: 20, group: .permutations(elements: 5, features: 4),
      draw: { permutation.draw(count: 64, random: &$0, inputs: $1, targets: $2) },
      evaluate: { permutation.evaluate(count: 64, inputs: $0, targets: $1) })
  }

  static func expectInvariant(
    width: Int, group: GroupAction,
    draw: (inout RandomSource, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void,
    evaluate: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void
  ) {
    var random = RandomSource(seed: 4)
    let inputs = FloatBuffer(count: 64 * width)
    let targets = FloatBuffer(count: 64)
    draw(&random, inputs.pointer, targets.pointer)
    let moved = FloatBuffer(count: 64 * width)
    for sample in 0..<64 {
      group.apply(
        (sample * 7 + 1) % group.order, to: inputs.pointer + sample * width,
        into: moved.pointer + sample * width)
    }
    let movedTargets = FloatBuffer(count: 64)
    evaluate(moved.pointer, movedTargets.pointer)
    let worst = zip(targets.array, movedTargets.array).map { abs($0 - $1) }.max()!
    let spread = targets.array.map(abs).max()!
    #expect(worst < 1e-5 * max(1, spread))
    #expect(spread > 1e-3)
  }

  @Test func symmetrizedNetworkAndArchitecturesAreInvariant() throws {
    let cases: [([String: CoreValue], GroupAction)] = [
      (
        ["task.kind": .string("cyclic"), "model.symmetry": .string("symmetrize")],
        .cyclicShifts(length: 16)
      ),
      (
        ["task.kind": .string("cyclic"), "model.kind": .string("conv1d")],
        .cyclicShifts(length: 16)
      ),
      (
        ["task.kind": .string("permutation"), "model.symmetry": .string("symmetrize")],
        .permutations(elements: 5, features: 4)
      ),
      (
        ["task.kind": .string("permutation"), "model.kind": .string("deepsets")],
        .permutations(elements: 5, features: 4)
      ),
    ]
    for (parameters, group) in cases {
      let config = try Self.settings(parameters)
      let data = TaskData(settings: config.task, seed: 2, freshBatch: 1)
      let network = Network(
        layers: ModelBuilder.layers(model: config.model, task: config.task),
        inputWidth: data.inputWidth, maxBatch: 8,
        symmetrizingGroup: config.model.symmetry == .symmetrize ? data.group : nil)
      var random = RandomSource(seed: 1)
      network.initialize(&random, scheme: .pytorch)
      let width = data.inputWidth
      let x = data.test.features.pointer
      let original = Array(UnsafeBufferPointer(start: network.forward(x, batch: 8), count: 8))
      let moved = FloatBuffer(count: 8 * width)
      for sample in 0..<8 {
        group.apply(
          (sample * 5 + 3) % group.order, to: x + sample * width,
          into: moved.pointer + sample * width)
      }
      let after = Array(
        UnsafeBufferPointer(start: network.forward(moved.pointer, batch: 8), count: 8))
      let worst = zip(original, after).map { abs($0 - $1) }.max()!
      #expect(worst < 1e-5, "\(parameters): not invariant, worst difference \(worst)")
    }
  }

  @Test func plainMLPIsNotInvariant() throws {
    let config = try Self.settings(["task.kind": .string("cyclic")])
    let data = TaskData(settings: config.task, seed: 2, freshBatch: 1)
    let network = Network(
      layers: ModelBuilder.layers(model: config.model, task: config.task),
      inputWidth: data.inputWidth, maxBatch: 1)
    var random = RandomSource(seed: 1)
    network.initialize(&random, scheme: .pytorch)
    let original = network.forward(data.test.features.pointer, batch: 1)[0]
    let moved = FloatBuffer(count: 16)
    GroupAction.cyclicShifts(length: 16).apply(
      3, to: data.test.features.pointer, into: moved.pointer)
    #expect(abs(network.forward(moved.pointer, batch: 1)[0] - original) > 1e-4)
  }

  @Test func manifoldSamplesAreStoredAsLatentsAndExpandOntoTheManifold() throws {
    let config = try Self.settings(["task.input_dim": .int(12), "task.intrinsic_dim": .int(3)])
    let data = TaskData(settings: config.task, seed: 4, freshBatch: 1)
    #expect(data.test.featureWidth == 3)
    let scratch = FloatBuffer(count: 50 * 12)
    let x = data.inputs(data.test, start: 0, count: 50, scratch: scratch.pointer)
    for row in 0..<50 {
      // E has orthonormal columns, so |x| = |z|.
      let z = (0..<3).map { Double(data.test.features.pointer[row * 3 + $0]) }
      let xs = (0..<12).map { Double(x[row * 12 + $0]) }
      let normZ = z.reduce(0) { $0 + $1 * $1 }
      let normX = xs.reduce(0) { $0 + $1 * $1 }
      #expect(abs(normX - normZ) < 1e-5)
      #expect(z.allSatisfy { abs($0) <= 1 })
    }
  }

  @Test func groupActionsAreBijections() {
    let permutations = GroupAction.permutations(elements: 4, features: 2)
    #expect(permutations.order == 24)
    let input: [Float] = (0..<8).map(Float.init)
    var seen = Set<[Float]>()
    var output = [Float](repeating: 0, count: 8)
    for element in 0..<24 {
      permutations.apply(element, to: input, into: &output)
      #expect(Set(output) == Set(input))
      seen.insert(output)
    }
    #expect(seen.count == 24)
    let shifts = GroupAction.cyclicShifts(length: 5)
    var shifted = [Float](repeating: 0, count: 5)
    shifts.apply(2, to: [0, 1, 2, 3, 4], into: &shifted)
    #expect(shifted == [2, 3, 4, 0, 1])
  }
}
