import Foundation

/// The exponent's change between two neighbouring values of an ordered numeric group column
/// (intrinsic dimension 2 → 4 → 6 → 8: the pairs (2, 4), (4, 6), (6, 8)), with the paired
/// interval. A comparison against one baseline answers "does each group differ from the
/// baseline"; a trend over an ordered column asks whether each step changes α, and the steps
/// between two non-baseline groups are in no baseline comparison.
public struct AdjacentDifference: Sendable {
  /// The group column whose values are stepped through.
  public var column: String
  /// The other group columns and held parameters both families share ("" when none).
  public var context: String
  /// The axis both families were fitted on.
  public var axis: String
  /// The families at the lower and the next higher value of `column`.
  public var fromGroup: String
  public var toGroup: String
  /// Those values, as numbers.
  public var from: Double
  public var to: Double
  /// α(to) − α(from) of the pure power laws, with its paired bootstrap interval.
  public var exponentDifference: Double
  public var exponentDifferenceInterval: Interval?

  /// "task.intrinsic_dim 2 → 4" (", at CONTEXT" when other columns are held).
  public var subject: String {
    "\(column) \(format(from)) → \(format(to))" + (context.isEmpty ? "" : ", at \(context)")
  }

  /// What the interval says about the step: "α falls from 2 to 4", "holds 0, …".
  public var reading: String {
    guard let interval = exponentDifferenceInterval else { return "no bootstrap, no interval" }
    if interval.upper < 0 { return "α falls from \(format(from)) to \(format(to))" }
    if interval.lower > 0 { return "α rises from \(format(from)) to \(format(to))" }
    return "the interval holds 0: no change of α shown at this sample size"
  }

  /// "Δα = −0.21 [−0.3, −0.12]: α falls from 2 to 4".
  public var finding: String {
    "Δα = \(format(exponentDifference))\(bracket(exponentDifferenceInterval)): \(reading)"
  }

  /// The adjacent pairs of `families` (fitted on one axis) along `column`, within slices whose
  /// other group columns and held parameters match, when every value of `column` in the slice
  /// is a number; none otherwise (labels such as none / augment have no order).
  static func make(
    _ families: [FamilyFit], column: String, settings: AnalysisSettings
  ) -> [AdjacentDifference] {
    var differences: [AdjacentDifference] = []
    for (context, members) in Analysis.slices(families, column: column) {
      let valued = members.compactMap { family -> (Double, FamilyFit)? in
        guard let text = family.groupValues[column], let value = Double(text), value.isFinite
        else { return nil }
        return (value, family)
      }
      guard valued.count == members.count, valued.count >= 2,
        Set(valued.map(\.0)).count == valued.count
      else { continue }
      let ordered = valued.sorted { $0.0 < $1.0 }
      for (low, high) in zip(ordered, ordered.dropFirst()) {
        let (difference, interval) = GroupComparison.pairedExponentDifference(
          baseline: low.1, other: high.1, level: settings.level)
        differences.append(
          AdjacentDifference(
            column: column, context: context, axis: low.1.axis, fromGroup: low.1.group,
            toGroup: high.1.group, from: low.0, to: high.0, exponentDifference: difference,
            exponentDifferenceInterval: interval))
      }
    }
    return differences
  }
}
