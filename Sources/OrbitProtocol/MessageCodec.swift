import OrbitSpec

/// Encodes and decodes messages: bytes in, values out, no sockets.
///
/// Layout of every message: magic (2 bytes), version (1), type (1), then the type's fields in
/// little-endian order; strings are a u32 length and UTF-8 bytes.
public enum MessageCodec {
  private enum Tag: UInt8 {
    case hello = 1
    case welcome = 2
    case reject = 3
    case ready = 4
    case task = 5
    case progress = 6
    case result = 7
    case ack = 8
    case cancel = 9
    case heartbeat = 10
    case bye = 11
    case drain = 12
    case unknownPeer = 13
    case started = 14
  }

  public static func encode(_ message: Message) -> [UInt8] {
    var w = WireWriter(capacity: estimatedSize(message))
    w.u8(Wire.magic.0)
    w.u8(Wire.magic.1)
    w.u8(Wire.version)
    switch message {
    case .hello(let h):
      w.u8(Tag.hello.rawValue)
      w.string(h.workerID)
      w.string(h.host)
      w.int(h.pid)
      w.int(h.slots)
      w.strings(h.runners.map(\.rawValue))
      w.string(h.orbitVersion)
      w.u32(UInt32(h.holding.count))
      for held in h.holding {
        w.id(held.trialID)
        w.int(held.index)
        w.int(held.attempt)
        w.token(held.leaseToken)
        w.u8(held.finished ? 1 : 0)
      }
      w.strings(h.gpus)
    case .welcome(let m):
      w.u8(Tag.welcome.rawValue)
      w.string(m.sweepID)
      w.int(m.heartbeatIntervalMilliseconds)
      w.int(m.liveness)
      w.string(m.specText)
      w.string(m.specFileName)
    case .reject(let reason):
      w.u8(Tag.reject.rawValue)
      w.string(reason)
    case .ready(let credits):
      w.u8(Tag.ready.rawValue)
      w.int(credits)
    case .task(let tasks):
      w.u8(Tag.task.rawValue)
      w.u32(UInt32(tasks.count))
      for t in tasks {
        w.id(t.trialID)
        w.int(t.index)
        w.int(t.attempt)
        w.string(t.paramsJSON)
        w.token(t.leaseToken)
      }
    case .progress(let p):
      w.u8(Tag.progress.rawValue)
      w.id(p.trialID)
      w.int(p.index)
      w.int(p.attempt)
      w.int(p.step)
      w.string(p.metricsJSON)
    case .result(let sweepID, let reports, let credits):
      w.u8(Tag.result.rawValue)
      w.string(sweepID)
      w.int(credits)
      w.u32(UInt32(reports.count))
      for report in reports {
        let r = report.outcome
        w.id(r.trialID)
        w.int(r.index)
        w.int(r.attempt)
        w.token(report.leaseToken)
        w.string(r.status.rawValue)
        w.string(r.metricsJSON)
        w.f64(r.wallSeconds)
        w.f64(r.startedAt)
        w.string(r.stderrTail)
        w.u8(r.exitCode == nil ? 0 : 1)
        w.int(r.exitCode ?? 0)
        w.string(r.stdoutTail)
      }
    case .ack(let ids):
      w.u8(Tag.ack.rawValue)
      w.ids(ids)
    case .cancel(let id):
      w.u8(Tag.cancel.rawValue)
      w.id(id)
    case .heartbeat:
      w.u8(Tag.heartbeat.rawValue)
    case .bye(let reason):
      w.u8(Tag.bye.rawValue)
      w.string(reason)
    case .drain:
      w.u8(Tag.drain.rawValue)
    case .unknownPeer:
      w.u8(Tag.unknownPeer.rawValue)
    case .started(let ids):
      w.u8(Tag.started.rawValue)
      w.ids(ids)
    }
    return w.bytes
  }

  /// A capacity that holds most messages without growing: TASK and RESULT batches are the
  /// large ones, and growing a 100 KB array by doubling copies it several times.
  private static func estimatedSize(_ message: Message) -> Int {
    switch message {
    case .task(let tasks):
      tasks.reduce(8) { $0 + 64 + $1.paramsJSON.utf8.count }
    case .result(_, let reports, _):
      reports.reduce(64) { $0 + $1.encodedSize }
    case .welcome(let w):
      64 + w.specText.utf8.count
    default:
      64
    }
  }

  public static func decode(_ bytes: [UInt8]) throws(ProtocolError) -> Message {
    guard bytes.count <= Wire.maxMessageBytes else {
      throw ProtocolError(
        .tooLarge, "message of \(bytes.count) bytes exceeds \(Wire.maxMessageBytes)")
    }
    guard bytes.count >= 4 else {
      throw ProtocolError(.truncated, "message of \(bytes.count) bytes")
    }
    guard bytes[0] == Wire.magic.0, bytes[1] == Wire.magic.1 else {
      throw ProtocolError(.badMagic, "not an Orbit message")
    }
    guard bytes[2] == Wire.version else {
      throw ProtocolError(
        .badVersion, "protocol version \(bytes[2]), this Orbit speaks \(Wire.version)")
    }
    guard let tag = Tag(rawValue: bytes[3]) else {
      throw ProtocolError(.unknownType, "message type \(bytes[3])")
    }
    var r = WireReader(bytes, offset: 4)
    let message: Message
    switch tag {
    case .hello:
      let workerID = try r.string()
      let host = try r.string()
      let pid = try r.int()
      let slots = try r.int()
      let runners = try r.strings().compactMap(RunnerKind.init(rawValue:))
      let version = try r.string()
      let n = try r.count()
      var holding: [HeldLease] = []
      holding.reserveCapacity(min(n, 64))
      for _ in 0..<n {
        holding.append(
          HeldLease(
            trialID: try r.id(), index: try r.int(), attempt: try r.int(),
            leaseToken: try r.token(), finished: try r.u8() != 0))
      }
      message = .hello(
        Hello(
          workerID: workerID, host: host, pid: pid, slots: slots, runners: runners,
          orbitVersion: version, holding: holding, gpus: try r.strings()))
    case .welcome:
      message = .welcome(
        Welcome(
          sweepID: try r.string(), heartbeatIntervalMilliseconds: try r.int(),
          liveness: try r.int(),
          specText: try r.string(), specFileName: try r.string()))
    case .reject:
      message = .reject(reason: try r.string())
    case .ready:
      message = .ready(credits: try r.int())
    case .task:
      let n = try r.count()
      var tasks: [TaskAssignment] = []
      tasks.reserveCapacity(n)
      for _ in 0..<n {
        tasks.append(
          TaskAssignment(
            trialID: try r.id(), index: try r.int(), attempt: try r.int(),
            paramsJSON: try r.string(), leaseToken: try r.token()))
      }
      message = .task(tasks)
    case .progress:
      message = .progress(
        TrialProgress(
          trialID: try r.id(), index: try r.int(), attempt: try r.int(), step: try r.int(),
          metricsJSON: try r.string()))
    case .result:
      let sweepID = try r.string()
      let credits = try r.int()
      let n = try r.count()
      var results: [ResultReport] = []
      results.reserveCapacity(n)
      for _ in 0..<n {
        let id = try r.id()
        let index = try r.int()
        let attempt = try r.int()
        let token = try r.token()
        let statusText = try r.string()
        guard let status = TrialStatus(rawValue: statusText) else {
          throw ProtocolError(.invalid, "unknown trial status '\(statusText)'")
        }
        let metrics = try r.string()
        let wall = try r.f64()
        let started = try r.f64()
        // NaN or infinite times would reach the journal as NULL and fail its transaction: a
        // peer could stop the sweep with one RESULT. (Found by the decoder fuzz test.)
        guard wall.isFinite, started.isFinite else {
          throw ProtocolError(.invalid, "non-finite wall or start time in a result")
        }
        let stderr = try r.string()
        let hasExit = try r.u8()
        let exit = try r.int()
        let stdout = try r.string()
        results.append(
          ResultReport(
            outcome: TrialOutcome(
              trialID: id, index: index, attempt: attempt, status: status, metricsJSON: metrics,
              wallSeconds: wall, startedAt: started, stderrTail: stderr,
              exitCode: hasExit == 1 ? exit : nil, stdoutTail: stdout),
            leaseToken: token))
      }
      message = .result(sweepID: sweepID, results: results, credits: credits)
    case .ack:
      message = .ack(trialIDs: try r.ids())
    case .cancel:
      message = .cancel(trialID: try r.id())
    case .heartbeat:
      message = .heartbeat
    case .bye:
      message = .bye(reason: try r.string())
    case .drain:
      message = .drain
    case .unknownPeer:
      message = .unknownPeer
    case .started:
      message = .started(trialIDs: try r.ids())
    }
    guard r.isAtEnd else { throw ProtocolError(.invalid, "trailing bytes after \(tag) message") }
    return message
  }
}
