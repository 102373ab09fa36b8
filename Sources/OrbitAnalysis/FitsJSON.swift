import Foundation

/// fits.json: every fit, interval, multiplier and verdict, for scripts (keys snake_case,
/// non-finite numbers as null).
enum FitsJSON {
  static func number(_ value: Double?) -> Any {
    guard let value, value.isFinite else { return NSNull() }
    return value
  }

  /// VALUE: the estimate and its interval; `bound` ("upper": only an upper limit, the parameter
  /// at the lower end of its range; "lower": the mirror) and `stretched` only when they apply.
  static func interval(_ value: Double, _ interval: Interval?) -> [String: Any] {
    var object: [String: Any] = [
      "value": number(value), "lower": number(interval?.lower), "upper": number(interval?.upper),
    ]
    if let bound = interval?.bound { object["bound"] = bound.rawValue }
    if interval?.stretched == true { object["stretched"] = true }
    return object
  }

  static func fit(_ f: FitWithIntervals) -> [String: Any] {
    var parameters: [String: Any] = [:]
    for (i, name) in f.fit.law.parameterNames.enumerated() {
      parameters[name] = interval(f.fit.parameters[i], i < f.intervals.count ? f.intervals[i] : nil)
    }
    return [
      "law": f.fit.law.rawValue, "parameters": parameters, "objective": number(f.fit.objective),
      "converged": f.fit.converged, "iterations": f.fit.iterations, "starts": f.fit.starts,
      "starts_at_optimum": f.fit.startsAtOptimum, "points": f.fit.points,
      "bootstrap_resamples": f.samples.count,
      "bootstrap_scheme": f.scheme.map { $0.rawValue as Any } ?? NSNull(),
      "distinct_resamples": f.distinctResamples, "unmoved_refits": f.unmovedRefits,
      "interval_expansion": f.expansion,
    ]
  }

  static func tuned(_ t: TunedEnvelope) -> [String: Any] {
    [
      "columns": t.columns, "select": t.select, "resamples": t.resamples,
      "choice_changed": t.choiceChanged,
      "optima": t.optima.map { o -> [String: Any] in
        [
          "x": number(o.x), "setting": o.setting, "values": o.values,
          "optimum": number(o.optimum), "at_edge": o.atEdge, "seed_winners": o.seedWinners,
        ]
      },
      "drift": t.drift.map { d -> Any in
        [
          "column": d.column, "gamma": interval(d.gamma, d.gammaInterval),
          "coefficient": number(d.coefficient), "drifts": d.drifts,
          "bounded_by_grid": d.boundedByGrid, "unresolved_by_grid": d.unresolvedByGrid,
        ] as [String: Any]
      } ?? NSNull(),
    ]
  }

  static func stopped(_ s: StoppedScale) -> [String: Any] {
    [
      "group": s.group, "axis": s.axis, "x": number(s.x), "stopped": s.stopped,
      "total": s.total, "missing": s.missing,
    ]
  }

  static func family(_ f: FamilyFit) -> [String: Any] {
    [
      "stopped": f.stopped.map(stopped),
      "tuned": f.tuned.map { tuned($0) as Any } ?? NSNull(),
      "group": f.group, "group_values": f.groupValues, "axis": f.axis, "points": f.x.count,
      "bootstrap_scheme": f.withFloor.scheme.map { $0.rawValue as Any } ?? NSNull(),
      "with_floor": fit(f.withFloor),
      "pure": fit(f.pure), "floor_significant": f.floorIsSignificant,
      "floor_onset": number(f.floorOnset), "seed_spread": number(f.seedSpread),
      "seed_loss_ratio": number(f.seedLossRatio),
      "local_slopes": f.localSlopes.map {
        [
          "from": number($0.from), "to": number($0.to), "slope": number($0.slope),
          "rises": $0.slope < 0,
        ]
      },
    ]
  }

  static func comparison(_ c: GroupComparison) -> [String: Any] {
    [
      "baseline": c.baseline, "other": c.other, "axis": c.axis, "subject": c.subject,
      "floor_notes": c.floorNotes, "finding": c.finding,
      "exponent_difference": interval(c.exponentDifference, c.exponentDifferenceInterval),
      "multipliers": c.multipliers.map {
        [
          "x": number($0.x), "loss": number($0.loss), "k": number($0.k),
          "lower": number($0.interval?.lower), "upper": number($0.interval?.upper),
          "extrapolated": $0.extrapolated,
        ] as [String: Any]
      },
      "verdict": c.verdict.rawValue, "sentence": c.sentence,
    ]
  }

  static func adjacent(_ d: AdjacentDifference) -> [String: Any] {
    [
      "column": d.column, "context": d.context, "axis": d.axis, "from_group": d.fromGroup,
      "to_group": d.toGroup, "from": number(d.from), "to": number(d.to), "subject": d.subject,
      "exponent_difference": interval(d.exponentDifference, d.exponentDifferenceInterval),
      "finding": d.finding,
    ]
  }

  static func chinchilla(_ c: ChinchillaFit) -> [String: Any] {
    [
      "fit": fit(c.result), "a": interval(c.a, c.aInterval), "b": interval(c.b, c.bInterval),
      "measured_compute": [
        number(c.measuredCompute.lowerBound), number(c.measuredCompute.upperBound),
      ],
    ]
  }

  static func estimate(_ e: Estimate) -> [String: Any] { interval(e.value, e.interval) }

  static func isoFLOP(_ iso: IsoFLOPAnalysis) -> [String: Any] {
    [
      "a": interval(iso.exponent, iso.exponentInterval), "coefficient": number(iso.coefficient),
      "failed_resamples": iso.failedResamples,
      "budgets": iso.budgets.map {
        [
          "compute": number($0.compute), "optimal_n": interval($0.optimalN, $0.optimalNInterval),
          "loss": number($0.lossAtOptimum), "runs": $0.runs,
        ] as [String: Any]
      },
    ]
  }

  static func computeOptimal(_ c: ComputeOptimal) -> [String: Any] {
    [
      "a": estimate(c.a), "b": estimate(c.b),
      "isoflop": c.isoFLOP.map { isoFLOP($0) as Any } ?? NSNull(),
      "agree": c.agree.map { $0 as Any } ?? NSNull(), "sentence": c.agreementSentence,
      "allocations": c.allocations.map {
        [
          "compute": number($0.compute), "optimal_n": estimate($0.optimalN),
          "optimal_d": estimate($0.optimalD), "loss": estimate($0.optimalLoss),
          "extrapolated": $0.extrapolated,
        ] as [String: Any]
      },
    ]
  }

  static func computeMultiplier(_ m: ComputeMultiplier) -> [String: Any] {
    [
      "baseline": m.baseline, "other": m.other, "axis": m.axis,
      "points": m.points.map {
        ["compute": number($0.compute), "k": estimate($0.k), "extrapolated": $0.extrapolated]
          as [String: Any]
      },
      "kappa": estimate(m.kappa), "trend": m.trend.rawValue,
      "crossover": number(m.crossover), "crossover_extrapolated": m.crossoverExtrapolated,
      "sentence": m.sentence,
    ]
  }

  static func holdout(_ h: FrontierHoldout) -> [String: Any] {
    [
      "compute": number(h.compute), "observed": number(h.observed),
      "predicted": estimate(h.predicted), "relative_error": number(h.relativeError),
      "inside": h.inside.map { $0 as Any } ?? NSNull(),
    ]
  }

  /// The layout's version (docs/ANALYSIS.md): 2 added `schema`, per-family `group_values` and
  /// `bootstrap_scheme`, per-fit `bootstrap_scheme`, `distinct_resamples`, `unmoved_refits`,
  /// `interval_expansion`, and per-comparison `subject`, `floor_notes`, `finding`. Still 2 with
  /// the tuned envelope's additions (top-level `tune`, `select`; per-family `tuned`) and issue
  /// 23's (VALUE's `bound` and `stretched`, the frontier's `fit_error`, the top-level
  /// `adjacent_differences`): new keys only, none changed. 3 (issue 24): an IsoFLOP budget's
  /// `optimal_n` became VALUE (it carries its interval) and `isoflop` gained `a` (VALUE) for
  /// `exponent`; new `compute_optimal`, `compute_multipliers` and each frontier's `holdout`.
  static let schema = 3

  /// The whole analysis as a JSON object.
  static func object(_ analysis: Analysis, metadata: SweepMetadata?) -> [String: Any] {
    let s = analysis.settings
    var object: [String: Any] = [
      "schema": schema, "compare": s.compareColumn ?? NSNull(), "baseline": s.baseline ?? NSNull(),
      "minimum_seed_clusters": s.minimumSeedClusters, "y": s.y, "xs": s.xs, "group_by": s.groupBy,
      "seed_column": s.seedColumn ?? NSNull(), "tune": s.tune,
      "select": s.tune.isEmpty ? NSNull() : s.select,
      "level": s.level, "bootstrap": s.bootstrap, "huber_delta": s.huberDelta,
      "random_seed": s.randomSeed, "counts_by_status": analysis.countsByStatus,
      "fitted_rows": analysis.fittedRows, "groups": analysis.groups,
      "families": analysis.families.map(family),
      "comparisons": analysis.comparisons.map(comparison),
      "adjacent_differences": analysis.adjacentDifferences.map(adjacent),
      "frontiers": analysis.frontiers.map { f -> [String: Any] in
        [
          "group": f.group, "axis": f.axis, "compute": f.compute, "loss": f.loss,
          "fit": f.fit.map(fit) ?? NSNull(), "fit_error": f.fitError ?? NSNull(),
          "holdout": f.holdout.map { holdout($0) as Any } ?? NSNull(),
        ]
      },
      "isoflop": analysis.isoFLOP.mapValues(isoFLOP),
      "compute_optimal": analysis.computeOptimal.mapValues(computeOptimal),
      "compute_multipliers": analysis.computeMultipliers.map(computeMultiplier),
      "chinchilla": analysis.chinchilla.mapValues(chinchilla),
      "verdict": analysis.verdict, "warnings": analysis.warnings,
      "stopped": analysis.stopped.map(stopped),
      "early_terminate": s.earlyTermination ?? NSNull(),
      "roles": [
        "axes": s.xs, "tuned": s.tune, "groups": s.groupBy, "tune_inferred": s.tuneInferred,
        "set_by_analysis": s.explicitKeys, "line": s.rolesLine,
        "analysis_from": s.source ?? NSNull(),
      ] as [String: Any],
    ]
    if let metadata {
      object["sweep"] = [
        "name": metadata.name, "workers": metadata.workers,
        "wall_seconds": number(metadata.wallSeconds), "created_at": metadata.createdAt,
        "cpu_seconds": number(metadata.cpuSeconds),
        "counts_by_status": metadata.countsByStatus,
      ]
    }
    return object
  }

  /// Serialises a JSON object with sorted keys, pretty-printed.
  static func text(_ object: [String: Any]) -> String {
    guard
      let data = try? JSONSerialization.data(
        withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    else { return "{}" }
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
