// Writes real frames of every message type: the fuzzer's seed corpus.
import Foundation

@main
struct MakeCorpus {
  static func main() throws {
    let dir = CommandLine.arguments[1]
    let id = String(repeating: "ab", count: 32)
    let outcome = TrialOutcome(
      trialID: id, index: 3, attempt: 1, status: .ok, metricsJSON: #"{"loss":0.25,"acc":[1,2]}"#,
      wallSeconds: 1.5, startedAt: 1.7e9, stderrTail: "", exitCode: 0)
    let messages: [Message] = [
      .hello(
        Hello(
          workerID: "w1", host: "node", pid: 7, slots: 8, runners: ["core", "command"],
          orbitVersion: "0.2", holding: [id])),
      .welcome(
        Welcome(
          sweepID: "s", heartbeatIntervalMilliseconds: 1000, liveness: 5, specText: "method: grid",
          specFileName: "s.yaml")),
      .reject(reason: "no"), .ready(credits: 4),
      .task([
        TaskAssignment(
          trialID: id, index: 3, attempt: 1, paramsJSON: #"{"lr":0.1}"#,
          leaseToken: LeaseToken(Array(repeating: 9, count: LeaseToken.byteCount)))
      ]),
      .progress(TrialProgress(trialID: id, index: 3, attempt: 1, step: 10, metricsJSON: "{}")),
      .result(
        sweepID: "s",
        results: [
          ResultReport(
            outcome: outcome, leaseToken: LeaseToken(Array(repeating: 1, count: LeaseToken.byteCount)))
        ], credits: 1),
      .ack(trialIDs: [id]), .cancel(trialID: id), .heartbeat, .bye(reason: "done"), .drain,
      .unknownPeer, .started(trialIDs: [id]),
    ]
    for (i, m) in messages.enumerated() {
      try Data(MessageCodec.encode(m)).write(to: URL(fileURLWithPath: "\(dir)/frame-\(i)"))
    }
    print("wrote \(messages.count) frames to \(dir)")
  }
}
