/// The values one grid axis member takes, computed on demand so an `int_uniform` over ten
/// million integers costs no memory.
enum AxisValues: Sendable {
  case list([ParamValue])
  /// `int_uniform`: start, start+1, … (count values).
  case integers(start: Int64, count: Int)
  /// `q_uniform` as `numpy.arange(min, max, q)`: `start + i·delta` with numpy's
  /// `delta = (start + q) - start`; integers when min, max and q all are.
  case steps(start: Double, delta: Double, count: Int, integral: Bool)

  var count: Int {
    switch self {
    case .list(let values): return values.count
    case .integers(_, let count), .steps(_, _, let count, _): return count
    }
  }

  func value(at offset: Int) -> ParamValue {
    switch self {
    case .list(let values): return values[offset]
    case .integers(let start, _): return .int(start + Int64(offset))
    case .steps(let start, let delta, _, let integral):
      if integral { return .int(Int64(start) + Int64(offset) * Int64(delta)) }
      return .double(start + Double(offset) * delta)
    }
  }
}

/// One dimension of the grid: one parameter, or a `zip:` group whose members advance together.
struct GridAxis: Sendable {
  var names: [String]
  var members: [AxisValues]
  /// Canonical JSON of each list value, per member (nil for computed ranges).
  var canonicalValues: [[String]?]
  /// Plain JSON of each list value, per member (nil for computed ranges).
  var plainValues: [[String]?]
  var count: Int
}

/// One independent draw of a random search: a parameter, or a `zip:` group (one shared index).
enum RandomDraw: Sendable {
  case single(ParameterDefinition)
  case zipped(names: [String], lists: [[ParamValue]], count: Int)

  var names: [String] {
    switch self {
    case .single(let definition): return [definition.name]
    case .zipped(let names, _, _): return names
    }
  }
}

/// The lazy trial sequence of a spec: `trial(at:)` decodes an index into parameter values in
/// O(#parameters) without materialising anything.
struct TrialGrid: Sendable {
  /// Where one key of the canonical JSON gets its value.
  enum Slot: Sendable {
    case constant(index: Int, canonical: String, plain: String)
    case grid(axis: Int, member: Int)
    case random(draw: Int, member: Int)
    case seed
  }

  var method: SearchMethod
  var constants: [(name: String, value: ParamValue)]
  var axes: [GridAxis]
  var draws: [RandomDraw]
  var seeds: Int?
  var randomSeed: Int64
  var count: Int
  /// Every parameter name in canonical (code point) order, with its source and key prefix.
  var slots: [(name: String, prefix: String, slot: Slot)]
  /// Per draw: its first name's hash (the generator key) and where its members' values start
  /// in the flat per-trial buffer.
  var drawKeys: [UInt64]
  var drawOffsets: [Int]
  var drawnCount: Int

  init(
    method: SearchMethod, constants: [(name: String, value: ParamValue)], axes: [GridAxis],
    draws: [RandomDraw], seeds: Int?, randomSeed: Int64, count: Int
  ) {
    self.method = method
    self.constants = constants
    self.axes = axes
    self.draws = draws
    self.seeds = seeds
    self.randomSeed = randomSeed
    self.count = count
    var entries: [(name: String, slot: Slot)] = []
    for (constantIndex, constant) in constants.enumerated() {
      let slot = Slot.constant(
        index: constantIndex, canonical: constant.value.canonicalJSON, plain: constant.value.json)
      entries.append((constant.name, slot))
    }
    for (axisIndex, axis) in axes.enumerated() {
      for (member, name) in axis.names.enumerated() {
        entries.append((name, .grid(axis: axisIndex, member: member)))
      }
    }
    for (drawIndex, draw) in draws.enumerated() {
      for (member, name) in draw.names.enumerated() {
        entries.append((name, .random(draw: drawIndex, member: member)))
      }
    }
    var offsets: [Int] = []
    var total = 0
    for draw in draws {
      offsets.append(total)
      total += draw.names.count
    }
    drawKeys = draws.map { RandomSource.nameHash($0.names[0]) }
    drawOffsets = offsets
    drawnCount = total
    if seeds != nil { entries.append(("seed", .seed)) }
    entries.sort { codePointLess($0.name, $1.name) }
    slots = entries.map { entry in
      var prefix = ""
      JSONWriter.writeString(entry.name, into: &prefix)
      prefix += ":"
      return (entry.name, prefix, entry.slot)
    }
  }

  /// The trial at `index` (0 ..< count) in dispatch order.
  func trial(at index: Int) -> Trial {
    precondition(index >= 0 && index < count, "trial index \(index) outside 0..<\(count)")
    let replicates = seeds ?? 1
    let point = index / replicates
    let seedValue = index % replicates

    // Grid: mixed-radix digits of `point`, the last axis varying fastest.
    var digits = [Int](repeating: 0, count: axes.count)
    var remainder = point
    for axisIndex in axes.indices.reversed() {
      let size = axes[axisIndex].count
      digits[axisIndex] = remainder % size
      remainder /= size
    }
    // Random: one generator per draw, keyed by the draw's first name.
    var drawn: [ParamValue] = []
    drawn.reserveCapacity(drawnCount)
    for (drawIndex, draw) in draws.enumerated() {
      var random = RandomSource(seed: randomSeed, point: point, nameHash: drawKeys[drawIndex])
      switch draw {
      case .single(let definition): drawn.append(definition.sample(&random))
      case .zipped(_, let lists, let count):
        let offset = random.nextIndex(count)
        for list in lists { drawn.append(list[offset]) }
      }
    }

    var params: [String: ParamValue] = [:]
    params.reserveCapacity(slots.count)
    // Both JSON forms are written here, in key order, so no caller sorts a dictionary.
    var canonical = "{"
    var plain = "{"
    for (position, entry) in slots.enumerated() {
      if position > 0 {
        canonical += ","
        plain += ","
      }
      canonical += entry.prefix
      plain += entry.prefix
      let value: ParamValue
      switch entry.slot {
      case .constant(let constantIndex, let canonicalText, let plainText):
        value = constants[constantIndex].value
        canonical += canonicalText
        plain += plainText
      case .grid(let axisIndex, let member):
        let axis = axes[axisIndex]
        let offset = digits[axisIndex]
        value = axis.members[member].value(at: offset)
        if let canonicalTexts = axis.canonicalValues[member],
          let plainTexts = axis.plainValues[member]
        {
          canonical += canonicalTexts[offset]
          plain += plainTexts[offset]
        } else {
          JSONWriter.write(value, into: &canonical, foldWholeDoubles: true)
          JSONWriter.write(value, into: &plain, foldWholeDoubles: false)
        }
      case .random(let drawIndex, let member):
        value = drawn[drawOffsets[drawIndex] + member]
        JSONWriter.write(value, into: &canonical, foldWholeDoubles: true)
        JSONWriter.write(value, into: &plain, foldWholeDoubles: false)
      case .seed:
        value = .int(Int64(seedValue))
        canonical += String(seedValue)
        plain += String(seedValue)
      }
      params[entry.name] = value
    }
    canonical += "}"
    plain += "}"
    return Trial(index: index, params: params, canonicalJSON: canonical, paramsJSON: plain)
  }
}
