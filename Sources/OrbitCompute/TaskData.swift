/// A task's teacher and its data splits, generated from the trial seed and held for the trial.
///
/// Every split is drawn in chunks of `chunkSize` from its own random stream, so the training set
/// for n is the first n samples of the one for 2n (nested), and validation and test sets do not
/// depend on n. Targets are centred and scaled to unit variance with statistics of a separate
/// normalisation draw, which also does not depend on n.
final class TaskData {
  /// Samples per teacher call; fixed so a sample's bits never depend on a split's size.
  static let chunkSize = 256
  /// Size of the draw that fixes the target's mean and scale.
  static let normalizationCount = 4096

  let settings: TaskSettings
  let inputWidth: Int
  let teacher: any Teacher
  /// The task's symmetry group, if it has one (cyclic shifts, set permutations).
  let group: GroupAction?
  let train: DataSplit?
  let validation: DataSplit
  let test: DataSplit
  private(set) var targetMean: Float = 0
  private(set) var targetScale: Float = 1
  private var freshRandom: RandomSource
  private var noiseRandom: RandomSource
  private let chunkInputs: FloatBuffer
  private let freshFeatures: FloatBuffer
  private let chunkTargets: FloatBuffer

  init(settings: TaskSettings, seed: UInt64, freshBatch: Int) {
    self.settings = settings
    inputWidth = settings.inputWidth
    let maxChunk = max(Self.chunkSize, freshBatch)
    // The teacher and the target's scale define the task: they come from the teacher seed, so
    // every trial seed learns the same function.
    let taskSeed = UInt64(bitPattern: Int64(settings.teacherSeed))
    var teacherRandom = RandomSource(seed: taskSeed, stream: RandomStream.teacher)
    switch settings.kind {
    case .manifold, .noop:
      teacher = ManifoldTeacher(settings: settings, maxChunk: maxChunk, random: &teacherRandom)
      group = nil
    case .cyclic:
      teacher = CyclicTeacher(settings: settings, maxChunk: maxChunk, random: &teacherRandom)
      group = GroupAction.cyclicShifts(length: settings.length)
    case .permutation:
      teacher = PermutationTeacher(settings: settings, maxChunk: maxChunk, random: &teacherRandom)
      group = GroupAction.permutations(
        elements: settings.setSize, features: settings.elementDimension)
    }
    chunkInputs = FloatBuffer(count: maxChunk * teacher.storedWidth)
    freshFeatures = FloatBuffer(count: settings.fresh ? freshBatch * teacher.storedWidth : 0)
    chunkTargets = FloatBuffer(count: maxChunk)
    freshRandom = RandomSource(seed: seed, stream: RandomStream.fresh)
    noiseRandom = RandomSource(seed: seed, stream: RandomStream.noise)

    // The normalisation draw is reduced chunk by chunk, never stored.
    var normalizationRandom = RandomSource(seed: taskSeed, stream: RandomStream.normalization)
    var sum: Double = 0
    var sumSquares: Double = 0
    for _ in 0..<(Self.normalizationCount / Self.chunkSize) {
      teacher.draw(
        count: Self.chunkSize, random: &normalizationRandom, inputs: chunkInputs.pointer,
        targets: chunkTargets.pointer)
      for index in 0..<Self.chunkSize {
        let value = Double(chunkTargets.pointer[index])
        sum += value
        sumSquares += value * value
      }
    }
    let mean = sum / Double(Self.normalizationCount)
    let variance = max(sumSquares / Double(Self.normalizationCount) - mean * mean, 1e-30)
    targetMean = Float(mean)
    targetScale = Float(1 / variance.squareRoot())

    let stored = teacher.storedWidth
    train = settings.fresh ? nil : DataSplit(count: settings.trainCount, featureWidth: stored)
    validation = DataSplit(count: settings.validationCount, featureWidth: stored)
    test = DataSplit(count: settings.testCount, featureWidth: stored)
    // All stored properties are set; now fill the splits, each from its own stream.
    let streams: [(DataSplit?, UInt64)] = [
      (train, RandomStream.train), (validation, RandomStream.validation),
      (test, RandomStream.test),
    ]
    for case (let split?, let stream) in streams {
      var random = RandomSource(seed: seed, stream: stream)
      Self.fill(
        split, teacher: teacher, random: &random, chunk: chunkInputs, chunkTargets: chunkTargets)
      normalize(split)
    }
    if let train { addNoise(train.targets.pointer, count: train.count) }
  }

  private static func fill(
    _ split: DataSplit, teacher: any Teacher, random: inout RandomSource, chunk: FloatBuffer,
    chunkTargets: FloatBuffer
  ) {
    var start = 0
    let width = split.featureWidth
    while start < split.count {
      teacher.draw(
        count: chunkSize, random: &random, inputs: chunk.pointer, targets: chunkTargets.pointer)
      let taken = min(chunkSize, split.count - start)
      (split.features.pointer + start * width).update(from: chunk.pointer, count: taken * width)
      (split.targets.pointer + start).update(from: chunkTargets.pointer, count: taken)
      start += taken
    }
  }

  private func normalize(_ split: DataSplit) {
    for index in 0..<split.count {
      split.targets.pointer[index] = (split.targets.pointer[index] - targetMean) * targetScale
    }
  }

  private func addNoise(_ targets: UnsafeMutablePointer<Float>, count: Int) {
    guard settings.noise > 0 else { return }
    for index in 0..<count { targets[index] += Float(noiseRandom.normal() * settings.noise) }
  }

  /// Draws `count` new normalised training samples (for `fresh: true`) as model inputs.
  func drawFresh(
    count: Int, inputs: UnsafeMutablePointer<Float>, targets: UnsafeMutablePointer<Float>
  ) {
    teacher.draw(
      count: count, random: &freshRandom, inputs: freshFeatures.pointer, targets: targets)
    teacher.expand(freshFeatures.pointer, count: count, into: inputs)
    for index in 0..<count { targets[index] = (targets[index] - targetMean) * targetScale }
    addNoise(targets, count: count)
  }

  /// The state of the fresh-sample and label-noise streams: a cooldown branch saves it and puts
  /// it back, so the trunk draws what it would have drawn without the branch.
  var streamState: (fresh: RandomSource, noise: RandomSource) {
    get { (freshRandom, noiseRandom) }
    set { (freshRandom, noiseRandom) = newValue }
  }

  /// Whether stored samples are the model inputs themselves (no expansion needed).
  var storesInputs: Bool { !teacher.expandsInputs }

  /// Model inputs of samples start..<start+count of `split`: the stored rows themselves, or
  /// their expansion written into `scratch` (at least count × inputWidth floats).
  func inputs(
    _ split: DataSplit, start: Int, count: Int, scratch: UnsafeMutablePointer<Float>
  ) -> UnsafePointer<Float> {
    let stored = split.features.pointer + start * split.featureWidth
    if storesInputs { return UnsafePointer(stored) }
    teacher.expand(stored, count: count, into: scratch)
    return UnsafePointer(scratch)
  }
}

/// Stored samples (see `Teacher.storedWidth`) and targets of one split.
final class DataSplit {
  let count: Int
  let featureWidth: Int
  let features: FloatBuffer
  let targets: FloatBuffer

  init(count: Int, featureWidth: Int) {
    self.count = count
    self.featureWidth = featureWidth
    features = FloatBuffer(count: count * featureWidth)
    targets = FloatBuffer(count: count)
  }
}

/// Independent random streams of one trial, so that drawing more of one never shifts another.
enum RandomStream {
  static let teacher: UInt64 = 1
  static let train: UInt64 = 2
  static let validation: UInt64 = 3
  static let test: UInt64 = 4
  static let normalization: UInt64 = 5
  static let initialization: UInt64 = 6
  static let batches: UInt64 = 7
  static let augmentation: UInt64 = 8
  static let fresh: UInt64 = 9
  static let noise: UInt64 = 10
}
