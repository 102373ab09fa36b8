/// A failure of the SQLite journal, with the file and what to do about it.
public struct JournalError: Error, CustomStringConvertible, Sendable {
  public struct Code: Hashable, Sendable {
    private enum Kind { case cannotOpen, io, corrupt, notAJournal }
    private let kind: Kind
    /// The file could not be opened or created (permissions, missing folder, locked).
    public static let cannotOpen = Code(kind: .cannotOpen)
    /// A read or write failed mid-run (disk full, I/O error).
    public static let io = Code(kind: .io)
    /// The file holds rows Orbit cannot read back.
    public static let corrupt = Code(kind: .corrupt)
    /// The path exists but holds no Orbit journal.
    public static let notAJournal = Code(kind: .notAJournal)
  }

  public var code: Code
  public var message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { message }
}
