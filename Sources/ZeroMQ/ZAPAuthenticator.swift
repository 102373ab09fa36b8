import CZeroMQ
import Foundation
import Synchronization

/// A ZAP handler (RFC 27) admitting CURVE clients whose public key is in an allow-list.
///
/// libzmq asks `inproc://zeromq.zap.01` of the socket's context about every handshake on a
/// CURVE server socket; this answers on a thread of its own until `stop()`. Start it before the
/// server socket binds.
public final class ZAPAuthenticator: Sendable {
  /// Z85 public key → the name a client with it is known by (the ZAP User-Id).
  private let allowed: Mutex<[String: String]>
  private let running = Mutex(true)
  private let finished = DispatchSemaphore(value: 0)
  private let denials = Mutex<[String]>([])

  /// - Parameter allowedKeys: Z85 public keys of the clients to admit, with the name each is
  ///   known by (its User-Id on every message it sends).
  public init(context: ZMQContext, allowedKeys: [String: String]) throws(ZMQError) {
    allowed = Mutex(allowedKeys)
    // The REP socket moves to the handler thread, which alone uses and closes it.
    nonisolated(unsafe) let handler = try ZMQSocket(context, type: .rep)
    try handler.bind("inproc://zeromq.zap.01")
    let thread = Thread { [self] in
      while running.withLock({ $0 }) {
        guard (try? handler.waitForInput(timeoutMilliseconds: 100)) == true,
          let request = try? handler.receive(dontWait: true)
        else { continue }
        _ = try? handler.send(reply(to: request))
      }
      handler.close()
      finished.signal()
    }
    thread.name = "orbit-zap"
    thread.start()
  }

  /// Public keys refused so far (for a log line); never the secret ones, which never arrive here.
  public var refusedKeys: [String] { denials.withLock { $0 } }

  /// The public keys refused since the last call (for a log line each).
  public func takeRefusals() -> [String] {
    denials.withLock { d in
      defer { d.removeAll() }
      return d
    }
  }

  /// Admits exactly these keys from now on (connections already admitted are the caller's to
  /// drop: ZAP is asked only at a handshake).
  public func replaceAllowed(_ keys: [String: String]) {
    allowed.withLock { $0 = keys }
  }

  public func stop() {
    running.withLock { $0 = false }
    finished.wait()
  }

  /// The ZAP reply: version, request id, status code, status text, user id, metadata.
  func reply(to request: [[UInt8]]) -> [[UInt8]] {
    // Request: version, request id, domain, address, routing id, mechanism, credentials…
    guard request.count >= 6, request[0] == Array("1.0".utf8) else {
      return [
        Array("1.0".utf8), request.count > 1 ? request[1] : [], Array("500".utf8),
        Array("malformed ZAP request".utf8), [], [],
      ]
    }
    let requestID = request[1]
    let mechanism = String(decoding: request[5], as: UTF8.self)
    var admitted = false
    var key = ""
    var name = ""
    if mechanism == "CURVE", request.count >= 7, let z85 = ZMQCurveKeypair.z85(request[6]) {
      key = z85
      if let known = allowed.withLock({ $0[z85] }) {
        admitted = true
        name = known
      }
    }
    if !admitted { denials.withLock { $0.append(key.isEmpty ? "(\(mechanism))" : key) } }
    return [
      Array("1.0".utf8), requestID, Array((admitted ? "200" : "400").utf8),
      Array((admitted ? "OK" : "key not in the allow-list").utf8), Array(name.utf8), [],
    ]
  }
}
