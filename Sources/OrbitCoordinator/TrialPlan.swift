import OrbitSpec

/// One trial as the coordinator dispatches it.
public struct PlannedTrial: Sendable, Equatable {
  public var index: Int
  public var id: TrialID
  public var paramsJSON: String

  public init(index: Int, id: TrialID, paramsJSON: String) {
    self.index = index
    self.id = id
    self.paramsJSON = paramsJSON
  }
}

/// The sweep's trials in dispatch order, generated on demand: a 10^7-point grid costs nothing
/// until a trial is dispatched.
public struct TrialPlan: Sendable {
  public let count: Int
  private let generate: @Sendable (Int) -> PlannedTrial

  public init(count: Int, generate: @escaping @Sendable (Int) -> PlannedTrial) {
    self.count = count
    self.generate = generate
  }

  public func trial(at index: Int) -> PlannedTrial { generate(index) }
}
