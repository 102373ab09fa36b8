import CZeroMQ
import Testing

@testable import ZeroMQ

@Suite("ZeroMQ wrapper over real loopback sockets")
struct ZMQSocketTests {
  @Test func routerDealerRoundTripOnAPickedPort() throws {
    let context = try ZMQContext()
    let router = try ZMQSocket(context, type: .router)
    let dealer = try ZMQSocket(context, type: .dealer)
    defer {
      dealer.close()
      router.close()
    }
    try router.bind("tcp://127.0.0.1:*")
    let endpoint = router.lastEndpoint
    #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
    #expect(!endpoint.hasSuffix(":*"))
    try dealer.set(.routingID(Array("w1".utf8)))
    try dealer.connect(endpoint)

    try dealer.send([[1, 2, 3], []])
    #expect(try router.waitForInput(timeoutMilliseconds: 5000))
    let received = try #require(try router.receive())
    #expect(received == [Array("w1".utf8), [1, 2, 3], []])

    try router.send([Array("w1".utf8), [9]])
    #expect(try dealer.waitForInput(timeoutMilliseconds: 5000))
    #expect(try dealer.receive() == [[9]])
  }

  @Test func nonBlockingReceiveOnEmptySocketReturnsNil() throws {
    let context = try ZMQContext()
    let dealer = try ZMQSocket(context, type: .dealer)
    defer { dealer.close() }
    #expect(try dealer.receive(dontWait: true) == nil)
    #expect(try dealer.waitForInput(timeoutMilliseconds: 10) == false)
  }

  @Test func oversizedMessagesAreDroppedByMaxMessageSize() throws {
    let context = try ZMQContext()
    let router = try ZMQSocket(context, type: .router)
    let dealer = try ZMQSocket(context, type: .dealer)
    defer {
      dealer.close()
      router.close()
    }
    try router.set(.maxMessageBytes(1024))
    try router.bind("tcp://127.0.0.1:*")
    try dealer.connect(router.lastEndpoint)
    try dealer.send([[UInt8](repeating: 7, count: 4096)])
    // libzmq disconnects a peer that sends an oversized frame; the message never arrives.
    #expect(try router.waitForInput(timeoutMilliseconds: 300) == false)
  }

  @Test func bindingABadEndpointThrowsAnErrorNamingIt() throws {
    let context = try ZMQContext()
    let router = try ZMQSocket(context, type: .router)
    defer { router.close() }
    #expect {
      try router.bind("tcp://256.0.0.1:1")
    } throws: { error in
      (error as? ZMQError)?.description.contains("tcp://256.0.0.1:1") == true
    }
  }

  @Test func curveKeypairIsZ85() throws {
    let pair = try ZMQCurveKeypair.generate()
    #expect(pair.publicKey.count == 40)
    #expect(pair.secretKey.count == 40)
    #expect(pair.publicKey != pair.secretKey)
  }
}
