// libFuzzer entry point for the wire decoder (built by run.sh with -sanitize=fuzzer,address).
// Every input: decode; what decodes must re-encode to bytes that decode to the same message
// (NaN-free by the decoder's own rule), and its metrics must pass the coordinator's bounds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let message = try? MessageCodec.decode(bytes) else { return 0 }
  let again = MessageCodec.encode(message)
  guard (try? MessageCodec.decode(again)) == message else {
    fatalError("round trip changed the message: \(message)")
  }
  if case .result(_, let reports, _) = message {
    for r in reports {
      let bounded = r.outcome.boundedForWire()
      precondition(bounded.metricsJSON.utf8.count <= Wire.maxMetricsBytes)
      precondition(bounded.stderrTail.utf8.count <= TrialOutcome.stderrTailLimit)
    }
  }
  return 0
}
