import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitProtocol

/// A property-based stand-in for the libFuzzer target (bench/fuzz): seeded mutations of real
/// frames — bit flips, byte overwrites with boundary values, cuts, splices, length fields set
/// huge — fed to the decoder. It must never trap; what it accepts must re-encode to bytes that
/// decode to the same message.
@Suite("Decoder under mutated frames")
struct DecoderFuzzTests {
  static let inputs = 20_000

  @Test func twentyThousandMutatedFramesNeverTrapAndWhatDecodesRoundTrips() {
    let corpus = MessageCodecTests.samples.map(MessageCodec.encode)
    var rng = Mutator(seed: 0x0DDB_A11)
    var accepted = 0
    for _ in 0..<Self.inputs {
      let input = rng.mutate(corpus[rng.below(corpus.count)], corpus: corpus)
      guard let message = try? MessageCodec.decode(input) else { continue }
      accepted += 1
      let again = MessageCodec.encode(message)
      #expect((try? MessageCodec.decode(again)) == message, "\(message)")
    }
    // Some mutations land on values (a count, a float) and still decode: the accepting paths
    // were exercised too, not only the rejections.
    #expect(accepted > 0)
    #expect(accepted < Self.inputs)
  }
}

struct Mutator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }

  mutating func mutate(_ frame: [UInt8], corpus: [[UInt8]]) -> [UInt8] {
    var bytes = frame
    for _ in 0...below(4) {
      guard !bytes.isEmpty else { break }
      switch below(7) {
      case 0: bytes[below(bytes.count)] ^= UInt8(1 << below(8))
      case 1: bytes[below(bytes.count)] = [0, 1, 0x7F, 0x80, 0xFF][below(5)]
      case 2: bytes.removeLast(below(bytes.count))
      case 3:
        // A length or count field (u32) set to a boundary value.
        let at = below(max(1, bytes.count - 4))
        let value: UInt32 = [0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, 65_537, 4 << 20][below(6)]
        for k in 0..<4 where at + k < bytes.count {
          bytes[at + k] = UInt8((value >> (8 * k)) & 0xFF)
        }
      case 4:
        let other = corpus[below(corpus.count)]
        bytes = Array(bytes.prefix(below(bytes.count + 1))) + other.suffix(below(other.count + 1))
      case 5: bytes.insert(UInt8(below(256)), at: below(bytes.count + 1))
      default:
        // Keep the header valid more often than chance would, so the body is what is fuzzed.
        if bytes.count >= 3 {
          bytes[0] = Wire.magic.0
          bytes[1] = Wire.magic.1
          bytes[2] = Wire.version
        }
      }
    }
    return bytes
  }
}

@Suite("JSON object syntax check")
struct JSONSyntaxTests {
  @Test(arguments: [
    "{}", #"{"a":1}"#, #" { "a" : [1, 2.5e-3, -0, true, false, null, {"b": "x\n\u00e9"}] } "#,
    #"{"loss":1e308,"s":"\"q\""}"#,
  ])
  func acceptsObjects(_ text: String) { #expect(JSONSyntax.isObject(text)) }

  @Test(arguments: [
    "", "[]", "1", #""s""#, "{", "}", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, #"{a:1}"#,
    #"{"a":01}"#, #"{"a":1.}"#, #"{"a":NaN}"#, #"{"a":"\x"}"#, "{\"a\":\"\u{1}\"}", "{} {}",
    #"{"a":[1,]}"#, String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
  ])
  func rejectsEverythingElse(_ text: String) { #expect(!JSONSyntax.isObject(text)) }

  @Test func agreesWithTheSpecParserOnMutatedMetrics() throws {
    var rng = Mutator(seed: 99)
    let seeds = [#"{"loss":0.25,"acc":[1,2,3],"name":"run-1","ok":true}"#, #"{"a":{"b":null}}"#]
    for _ in 0..<5000 {
      let text = String(
        decoding: rng.mutate(Array(seeds[rng.below(2)].utf8), corpus: seeds.map { Array($0.utf8) }),
        as: UTF8.self)
      var reference = false
      if case .object = try? ParamValue.parseJSON(text) { reference = true }
      #expect(JSONSyntax.isObject(text) == reference, "\(text)")
    }
  }
}
