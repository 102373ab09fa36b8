import Foundation

/// A small inline-SVG scatter/line plot with log or linear axes: points, fitted curves,
/// interval bands and error bars; ticks at powers of ten on log axes. No script, no fonts.
struct SVGPlot {
  /// One coloured series.
  struct Series {
    var name: String
    var color: String
    var points: [(x: Double, y: Double)] = []
    /// CSS class of the point markers (tests count them).
    var pointClass = "point"
    var hollow = false
    var curve: [(x: Double, y: Double)] = []
    var dashed = false
    var band: [(x: Double, lower: Double, upper: Double)] = []
    var errorBars: [(x: Double, lower: Double, upper: Double)] = []
  }

  var id: String
  var title: String
  var xLabel: String
  var yLabel: String
  var logX = true
  var logY = true
  var series: [Series] = []
  /// Horizontal reference line (e.g. 0 for residuals, 1 for a multiplier).
  var reference: Double?
  /// Legend lines after the series that explain the marks ("dashed: pure power law").
  var notes: [(mark: Mark, text: String)] = []

  /// How a legend line draws its sample.
  enum Mark {
    case point, hollowPoint, line, dashed, band, errorBar
  }
  var width = 560.0
  var height = 380.0

  private let left = 74.0
  private let right = 16.0
  private let top = 34.0
  private let bottom = 56.0

  /// Okabe–Ito colours: distinguishable for colour-blind readers and in greyscale print.
  static let palette = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
  ]

  private func range(_ values: [Double], log: Bool) -> (Double, Double) {
    let usable = values.filter { $0.isFinite && (!log || $0 > 0) }
    guard var low = usable.min(), var high = usable.max() else { return log ? (1, 10) : (0, 1) }
    if log {
      low = Foundation.log10(low)
      high = Foundation.log10(high)
    }
    if high - low < 1e-9 {
      low -= 0.5
      high += 0.5
    }
    let pad = 0.04 * (high - low)
    return (low - pad, high + pad)
  }

  func render() -> String {
    var xs: [Double] = []
    var ys: [Double] = []
    // The y-axis is set by the data — points, fitted curves, error bars — never by a band: a
    // band that explodes (10⁴, 10⁶⁷) would flatten the data into a line. Bands are clipped to
    // the plot, with a note when one leaves it.
    for s in series {
      xs += s.points.map(\.x) + s.curve.map(\.x) + s.band.map(\.x) + s.errorBars.map(\.x)
      ys += s.points.map(\.y) + s.curve.map(\.y) + s.errorBars.flatMap { [$0.lower, $0.upper] }
    }
    if let reference { ys.append(reference) }
    let (x0, x1) = range(xs, log: logX)
    let (y0, y1) = range(ys, log: logY)
    let outside = series.contains { s in
      s.band.contains { b in
        [b.lower, b.upper].contains { v in
          guard v.isFinite, !logY || v > 0 else { return true }
          let u = logY ? log10(v) : v
          return u < y0 || u > y1
        }
      }
    }
    var notes = self.notes
    if outside {
      notes.append((.band, "a band leaves the plot here (clipped): see the fits table"))
    }
    let plotW = width - left - right
    let plotH = height - top - bottom
    // The legend sits below the plot, never over its points.
    let entries = legendEntries(notes: notes)
    let total = height + (entries.isEmpty ? 0 : Double(entries.count) * 16 + 10)
    func px(_ x: Double) -> Double { left + ((logX ? log10(x) : x) - x0) / (x1 - x0) * plotW }
    func py(_ y: Double) -> Double {
      top + plotH - ((logY ? log10(y) : y) - y0) / (y1 - y0) * plotH
    }
    func ok(_ x: Double, _ y: Double) -> Bool {
      x.isFinite && y.isFinite && (!logX || x > 0) && (!logY || y > 0)
    }
    var svg = """
      <svg class="plot" id="\(escapeHTML(id))" data-plot="\(escapeHTML(id))" \
      xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(n(width)) \(n(total))" \
      width="\(n(width))" height="\(n(total))" role="img" aria-label="\(escapeHTML(title))">
      <rect x="0" y="0" width="\(n(width))" height="\(n(total))" fill="#fff"/>
      <text x="\(n(width / 2))" y="20" text-anchor="middle" class="title">\(escapeHTML(title))</text>

      """
    svg += axisTicks(horizontal: true, low: x0, high: x1, log: logX, map: px, at: top + plotH)
    svg += axisTicks(horizontal: false, low: y0, high: y1, log: logY, map: py, at: left)
    svg += """
      <rect x="\(n(left))" y="\(n(top))" width="\(n(plotW))" height="\(n(plotH))" fill="none" \
      stroke="#333" stroke-width="1"/>
      <text x="\(n(left + plotW / 2))" y="\(n(height - 12))" text-anchor="middle">\
      \(escapeHTML(xLabel))</text>
      <text transform="translate(16 \(n(top + plotH / 2))) rotate(-90)" text-anchor="middle">\
      \(escapeHTML(yLabel))</text>

      """
    if let reference, ok(logX ? 1 : 0, reference) {
      svg +=
        "<line x1=\"\(n(left))\" x2=\"\(n(left + plotW))\" y1=\"\(n(py(reference)))\" "
        + "y2=\"\(n(py(reference)))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"
    }
    let clip = "clip-" + id.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
    svg +=
      "<defs><clipPath id=\"\(clip)\"><rect x=\"\(n(left))\" y=\"\(n(top))\" "
      + "width=\"\(n(plotW))\" height=\"\(n(plotH))\"/></clipPath></defs>\n"
      + "<g clip-path=\"url(#\(clip))\">\n"
    for s in series {
      // Clamped just beyond the plot's edges (the clip path hides the rest), so an infinite or
      // astronomically wide band still draws as a shaded region up to the edge.
      let (low, high) = (
        logY ? pow(10, y0 - 1) : y0 - (y1 - y0), logY ? pow(10, y1 + 1) : y1 + (y1 - y0)
      )
      let band = s.band.filter {
        $0.x.isFinite && (!logX || $0.x > 0) && !$0.lower.isNaN && !$0.upper.isNaN
      }
      .map { (x: $0.x, lower: min(max($0.lower, low), high), upper: min(max($0.upper, low), high)) }
      if band.count >= 2 {
        let upper = band.map { "\(n(px($0.x))),\(n(py($0.upper)))" }
        let lower = band.reversed().map { "\(n(px($0.x))),\(n(py($0.lower)))" }
        svg +=
          "<path class=\"band\" d=\"M\((upper + lower).joined(separator: " L"))Z\" "
          + "fill=\"\(s.color)\" fill-opacity=\"0.18\" stroke=\"none\"/>\n"
      }
      let curve = s.curve.filter { ok($0.x, $0.y) }
      if curve.count >= 2 {
        svg +=
          "<path class=\"fit\" d=\"M\(curve.map { "\(n(px($0.x))),\(n(py($0.y)))" }.joined(separator: " L"))\" "
          + "fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\""
          + (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n"
      }
      for bar in s.errorBars where ok(bar.x, bar.lower) && ok(bar.x, bar.upper) {
        svg +=
          "<line class=\"errorbar\" x1=\"\(n(px(bar.x)))\" x2=\"\(n(px(bar.x)))\" "
          + "y1=\"\(n(py(bar.lower)))\" y2=\"\(n(py(bar.upper)))\" stroke=\"\(s.color)\"/>\n"
      }
      for p in s.points where ok(p.x, p.y) {
        let fill = s.hollow ? "#fff" : s.color
        svg +=
          "<circle class=\"\(s.pointClass)\" cx=\"\(n(px(p.x)))\" cy=\"\(n(py(p.y)))\" r=\"3.2\" "
          + "fill=\"\(fill)\" fill-opacity=\"0.8\" stroke=\"\(s.color)\"/>\n"
      }
    }
    svg += "</g>\n" + legend(entries, top: height) + "</svg>\n"
    return svg
  }

  /// One legend line per named series (its own mark: a point, hollow when extrapolated, or a
  /// line), then the notes in grey.
  private func legendEntries(notes: [(mark: Mark, text: String)]) -> [(
    mark: Mark, color: String, text: String
  )] {
    var entries: [(mark: Mark, color: String, text: String)] = []
    for s in series where !s.name.isEmpty {
      let mark: Mark =
        !s.points.isEmpty ? (s.hollow ? .hollowPoint : .point) : s.dashed ? .dashed : .line
      entries.append((mark, s.color, s.name))
    }
    return entries + notes.map { ($0.mark, "#555", $0.text) }
  }

  /// The legend, one line per entry, from `top` down (below the plot's x label).
  private func legend(_ entries: [(mark: Mark, color: String, text: String)], top: Double)
    -> String
  {
    let x = left
    var out = ""
    for (i, entry) in entries.enumerated() {
      let y = top + 8 + Double(i) * 16
      let c = entry.color
      switch entry.mark {
      case .point, .hollowPoint:
        let fill = entry.mark == .hollowPoint ? "#fff" : c
        out +=
          "<circle cx=\"\(n(x + 9))\" cy=\"\(n(y - 4))\" r=\"3.2\" fill=\"\(fill)\" "
          + "stroke=\"\(c)\"/>\n"
      case .line, .dashed:
        out +=
          "<line x1=\"\(n(x))\" x2=\"\(n(x + 18))\" y1=\"\(n(y - 4))\" y2=\"\(n(y - 4))\" "
          + "stroke=\"\(c)\" stroke-width=\"2\""
          + (entry.mark == .dashed ? " stroke-dasharray=\"5 3\"" : "") + "/>\n"
      case .band:
        out +=
          "<rect x=\"\(n(x))\" y=\"\(n(y - 9))\" width=\"18\" height=\"10\" fill=\"\(c)\" "
          + "fill-opacity=\"0.25\"/>\n"
      case .errorBar:
        out +=
          "<line x1=\"\(n(x + 9))\" x2=\"\(n(x + 9))\" y1=\"\(n(y - 10))\" y2=\"\(n(y + 2))\" "
          + "stroke=\"\(c)\"/>\n"
      }
      out +=
        "<text x=\"\(n(x + 24))\" y=\"\(n(y))\" class=\"legend\">\(escapeHTML(entry.text))</text>\n"
    }
    return out
  }

  /// Log-axis labels are plain numbers ("0.5", "20", "3000") when the axis stays within
  /// [0.01, 10⁴]; powers of ten otherwise.
  static func logLabel(_ value: Double, decade: Int, mantissa: Double, plain: Bool) -> String {
    if plain { return format(value) }
    if mantissa == 1 { return "10<tspan dy=\"-6\" font-size=\"9\">\(decade)</tspan>" }
    return "\(Int(mantissa))×10<tspan dy=\"-6\" font-size=\"9\">\(decade)</tspan>"
  }

  /// Tick marks and labels: powers of ten (plus 2× and 5× when a range spans < 2 decades)
  /// on log axes, 1-2-5 steps on linear ones.
  private func axisTicks(
    horizontal: Bool, low: Double, high: Double, log: Bool, map: (Double) -> Double, at: Double
  ) -> String {
    var ticks: [(value: Double, label: String, major: Bool)] = []
    if log {
      let span = high - low
      let plain = low >= -2.0001 && high <= 4.0001
      for decade in Int(floor(low))...Int(ceil(high)) {
        for m in [1.0, 2, 3, 4, 5, 6, 7, 8, 9] {
          let exponent = Double(decade) + log10(m)
          guard exponent >= low, exponent <= high else { continue }
          let value = pow(10, exponent)
          if m == 1 || span < 1 || (span < 2 && (m == 2 || m == 5)) {
            ticks.append(
              (value, Self.logLabel(value, decade: decade, mantissa: m, plain: plain), true))
          } else {
            ticks.append((value, "", false))
          }
        }
      }
    } else {
      let raw = (high - low) / 5
      let magnitude = pow(10, floor(log10(raw)))
      let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
      var v = ceil(low / step) * step
      while v <= high {
        ticks.append((v, format(abs(v) < step * 1e-9 ? 0 : v), true))
        v += step
      }
    }
    // Labels closer than a label's width to one kept are dropped (the tick stays): "2×10⁰"
    // and "3×10⁰" collided on short multiplier axes. Powers of ten are kept first, then 5×
    // and 2×, then the rest: greedily from the low end, 0.9 took the place of 1 and left the
    // top of a 0.45…1.7 axis without a label.
    let gap = horizontal ? 44.0 : 15.0
    func rank(_ value: Double) -> Int {
      guard log else { return 0 }
      let mantissa = (pow(10, log10(value) - floor(log10(value) + 1e-9)) * 1000).rounded() / 1000
      return mantissa == 1 ? 0 : mantissa == 5 ? 1 : mantissa == 2 ? 2 : 3
    }
    var kept: [Double] = []
    let order = ticks.indices.filter { ticks[$0].major }.sorted {
      (rank(ticks[$0].value), $0) < (rank(ticks[$1].value), $1)
    }
    for i in order {
      let p = map(ticks[i].value)
      if kept.contains(where: { abs(p - $0) < gap }) {
        ticks[i].major = false
      } else {
        kept.append(p)
      }
    }
    var out = ""
    for t in ticks {
      let p = map(t.value)
      let length = t.major ? 6.0 : 3.0
      if horizontal {
        out +=
          "<line x1=\"\(n(p))\" x2=\"\(n(p))\" y1=\"\(n(at))\" y2=\"\(n(at + length))\" stroke=\"#333\"/>\n"
        if t.major {
          out +=
            "<text x=\"\(n(p))\" y=\"\(n(at + 20))\" text-anchor=\"middle\" class=\"tick\">\(t.label)</text>\n"
        }
      } else {
        out +=
          "<line x1=\"\(n(at - length))\" x2=\"\(n(at))\" y1=\"\(n(p))\" y2=\"\(n(p))\" stroke=\"#333\"/>\n"
        if t.major {
          out +=
            "<text x=\"\(n(at - 9))\" y=\"\(n(p + 4))\" text-anchor=\"end\" class=\"tick\">\(t.label)</text>\n"
        }
      }
    }
    return out
  }
}

/// A coordinate with two decimals (small files, exact enough at screen resolution).
func n(_ value: Double) -> String { String(format: "%.2f", value) }

/// Escapes text for HTML and SVG content and attributes.
func escapeHTML(_ text: String) -> String {
  var out = ""
  out.reserveCapacity(text.count)
  for c in text {
    switch c {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    default: out.append(c)
    }
  }
  return out
}
