import Foundation
import Testing

@testable import OrbitSession

@Suite("Durations on the command line")
struct DurationTextTests {
  @Test func numbersAreSecondsAndUnitsAdd() {
    #expect(DurationText.seconds(parsing: "3600") == 3600)
    #expect(DurationText.seconds(parsing: "90s") == 90)
    #expect(DurationText.seconds(parsing: "90m") == 5400)
    #expect(DurationText.seconds(parsing: "1h30m") == 5400)
    #expect(DurationText.seconds(parsing: "2d") == 172_800)
    #expect(DurationText.seconds(parsing: "1.5h") == 5400)
  }

  @Test func anythingElseIsRefused() {
    for bad in ["", "h", "1x", "1h30", "inf", "nan", "1 h", "-"] {
      #expect(DurationText.seconds(parsing: bad) == nil, "\(bad)")
    }
  }
}

@Suite("The endpoint workers are told")
struct AdvertisedEndpointTests {
  @Test func aWildcardBindIsAdvertisedAsThisHostAndAnExplicitHostWins() {
    #expect(
      Endpoint.advertised("tcp://0.0.0.0:5555", host: nil, hostName: "node1") == "tcp://node1:5555")
    #expect(Endpoint.advertised("tcp://*:5555", host: nil, hostName: "node1") == "tcp://node1:5555")
    #expect(
      Endpoint.advertised("tcp://0.0.0.0:5555", host: "10.0.0.7") == "tcp://10.0.0.7:5555")
    #expect(Endpoint.advertised("tcp://127.0.0.1:41000", host: nil) == "tcp://127.0.0.1:41000")
    #expect(Endpoint.advertised("tcp://10.1.2.3:5555", host: "fd00::1") == "tcp://[fd00::1]:5555")
    #expect(Endpoint.advertised("ipc:///tmp/x", host: "a") == "ipc:///tmp/x")
  }

  @Test func theRunDirectoryHoldsTheEndpointOnOneLine() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "orbit-endpoint-\(UUID().uuidString.prefix(8))"
    ).path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try Endpoint.write("tcp://node1:5555", toRunDirectory: directory)
    #expect(
      try String(contentsOfFile: directory + "/endpoint", encoding: .utf8) == "tcp://node1:5555\n")
  }
}
