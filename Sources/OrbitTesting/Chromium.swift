import Foundation

/// Headless Chromium for tests that check a page as a browser builds it (its DOM after the
/// scripts ran), and for screenshots. Debian's `chromium`; tests that need it are enabled only
/// when `path` is set.
public enum Chromium {
  /// The chromium binary, if installed (`apt-get install chromium`).
  public static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  /// The DOM Chromium builds from `url` in a 1280 × 2000 window; `virtualTimeBudget`
  /// milliseconds of virtual time let the page's scripts fetch and render first.
  public static func dom(url: String, virtualTimeBudget: Int? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path!)
    process.arguments =
      ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,2000"]
      + (virtualTimeBudget.map { ["--virtual-time-budget=\($0)"] } ?? []) + ["--dump-dom", url]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  /// The DOM Chromium builds from the document `html` (written to a temporary file).
  public static func dom(html: String) throws -> String {
    let file = FileManager.default.temporaryDirectory
      .appendingPathComponent("orbit-page-\(UUID().uuidString).html")
    try html.write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    return try dom(url: file.absoluteString)
  }

  // MARK: Reading Orbit's plots in a DOM

  /// The SVG plot with `id` in `dom` (up to its `</svg>`), or nil.
  public static func plot(_ dom: String, _ id: String) -> Substring? {
    guard let start = dom.range(of: "id=\"\(id)\"") else { return nil }
    let rest = dom[start.lowerBound...]
    return rest[..<(rest.range(of: "</svg>")?.upperBound ?? rest.endIndex)]
  }

  /// (text, colour) of a plot's legend lines, in order.
  public static func legend(_ svg: Substring) -> [(text: String, color: String)] {
    let pattern =
      #/(?:fill|stroke)="(#[0-9A-Fa-f]{6})"[^>]*>(?:</circle>|</line>)?\s*<text[^>]*class="legend">([^<]*)</text>/#
    return svg.matches(of: pattern).map { (String($0.output.2), String($0.output.1)) }
  }

  /// The learning curves' legend by family: (family label, colour, text shown), in order.
  public static func curveFamilies(_ dom: String) -> [(family: String, color: String, text: String)]
  {
    let pattern =
      #/<li data-family="([^"]*)" data-color="(#[0-9A-Fa-f]{6})">.*?</svg>\s*([^<]*)</li>/#
    return dom.matches(of: pattern).map {
      (String($0.output.1), String($0.output.2), String($0.output.3))
    }
  }

  /// The fill colours of the markers (`class="point"`) of a plot.
  public static func pointColors(_ svg: Substring) -> Set<String> {
    Set(svg.matches(of: #/class="point"[^>]*fill="(#[0-9A-Fa-f]{6})"/#).map { String($0.output.1) })
  }
}
