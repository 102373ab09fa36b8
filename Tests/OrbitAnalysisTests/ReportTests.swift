import Foundation
import Testing

@testable import OrbitAnalysis

/// The chromium binary, if installed (Debian `chromium`; `.ci/run` installs it).
private let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
  FileManager.default.isExecutableFile(atPath: $0)
}

@Suite struct ReportTests {
  static let metadata = SweepMetadata(
    name: "symmetry (synthetic)",
    specText: "name: symmetry\ngrid:\n  model.symmetry: [none, augment]\n",
    countsByStatus: ["ok": 96, "failed": 1], workers: ["host-a", "host-b"], wallSeconds: 312.5,
    createdAt: "2026-11-25T09:00:00Z")

  static func build() -> (html: String, fitsJSON: String, summary: String, rows: Int) {
    let table = StudyData.trials([StudyData.plain, StudyData.augment, StudyData.floored])
    let settings = StudyData.settings(table)
    let report = Report.build(table: table, settings: settings, metadata: metadata)
    return (report.html, report.fitsJSON, report.summary, 96)
  }

  static func count(_ needle: String, in text: some StringProtocol) -> Int {
    text.ranges(of: needle).count
  }

  /// The `<svg …>…</svg>` element whose id is `id`.
  static func svg(_ id: String, in html: String) -> Substring? {
    guard let start = html.range(of: "<svg class=\"plot\" id=\"\(id)\"") else { return nil }
    guard let end = html[start.upperBound...].range(of: "</svg>") else { return nil }
    return html[start.lowerBound..<end.upperBound]
  }

  @Test func htmlIsSelfContainedWithTheVerdictFirst() {
    let report = Self.build()
    let html = report.html
    #expect(!html.contains("<script"))
    #expect(!html.contains("src="))
    #expect(!html.contains("@import") && !html.contains("url(http"))
    // The only URL is the SVG namespace, which browsers never fetch.
    let urls = html.ranges(of: "http").count
    #expect(urls == Self.count("xmlns=\"http://www.w3.org/2000/svg\"", in: html))
    let verdict = html.range(of: "id=\"verdict\"")!.lowerBound
    let firstTable = html.range(of: "<table")!.lowerBound
    #expect(verdict < firstTable)
    #expect(html.contains("symmetrize reached a floor"))
    #expect(html.contains("host-a, host-b") && html.contains("5 min 13 s"))
    #expect(html.contains("model.symmetry: [none, augment]"))
  }

  @Test func aSweepWithNothingToFitStillGetsAReport() {
    var table = StudyData.trials([StudyData.plain])
    let status = table.columns.firstIndex(of: "status")!
    for i in table.rows.indices { table.rows[i][status] = "failed" }
    let settings = AnalysisSettings(y: "test_loss", xs: ["task.n_train"], groupBy: ["nope"])
    let report = Report.build(table: table, settings: settings, metadata: Self.metadata)
    #expect(report.html.contains("No family had enough ok trials"))
    #expect(report.html.contains("column &quot;nope&quot; is not in the table"))
    #expect(report.summary.contains("Verdict:\n  - No family"))
    #expect(report.fitsJSON.contains("\"failed\" : 33"))
  }

  @Test func lossPlotHasOnePointPerTrialAndACurveAndBandPerFamily() throws {
    let report = Self.build()
    let plot = try #require(Self.svg("loss-vs-task.n_train", in: report.html))
    #expect(Self.count("class=\"point\"", in: plot) == report.rows)
    #expect(Self.count("class=\"band\"", in: plot) == 3)
    #expect(Self.count("class=\"fit\"", in: plot) == 6)  // with a floor and without, per family
    // Ticks at powers of ten, as plain numbers within [0.01, 10⁴]: n_train spans 64–8192.
    #expect(plot.contains(">100</text>"))
    #expect(plot.contains(">1000</text>"))
    // The legend explains the marks: points, solid line, band, dashes.
    for note in [
      "trials (one point per seed)", "fit with a floor", "bootstrap band", "pure power law",
    ] {
      #expect(plot.contains(note))
    }
    let residuals = try #require(Self.svg("residuals-task.n_train", in: report.html))
    #expect(Self.count("class=\"residual\"", in: residuals) == report.rows)
  }

  @Test func fitsJSONHoldsEveryFamilyAndComparison() throws {
    let report = Self.build()
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(report.fitsJSON.utf8)) as? [String: Any])
    #expect((object["families"] as? [Any])?.count == 3)
    #expect((object["comparisons"] as? [Any])?.count == 2)
    #expect((object["verdict"] as? String)?.contains("reached a floor") == true)
    #expect(report.summary.contains("Verdict:"))
  }

  @Test(.enabled(if: chromium != nil, "Debian chromium is not installed: apt-get install chromium"))
  func rendersInHeadlessChromium() throws {
    let report = Self.build()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "orbit-report-test-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let page = folder.appendingPathComponent("report.html")
    let blank = folder.appendingPathComponent("blank.html")
    try report.html.write(to: page, atomically: true, encoding: .utf8)
    try "<!DOCTYPE html><html><body></body></html>".write(
      to: blank, atomically: true, encoding: .utf8)
    func chrome(_ arguments: [String]) throws -> Data {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: chromium!)
      process.arguments =
        ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"] + arguments
      let out = Pipe()
      process.standardOutput = out
      process.standardError = FileHandle.nullDevice
      try process.run()
      let data = out.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return data
    }
    let shot = folder.appendingPathComponent("report.png")
    let blankShot = folder.appendingPathComponent("blank.png")
    _ = try chrome(["--screenshot=\(shot.path)", "--window-size=1280,2200", page.absoluteString])
    _ = try chrome([
      "--screenshot=\(blankShot.path)", "--window-size=1280,2200", blank.absoluteString,
    ])
    let png = try Data(contentsOf: shot)
    let blankPNG = try Data(contentsOf: blankShot)
    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    // A blank page compresses to almost nothing; plots, text and tables do not.
    #expect(png.count > 4 * blankPNG.count, "report \(png.count) bytes, blank \(blankPNG.count)")
    // The DOM Chromium built holds every plotted trial.
    let dom = String(decoding: try chrome(["--dump-dom", page.absoluteString]), as: UTF8.self)
    let plot = try #require(Self.svg("loss-vs-task.n_train", in: dom))
    #expect(Self.count("class=\"point\"", in: plot) == report.rows)
    #expect(Self.count("<svg class=\"plot\"", in: dom) >= 4)
    print("report screenshot: \(shot.path)")
  }
}
