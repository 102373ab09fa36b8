import Testing
import ZeroMQ

/// The loops' one wake primitive: readable from a signal until cleared, however many signals.
@Suite struct WakeSignalTests {
  @Test func aSignalPollsReadableUntilClearedAndSignalsCoalesce() throws {
    let wake = WakeSignal()
    func readable() throws -> Bool {
      try ZMQPoller.poll([], fileDescriptors: [wake.fileDescriptor], timeoutMilliseconds: 0)
        .fileDescriptors[0]
    }
    #expect(try !readable())
    // More signals than the pipe holds: still one readable descriptor, never a blocked signaller.
    for _ in 0..<100_000 { wake.signal() }
    #expect(try readable())
    wake.clear()
    #expect(try !readable())
  }

  @Test func waitReturnsOnASignalOrTheTimeoutAndTakesTheSignal() throws {
    let wake = WakeSignal()
    wake.signal()
    let start = ContinuousClock.now
    wake.wait(timeoutMilliseconds: 10_000)
    #expect(ContinuousClock.now - start < .seconds(5))
    let quiet = ContinuousClock.now
    wake.wait(timeoutMilliseconds: 50)
    #expect(ContinuousClock.now - quiet >= .milliseconds(40))
  }
}
