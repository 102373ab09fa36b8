import Foundation
import OrbitJournal
import OrbitTesting
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The chromium binary, if installed (Debian `chromium`; scripts/install-deps installs it).
private let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
  FileManager.default.isExecutableFile(atPath: $0)
}

/// One blocking HTTP GET: (status, body).
func httpGet(_ url: String, token: String? = nil) -> (status: Int, body: String) {
  var request = URLRequest(url: URL(string: url)!)
  request.timeoutInterval = 20
  if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
  let done = DispatchSemaphore(value: 0)
  nonisolated(unsafe) var result = (0, "")
  URLSession.shared.dataTask(with: request) { data, response, _ in
    result = (
      (response as? HTTPURLResponse)?.statusCode ?? 0,
      data.map { String(decoding: $0, as: UTF8.self) } ?? ""
    )
    done.signal()
  }.resume()
  done.wait()
  return result
}

/// `path` under a dashboard URL as printed (`http://HOST:PORT/?token=…`), token kept.
func at(_ base: String, _ path: String) -> String {
  guard let question = base.firstIndex(of: "?") else { return base + path }
  return String(base[..<question]) + path + String(base[question...])
}

func jsonObject(_ text: String) -> [String: Any] {
  (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
}

/// The value of a sample line `name{labels} value` in Prometheus text, or nil.
func sample(_ text: String, _ series: String) -> Double? {
  for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
    return Double(line.dropFirst(series.count + 1))
  }
  return nil
}

extension RealProcesses {
  /// The dashboard served by real `orbit run` and `orbit serve` processes on loopback, read by
  /// an HTTP client and by headless Chromium.
  @Suite("Live dashboard over real processes", .serialized)
  struct DashboardTests {
    /// A trial that takes ~0.4 s: loss = 10 · n^-0.5 + seed noise, learning-curve points too.
    static let script = """
      import json, sys, time
      args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
      n = int(args["n"]); seed = int(args["seed"])
      for step in (1, 2, 4):
          print(f"PROGRESS {json.dumps({'step': step, 'loss': 10 * n ** -0.5 * (1 + 1 / step)})}", flush=True)
          time.sleep(0.13)
      print(json.dumps({"loss": 10 * n ** -0.5 * (1 + 0.01 * seed), "n": n}))
      """

    static let spec = """
      name: live-dash
      method: grid
      program: trial.py
      metric: {name: loss, goal: minimize}
      parameters:
        n: {values: [4, 8, 16, 32, 64, 128]}
        seed: {values: [0, 1, 2, 3, 4]}
      analysis:
        x: [n]
        seed: seed
        bootstrap: 100
      """

    static func url(in stdout: String) -> String? {
      stdout.split(separator: "\n").first { $0.hasPrefix("orbit: dashboard ") }
        .map { String($0.dropFirst("orbit: dashboard ".count)) }
    }

    /// The dashboard URL `process` prints (`orbit run`, `orbit serve`), once it has printed it.
    static func dashboardURL(of process: OrbitProcess) throws -> String {
      var found: String?
      _ = OrbitProcess.eventually(timeout: 30) {
        found = url(in: process.stdout)
        return found != nil
      }
      return try #require(found, "no dashboard URL in: \(process.stdout)")
    }

    static func chromeDOM(_ url: String) throws -> String {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: chromium!)
      // A fixed window; the virtual-time budget lets the page's scripts fetch and render.
      process.arguments = [
        "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,2000",
        "--virtual-time-budget=4000", "--dump-dom", url,
      ]
      let out = Pipe()
      process.standardOutput = out
      process.standardError = FileHandle.nullDevice
      try process.run()
      let data = out.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return String(decoding: data, as: UTF8.self)
    }

    /// The number in `<span id="recorded">N</span>` of a dumped DOM.
    static func recorded(inDOM dom: String) -> Int? {
      guard let start = dom.range(of: "<span id=\"recorded\">") else { return nil }
      return Int(dom[start.upperBound...].prefix { $0.isNumber })
    }

    func okCount(_ sandbox: Sandbox) -> Int {
      let journal = try? Journal(path: sandbox.path + "/run/journal.sqlite", readOnly: true)
      return (try? journal?.statusCounts())??["ok"] ?? 0
    }

    @Test(
      .timeLimit(.minutes(4)),
      .enabled(if: chromium != nil, "Debian chromium is not installed: apt-get install chromium"))
    func theDashboardFollowsARealSweepInChromium() throws {
      let sandbox = try Sandbox()
      try sandbox.write("trial.py", Self.script)
      try sandbox.write("sweep.yaml", Self.spec)
      let run = try OrbitProcess(
        ["run", "sweep.yaml", "--workers", "1", "--slots", "2", "--run-dir", "run", "--no-report"],
        in: sandbox.path)
      defer { _ = run.wait(timeout: 0) }
      let base = try Self.dashboardURL(of: run)
      // The URL is the first line orbit run prints.
      #expect(run.stdout.hasPrefix("orbit: dashboard http://127.0.0.1:"))
      #expect(OrbitProcess.eventually(timeout: 60) { okCount(sandbox) >= 4 })

      // The API agrees with the journal read around it.
      let before = okCount(sandbox)
      let sweep = jsonObject(httpGet(at(base, "api/sweep")).body)
      let after = okCount(sandbox)
      let ok = (sweep["counts"] as? [String: Int])?["ok"] ?? -1
      #expect(before <= ok && ok <= after, "api \(ok), journal \(before)…\(after)")
      #expect(sweep["name"] as? String == "live-dash")
      #expect(sweep["total"] as? Int == 30)
      #expect(sweep["live"] as? Bool == true)
      #expect(sweep["workersConnected"] as? Int == 1)
      let workers = httpGet(at(base, "api/workers")).body
      #expect(workers.contains("\"slots\":2"))
      // orbit status asks the coordinator's API (RUN_DIR/dashboard) rather than the journal.
      let liveStatus = try OrbitProcess.run(["status", "run"], in: sandbox.path)
      #expect(liveStatus.code == 0)
      #expect(liveStatus.stdout.contains("(from the coordinator's dashboard at http://127.0.0.1:"))
      #expect(liveStatus.stdout.contains("1 connected now · 1 seen"))
      let remote = try OrbitProcess.run(["status", base, "--json"], in: sandbox.path)
      #expect(jsonObject(remote.stdout)["name"] as? String == "live-dash")

      // /metrics: counters move while trials land.
      let first = httpGet(at(base, "metrics")).body
      let firstOK = try #require(sample(first, #"orbit_trials_total{status="ok"}"#), "\(first)")
      #expect(OrbitProcess.eventually(timeout: 60) { okCount(sandbox) >= Int(firstOK) + 3 })
      let second = httpGet(at(base, "metrics")).body
      let secondOK = try #require(sample(second, #"orbit_trials_total{status="ok"}"#))
      #expect(secondOK > firstOK)
      #expect((sample(second, "orbit_dispatches_total") ?? 0) >= secondOK)
      #expect(second.contains("orbit_journal_commit_seconds_bucket"))
      #expect(second.contains("orbit_trial_duration_seconds_count"))

      // The page in Chromium: the sweep's name, the journal's count, one scaling plot.
      let domBefore = okCount(sandbox)
      let dom = try Self.chromeDOM(base)
      let domAfter = okCount(sandbox)
      #expect(dom.contains("live-dash"))
      let shown = try #require(Self.recorded(inDOM: dom), "no recorded count in the DOM")
      #expect(domBefore <= shown && shown <= domAfter + 1)
      // Later, more trials: the page shows more when loaded again.
      #expect(OrbitProcess.eventually(timeout: 60) { okCount(sandbox) >= shown + 4 })
      let later = try #require(Self.recorded(inDOM: try Self.chromeDOM(base)))
      #expect(later > shown)

      #expect(run.wait(timeout: 120) == 0, "stderr: \(run.stderr)")
      #expect(okCount(sandbox) == 30)

      // The finished sweep served from its journal alone: the plot holds every ok trial.
      let serve = try OrbitProcess(["serve", "run"], in: sandbox.path)
      defer {
        serve.signal(SIGTERM)
        _ = serve.wait(timeout: 10)
      }
      let servedBase = try Self.dashboardURL(of: serve)
      #expect(
        OrbitProcess.eventually(timeout: 90) {
          httpGet(at(servedBase, "api/figures")).body.contains("\"pending\":false")
        })
      let finalDOM = try Self.chromeDOM(servedBase)
      #expect(Self.recorded(inDOM: finalDOM) == 30)
      let figure = try #require(
        finalDOM.range(of: "<figure data-axis=\"n\"").map { finalDOM[$0.lowerBound...] })
      let end = figure.range(of: "</figure>")!.lowerBound
      let svg = figure[..<end]
      #expect(svg.ranges(of: "class=\"point\"").count == 30)
      #expect(svg.contains("class=\"band\""))
      let status = try OrbitProcess.run(["status", "run", "--json"], in: sandbox.path)
      let json = jsonObject(status.stdout)
      #expect(status.code == 0)
      #expect((json["counts"] as? [String: Int]) == ["ok": 30])
      #expect(json["workersConnected"] as? Int == 0)
      #expect((json["workers"] as? [[String: Any]])?.count == 1)
      #expect((json["workers"] as? [[String: Any]])?.first?["connected"] as? Bool == false)
      serve.signal(SIGTERM)
      #expect(serve.wait(timeout: 10) == 0)
      #expect(sandbox.livingProcesses().isEmpty)
    }

    @Test(.timeLimit(.minutes(2)))
    func offLoopbackEveryRequestNeedsTheToken() throws {
      let sandbox = try Sandbox()
      try sandbox.write("trial.py", "import json\nprint(json.dumps({'loss': 1.0}))\n")
      try sandbox.write(
        "sweep.yaml",
        "name: tok\nmethod: grid\nprogram: trial.py\nparameters:\n  a: {values: [1, 2]}\n")
      let run = try OrbitProcess.run(
        ["run", "sweep.yaml", "--run-dir", "run", "--no-report", "--no-http"], in: sandbox.path)
      #expect(run.code == 0)
      #expect(!run.stdout.contains("orbit: dashboard"))
      let serve = try OrbitProcess(["serve", "run", "--http", "0.0.0.0:0"], in: sandbox.path)
      defer {
        serve.signal(SIGTERM)
        _ = serve.wait(timeout: 10)
      }
      let url = try Self.dashboardURL(of: serve)
      // A generated token, printed in the URL.
      let token = try #require(url.split(separator: "=").last.map(String.init))
      #expect(url.contains("?token=") && token.count == 32)
      let port = try #require(url.split(separator: ":").last?.prefix { $0.isNumber })
      let local = "http://127.0.0.1:\(port)/api/sweep"
      #expect(httpGet(local).status == 401)
      #expect(httpGet(local, token: "not-it").status == 401)
      #expect(httpGet(local, token: token).status == 200)
      #expect(httpGet(local + "?token=\(token)").status == 200)
      serve.signal(SIGTERM)
      #expect(serve.wait(timeout: 10) == 0)
      #expect(sandbox.livingProcesses().isEmpty)
    }
  }
}
