import Foundation
import OrbitAnalysis
import OrbitJournal
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitSession

@Suite("trials.csv")
struct TrialsCSVTests {
  /// Mixed statuses, a metric some trials lack, parameters of every JSON kind (nested, null,
  /// bools, text with commas, quotes and line breaks), a metric named like a parameter.
  static let mixed: [TrialRecord] = [
    record(
      "t0", index: 0, params: #"{"b":"x,y","a":1,"model.kind":"mlp"}"#,
      metrics: #"{"loss":0.5,"n_params":1200}"#),
    record(
      "t1", index: 1, params: #"{"a":2,"b":"say \"hi\"","nested":{"k":[1,2.5,"z"]}}"#,
      status: .failed, attempt: 2, worker: "node-7", metrics: "{}", stderr: "Traceback",
      exitCode: 3),
    record(
      "t2", index: 2, params: #"{"a":3,"b":"two\nlines","flag":true,"none":null}"#,
      status: .timeout, wallSeconds: 60),
    record(
      "t3", index: 3, params: #"{"a":4.5,"b":"cr\rlf\r\nend","flag":false}"#, status: .diverged,
      metrics: #"{"loss":1e300,"a":7,"status":"x"}"#),
    record("t4", index: 4, params: #"{"a":-1,"b":""}"#, status: .lost, metrics: "not json"),
    record(
      "t5", index: 5, params: #"{"a":0,"b":"ü, ✓"}"#, status: .cancelled,
      metrics: #"{"loss":"line\r\nbreak"}"#, exitCode: -9),
  ]

  @Test func headerIsTheFixedColumnsThenSortedParametersThenSortedMetrics() {
    let csv = TrialsCSV.render(Self.mixed)
    let header = csv.prefix { $0 != "\n" }
    #expect(
      header
        == "trial_id,index,status,attempt,worker,wall_seconds,exit_code,trial_dir,"
        + "a,b,flag,model.kind,nested,none,metric.a,loss,n_params,metric.status")
  }

  @Test func rowsFormatEachKindOfValue() throws {
    let lines = TrialsCSV.render([Self.mixed[0], Self.mixed[1], Self.mixed[2]])
      .split(separator: "\n", omittingEmptySubsequences: false)
    let t0: TrialID = "t0"
    let t1: TrialID = "t1"
    // Ints and doubles as written, text verbatim unless it needs quotes, missing cells empty.
    #expect(
      lines[1] == "\(t0.hex),0,ok,1,w1,1.5,,trials/\(t0.hex)/attempt-1,1,\"x,y\",,mlp,,,0.5,1200")
    // Nested values as canonical JSON (quoted: it holds commas and quotes), exit code shown.
    #expect(
      lines[2]
        == "\(t1.hex),1,failed,2,node-7,1.5,3,trials/\(t1.hex)/attempt-2,2,\"say \"\"hi\"\"\",,,"
        + #""{""k"":[1,2.5,""z""]}",,,"#)
    // Booleans as Python writes them, null as empty, a line break inside a quoted field.
    #expect(lines[3].contains(",timeout,1,w1,60.0,,trials/"))
    #expect(lines[3].hasSuffix("/attempt-1,3,\"two"))
    #expect(lines[4] == "lines\",True,,,,,")
    #expect(lines.count == 6)
    #expect(lines[5] == "")
  }

  @Test func everyStatusIsWrittenAsItsName() throws {
    let records = TrialStatus.allCases.enumerated().map { i, status in
      record("s\(i)", index: i, status: status)
    }
    let table = try Table.parseCSV(TrialsCSV.render(records))
    #expect(table.strings("status") == TrialStatus.allCases.map(\.rawValue))
    #expect(table.strings("index") == records.indices.map(String.init))
  }

  @Test func fieldsWithCommasQuotesOrLineBreaksAreQuotedAndReadBackIntact() throws {
    let texts = [
      "a,b", #"say "hi""#, "two\nlines", "cr\rret", "crlf\r\nend", "\"\u{301} accent", "plain", "",
    ]
    let records = texts.enumerated().map { i, text in
      record("q\(i)", index: i, params: ParamValue.object(["text": .string(text)]).canonicalJSON)
    }
    let csv = TrialsCSV.render(records)
    #expect(csv.contains(",\"say \"\"hi\"\"\"\n"))
    #expect(csv.contains(",plain\n"))
    let table = try Table.parseCSV(csv)
    #expect(table.rows.count == texts.count)
    #expect(table.strings("text") == texts)
  }

  @Test func aMetricNamedLikeAParameterOrAFixedColumnKeepsBoth() throws {
    let table = try Table.parseCSV(
      TrialsCSV.render([
        record(
          "m", params: #"{"lr":0.1}"#, attempt: 4, metrics: #"{"lr":0.2,"attempt":9,"loss":1}"#)
      ]))
    #expect(table.strings("lr") == ["0.1"])
    #expect(table.strings("metric.lr") == ["0.2"])
    #expect(table.strings("attempt") == ["4"])
    #expect(table.strings("metric.attempt") == ["9"])
    #expect(table.strings("loss") == ["1"])
  }

  @Test func noTrialsIsTheFixedHeaderAlone() {
    #expect(
      TrialsCSV.render([])
        == "trial_id,index,status,attempt,worker,wall_seconds,exit_code,trial_dir\n")
  }

  /// The analysis reads the records, not the CSV text: the two must never drift apart.
  @Test func tableFromRecordsIsTheCSVReadBack() throws {
    let built = TrialsCSV.table(Self.mixed)
    let parsed = try Table.parseCSV(TrialsCSV.render(Self.mixed))
    #expect(built == parsed)
    #expect(built.rows.count == Self.mixed.count)
    #expect(built.columns.count == 18)
    #expect(built.strings("b")[3] == "cr\rlf\r\nend")
    #expect(TrialsCSV.table([]) == (try Table.parseCSV(TrialsCSV.render([]))))
  }

  @Test func writeStreamsWhatRenderMakesFromTheJournal() throws {
    let sandbox = try Sandbox()
    let text = commandSpecText(values: [1, 2, 3])
    try recordSweep(in: sandbox.path, specText: text) { spec in
      [
        entry(spec.trial(at: 0), metrics: #"{"loss":0.5,"note":"a,b"}"#),
        entry(spec.trial(at: 2), .failed, stderr: "boom", exitCode: 2),
      ]
    }
    let journal = try Journal(path: sandbox.path + "/journal.sqlite", readOnly: true)
    try TrialsCSV.write(journal: journal, to: sandbox.path + "/trials.csv")
    let written = try #require(sandbox.read("trials.csv"))
    #expect(written == TrialsCSV.render(try journal.trials()))
    #expect(written.split(separator: "\n").count == 3)
    #expect(written.contains(#","a,b""#))
    #expect(!sandbox.exists("trials.csv.part"))
  }
}
