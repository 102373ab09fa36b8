import Foundation
import OrbitSpec

/// A JSON value kept as the text the journal stores it as (a trial's params, its metrics, a
/// curve point), written into a `Codable` document verbatim: a page of 500 rows costs no
/// decode-and-re-encode of their parameters.
///
/// Only text that parses as one strict JSON object becomes a `RawJSON`, so a fragment can never
/// end the document early or smuggle in a key: the rest of the document is `JSONEncoder`'s.
public struct RawJSON: Encodable, Sendable, Equatable {
  public let text: String

  /// The empty object: what a row whose stored text is not an object shows instead.
  public static let emptyObject = RawJSON(verified: "{}")

  /// `text` when it is one JSON object (NaN and infinities, which Python writes and JSON has
  /// not, refused); nil otherwise.
  public init?(object text: String) {
    guard case .object(let members)? = try? ParamValue.parseJSON(text),
      !members.values.contains(where: Self.holdsNonFinite)
    else { return nil }
    self.text = text
  }

  private init(verified text: String) { self.text = text }

  private static func holdsNonFinite(_ value: ParamValue) -> Bool {
    switch value {
    case .double(let d): return !d.isFinite
    case .list(let items): return items.contains(where: holdsNonFinite)
    case .object(let members): return members.values.contains(where: holdsNonFinite)
    default: return false
    }
  }

  /// Writes a placeholder string that `JSONDocument.encode` replaces with `text`: JSONEncoder
  /// has no way to write a fragment as is.
  public func encode(to encoder: any Encoder) throws {
    guard let fragments = encoder.userInfo[JSONDocument.fragmentsKey] as? JSONDocument.Fragments
    else {
      throw EncodingError.invalidValue(
        self,
        .init(
          codingPath: encoder.codingPath,
          debugDescription: "RawJSON is written only by JSONDocument.encode"))
    }
    var container = encoder.singleValueContainer()
    try container.encode(fragments.placeholder(for: text))
  }
}

/// The one way the read model's documents become JSON text: `JSONEncoder` (keys sorted, for
/// scripts and diffs; slashes as they are, `/api/sweep` not `\/api\/sweep` — the documents
/// are served as `application/json`, never inlined into a page's `<script>`), with each
/// `RawJSON` written verbatim in place of its placeholder.
public enum JSONDocument {
  static let fragmentsKey = CodingUserInfoKey(rawValue: "orbit.rawJSONFragments")!

  /// The fragments of one encoding, and the placeholders that stand for them. A placeholder
  /// carries a random nonce of this encoding: no string in the document (a parameter, a
  /// program's stderr) can be mistaken for one, and `JSONEncoder` escapes the quotes any string
  /// holds, so only a placeholder appears between two bare quotes.
  final class Fragments: @unchecked Sendable {
    // Unchecked: one encoding uses it, on the thread that runs `encode`.
    let prefix = "orbit-raw-json-\(UUID().uuidString)-"
    var texts: [String] = []

    func placeholder(for text: String) -> String {
      texts.append(text)
      return prefix + String(texts.count - 1)
    }
  }

  /// `value` as JSON text.
  public static func encode(_ value: some Encodable) -> String {
    let fragments = Fragments()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.userInfo[fragmentsKey] = fragments
    // Every DTO here encodes (non-finite numbers are written as null by `JSONNumber`); a
    // failure would be a bug, answered with JSON that says so rather than a broken page.
    guard let data = try? encoder.encode(value) else {
      return #"{"error":"the dashboard could not encode this answer"}"#
    }
    let text = String(decoding: data, as: UTF8.self)
    guard !fragments.texts.isEmpty else { return text }
    let marker = "\"" + fragments.prefix
    var pieces = text.components(separatedBy: marker)
    var out = pieces.removeFirst()
    for piece in pieces {
      // Each piece starts with the fragment's number and the placeholder's closing quote.
      let digits = piece.prefix { $0.isNumber }
      let rest = piece.dropFirst(digits.count)
      guard let i = Int(digits), i < fragments.texts.count, rest.first == "\"" else {
        return #"{"error":"the dashboard could not encode this answer"}"#
      }
      out += fragments.texts[i]
      out += rest.dropFirst()
    }
    return out
  }
}

/// A number as JSON can hold it: NaN and infinities, which JSON has no way to write, and a
/// missing value are `null` (the key is always present).
public struct JSONNumber: Encodable, Sendable, Equatable {
  public var value: Double?

  public init(_ value: Double?) { self.value = value }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    if let value, value.isFinite { try container.encode(value) } else { try container.encodeNil() }
  }
}

/// A value whose key is always written: `null` when absent (synthesized `Encodable` leaves an
/// absent optional's key out, and the page reads some keys as present-or-null).
public struct OrNull<Value: Encodable & Sendable & Equatable>: Encodable, Sendable, Equatable {
  public var value: Value?

  public init(_ value: Value?) { self.value = value }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    if let value { try container.encode(value) } else { try container.encodeNil() }
  }
}
