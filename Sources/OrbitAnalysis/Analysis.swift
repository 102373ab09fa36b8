import Foundation

/// Everything the analysis of one table found: families per axis, comparisons, frontiers,
/// IsoFLOP vertices and the verdict in plain words.
public struct Analysis: Sendable {
  /// The settings used (after defaults).
  public var settings: AnalysisSettings
  /// Rows with status ok that had a loss and every axis, and all rows by status.
  public var fittedRows: Int
  public var countsByStatus: [String: Int]
  /// Group labels in order.
  public var groups: [String]
  /// One per (axis, group) that had enough points.
  public var families: [FamilyFit]
  /// Comparisons on the first axis.
  public var comparisons: [GroupComparison]
  /// Δα between neighbouring values of an ordered numeric group column, on the first axis.
  public var adjacentDifferences: [AdjacentDifference] = []
  /// Compute frontiers per group, when a compute axis ("flops") is present.
  public var frontiers: [ComputeFrontier]
  /// IsoFLOP analysis per group, when the sweep has IsoFLOP structure (n_params × flops).
  public var isoFLOP: [String: IsoFLOPAnalysis]
  /// Chinchilla fits L(N, D) per group, when both n_params and samples_seen vary (≥ 3 values).
  public var chinchilla: [String: ChinchillaFit]
  /// Compute-optimal allocation per group (Approach 3 from `chinchilla`, Approach 2 from
  /// `isoFLOP`, and whether they agree).
  public var computeOptimal: [String: ComputeOptimal] = [:]
  /// Compared families per unit of compute (their frontiers), one per compared pair.
  public var computeMultipliers: [ComputeMultiplier] = []
  /// Notes on what was skipped and why.
  public var warnings: [String]
  /// The verdict paragraph (plain words, for the top of the report).
  public var verdict: String
  /// The verdict as a short list: one item per comparison (and per family it speaks of).
  public var verdictItems: [String] = []
  /// Scales of every family (fitted or not) where early stopping removed trials.
  public var stopped: [StoppedScale] = []

  /// A family's label as a reader sees it, each value with its column: "0.003 @ width=64"
  /// becomes "lr = 0.003 @ width = 64" (fits.json keeps the label and `group_values`).
  public func display(_ label: String) -> String {
    Self.display(label, groupBy: settings.groupBy)
  }

  static func display(_ label: String, groupBy: [String]) -> String {
    let cut = label.range(of: " @ ")
    let grouping = cut.map { String(label[..<$0.lowerBound]) } ?? label
    let values = grouping.components(separatedBy: " / ")
    var shown = grouping
    if !groupBy.isEmpty && values.count == groupBy.count {
      shown = zip(groupBy, values).map { "\($0) = \($1)" }.joined(separator: " / ")
    }
    guard let cut else { return shown }
    let held = label[cut.upperBound...].components(separatedBy: ", ").map {
      $0.replacingOccurrences(of: "=", with: " = ")
    }
    return (groupBy.isEmpty && grouping == "all" ? "" : shown + " @ ")
      + held.joined(separator: ", ")
  }

  /// The group label of a row: its groupBy values joined by " / " ("all" with no groupBy).
  static func label(_ row: [String], indices: [Int]) -> String {
    indices.isEmpty ? "all" : indices.map { row[$0] }.joined(separator: " / ")
  }

  /// Runs the analysis on the ok rows of `table`.
  public static func run(table: Table, settings: AnalysisSettings) -> Analysis {
    var warnings: [String] = []
    var settings = settings
    let tuning = tuningProblem(table: table, settings: &settings, warnings: &warnings)
    var counts: [String: Int] = [:]
    let statusIndex = table.columns.firstIndex(of: "status")
    for row in table.rows { counts[statusIndex.map { row[$0] } ?? "ok", default: 0] += 1 }
    let ok = table.filter { row in statusIndex.map { row[$0] == "ok" } ?? true }
    for column in [settings.y] + settings.xs + settings.groupBy
    where !table.columns.contains(column) {
      warnings.append(
        "column \"\(column)\" is not in the table (columns: \(table.columns.joined(separator: ", ")))"
      )
    }
    let groupColumns = settings.groupBy.filter { table.columns.contains($0) }
    let groupIndices = groupColumns.map { table.columns.firstIndex(of: $0)! }
    let labels = ok.rows.map { label($0, indices: groupIndices) }
    var groups: [String] = []
    for l in labels where !groups.contains(l) { groups.append(l) }
    groups.sort(by: labelPrecedes)
    let y = ok.numbers(settings.y)
    let seeds =
      settings.seedColumn.map { ok.strings($0) } ?? [String](repeating: "", count: y.count)
    var families: [FamilyFit] = []
    var stopped: [StoppedScale] = []
    if let rule = settings.earlyTermination, !settings.xs.isEmpty {
      warnings.append(earlyTerminationWarning(rule: rule, axes: settings.xs))
    }
    var schemeNotes: [(note: String, axis: String, groups: [String])] = []
    var fitted = Set<Int>()
    let validation = ok.numbers(settings.select)
    let tunedIndices = settings.tune.compactMap { ok.columns.firstIndex(of: $0) }
    let settingLabels = ok.rows.map { row in
      tunedIndices.map { row[$0] }.joined(separator: " / ")
    }
    for axis in settings.xs where table.columns.contains(axis) && tuning != .refused {
      let x = ok.numbers(axis)
      // Other swept parameters are held fixed along a swept axis: a width × n grid gives one
      // family per width on the n axis ("mlp @ model.width=64"), never a pooled one.
      guard
        let held = heldAxes(
          along: axis, ok: ok, labels: labels, settings: settings, warnings: &warnings)
      else { continue }
      let heldValues = held.map { ok.strings($0) }
      let axisLabels = labels.indices.map { i in
        held.isEmpty
          ? labels[i]
          : labels[i] + " @ "
            + held.indices.map { "\(held[$0])=\(heldValues[$0][i])" }.joined(separator: ", ")
      }
      var axisGroups: [String] = []
      for l in axisLabels.sorted(by: labelPrecedes) where axisGroups.last != l {
        axisGroups.append(l)
      }
      // The same labels over every row, stopped ones included: what stopping removed.
      let allLabels = table.rows.map { row in
        label(row, indices: groupIndices)
          + (held.isEmpty
            ? ""
            : " @ "
              + held.map { "\($0)=\(table.columns.firstIndex(of: $0).map { row[$0] } ?? "")" }
              .joined(separator: ", "))
      }
      let stoppedHere = stoppedScales(table: table, axis: axis, labels: allLabels)
      stopped += stoppedHere
      for group in axisGroups {
        var rows = axisLabels.indices.filter { i in
          axisLabels[i] == group && isFittable(x[i]) && isFittable(y[i])
            && (tuning == .none || validation[i]?.isFinite == true)
        }
        // With several axes, one that a family never varies (a convolution's `model.width`
        // beside its channels) is not a scale of that family: no fit, and nothing to warn of.
        if settings.xs.count > 1 && Set(rows.map { x[$0]! }).count < 2 { continue }
        if settings.dropTop > 0 {
          let drop = Set(rows.sorted { y[$0]! > y[$1]! }.prefix(settings.dropTop))
          rows.removeAll { drop.contains($0) }
        }
        do {
          var family: FamilyFit
          if tuning == .tuned {
            let candidates = TuningCandidates(
              x: rows.map { x[$0]! }, setting: rows.map { settingLabels[$0] },
              seed: rows.map { seeds[$0] }, validation: rows.map { validation[$0]! },
              loss: rows.map { y[$0]! })
            let points = candidates.envelope()
            family = try FamilyFit.fit(
              group: group, axis: axis, x: points.map(\.x), y: points.map(\.loss),
              seeds: points.map(\.seed), settings: settings)
            let envelope = TunedEnvelope.make(
              candidates: candidates, points: points, family: family, columns: settings.tune,
              select: settings.select, settings: settings)
            family.tuned = envelope
            if family.resampling.scheme == .residuals && settings.bootstrap > 0 {
              warnings.append(
                "\(display(group, groupBy: settings.groupBy)) on \(axis): one seed per scale: the bootstrap cannot redraw the choice"
                  + " of \(settings.tune.joined(separator: ", ")), so the intervals leave it out;"
                  + " run ≥ 2 seeds")
            }
            let edges = envelope.optima.filter(\.atEdge)
            if !edges.isEmpty, envelope.optima.count > 0, candidates.settings.count > 1 {
              warnings.append(
                "\(display(group, groupBy: settings.groupBy)) on \(axis): the best \(settings.tune.joined(separator: " / ")) is an"
                  + " edge of the swept values at \(axis) = "
                  + edges.map { "\(format($0.x)) (\($0.setting))" }.joined(separator: ", ")
                  + ": the optimum may lie beyond it there; sweep wider")
            }
          } else {
            family = try FamilyFit.fit(
              group: group, axis: axis, x: rows.map { x[$0]! }, y: rows.map { y[$0]! },
              seeds: rows.map { seeds[$0] }, settings: settings)
          }
          if let first = rows.first {
            for (column, index) in zip(groupColumns, groupIndices) {
              family.groupValues[column] = ok.rows[first][index]
            }
            for (h, column) in held.enumerated() {
              family.groupValues[column] = heldValues[h][first]
            }
          }
          let rising = family.localSlopes.filter { $0.slope < 0 }
          if !rising.isEmpty {
            warnings.append(
              "\(display(group, groupBy: settings.groupBy)) on \(axis): the loss rises with \(axis) between "
                + rising.map { "\(format($0.from)) and \(format($0.to))" }.joined(separator: ", ")
                + " (median over seeds), so no power law describes it there and the fitted"
                + " exponent averages over it: check for diverged or under-trained trials, or"
                + " whether \(axis) is a scale of this family at all")
          }
          family.stopped = stoppedHere.filter { $0.group == group }
          if !family.stopped.isEmpty {
            warnings.append(
              stoppingWarning(
                family: display(group, groupBy: settings.groupBy), scales: family.stopped))
          }
          families.append(family)
          fitted.formUnion(rows)
          // Both laws share the scheme's note: it is said once, for every family it holds for.
          for note in Set([family.withFloor.schemeWarning, family.pure.schemeWarning]).compactMap({
            $0
          }) {
            if let i = schemeNotes.firstIndex(where: { $0.note == note && $0.axis == axis }) {
              schemeNotes[i].groups.append(group)
            } else {
              schemeNotes.append((note, axis, [group]))
            }
          }
          let notes = [family.withFloor, family.pure].flatMap {
            [$0.unmovedNote, $0.stretchedNote]
          }
          for note in notes.compactMap({ $0 }) {
            warnings.append("\(display(group, groupBy: settings.groupBy)) on \(axis), \(note)")
          }
        } catch {
          let lost = stoppedHere.filter { $0.group == group }
          warnings.append(
            "\(display(group, groupBy: settings.groupBy)) on \(axis): \(error.message)"
              + (lost.isEmpty ? "" : " (early stopping removed trials \(stoppedText(lost)))"))
        }
      }
    }
    for (note, axis, groups) in schemeNotes {
      let shown = groups.map { display($0, groupBy: settings.groupBy) }
      warnings.append("\(shown.joined(separator: "; ")) on \(axis): \(note)")
    }
    let comparisons = compareGroups(families: families, settings: settings, warnings: &warnings)
    // A frontier (lowest loss at each compute) and a Chinchilla fit over every tuned setting
    // would choose by the fitted loss itself: with tuning they are made from each
    // configuration's winner by `select`, as the envelope is.
    var (frontiers, isoFLOP) = ([ComputeFrontier](), [String: IsoFLOPAnalysis]())
    var chinchilla: [String: ChinchillaFit] = [:]
    if tuning != .refused {
      let kept =
        tuning == .tuned
        ? tunedWinners(ok: ok, validation: validation, settings: settings)
        : Array(ok.rows.indices)
      let winners = Table(columns: ok.columns, rows: kept.map { ok.rows[$0] })
      let (keptLabels, keptY, keptSeeds) = (
        kept.map { labels[$0] }, kept.map { y[$0] }, kept.map { seeds[$0] }
      )
      (frontiers, isoFLOP) = computeAnalyses(
        ok: winners, labels: keptLabels, groups: groups, y: keptY, seeds: keptSeeds,
        settings: settings, warnings: &warnings)
      chinchilla = chinchillaFits(
        ok: winners, labels: keptLabels, groups: groups, y: keptY, seeds: keptSeeds,
        settings: settings, warnings: &warnings)
    }
    var computeOptimal: [String: ComputeOptimal] = [:]
    for (group, fit) in chinchilla {
      computeOptimal[group] = ComputeOptimal.make(
        chinchilla: fit, isoFLOP: isoFLOP[group], level: settings.level)
    }
    var analysis = Analysis(
      settings: settings, fittedRows: fitted.count, countsByStatus: counts, groups: groups,
      families: families, comparisons: comparisons, frontiers: frontiers, isoFLOP: isoFLOP,
      chinchilla: chinchilla, warnings: warnings, verdict: "")
    analysis.stopped = stopped
    analysis.computeOptimal = computeOptimal
    analysis.computeMultipliers = computeMultipliers(
      comparisons: comparisons, frontiers: frontiers, settings: settings)
    analysis.adjacentDifferences = adjacentDifferences(families: families, settings: settings)
    analysis.verdictItems = analysis.verdictList()
    analysis.verdict = analysis.verdictItems.joined(separator: " ")
    return analysis
  }

  /// The swept parameter axes held fixed along `axis`, so that a fit never pools a grid: along
  /// a swept parameter, every other swept axis. Along a measured axis (n_params, flops), the
  /// swept axes it does not depend on (n_params depends on model.width, so task.n_train is
  /// held); nil, with a warning, when it depends on two or more (flops on width and n_train: a
  /// fit along it would pool the whole grid — the compute frontier is the right view).
  static func heldAxes(
    along axis: String, ok: Table, labels: [String], settings: AnalysisSettings,
    warnings: inout [String]
  ) -> [String]? {
    let swept = settings.xs.filter {
      $0 != axis && settings.isParameter($0) && ok.columns.contains($0)
    }
    if settings.isParameter(axis) {
      // Trials with several points (`wsd` cooldown branches) hold each point's data apart: a
      // fit along width pooling a trial's 8k- and 512k-sample points would mix data scales.
      let points = ok.columns.contains("point") && Set(ok.strings("point")).count > 1
      return swept
        + (points && axis != "samples_seen" && ok.columns.contains("samples_seen")
          && !swept.contains("samples_seen") ? ["samples_seen"] : [])
    }
    let measured = ok.strings(axis)
    let values = swept.map { ok.strings($0) }
    // The axis depends on a swept axis P when two rows equal in every other swept axis (and
    // group) but differ in P have different values of it.
    let drivers = swept.indices.filter { p in
      var byKey: [String: [String: Set<String>]] = [:]
      for row in labels.indices {
        let key =
          ([labels[row]] + swept.indices.filter { $0 != p }.map { values[$0][row] }).joined(
            separator: "\u{1F}")
        byKey[key, default: [:]][values[p][row], default: []].insert(measured[row])
      }
      return byKey.values.contains { Set($0.values).count > 1 }
    }
    if drivers.count >= 2 {
      warnings.append(
        "\(axis) varies with \(drivers.map { swept[$0] }.joined(separator: " and ")): a fit along"
          + " it would pool a grid of families, so none is made; each is fitted along its own"
          + " swept axis"
          + (["flops", "compute"].contains(axis) ? " (and see the compute frontier)" : ""))
      return nil
    }
    return swept.indices.filter { !drivers.contains($0) }.map { swept[$0] }
  }

  /// Whether the analysis tunes (`analysis.tune`), and whether it can.
  enum Tuning { case none, tuned, refused }

  /// Checks `analysis.tune` and `analysis.select` against the table: tuned columns are removed
  /// from the axes and group columns (they are chosen over, not compared); a missing tuned or
  /// selection column, or selection by the fitted loss itself, refuses every fit with a warning
  /// that says what to do (fitting the pooled trials instead would mislead).
  static func tuningProblem(
    table: Table, settings: inout AnalysisSettings, warnings: inout [String]
  ) -> Tuning {
    guard !settings.tune.isEmpty else { return .none }
    let tuned = Set(settings.tune)
    let misplaced = (settings.xs + settings.groupBy).filter(tuned.contains)
    if !misplaced.isEmpty {
      warnings.append(
        "\(misplaced.joined(separator: ", ")) is tuned (analysis.tune), so it is neither an axis"
          + " nor a group column here")
      settings.xs.removeAll(where: tuned.contains)
      settings.groupBy.removeAll(where: tuned.contains)
    }
    let columns = table.columns.joined(separator: ", ")
    for column in settings.tune where !table.columns.contains(column) {
      warnings.append(
        "analysis.tune: no column \"\(column)\" in the trials (columns: \(columns)); nothing"
          + " fitted: name the swept parameters to tune over")
      return .refused
    }
    if settings.select == settings.y && settings.tuneInferred {
      // No validation metric besides the fitted loss: the usual envelope (the lowest loss over
      // the tuned settings), said to be optimistic.
      warnings.append(
        "\(settings.tune.joined(separator: ", ")) is tuned (its name says optimiser), and the"
          + " trials report no validation metric besides \(settings.y): each scale's winner is"
          + " picked by \(settings.y) itself, so the envelope is biased low by the noise of that"
          + " minimum; have the program report a held-out loss to fit besides the one that picks (y:"
          + " test_loss, select: val_loss), or set analysis.tune / analysis.x")
      return .tuned
    }
    if settings.select == settings.y {
      warnings.append(
        "analysis.select is \(settings.y), the loss being fitted: picking each winner by it would"
          + " tune on the test set; nothing fitted: select by a validation metric (val_loss)")
      return .refused
    }
    if !table.columns.contains(settings.select) {
      warnings.append(
        "the tuned envelope picks by analysis.select = \(settings.select), which the trials do not"
          + " report (columns: \(columns)); nothing fitted: report a validation metric from the"
          + " program, or name it with analysis.select")
      return .refused
    }
    return .tuned
  }

  static func compareGroups(
    families: [FamilyFit], settings: AnalysisSettings, warnings: inout [String]
  ) -> [GroupComparison] {
    guard let axis = settings.xs.first else { return [] }
    let onAxis = families.filter { $0.axis == axis }
    guard onAxis.count >= 2 else { return [] }
    if settings.compare == nil {
      return compareByColumn(onAxis, axis: axis, settings: settings, warnings: &warnings)
    }
    let pairs = settings.compare ?? []
    return pairs.compactMap { pair in
      guard let a = onAxis.first(where: { $0.group == pair.0 }),
        let b = onAxis.first(where: { $0.group == pair.1 })
      else {
        warnings.append(
          "cannot compare \(pair.0) with \(pair.1): no fit for one of them on \(axis)")
        return nil
      }
      return GroupComparison.compare(baseline: a, other: b, settings: settings)
    }
  }

  /// Comparisons of the values of one group column (`compareColumn`, else the only group column,
  /// else the first with a warning), within slices of families whose every other group column
  /// and held parameter match: never across tasks.
  static func compareByColumn(
    _ families: [FamilyFit], axis: String, settings: AnalysisSettings, warnings: inout [String]
  ) -> [GroupComparison] {
    guard let column = settings.compareColumn ?? settings.groupBy.first else { return [] }
    if settings.compareColumn == nil && settings.groupBy.count > 1 {
      warnings.append(
        "several group columns (\(settings.groupBy.joined(separator: ", "))) and no"
          + " analysis.compare: comparing the values of \(column), the first, within equal"
          + " values of the others; set analysis.compare to choose another")
    }
    guard settings.groupBy.contains(column) else {
      warnings.append(
        "analysis.compare: \(column) is not a group column (\(settings.groupBy.joined(separator: ", "))); nothing compared"
      )
      return []
    }
    var comparisons: [GroupComparison] = []
    for (context, members) in slices(families, column: column) {
      let baseline: FamilyFit
      if let wanted = settings.baseline {
        guard let found = members.first(where: { $0.groupValues[column] == wanted }) else {
          warnings.append(
            "analysis.baseline: no family with \(column) = \(wanted)"
              + (context.isEmpty ? "" : " at \(context)") + "; that slice is not compared")
          continue
        }
        baseline = found
      } else {
        let all = members.flatMap(\.x)
        let middle = (all.min()! * all.max()!).squareRoot()
        baseline = members.max {
          $0.withFloor.fit.predict(middle) < $1.withFloor.fit.predict(middle)
        }!
      }
      for other in members where other.group != baseline.group {
        let subject =
          "\(column): \(other.groupValues[column] ?? other.group) vs "
          + "\(baseline.groupValues[column] ?? baseline.group)"
          + (context.isEmpty ? "" : ", at \(context)")
        comparisons.append(
          GroupComparison.compare(
            baseline: baseline, other: other, settings: settings, subject: subject))
      }
    }
    return comparisons
  }

  /// `families` in slices of two or more that differ only in `column` (every other group
  /// column and held parameter equal), each with its context ("task.teacher_seed = 1"), in
  /// context order.
  static func slices(_ families: [FamilyFit], column: String) -> [(
    context: String, members: [FamilyFit]
  )] {
    var slices: [String: [FamilyFit]] = [:]
    for family in families {
      let context = family.groupValues.keys.filter { $0 != column }.sorted().map {
        "\($0) = \(family.groupValues[$0]!)"
      }.joined(separator: ", ")
      slices[context, default: []].append(family)
    }
    return slices.keys.sorted().compactMap { context in
      slices[context]!.count >= 2 ? (context, slices[context]!) : nil
    }
  }

  /// The adjacent exponent steps along the compared column (`compareColumn`, else the first
  /// group column) on the first axis, when its values are numbers (`AdjacentDifference`).
  static func adjacentDifferences(families: [FamilyFit], settings: AnalysisSettings)
    -> [AdjacentDifference]
  {
    guard let axis = settings.xs.first,
      let column = settings.compareColumn ?? settings.groupBy.first,
      settings.groupBy.contains(column)
    else { return [] }
    return AdjacentDifference.make(
      families.filter { $0.axis == axis }, column: column, settings: settings)
  }

  /// Families that may be compared with each other, in slices of two or more: those that
  /// differ only in the first grouping column (the structure under study, e.g. model.symmetry)
  /// and share every other grouping column (e.g. task.teacher_seed) and every held parameter
  /// (the part after " @ "). Comparing augment / 2 with none / 1 would mix the structure's
  /// effect with the teacher's, so such pairs are never formed.
  /// - Parameters:
  ///   - groups: family labels: grouping values joined by " / ", then " @ " and held values.
  ///   - groupBy: the grouping columns, in the order the labels join them.
  static func comparisonSlices(_ groups: [String], groupBy: [String]) -> [[String]] {
    func sharedPart(_ group: String) -> String {
      let cut = group.range(of: " @ ")
      let grouping = cut.map { String(group[..<$0.lowerBound]) } ?? group
      let held = cut.map { String(group[$0.upperBound...]) } ?? ""
      let values = grouping.components(separatedBy: " / ")
      // A value that itself contains " / " makes the split ambiguous: then the whole label is
      // the compared part, as with a single grouping column.
      let others = values.count == groupBy.count ? values.dropFirst() : []
      return others.joined(separator: " / ") + " @ " + held
    }
    var slices: [String: [String]] = [:]
    for group in groups { slices[sharedPart(group), default: []].append(group) }
    return slices.keys.sorted().compactMap { slices[$0]!.count >= 2 ? slices[$0]! : nil }
  }

  /// One compute comparison per compared pair of families whose frontiers were fitted (the
  /// pair's labels without the parameters held along the axis, " @ …").
  static func computeMultipliers(
    comparisons: [GroupComparison], frontiers: [ComputeFrontier], settings: AnalysisSettings
  ) -> [ComputeMultiplier] {
    func group(_ label: String) -> String {
      label.range(of: " @ ").map { String(label[..<$0.lowerBound]) } ?? label
    }
    var pairs: [[String]] = []
    for comparison in comparisons {
      let pair = [group(comparison.baseline), group(comparison.other)]
      if !pairs.contains(pair) { pairs.append(pair) }
    }
    // A family measured on its own axis (a convolution's channels beside an MLP's width) has
    // no comparison, but its frontier is on the same compute axis: it is set against the
    // baseline's frontier too, within equal values of the other group columns.
    if let baseline = frontierBaseline(frontiers: frontiers, comparisons: pairs, settings: settings)
    {
      let place = comparedPlace(settings)
      func context(_ label: String) -> [String] {
        var parts = label.components(separatedBy: " / ")
        if let place, place < parts.count { parts.remove(at: place) }
        return parts
      }
      for frontier in frontiers
      where frontier.group != baseline
        && context(frontier.group) == context(baseline)
        && !pairs.contains(where: { Set($0) == [baseline, frontier.group] })
      {
        pairs.append([baseline, frontier.group])
      }
    }
    return pairs.compactMap { pair in
      guard let baseline = frontiers.first(where: { $0.group == pair[0] }),
        let other = frontiers.first(where: { $0.group == pair[1] })
      else { return nil }
      return ComputeMultiplier.make(baseline: baseline, other: other, level: settings.level)
    }
  }

  /// Where the compared column's value stands in a group label's " / "-joined values.
  static func comparedPlace(_ settings: AnalysisSettings) -> Int? {
    (settings.compareColumn ?? settings.groupBy.first).flatMap {
      settings.groupBy.firstIndex(of: $0)
    }
  }

  /// The group whose frontier the others are set against: `analysis.baseline`'s, else the one
  /// the comparisons use most, else the frontier with the highest loss in the middle of the
  /// compute every frontier measured (the rule the comparisons use on their axis).
  static func frontierBaseline(
    frontiers: [ComputeFrontier], comparisons: [[String]], settings: AnalysisSettings
  ) -> String? {
    guard frontiers.count >= 2 else { return nil }
    if let wanted = settings.baseline {
      let place = comparedPlace(settings) ?? 0
      return frontiers.first {
        let parts = $0.group.components(separatedBy: " / ")
        return place < parts.count && parts[place] == wanted
      }?.group
    }
    let counts = Dictionary(comparisons.map { ($0[0], 1) }, uniquingKeysWith: +)
    if let most = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) { return most.key }
    let low = frontiers.compactMap { $0.compute.min() }.max()!
    let high = frontiers.compactMap { $0.compute.max() }.min()!
    guard low < high else { return nil }
    let middle = (low * high).squareRoot()
    func loss(_ f: ComputeFrontier) -> Double {
      // The frontier's measured loss at the last compute not above the middle.
      zip(f.compute, f.loss).filter { $0.0 <= middle }.map(\.1).min() ?? .infinity
    }
    return frontiers.max { loss($0) < loss($1) }?.group
  }

  /// With tuning, the rows the compute views see: for each configuration — every parameter
  /// but the tuned ones, the seed among them, and the `point` of a trial with several — the row
  /// with the lowest `select` (val_loss). A seed's own winner, as in the envelope: choosing by
  /// the fitted loss would bias the frontier low by the noise of the minimum.
  static func tunedWinners(ok: Table, validation: [Double?], settings: AnalysisSettings) -> [Int] {
    let tuned = Set(settings.tune)
    let keyColumns = ok.columns.indices.filter { c in
      let name = ok.columns[c]
      return !tuned.contains(name)
        && (settings.isParameter(name) || name == settings.seedColumn || name == "point")
    }
    var best: [[String]: Int] = [:]
    for row in ok.rows.indices {
      guard let value = validation[row], value.isFinite else { continue }
      let key = keyColumns.map { ok.rows[row][$0] }
      if let current = best[key], let held = validation[current], held <= value { continue }
      best[key] = row
    }
    return best.values.sorted()
  }

  static func computeAnalyses(
    ok: Table, labels: [String], groups: [String], y: [Double?], seeds: [String],
    settings: AnalysisSettings, warnings: inout [String]
  ) -> ([ComputeFrontier], [String: IsoFLOPAnalysis]) {
    guard let computeAxis = ["flops", "compute"].first(where: ok.columns.contains) else {
      return ([], [:])
    }
    let compute = ok.numbers(computeAxis)
    let n = ok.numbers("n_params")
    var frontiers: [ComputeFrontier] = []
    var isoFLOP: [String: IsoFLOPAnalysis] = [:]
    for group in groups {
      let rows = labels.indices.filter {
        labels[$0] == group && isFittable(compute[$0]) && isFittable(y[$0])
      }
      // A frontier needs compute that varies; a sweep at one budget has none.
      guard Set(rows.map { compute[$0]! }).count >= 3 else { continue }
      let frontier = ComputeFrontier.build(
        group: group, axis: computeAxis, compute: rows.map { compute[$0]! },
        loss: rows.map { y[$0]! }, settings: settings)
      frontiers.append(frontier)
      let notes = [frontier.fitError, frontier.fit?.unmovedNote, frontier.fit?.stretchedNote]
      for note in notes.compactMap({ $0 }) {
        warnings.append(
          "\(display(group, groupBy: settings.groupBy)), compute frontier on \(computeAxis): \(note)"
        )
      }
      let sized = rows.filter { isFittable(n[$0]) }
      if let iso = IsoFLOPAnalysis.fit(
        n: sized.map { n[$0]! }, compute: sized.map { compute[$0]! }, loss: sized.map { y[$0]! },
        seeds: sized.map { seeds[$0] }, settings: settings)
      {
        isoFLOP[group] = iso
      }
    }
    return (frontiers, isoFLOP)
  }

  static func chinchillaFits(
    ok: Table, labels: [String], groups: [String], y: [Double?], seeds: [String],
    settings: AnalysisSettings, warnings: inout [String]
  ) -> [String: ChinchillaFit] {
    guard ok.columns.contains("n_params"), ok.columns.contains("samples_seen") else { return [:] }
    let n = ok.numbers("n_params")
    let d = ok.numbers("samples_seen")
    var fits: [String: ChinchillaFit] = [:]
    for group in groups {
      var rows = labels.indices.filter {
        labels[$0] == group && isFittable(n[$0]) && isFittable(d[$0]) && isFittable(y[$0])
      }
      let drop = Set(rows.sorted { y[$0]! > y[$1]! }.prefix(settings.dropTop))
      rows.removeAll { drop.contains($0) }
      guard Set(rows.map { n[$0]! }).count >= 3, Set(rows.map { d[$0]! }).count >= 3 else {
        continue
      }
      do {
        let fit = try ChinchillaFit.make(
          n: rows.map { n[$0]! }, d: rows.map { d[$0]! }, y: rows.map { y[$0]! },
          seeds: rows.map { seeds[$0] }, settings: settings)
        fits[group] = fit
        for note in [fit.result.unmovedNote, fit.result.stretchedNote].compactMap({ $0 }) {
          warnings.append("\(group), Chinchilla law: \(note)")
        }
      } catch {
        warnings.append("\(group), Chinchilla law: \(error.message)")
      }
    }
    return fits
  }

  /// The verdict, one item per comparison first; without any, each family's exponent and floor.
  func verdictList() -> [String] {
    var sentences: [String] = []
    var floorsSaid = Set<String>()
    for comparison in comparisons {
      let newFloors = comparison.floorNotes.filter { floorsSaid.insert($0).inserted }
      sentences.append(
        "\(comparison.subject): "
          + (newFloors + [comparison.finding]).joined(separator: " "))
    }
    // A trend over three or more ordered values: each step's paired Δα, in one item.
    let steps = Dictionary(grouping: adjacentDifferences, by: \.context)
    for context in steps.keys.sorted() where steps[context]!.count >= 2 {
      let slice = steps[context]!
      let falls = slice.allSatisfy { ($0.exponentDifferenceInterval?.upper ?? 0) < 0 }
      let rises = slice.allSatisfy { ($0.exponentDifferenceInterval?.lower ?? 0) > 0 }
      sentences.append(
        "\(slice[0].column)\(context.isEmpty ? "" : ", at \(context)"), step by step (paired"
          + " Δα = α(next) − α(previous)): "
          + slice.map {
            "\(format($0.from)) → \(format($0.to)): Δα = \(format($0.exponentDifference))"
              + bracket($0.exponentDifferenceInterval)
          }.joined(separator: "; ")
          + (falls
            ? " — α falls at every step."
            : rises
              ? " — α rises at every step."
              : " — not every step's interval excludes 0."))
    }
    let primary = settings.xs.first
    for family in families where family.axis == primary {
      let floorSentence =
        family.floorIsSignificant
          && !comparisons.contains(where: {
            $0.baseline == family.group || $0.other == family.group
          })
        ? " " + family.floorSentence(subject: "It", purpose: "reading its exponent") : ""
      if comparisons.isEmpty || !floorSentence.isEmpty {
        sentences.append(
          "\(display(family.group)): loss falls as \(family.axis)^−α with "
            + equation("α", family.pure.fit.parameter("alpha"), family.pure.interval("alpha"))
            + " (pure power law; with a floor "
            + equation(
              "α", family.withFloor.fit.parameter("alpha"), family.withFloor.interval("alpha"))
            + ").\(floorSentence)")
      }
    }
    for family in families where family.axis == primary {
      guard let tuned = family.tuned else { continue }
      let winners = Array(Set(tuned.optima.map(\.setting))).sorted(by: labelPrecedes)
      let best =
        winners.count == 1
        ? "the best \(tuned.columns.joined(separator: " / ")) is \(winners[0]) at every scale"
        : "the best \(tuned.columns.joined(separator: " / ")) moves over "
          + winners.joined(separator: ", ")
      let drift = tuned.driftSentence(axis: family.axis).map { "; \($0)" } ?? ""
      sentences.append(
        "\(display(family.group)), tuned by \(tuned.select) (the envelope is fitted): \(best)\(drift)."
      )
    }
    // Per unit of compute: what structure buys per FLOP, and where both approaches to the
    // compute-optimal allocation were possible, whether they agree.
    for multiplier in computeMultipliers {
      sentences.append(multiplier.sentence)
    }
    for (group, optimal) in computeOptimal.sorted(by: { $0.key < $1.key })
    where optimal.isoFLOP != nil {
      sentences.append("\(display(group)), compute-optimal size: \(optimal.agreementSentence)")
    }
    for family in families where family.axis == primary && !family.stopped.isEmpty {
      let missing = family.stopped.filter(\.missing).count
      sentences.append(
        "\(display(family.group)): early stopping "
          + (missing > 0
            ? "removed \(missing) scale point(s) and thinned others" : "thinned scale points")
          + " (\(Self.stoppedText(family.stopped))): its fit is from the survivors of a rung, which"
          + " favour fast starters, so α is biased — read it only on completed scales.")
    }
    let scattered = families.filter { $0.axis == primary && ($0.seedLossRatio ?? 1) > 2 }
    if !scattered.isEmpty {
      let worst = scattered.map { $0.seedLossRatio! }.max()!
      sentences.append(
        "Seeds disagree: at the same \(primary ?? "scale") one seed's loss is up to "
          + "\(format(worst))× another's (median over \(primary ?? "scale")) in "
          + "\(scattered.map { display($0.group) }.joined(separator: "; ")); the intervals are wide for that"
          + " reason — check that each seed's target is normalised, or run more seeds.")
    }
    if sentences.isEmpty {
      return ["No family had enough ok trials with a loss and a scale to fit a law."]
    }
    return sentences
  }
}

/// Label order for tables, legends and colours: part by part (values split at " / ", " @ ",
/// ", " and "="), numbers by value (32 < 64 < 128 < 512, 0.001 < 0.003 < 0.01), other text as
/// text.
public func labelPrecedes(_ a: String, _ b: String) -> Bool {
  func parts(_ label: String) -> [String] {
    var pieces = [label]
    for separator in [" @ ", " / ", ", ", "="] {
      pieces = pieces.flatMap { $0.components(separatedBy: separator) }
    }
    return pieces
  }
  for (x, y) in zip(parts(a), parts(b)) where x != y {
    if let u = Double(x), let v = Double(y), u != v { return u < v }
    return x < y
  }
  return parts(a).count != parts(b).count ? parts(a).count < parts(b).count : a < b
}

/// A scale or loss that can be fitted in log space: present, finite and positive.
func isFittable(_ value: Double?) -> Bool {
  guard let value else { return false }
  return value.isFinite && value > 0
}
