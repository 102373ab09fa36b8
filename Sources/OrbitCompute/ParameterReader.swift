/// Reads typed, range-checked values out of a trial's dotted parameters, with errors that name
/// the key, the value and the fix.
struct ParameterReader {
  let parameters: [String: CoreValue]

  func int(_ key: String, default fallback: Int, minimum: Int = 0) throws(CoreConfigError) -> Int {
    guard let value = parameters[key] else { return fallback }
    let number: Int
    switch value {
    case .int(let integer): number = integer
    case .double(let real) where real.rounded() == real && abs(real) < 1e15: number = Int(real)
    default:
      throw CoreConfigError(
        key: key, message: "\(key) must be a whole number, got \(value.rendered)")
    }
    guard number >= minimum else {
      throw CoreConfigError(key: key, message: "\(key) must be ≥ \(minimum), got \(number)")
    }
    return number
  }

  func double(
    _ key: String, default fallback: Double, minimum: Double = 0, inclusive: Bool = true,
    maximum: Double = .infinity
  ) throws(CoreConfigError) -> Double {
    guard let value = parameters[key] else { return fallback }
    let number: Double
    switch value {
    case .int(let integer): number = Double(integer)
    case .double(let real): number = real
    default:
      throw CoreConfigError(key: key, message: "\(key) must be a number, got \(value.rendered)")
    }
    let aboveMinimum = inclusive ? number >= minimum : number > minimum
    guard number.isFinite, aboveMinimum, number <= maximum else {
      let bound = inclusive ? "≥ \(minimum)" : "> \(minimum)"
      let upper = maximum.isFinite ? " and ≤ \(maximum)" : ""
      throw CoreConfigError(key: key, message: "\(key) must be \(bound)\(upper), got \(number)")
    }
    return number
  }

  func bool(_ key: String, default fallback: Bool) throws(CoreConfigError) -> Bool {
    guard let value = parameters[key] else { return fallback }
    switch value {
    case .bool(let flag): return flag
    case .string("true"): return true
    case .string("false"): return false
    default:
      throw CoreConfigError(
        key: key, message: "\(key) must be true or false, got \(value.rendered)")
    }
  }

  func choice<Choice: RawRepresentable & CaseIterable>(
    _ key: String, default fallback: Choice
  ) throws(CoreConfigError) -> Choice where Choice.RawValue == String {
    guard let value = parameters[key] else { return fallback }
    let options = Choice.allCases.map(\.rawValue).joined(separator: ", ")
    guard case .string(let text) = value, let choice = Choice(rawValue: text) else {
      throw CoreConfigError(
        key: key, message: "\(key) must be one of \(options), got \(value.rendered)")
    }
    return choice
  }

  /// A list of whole numbers, each ≥ `minimum`; a single number is a list of one (so a grid axis
  /// over single values, `values: [8192, 32768]`, needs no nested lists). Nil when absent.
  func intList(_ key: String, minimum: Int = 0) throws(CoreConfigError) -> [Int]? {
    guard let value = parameters[key] else { return nil }
    let items: [CoreValue]
    if case .list(let values) = value { items = values } else { items = [value] }
    var numbers: [Int] = []
    for item in items {
      let number: Int
      switch item {
      case .int(let integer): number = integer
      case .double(let real) where real.rounded() == real && abs(real) < 1e15: number = Int(real)
      default:
        throw CoreConfigError(
          key: key, message: "\(key) must be a list of whole numbers, got \(value.rendered)")
      }
      guard number >= minimum else {
        throw CoreConfigError(
          key: key, message: "\(key) must hold numbers ≥ \(minimum), got \(value.rendered)")
      }
      numbers.append(number)
    }
    return numbers
  }
}
