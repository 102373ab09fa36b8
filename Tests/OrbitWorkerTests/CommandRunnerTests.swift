import Foundation
import OrbitProtocol
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitWorker

@Suite("Command runner metrics parsing")
struct CommandRunnerTests {
  @Test func resultFileWinsOverStdout() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "orbit-result-\(UUID()).json"
    ).path
    try #"{"loss": 0.25}"#.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(CommandRunner.metrics(resultPath: path, stdout: #"{"loss": 9}"#) == #"{"loss":0.25}"#)
  }

  @Test func lastJSONObjectLineOfStdoutIsTheMetrics() {
    let stdout = "epoch 1\n{\"loss\": 2}\nnot json {\n{\"loss\": 1, \"acc\": 0.5}\nbye\n[1, 2]\n"
    #expect(
      CommandRunner.metrics(resultPath: "/nonexistent", stdout: stdout) == #"{"acc":0.5,"loss":1}"#)
  }

  @Test func noMetricsIsAnEmptyObject() {
    #expect(CommandRunner.metrics(resultPath: "/nonexistent", stdout: "hello\n") == "{}")
  }

  @Test func metricsJSONWritesNonFiniteAsNull() {
    let m: [String: Double] = ["a": 1.5, "b": .nan, "c": .infinity]
    #expect(m.metricsJSON == #"{"a":1.5,"b":null,"c":null}"#)
  }
}
