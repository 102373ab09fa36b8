import Testing

@testable import OrbitSpec

/// The grid is never materialised: a 10^7-point spec answers its count and any trial at once.
struct LazyGridTests {
  static let tenMillion = """
    method: grid
    program: train.py
    parameters:
      a: {min: 0, max: 9}
      b: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}
      c: {min: 10, max: 19}
      d: {distribution: q_uniform, min: 0, max: 1, q: 0.1}
      e: {values: [a, b, c, d, e, f, g, h, i, j]}
      f: {min: 0, max: 9}
      g: {min: 0, max: 9}
    """

  @Test func tenMillionPoints() throws {
    let spec = try Spec.parse(yaml: Self.tenMillion, fileName: "huge.yaml")
    #expect(spec.trialCount == 10_000_000)
    let last = spec.trial(at: 9_999_999)
    #expect(last.index == 9_999_999)
    #expect(
      last.params == [
        "a": 9, "b": 9, "c": 19, "d": .double(0.9), "e": "j", "f": 9, "g": 9,
      ])
    // Index 1_234_567 in mixed radix 10: digits 1,2,3,4,5,6,7 over a..g.
    let middle = spec.trial(at: 1_234_567)
    #expect(
      middle.params == [
        "a": 1, "b": 2, "c": 13, "d": .double(0.4), "e": "f", "f": 6, "g": 7,
      ])
  }

  @Test func hugeIntegerRangeIsNotAllocated() throws {
    // 10^12 integers in one axis: only a range is stored.
    let spec = try Spec.parse(
      yaml: """
        method: grid
        program: train.py
        seeds: 5
        parameters:
          n: {min: 1, max: 1000000000000}
        """, fileName: "spec.yaml")
    #expect(spec.trialCount == 5_000_000_000_000)
    let trial = spec.trial(at: spec.trialCount - 1)
    #expect(trial.params == ["n": 1_000_000_000_000, "seed": 4])
  }

  @Test func integerBoundsBeyondDoublePrecisionStayExact() throws {
    let yaml = """
      program: train.py
      run_cap: 50
      parameters:
        n: {min: 9007199254740993, max: 9007199254740995}
      """
    let grid = try Spec.parse(yaml: "method: grid\n" + yaml, fileName: "g.yaml")
    #expect(
      grid.trials.map { $0.params["n"] } == [
        9_007_199_254_740_993, 9_007_199_254_740_994, 9_007_199_254_740_995,
      ])
    let random = try Spec.parse(yaml: "method: random\n" + yaml, fileName: "r.yaml")
    let drawn = Set(random.trials.compactMap { $0.params["n"]?.intValue })
    #expect(drawn == [9_007_199_254_740_993, 9_007_199_254_740_994, 9_007_199_254_740_995])
  }

  @Test func betaDrawsHaveTheirMean() throws {
    let spec = try Spec.parse(
      yaml: """
        method: random
        program: train.py
        run_cap: 4000
        parameters:
          wide: {distribution: beta, a: 2, b: 5}
          narrow: {distribution: beta, a: 0.5, b: 0.5}
        """, fileName: "spec.yaml")
    var sums = (wide: 0.0, narrow: 0.0)
    for trial in spec.trials {
      let wide = try #require(trial.params["wide"]?.doubleValue)
      let narrow = try #require(trial.params["narrow"]?.doubleValue)
      #expect((0...1).contains(wide) && (0...1).contains(narrow))
      sums.wide += wide
      sums.narrow += narrow
    }
    // Means a / (a + b): 2/7 and 1/2; standard errors about 0.003 and 0.006.
    #expect(abs(sums.wide / 4000 - 2.0 / 7.0) < 0.015)
    #expect(abs(sums.narrow / 4000 - 0.5) < 0.03)
  }

  @Test func randomSearchIsRandomAccessAndReproducible() throws {
    let yaml = """
      method: random
      program: train.py
      run_cap: 1000
      seed: 3
      parameters:
        lr: {distribution: log_uniform_values, min: 1.0e-5, max: 1.0e-1}
        width: {values: [16, 32, 64]}
      """
    let first = try Spec.parse(yaml: yaml, fileName: "a.yaml")
    let second = try Spec.parse(yaml: yaml, fileName: "b.yaml")
    #expect(first.trialCount == 1000)
    for index in [999, 0, 500, 17] {
      #expect(first.trial(at: index).id == second.trial(at: index).id)
    }
    // A different seed draws different values.
    let reseeded = try Spec.parse(
      yaml: yaml.replacingOccurrences(of: "seed: 3", with: "seed: 4"), fileName: "c.yaml")
    #expect(reseeded.trial(at: 0).id != first.trial(at: 0).id)
  }

  @Test func randomDrawsStayInTheirRanges() throws {
    let spec = try Spec.parse(
      yaml: """
        method: random
        program: train.py
        run_cap: 2000
        parameters:
          i: {min: -2, max: 2}
          u: {min: 0.5, max: 1.5}
          lv: {distribution: log_uniform_values, min: 0.001, max: 0.1}
          iv: {distribution: inv_log_uniform_values, min: 0.01, max: 1}
          q: {distribution: q_uniform, min: 0, max: 10, q: 5}
          n: {distribution: normal, mu: 100, sigma: 1}
        """, fileName: "spec.yaml")
    var integers = Set<Int64>()
    var normalSum = 0.0
    for trial in spec.trials {
      guard case .int(let i) = trial.params["i"], case .double(let u) = trial.params["u"],
        case .double(let lv) = trial.params["lv"], case .double(let iv) = trial.params["iv"],
        case .int(let q) = trial.params["q"], case .double(let n) = trial.params["n"]
      else {
        Issue.record("wrong value types in \(trial.params)")
        return
      }
      integers.insert(i)
      #expect((0.5..<1.5).contains(u))
      #expect((0.001...0.1).contains(lv))
      #expect((0.01...1).contains(iv))
      #expect([0, 5, 10].contains(q))
      normalSum += n
    }
    #expect(integers == [-2, -1, 0, 1, 2])
    #expect(abs(normalSum / 2000 - 100) < 0.1)
  }
}
