import Foundation
import Testing

@testable import OrbitSpec

/// Python `str()` formatting, canonical JSON and the JSON parser. Expected texts are what
/// CPython 3 prints (`str(x)`, `json.dumps(x, sort_keys=True, separators=(",", ":"))`).
struct ParamValueTests {
  @Test(arguments: [
    (1e16, "1e+16"),
    (9_999_999_999_999_998.0, "9999999999999998.0"),
    (1e-5, "1e-05"),
    (0.1, "0.1"),
    (1.0, "1.0"),
    (-0.0, "-0.0"),
    (123_456_789_012_345_678.0, "1.2345678901234568e+17"),
    (2.5e-7, "2.5e-07"),
    (1e22, "1e+22"),
    (0.0001, "0.0001"),
    (100.0, "100.0"),
    (3e6, "3000000.0"),
    (Double.infinity, "inf"),
    (Double.nan, "nan"),
  ])
  func pythonFloatStr(number: Double, expected: String) {
    #expect(ParamValue.double(number).pythonString == expected)
  }

  @Test func pythonStrOfOtherValues() {
    #expect(ParamValue.bool(true).pythonString == "True")
    #expect(ParamValue.bool(false).pythonString == "False")
    #expect(ParamValue.null.pythonString == "None")
    #expect(ParamValue.int(-42).pythonString == "-42")
    #expect(ParamValue.string("adam").pythonString == "adam")
    let list: ParamValue = [1, "a", true, nil, 1.0, "it's"]
    #expect(list.pythonString == #"[1, 'a', True, None, 1.0, "it's"]"#)
    // Objects print with sorted keys (Python would keep insertion order, which YAML mappings
    // do not give a dictionary).
    let object = ParamValue.object(["b": 2, "a": [1.5]])
    #expect(object.pythonString == "{'a': [1.5], 'b': 2}")
    #expect(ParamValue.list(["a'b\"c"]).pythonString == #"['a\'b"c']"#)
  }

  @Test func canonicalJSONMatchesPython() {
    let value = ParamValue.object([
      "b": [1, 2.5, .object(["z": nil])],
      "a": "héllo 🚀\n\"",
    ])
    #expect(value.canonicalJSON == #"{"a":"h\u00e9llo \ud83d\ude80\n\"","b":[1,2.5,{"z":null}]}"#)
  }

  @Test func wholeDoublesFoldOnlyInCanonicalJSON() {
    let value = ParamValue.object(["lr": 1.0, "n": 3e6, "x": [2.0, 0.5]])
    #expect(value.canonicalJSON == #"{"lr":1,"n":3000000,"x":[2,0.5]}"#)
    #expect(value.json == #"{"lr":1.0,"n":3000000.0,"x":[2.0,0.5]}"#)
    #expect(ParamValue.double(1).canonicalJSON == ParamValue.int(1).canonicalJSON)
    #expect(ParamValue.double(1) != ParamValue.int(1))
  }

  @Test func doubleValue() {
    #expect(ParamValue.int(3).doubleValue == 3)
    #expect(ParamValue.double(0.5).doubleValue == 0.5)
    #expect(ParamValue.bool(true).doubleValue == 1)
    #expect(ParamValue.string("3").doubleValue == nil)
    #expect(ParamValue.null.doubleValue == nil)
  }

  @Test func parseJSONKeepsIntegersApartFromDoubles() throws {
    let parsed = try ParamValue.parseJSON(
      #" {"a": 1, "b": 1.0, "c": -2e3, "d": [true, false, null], "e": "x\u00e9\ud83d\ude80\n"} "#)
    #expect(
      parsed
        == .object([
          "a": .int(1), "b": .double(1), "c": .double(-2000), "d": [true, false, nil],
          "e": .string("xé🚀\n"),
        ]))
    #expect(try ParamValue.parseJSON("NaN").doubleValue?.isNaN == true)
    #expect(try ParamValue.parseJSON("-Infinity") == .double(-.infinity))
    #expect(try ParamValue.parseJSON("12345678901234567890") == .double(12_345_678_901_234_567_890))
  }

  @Test func parseJSONRoundTripsCanonicalText() throws {
    let value = ParamValue.object([
      "k": [1, 2.5, "s", nil, .object(["x": false])], "u": "日本",
    ])
    #expect(try ParamValue.parseJSON(value.json) == value)
    #expect(try ParamValue.parseJSON(value.canonicalJSON) == value)
  }

  @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "tru", "[1] 2", "\"a"])
  func parseJSONRejectsMalformed(text: String) {
    #expect(throws: SpecError.self) { try ParamValue.parseJSON(text) }
  }

  @Test func parseJSONRejectsDeepNesting() {
    let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    #expect(throws: SpecError.self) { try ParamValue.parseJSON(deep) }
  }
}

/// `golden/python_repr.txt`: 4000 doubles (exact hex) with CPython's `repr`, from
/// `make_golden.py` — every layout rule, including the 2^53 ..< 1e16 window where Swift's own
/// `description` differs.
struct PythonReprGoldenTests {
  @Test func matchesCPython() throws {
    let url = try #require(
      Bundle.module.url(forResource: "golden/python_repr", withExtension: "txt"))
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 4000)
    for line in lines {
      let fields = line.split(separator: " ")
      let number = try #require(Double(String(fields[0])))
      #expect(ParamValue.double(number).pythonString == String(fields[1]), "\(fields[0])")
    }
  }
}
