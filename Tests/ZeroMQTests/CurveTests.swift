import CZeroMQ
import Testing

@testable import ZeroMQ

@Suite("CurveZMQ with a ZAP allow-list, over real loopback sockets")
struct CurveTests {
  @Test func allowedClientTalksAndUnknownClientIsRefused() throws {
    let context = try ZMQContext()
    let server = try ZMQCurveKeypair.generate()
    let friend = try ZMQCurveKeypair.generate()
    let stranger = try ZMQCurveKeypair.generate()
    let zap = try ZAPAuthenticator(context: context, allowedKeys: [friend.publicKey: "friend"])
    let router = try ZMQSocket(context, type: .router)
    try router.makeCurveServer(server)
    try router.bind("tcp://127.0.0.1:*")
    let endpoint = router.lastEndpoint

    let good = try ZMQSocket(context, type: .dealer)
    try good.makeCurveClient(friend, serverKey: server.publicKey)
    try good.connect(endpoint)
    try good.send([[42]])
    #expect(try router.waitForInput(timeoutMilliseconds: 5000))
    #expect(try router.receive()?.last == [42])

    let bad = try ZMQSocket(context, type: .dealer)
    try bad.makeCurveClient(stranger, serverKey: server.publicKey)
    try bad.connect(endpoint)
    try bad.send([[13]], dontWait: true)
    #expect(try router.waitForInput(timeoutMilliseconds: 700) == false)
    #expect(zap.refusedKeys.contains(stranger.publicKey))
    #expect(!zap.refusedKeys.contains(friend.publicKey))

    let plain = try ZMQSocket(context, type: .dealer)
    try plain.connect(endpoint)
    try plain.send([[7]], dontWait: true)
    #expect(try router.waitForInput(timeoutMilliseconds: 500) == false)

    for socket in [good, bad, plain, router] { socket.close() }
    zap.stop()
  }

  @Test func publicKeyIsDerivedFromTheSecretAndBadKeysAreRejected() throws {
    let pair = try ZMQCurveKeypair.generate()
    #expect(ZMQCurveKeypair.publicKey(ofSecret: pair.secretKey) == pair.publicKey)
    #expect(ZMQCurveKeypair.publicKey(ofSecret: "short") == nil)
    #expect(!pair.description.contains(pair.secretKey))
  }
}
