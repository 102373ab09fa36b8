import Foundation
import OrbitSession
import Testing

/// The read model's one JSON writer: `JSONEncoder`, with stored JSON fragments written as is.
@Suite struct JSONDocumentTests {
  struct Document: Encodable {
    var name: String
    var params: RawJSON
    var rows: [RawJSON]
    var number: JSONNumber
    var missing: OrNull<Int>
  }

  static let hostile = [
    #"quote " backslash \ slash / "#, "</script><script>alert(1)</script>", "line\nbreak\ttab",
    "\u{2028}\u{2029} ☃ 𝄞 é", "\u{0}\u{1f}", #"{"injected":true}"#, "\"}, \"x\": {\"",
  ]

  static func object(_ text: String) throws -> [String: Any] {
    try #require(
      JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
  }

  @Test func hostileStringsRoundTripAndCannotBreakTheDocument() throws {
    for text in Self.hostile {
      let quoted = String(decoding: try JSONEncoder().encode([text]), as: UTF8.self).dropFirst()
        .dropLast()
      let fragment = try #require(RawJSON(object: #"{"note":\#(quoted),"n":1}"#))
      let json = JSONDocument.encode(
        Document(
          name: text, params: fragment, rows: [fragment, .emptyObject], number: JSONNumber(.nan),
          missing: OrNull(nil)))
      let document = try Self.object(json)
      #expect(document.keys.sorted() == ["missing", "name", "number", "params", "rows"])
      #expect(document["name"] as? String == text)
      let params = try #require(document["params"] as? [String: Any])
      #expect(params["note"] as? String == text)
      #expect((document["rows"] as? [[String: Any]])?.count == 2)
      // The fragment is written verbatim, not re-encoded.
      #expect(json.contains(fragment.text))
      #expect(document["number"] is NSNull)
      #expect(document["missing"] is NSNull)
    }
  }

  /// A string that looks like a placeholder stays a string: the placeholders carry a nonce of
  /// their encoding, and only they stand between two bare quotes.
  @Test func aStringLikeAPlaceholderIsNotReplaced() throws {
    let fragment = try #require(RawJSON(object: #"{"a":1}"#))
    for name in ["orbit-raw-json-0", "\"orbit-raw-json-", "orbit-raw-json-x-0"] {
      let json = JSONDocument.encode(
        Document(
          name: name, params: fragment, rows: [], number: JSONNumber(2), missing: OrNull(3)))
      let document = try Self.object(json)
      #expect(document["name"] as? String == name)
      #expect(document["number"] as? Double == 2)
      #expect(document["missing"] as? Int == 3)
    }
  }

  @Test func onlyAStrictJSONObjectIsAFragment() {
    for text in [#"{"a":1}"#, "{}", #"{"a":[1,{"b":null}],"c":"</script>"}"#, " {\"a\": true} "] {
      #expect(RawJSON(object: text) != nil, "\(text)")
    }
    for text in [
      "", "[]", "1", #""a""#, "{", #"{"a":1}, "b": 2"#, #"{"a":1}x"#, #"{"a":NaN}"#,
      #"{"a":[Infinity]}"#, #"{"a":1,}"#, "{'a':1}",
    ] {
      #expect(RawJSON(object: text) == nil, "\(text)")
    }
  }
}
