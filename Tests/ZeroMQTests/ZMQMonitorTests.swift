import Testing

@testable import ZeroMQ

@Suite("Connection events of a ROUTER")
struct ZMQMonitorTests {
  @Test func aClosedPeerConnectionIsReportedOnTheDescriptorItsMessagesCameFrom() throws {
    let context = try ZMQContext()
    let router = try ZMQSocket(context, type: .router)
    let monitor = try ZMQMonitor(router, context: context)
    try router.bind("tcp://127.0.0.1:0")
    let dealer = try ZMQSocket(context, type: .dealer)
    try dealer.connect(router.lastEndpoint)
    try dealer.send([[1, 2, 3]])
    #expect(try router.waitForInput(timeoutMilliseconds: 5000))
    let received = try #require(try router.receiveWithSource(dontWait: true))
    #expect(received.frames.last == [1, 2, 3])
    #expect(received.sourceFD >= 0)
    dealer.close()
    var events: [ZMQConnectionEvent] = []
    for _ in 0..<250 where !events.contains(.disconnected(fd: received.sourceFD)) {
      _ = try ZMQPoller.poll([monitor.socket], timeoutMilliseconds: 20)
      while let e = try monitor.next() { events.append(e) }
    }
    #expect(events.contains(.accepted(fd: received.sourceFD)))
    #expect(events.contains(.disconnected(fd: received.sourceFD)))
    monitor.close()
    router.close()
  }
}
