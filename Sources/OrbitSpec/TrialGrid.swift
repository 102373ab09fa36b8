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
  /// Canonical JSON (UTF-8) of each list value, per member (nil for computed ranges).
  var canonicalValues: [[[UInt8]]?]
  /// Plain JSON (UTF-8) of each list value, per member (nil for computed ranges).
  var plainValues: [[[UInt8]]?]
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
    case constant(index: Int, canonical: [UInt8], plain: [UInt8])
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
  var slots: [(name: String, prefix: [UInt8], slot: Slot)]
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
        index: constantIndex, canonical: Array(constant.value.canonicalJSON.utf8),
        plain: Array(constant.value.json.utf8))
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
      return (entry.name, Array(prefix.utf8), entry.slot)
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
    // Both JSON forms are written here as bytes, in key order: no caller sorts a dictionary,
    // and the id hashes the canonical bytes directly.
    var canonical: [UInt8] = []
    var plain: [UInt8] = []
    canonical.reserveCapacity(estimatedJSONLength)
    plain.reserveCapacity(estimatedJSONLength)
    canonical.append(UInt8(ascii: "{"))
    plain.append(UInt8(ascii: "{"))
    for position in slots.indices {
      if position > 0 {
        canonical.append(UInt8(ascii: ","))
        plain.append(UInt8(ascii: ","))
      }
      canonical += slots[position].prefix
      plain += slots[position].prefix
      let value: ParamValue
      switch slots[position].slot {
      case .constant(let constantIndex, let canonicalBytes, let plainBytes):
        value = constants[constantIndex].value
        canonical += canonicalBytes
        plain += plainBytes
      case .grid(let axisIndex, let member):
        let offset = digits[axisIndex]
        value = axes[axisIndex].members[member].value(at: offset)
        if axes[axisIndex].canonicalValues[member] != nil {
          canonical += axes[axisIndex].canonicalValues[member]![offset]
          plain += axes[axisIndex].plainValues[member]![offset]
        } else {
          Self.appendJSON(value, to: &canonical, plain: &plain)
        }
      case .random(let drawIndex, let member):
        value = drawn[drawOffsets[drawIndex] + member]
        Self.appendJSON(value, to: &canonical, plain: &plain)
      case .seed:
        value = .int(Int64(seedValue))
        Self.appendDecimal(Int64(seedValue), to: &canonical)
        Self.appendDecimal(Int64(seedValue), to: &plain)
      }
      params[slots[position].name] = value
    }
    canonical.append(UInt8(ascii: "}"))
    plain.append(UInt8(ascii: "}"))
    return Trial(index: index, params: params, canonicalBytes: canonical, plainBytes: plain)
  }

  /// A generous guess of one trial's JSON length, so the buffers rarely grow.
  private var estimatedJSONLength: Int { slots.count * 40 + 2 }

  /// Appends a computed value's canonical and plain JSON.
  private static func appendJSON(
    _ value: ParamValue, to canonical: inout [UInt8], plain: inout [UInt8]
  ) {
    switch value {
    case .int(let integer):
      appendDecimal(integer, to: &canonical)
      appendDecimal(integer, to: &plain)
    default:
      var canonicalText = ""
      JSONWriter.write(value, into: &canonicalText, foldWholeDoubles: true)
      canonical += canonicalText.utf8
      var plainText = ""
      JSONWriter.write(value, into: &plainText, foldWholeDoubles: false)
      plain += plainText.utf8
    }
  }

  /// Appends the decimal digits of `integer` without going through a `String`.
  private static func appendDecimal(_ integer: Int64, to bytes: inout [UInt8]) {
    if integer < 0 { bytes.append(UInt8(ascii: "-")) }
    var magnitude = integer.magnitude
    let start = bytes.count
    repeat {
      bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
      magnitude /= 10
    } while magnitude > 0
    bytes[start...].reverse()
  }
}
