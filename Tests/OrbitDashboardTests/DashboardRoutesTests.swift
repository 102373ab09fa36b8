import Foundation
import Hummingbird
import HummingbirdTesting
import OrbitJournal
import OrbitSession
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitDashboard

/// The routes over a real journal file, without a socket: what the page and scripts receive.
@Suite struct DashboardRoutesTests {
  /// width × seed grid, loss = 10 · width^-0.5 (+ seed noise); `group: [opt]` makes two families.
  static let specText = """
    name: dash
    method: grid
    program: x.py
    metric: {name: loss, goal: minimize}
    parameters:
      width: {values: [8, 16, 32, 64]}
      opt: {values: [sgd, adam]}
      seed: {values: [0, 1]}
    analysis:
      x: [width]
      group: [opt]
      bootstrap: 50
    """

  /// Records every trial: ok, except the first, which failed with a message on stderr.
  static func journal(in sandbox: Sandbox, finished: Bool = true, allFailed: Bool = false) throws
    -> (Spec, String)
  {
    let spec = try Spec.parse(yaml: specText, fileName: "dash.yaml")
    let journal = try Journal(path: sandbox.path + "/journal.sqlite")
    let id = try journal.beginSweep(
      name: "dash", specPath: "dash.yaml", specText: specText, fingerprint: spec.fingerprint,
      trialCount: spec.trialCount, now: 1000)
    var entries: [JournalEntry] = []
    for index in 0..<spec.trialCount {
      let trial = spec.trial(at: index)
      guard case .object(let p) = try ParamValue.parseJSON(trial.paramsJSON),
        let width = p["width"]?.doubleValue, let seed = p["seed"]?.doubleValue
      else { continue }
      let factor = p["opt"] == "adam" ? 0.8 : 1.0
      let loss = factor * 10 * pow(width, -0.5) * (1 + 0.01 * seed)
      let failed = index == 0 || allFailed
      entries.append(
        JournalEntry(
          outcome: TrialOutcome(
            trialID: trial.id, index: index, attempt: 1, status: failed ? .failed : .ok,
            metricsJSON: failed ? "{}" : "{\"loss\":\(loss),\"cpu_seconds\":2}",
            wallSeconds: 3, startedAt: 1000 + Double(index),
            stderrTail: failed ? "boom\nCUDA OOM" : "",
            exitCode: failed ? 1 : 0),
          index: index, paramsJSON: trial.paramsJSON, workerID: index % 2 == 0 ? "w-a" : "w-b",
          finishedAt: 1003 + Double(index)))
    }
    _ = try journal.record(entries, sweepID: id)
    if finished { try journal.finishSweep(id: id, state: "finished", now: 1100) }
    try journal.close()
    return (spec, id)
  }

  static func object(_ reply: DashboardReply) throws -> [String: Any] {
    try #require(
      JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
      "not a JSON object: \(reply.body.prefix(200))")
  }

  func routes(_ sandbox: Sandbox, token: String? = nil, metrics: (@Sendable () -> String)? = nil)
    throws -> DashboardRoutes
  {
    DashboardRoutes(
      data: try DashboardData(runDirectory: sandbox.path), token: token, metrics: metrics)
  }

  @Test func sweepSaysWhatTheJournalHolds() async throws {
    let sandbox = try Sandbox()
    let (spec, id) = try Self.journal(in: sandbox)
    let reply = try await routes(sandbox).respond(
      path: "/api/sweep", query: [:], authorization: nil)
    #expect(reply.status == 200)
    let sweep = try Self.object(reply)
    #expect(sweep["id"] as? String == id)
    #expect(sweep["total"] as? Int == spec.trialCount)
    #expect(sweep["recorded"] as? Int == 16)
    #expect((sweep["counts"] as? [String: Int]) == ["ok": 15, "failed": 1])
    #expect(sweep["live"] as? Bool == false)
    #expect(sweep["trialSeconds"] as? Double == 48)
    #expect(sweep["cpuSeconds"] as? Double == 30)
    let best = try #require(sweep["best"] as? [String: Any])
    // The lowest loss: adam at width 64, seed 0.
    #expect(best["metric"] as? String == "loss")
    #expect(abs((best["value"] as? Double ?? 0) - 0.8 * 10 / 8) < 1e-12)
    #expect((best["params"] as? String)?.contains("\"width\":64") == true)
  }

  @Test func trialsArePagedSortedAndFilteredInTheJournal() async throws {
    let sandbox = try Sandbox()
    _ = try Self.journal(in: sandbox)
    let routes = try routes(sandbox)
    let page = try Self.object(
      await routes.respond(
        path: "/api/trials", query: ["sort": "-metric.loss", "offset": "2", "limit": "5"],
        authorization: nil))
    #expect(page["total"] as? Int == 16)
    let trials = try #require(page["trials"] as? [[String: Any]])
    #expect(trials.count == 5)
    let losses = trials.compactMap { ($0["metrics"] as? [String: Double])?["loss"] }
    #expect(losses == losses.sorted(by: >))
    #expect(losses.count == 5)
    // The failed trial has no loss: it sorts after every trial that has one, either way.
    let last = try Self.object(
      await routes.respond(
        path: "/api/trials", query: ["sort": "metric.loss", "offset": "15"], authorization: nil))
    #expect((last["trials"] as? [[String: Any]])?.first?["status"] as? String == "failed")

    let failed = try Self.object(
      await routes.respond(path: "/api/trials", query: ["status": "failed"], authorization: nil))
    #expect(failed["total"] as? Int == 1)
    let row = try #require((failed["trials"] as? [[String: Any]])?.first)
    #expect(row["message"] as? String == "CUDA OOM")

    let adam = try Self.object(
      await routes.respond(path: "/api/trials", query: ["family": "adam"], authorization: nil))
    #expect(adam["total"] as? Int == 8)
    let families = Set(
      ((adam["trials"] as? [[String: Any]]) ?? []).compactMap { $0["family"] as? String })
    #expect(families == ["adam"])
    let byWidth = try Self.object(
      await routes.respond(
        path: "/api/trials", query: ["sort": "-param.width", "limit": "3"], authorization: nil))
    let widths = ((byWidth["trials"] as? [[String: Any]]) ?? []).compactMap {
      ($0["params"] as? [String: Any])?["width"] as? Int
    }
    #expect(widths == [64, 64, 64])
  }

  @Test func badQueriesAre400sThatSayWhatIsAccepted() async throws {
    let sandbox = try Sandbox()
    _ = try Self.journal(in: sandbox)
    let routes = try routes(sandbox)
    let sort = try await routes.respond(
      path: "/api/trials", query: ["sort": "colour"], authorization: nil)
    #expect(sort.status == 400)
    #expect(sort.body.contains("param.NAME"))
    let status = try await routes.respond(
      path: "/api/trials", query: ["status": "okay"], authorization: nil)
    #expect(status.status == 400)
    #expect(status.body.contains("timeout"))
    let limit = try await routes.respond(
      path: "/api/trials", query: ["limit": "0"], authorization: nil)
    #expect(limit.status == 400)
    let missing = try await routes.respond(path: "/api/nothing", query: [:], authorization: nil)
    #expect(missing.status == 404)
    #expect(missing.body.contains("/api/sweep"))
  }

  @Test func aTrialIsFoundByAPrefixWithItsTails() async throws {
    let sandbox = try Sandbox()
    let (spec, _) = try Self.journal(in: sandbox)
    let routes = try routes(sandbox)
    let id = spec.trial(at: 0).id
    let reply = try await routes.respond(
      path: "/api/trials/\(id.short)", query: [:], authorization: nil)
    #expect(reply.status == 200)
    let trial = try Self.object(reply)
    #expect(trial["id"] as? String == id.hex)
    #expect(trial["stderrTail"] as? String == "boom\nCUDA OOM")
    #expect(trial["curve"] as? [Any] != nil)
    let unknown = try await routes.respond(
      path: "/api/trials/00000000", query: [:], authorization: nil)
    #expect(unknown.status == 404)
    let short = try await routes.respond(path: "/api/trials/ab", query: [:], authorization: nil)
    #expect(short.status == 404)
  }

  @Test func everyRequestNeedsTheTokenWhenOneIsSet() async throws {
    let sandbox = try Sandbox()
    _ = try Self.journal(in: sandbox)
    let routes = try routes(sandbox, token: "s3cret")
    for path in ["/", "/api/sweep", "/api/trials", "/metrics"] {
      #expect(try await routes.respond(path: path, query: [:], authorization: nil).status == 401)
      #expect(
        try await routes.respond(path: path, query: [:], authorization: "Bearer wrong").status
          == 401)
    }
    #expect(
      try await routes.respond(path: "/api/sweep", query: [:], authorization: "Bearer s3cret")
        .status == 200)
    #expect(
      try await routes.respond(path: "/api/sweep", query: ["token": "s3cret"], authorization: nil)
        .status
        == 200)
    #expect(!DashboardRoutes.constantTimeEqual("s3cret", "s3cre"))
  }

  @Test func metricsAreServedOnlyWithACoordinator() async throws {
    let sandbox = try Sandbox()
    _ = try Self.journal(in: sandbox)
    #expect(
      try await routes(sandbox).respond(path: "/metrics", query: [:], authorization: nil).status
        == 404)
    let export = PrometheusExport(recorded: [.ok: 15, .failed: 1])
    let served = try await routes(sandbox, metrics: { export.render() }).respond(
      path: "/metrics", query: [:], authorization: nil)
    #expect(served.status == 200)
    #expect(served.contentType.hasPrefix("text/plain"))
    #expect(served.body.contains(#"orbit_trials_total{status="ok"} 15"#))
    #expect(served.body.contains(#"orbit_trials_total{status="failed"} 1"#))
  }

  @Test func theLiveFigureHasOnePointPerOkTrialAndTheFits() async throws {
    let sandbox = try Sandbox()
    _ = try Self.journal(in: sandbox, finished: false)
    let data = try DashboardData(runDirectory: sandbox.path)
    let figures = try #require(
      JSONSerialization.jsonObject(
        with: Data(JSONDocument.encode(data.figures(waitingUpTo: 60)).utf8))
        as? [String: Any])
    #expect(figures["pending"] as? Bool == false)
    #expect(figures["families"] as? [String] == ["adam", "sgd"])
    let list = try #require(figures["figures"] as? [[String: Any]])
    #expect(list.count == 1)
    #expect(list.first?["axis"] as? String == "width")
    #expect(list.first?["points"] as? Int == 15)
    let svg = try #require(list.first?["svg"] as? String)
    #expect(svg.ranges(of: "class=\"point\"").count == 15)
    // Both families fitted: a band each.
    #expect(svg.ranges(of: "class=\"band\"").count == 2)
    // A running sweep is refitted with the live resample count, not the spec's.
    #expect(figures["resamples"] as? Int == 50)
  }

  static func figures(_ text: String) throws -> [String: Any] {
    try #require(
      JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text.prefix(200))")
  }

  @Test func beforeTheFirstFitThePageSaysWhetherItWaitsForATrialOrForTheFit() async throws {
    let sandbox = try Sandbox()
    _ = try Self.journal(in: sandbox, finished: false)
    let data = try DashboardData(runDirectory: sandbox.path)
    // The first request starts the first refit and returns before it: 15 ok trials are
    // recorded, so the page is told the fit is being computed, not to wait for an ok trial.
    let first = try Self.figures(JSONDocument.encode(data.figures()))
    #expect(first["pending"] as? Bool == true)
    #expect(first["ok"] as? Int == 15)
    let waiting = try #require(first["waiting"] as? String)
    #expect(waiting.hasPrefix("fitting 15 ok trials"))
    #expect(first["figures"] as? [Any] != nil && (first["figures"] as? [Any])!.isEmpty)
    // Then the fit itself.
    #expect(
      try Self.figures(JSONDocument.encode(data.figures(waitingUpTo: 60)))["pending"] as? Bool
        == false)

    // Only failures: waiting for the first ok trial, before and after a refit.
    let failed = try Sandbox("only-failures")
    _ = try Self.journal(in: failed, finished: false, allFailed: true)
    let none = try DashboardData(runDirectory: failed.path)
    for text in [
      JSONDocument.encode(none.figures()), JSONDocument.encode(none.figures(waitingUpTo: 60)),
    ] {
      let figures = try Self.figures(text)
      #expect(figures["pending"] as? Bool == true)
      #expect(figures["ok"] as? Int == 0)
      #expect(figures["waiting"] as? String == "waiting for the first ok trial")
    }
  }

  @Test func theWallTimeIsTheReportsUnionOfTheTrialsIntervals() async throws {
    let sandbox = try Sandbox()
    _ = try Self.journal(in: sandbox)
    // Trials ran over [1000 + i, 1003 + i] for i < 16: 18 s; the sweep's record says 1000 to
    // 1100 (start to end), which is not the time trials ran.
    let sweep = try Self.object(
      await routes(sandbox).respond(path: "/api/sweep", query: [:], authorization: nil))
    #expect(sweep["wallSeconds"] as? Double == 18)
    let report = try Reporting.report(runDirectory: sandbox.path, writeCSV: false)
    #expect(report.wallSeconds == 18)
    let fits = try Self.figures(try #require(sandbox.read("fits.json")))
    #expect((fits["sweep"] as? [String: Any])?["wall_seconds"] as? Double == 18)
  }

  @Test func aRunningSweepsWallTimeAddsItsCurrentRunUpToNow() async throws {
    let sandbox = try Sandbox()
    let (_, id) = try Self.journal(in: sandbox, finished: false)
    let journal = try Journal(path: sandbox.path + "/journal.sqlite")
    // A resumed run: its worker joined at 1050 and runs 2 trials; the live row is fresh.
    try journal.apply(
      [
        .workerJoined(id: "w-c", host: "h", pid: 1, slots: 2, gpus: "", now: 1050),
        .live(running: 2, queued: 0, workers: 1, now: 1059),
      ], sweepID: id)
    // Recorded trials: 18 s; the current run from 1050 to now (1060): 10 s more.
    #expect(try SweepOverview.read(journal, now: 1060).wallSeconds == 28)
    // Nothing running: only the recorded trials' time.
    try journal.apply([.live(running: 0, queued: 0, workers: 1, now: 1059)], sweepID: id)
    #expect(try SweepOverview.read(journal, now: 1060).wallSeconds == 18)
    try journal.close()
  }

  @Test func theUnionOfIntervalsMergesInAnyOrder() {
    var union = IntervalUnion()
    for (start, end) in [(5.0, 7.0), (0, 1), (0.5, 2), (6, 9), (3, 3), (10, 11), (2, 2.5)] {
      union.insert(start: start, end: end)
    }
    // [0, 2.5] ∪ [5, 9] ∪ [10, 11]
    #expect(union.seconds == 7.5)
    #expect(union.seconds(adding: 2, 6) == 7.5 + 2.5)
    #expect(union.seconds(adding: 20, 21) == 8.5)
    #expect(Reporting.unionSeconds([(1, 4), (2, 3), (5, 6)]) == 4)
  }

  /// One row a hand or an old version wrote badly (its metrics not JSON, another's params not
  /// an object): every page and endpoint still answers 200, the bad rows are flagged (counted
  /// on /api/sweep, marked in /api/trials and their detail), and the other trials are served
  /// and fitted as before (issue 25: one bad row made every `orbit serve` page 500).
  @Test func aRowThatDoesNotDecodeIsFlaggedAndEverythingElseIsServed() async throws {
    let sandbox = try Sandbox()
    let (spec, _) = try Self.journal(in: sandbox)
    let bad = spec.trial(at: 5).id.hex
    let odd = spec.trial(at: 6).id.hex
    let sqlite = Process()
    sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    sqlite.arguments = [
      sandbox.path + "/journal.sqlite",
      "UPDATE trials SET metrics = '{\"loss\": 0.4,' WHERE id = '\(bad)';"
        + "UPDATE trials SET params = '{\"width\" 8}' WHERE id = '\(odd)';",
    ]
    try sqlite.run()
    sqlite.waitUntilExit()
    #expect(sqlite.terminationStatus == 0)
    let routes = try routes(sandbox)
    for path in [
      "/", "/api/sweep", "/api/workers", "/api/timeline", "/api/trials", "/api/errors",
      "/api/figures", "/api/fits", "/api/curves", "/api/trials/\(bad)",
    ] {
      let reply = try await routes.respond(path: path, query: [:], authorization: nil)
      #expect(reply.status == 200, "\(path): \(reply.status) \(reply.body.prefix(300))")
    }
    for sort in ["metric.loss", "param.width"] {
      let reply = try await routes.respond(
        path: "/api/trials", query: ["sort": sort], authorization: nil)
      #expect(reply.status == 200, "sorted by \(sort): \(reply.body.prefix(300))")
    }
    let family = try await routes.respond(
      path: "/api/trials", query: ["family": "adam"], authorization: nil)
    #expect(family.status == 200, "\(family.body.prefix(300))")
    let sweep = try Self.object(
      await routes.respond(path: "/api/sweep", query: [:], authorization: nil))
    #expect(sweep["unreadable"] as? Int == 2)
    #expect(Set(sweep["unreadableTrials"] as? [String] ?? []) == [bad, odd])
    #expect(sweep["recorded"] as? Int == spec.trialCount)
    let page = try Self.object(
      await routes.respond(path: "/api/trials", query: ["limit": "100"], authorization: nil))
    let rows = try #require(page["trials"] as? [[String: Any]])
    #expect(rows.count == spec.trialCount)
    let flagged = rows.filter { $0["unreadable"] as? Bool == true }.compactMap {
      $0["id"] as? String
    }
    #expect(Set(flagged) == [bad, odd])
    let detail = try Self.object(
      await routes.respond(path: "/api/trials/\(bad)", query: [:], authorization: nil))
    #expect(detail["unreadable"] as? Bool == true)
    #expect((detail["unreadableText"] as? String)?.contains("0.4,") == true)
    let html = try await routes.respond(path: "/", query: [:], authorization: nil).body
    #expect(html.contains("unreadable rows"))
  }

  /// A family is filtered by its group columns' typed values as the journal holds them (a
  /// float, a boolean), found by the label `/api/figures` lists — never by parsing the label.
  @Test func familiesAreFilteredByTheirTypedValues() async throws {
    let sandbox = try Sandbox()
    let text = """
      name: fam
      method: grid
      program: x.py
      metric: {name: loss, goal: minimize}
      parameters:
        width: {values: [8, 16]}
        lr: {values: [0.003, 0.01]}
        aug: {values: [true, false]}
      analysis:
        x: [width]
        group: [lr, aug]
      """
    let spec = try Spec.parse(yaml: text, fileName: "fam.yaml")
    let journal = try Journal(path: sandbox.path + "/journal.sqlite")
    let id = try journal.beginSweep(
      name: "fam", specPath: "fam.yaml", specText: text, fingerprint: spec.fingerprint,
      trialCount: spec.trialCount, now: 1000)
    _ = try journal.record(
      (0..<spec.trialCount).map { index in
        let trial = spec.trial(at: index)
        return JournalEntry(
          outcome: TrialOutcome(
            trialID: trial.id, index: index, attempt: 1, status: .ok,
            metricsJSON: "{\"loss\":\(1 + Double(index))}", wallSeconds: 1,
            startedAt: 1000 + Double(index), stderrTail: "", exitCode: 0),
          index: index, paramsJSON: trial.paramsJSON, workerID: "w", finishedAt: 1001)
      }, sweepID: id)
    #expect(
      try journal.distinctParameterValues(["lr", "aug"]).count == 4)
    try journal.close()
    let routes = try routes(sandbox)
    for (label, total) in [("0.003 / True", 2), ("0.01 / False", 2), ("all", 8), ("0.5 / True", 0)]
    {
      let page = try Self.object(
        await routes.respond(path: "/api/trials", query: ["family": label], authorization: nil))
      #expect(page["total"] as? Int == total, "\(label)")
      let families = Set(
        ((page["trials"] as? [[String: Any]]) ?? []).compactMap { $0["family"] as? String })
      #expect(
        families
          == (total == 0
            ? []
            : label == "all"
              ? ["0.003 / True", "0.003 / False", "0.01 / True", "0.01 / False"] : [label]),
        "\(label)")
    }
  }

  /// Stored text a program wrote (quotes, `</script>`, unicode) is served inside valid JSON and
  /// reads back as it was.
  @Test func hostileStoredTextIsServedAsValidJSON() async throws {
    let sandbox = try Sandbox()
    let (spec, _) = try Self.journal(in: sandbox)
    let id = spec.trial(at: 3).id.hex
    let note = #"</script><b>"quoted" \ ☃ 𝄞"#
    let sqlite = Process()
    sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    let escapedNote = note.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
      of: "\"", with: "\\\"")
    sqlite.arguments = [
      sandbox.path + "/journal.sqlite",
      "UPDATE trials SET metrics = '{\"loss\":0.5,\"note\":\"\(escapedNote)\"}', "
        + "stderr_tail = '\(note.replacingOccurrences(of: "'", with: "''"))' WHERE id = '\(id)';",
    ]
    try sqlite.run()
    sqlite.waitUntilExit()
    #expect(sqlite.terminationStatus == 0)
    let detail = try Self.object(
      try await routes(sandbox).respond(path: "/api/trials/\(id)", query: [:], authorization: nil))
    #expect((detail["metrics"] as? [String: Any])?["note"] as? String == note)
    #expect(detail["stderrTail"] as? String == note)
    #expect(detail["unreadable"] == nil)
  }
}

/// What a request through the dashboard's router answered.
struct DashboardReply: Sendable {
  var status: Int
  var contentType: String
  var body: String
}

extension DashboardRoutes {
  /// `GET path?query` through Hummingbird's router test client: the routes and middleware as
  /// served, without a socket.
  func respond(path: String, query: [String: String], authorization: String?) async throws
    -> DashboardReply
  {
    var components = URLComponents()
    components.path = path
    if !query.isEmpty {
      components.queryItems = query.sorted { $0.key < $1.key }.map {
        URLQueryItem(name: $0.key, value: $0.value)
      }
    }
    var fields = HTTPFields()
    if let authorization { fields[.authorization] = authorization }
    let headers = fields
    let app = Application(router: router())
    let uri = components.percentEncodedQuery.map { path + "?" + $0 } ?? path
    return try await app.test(.router) { client in
      try await client.execute(uri: uri, method: .get, headers: headers) { response in
        DashboardReply(
          status: Int(response.status.code), contentType: response.headers[.contentType] ?? "",
          body: String(buffer: response.body))
      }
    }
  }
}
