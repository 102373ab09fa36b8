import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitProtocol

@Suite("Wire encoding: bytes in, values out")
struct MessageCodecTests {
  static let samples: [Message] = [
    .hello(
      Hello(
        workerID: "w-1", host: "node7", pid: 4242, slots: 8, runners: [.core, .command],
        orbitVersion: "0.1.0")),
    .hello(
      Hello(
        workerID: "gpu-node", host: "node8", pid: 7, slots: 2, runners: [.command],
        orbitVersion: "0.1.0", gpus: ["0,1", "2,3"])),
    // A re-introduction: each held trial with its lease, as a restarted coordinator needs them.
    .hello(
      Hello(
        workerID: "w-2", host: "node9", pid: 8, slots: 2, runners: [.core], orbitVersion: "0.1.0",
        holding: [
          HeldLease(
            trialID: TrialID(hex: String(repeating: "c", count: 64))!, index: 12, attempt: 2,
            leaseToken: LeaseToken(Array(repeating: 5, count: LeaseToken.byteCount))),
          HeldLease(
            trialID: TrialID(hex: String(repeating: "d", count: 64))!, index: 0, attempt: 1),
        ])),
    .welcome(
      Welcome(
        sweepID: "s1", heartbeatIntervalMilliseconds: 1000, liveness: 5, specText: "method: grid\n",
        specFileName: "a.yaml")),
    .reject(reason: "needs command runner"),
    .ready(credits: 16),
    .task([
      TaskAssignment(
        trialID: TrialID(hex: String(repeating: "a", count: 64))!, index: 0, attempt: 1,
        paramsJSON: #"{"lr":0.1}"#,
        leaseToken: LeaseToken(Array(repeating: 9, count: LeaseToken.byteCount))),
      TaskAssignment(
        trialID: TrialID(hex: String(repeating: "b", count: 64))!, index: 9_999_999, attempt: 3,
        paramsJSON: "{}"),
    ]),
    .progress(
      TrialProgress(
        trialID: "t", index: 4, attempt: 1, step: 100, metricsJSON: #"{"test_loss":0.5}"#)),
    .result(
      sweepID: "s1",
      results: [
        ResultReport(
          outcome: TrialOutcome(
            trialID: "t1", index: 0, attempt: 1, status: .ok, metricsJSON: #"{"loss":1}"#,
            wallSeconds: 1.5, startedAt: 1e9),
          leaseToken: LeaseToken(Array(0..<16))),
        ResultReport(
          outcome: TrialOutcome(
            trialID: "t2", index: 77, attempt: 2, status: .failed, stderrTail: "Traceback…",
            exitCode: 3),
          leaseToken: LeaseToken()),
      ], credits: 2),
    .ack(trialIDs: ["t1", "t2"]),
    .cancel(trialID: "t1"),
    .heartbeat,
    .bye(reason: "SIGTERM"),
    .drain,
    .unknownPeer,
    .started(trialIDs: ["t1"]),
  ]

  @Test(arguments: samples)
  func everyMessageRoundTrips(_ message: Message) throws {
    let bytes = MessageCodec.encode(message)
    #expect(bytes[2] == Wire.version)
    #expect(try MessageCodec.decode(bytes) == message)
  }

  @Test func unicodeStringsSurvive() throws {
    let m = Message.bye(reason: "ünïcødé ✓")
    #expect(try MessageCodec.decode(MessageCodec.encode(m)) == m)
  }

  @Test func wrongVersionIsRejectedWithItsCode() {
    var bytes = MessageCodec.encode(.heartbeat)
    bytes[2] = Wire.version + 1
    #expect(rejection(bytes) == .badVersion)
  }

  @Test func strayBytesAreNotAnOrbitMessage() {
    #expect(rejection(Array("GET / HTTP/1.1".utf8)) == .badMagic)
  }

  @Test func unknownTypeIsRejected() {
    var bytes = MessageCodec.encode(.heartbeat)
    bytes[3] = 200
    #expect(rejection(bytes) == .unknownType)
  }

  @Test func everyTruncationOfEveryMessageIsRejectedNotCrashed() {
    for message in Self.samples {
      let bytes = MessageCodec.encode(message)
      for cut in 0..<bytes.count {
        #expect(throws: ProtocolError.self) { try MessageCodec.decode(Array(bytes[0..<cut])) }
      }
    }
  }

  @Test func trailingBytesAreRejected() {
    let bytes = MessageCodec.encode(.ready(credits: 1)) + [0]
    #expect(rejection(bytes) == .invalid)
  }

  @Test func hugeDeclaredListIsRejectedBeforeAllocating() {
    var bytes: [UInt8] = [Wire.magic.0, Wire.magic.1, Wire.version, 5]  // task
    bytes += [0xFF, 0xFF, 0xFF, 0x7F]  // 2^31 items
    #expect(rejection(bytes) == .tooLarge)
  }

  @Test func oversizedMessageIsRejected() {
    let bytes = [UInt8](repeating: 0, count: Wire.maxMessageBytes + 1)
    #expect(rejection(bytes) == .tooLarge)
  }

  @Test func oversizedOrOddSizedTokensAreRejected() {
    let t = TaskAssignment(trialID: "t", index: 0, attempt: 1, paramsJSON: "{}")
    var bytes = MessageCodec.encode(.task([t]))
    // The token is the last field: a u32 length of 0. Declare more, and supply them.
    bytes.removeLast(4)
    let huge =
      bytes + [UInt8(Wire.maxTokenBytes + 1), 0, 0, 0]
      + [UInt8](repeating: 1, count: Wire.maxTokenBytes + 1)
    #expect(rejection(huge) == .tooLarge)
    let odd = bytes + [8, 0, 0, 0] + [UInt8](repeating: 1, count: 8)
    #expect(rejection(odd) == .invalid)
  }

  @Test func nonFiniteTimesAreInvalid() {
    for bad in [Double.nan, .infinity, -.infinity] {
      let m = Message.result(
        sweepID: "s",
        results: [
          ResultReport(
            outcome: TrialOutcome(
              trialID: "t", index: 0, attempt: 1, status: .ok, wallSeconds: bad),
            leaseToken: LeaseToken())
        ], credits: 0)
      #expect(rejection(MessageCodec.encode(m)) == .invalid)
    }
  }

  @Test func metricsThatAreNotAJSONObjectBecomeAFailure() {
    for bad in ["[1, 2]", "not json", "{\"a\": }", "3"] {
      let o = TrialOutcome(trialID: "t", index: 0, attempt: 1, status: .ok, metricsJSON: bad)
        .boundedForWire()
      #expect(o.status == .failed)
      #expect(o.metricsJSON == "{}")
    }
    let good = TrialOutcome(
      trialID: "t", index: 0, attempt: 1, status: .ok, metricsJSON: #"{"a":1}"#)
    #expect(good.boundedForWire() == good)
  }

  @Test func unknownStatusIsInvalid() {
    let ok = MessageCodec.encode(
      .result(
        sweepID: "s",
        results: [
          ResultReport(
            outcome: TrialOutcome(trialID: "t", index: 0, attempt: 1, status: .ok),
            leaseToken: LeaseToken())
        ], credits: 0))
    // Replace the status string "ok" with "zz".
    var bytes = ok
    if let i = bytes.indices.dropLast().first(where: {
      bytes[$0] == UInt8(ascii: "o") && bytes[$0 + 1] == UInt8(ascii: "k")
    }) {
      bytes[i] = UInt8(ascii: "z")
      bytes[i + 1] = UInt8(ascii: "z")
    }
    #expect(rejection(bytes) == .invalid)
  }
}

/// The code a decode fails with, or nil when it (wrongly) succeeds: a test of a rejection
/// fails both when the decoder accepts and when it rejects for another reason.
func rejection(_ bytes: [UInt8]) -> ProtocolError.Code? {
  do {
    _ = try MessageCodec.decode(bytes)
    return nil
  } catch {
    return error.code
  }
}

extension Message: CustomTestStringConvertible {
  public var testDescription: String { String(describing: self).prefix(40).description }
}

@Suite struct EncodedSizeTests {
  /// `ResultReport.encodedSize` (what the worker batches results by, against
  /// `Wire.maxResultBatchBytes`) is exactly the bytes the encoder writes for the report.
  @Test func encodedSizeIsTheEncodersBytes() {
    let reports = [
      ResultReport(
        outcome: TrialOutcome(trialID: "t0", index: 0, attempt: 1, status: .ok),
        leaseToken: LeaseToken()),
      ResultReport(
        outcome: TrialOutcome(
          trialID: "t1", index: 9_999_999, attempt: 7, status: .timeout,
          metricsJSON: #"{"loss":0.25,"note":"é ☃ 𝄞"}"#, wallSeconds: 3.5, startedAt: 1e9,
          stderrTail: "Traceback…\n  ☃", exitCode: -9, stdoutTail: "step 1\nstep 2"),
        leaseToken: LeaseToken(Array(0..<16))),
    ]
    let empty = MessageCodec.encode(.result(sweepID: "s1", results: [], credits: 2)).count
    for report in reports {
      let one = MessageCodec.encode(.result(sweepID: "s1", results: [report], credits: 2)).count
      #expect(one - empty == report.encodedSize, "\(report.outcome.status)")
    }
    let both = MessageCodec.encode(.result(sweepID: "s1", results: reports, credits: 2)).count
    #expect(both - empty == reports.reduce(0) { $0 + $1.encodedSize })
  }
}
