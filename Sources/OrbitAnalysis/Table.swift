/// A table of named columns (what trials.csv holds): strings, with numeric views.
public struct Table: Sendable, Equatable {
  /// Column names, in order.
  public var columns: [String]
  /// Rows of cells, each as long as `columns`.
  public var rows: [[String]]

  public init(columns: [String], rows: [[String]]) {
    self.columns = columns
    self.rows = rows
  }

  /// Parses CSV text (RFC 4180: quoted fields may hold commas, newlines and doubled quotes;
  /// CRLF or LF line ends). The first record is the header.
  /// - Throws: `AnalysisError.malformedCSV` for an unterminated quote, an empty text or a row
  ///   whose length differs from the header's.
  public static func parseCSV(_ text: String) throws(AnalysisError) -> Table {
    var records: [[String]] = []
    var record: [String] = []
    var field: [UInt8] = []
    var inQuotes = false
    var fieldWasQuoted = false
    var line = 1
    let bytes = Array(text.utf8)
    var i = 0
    func endField() {
      record.append(String(decoding: field, as: UTF8.self))
      field.removeAll(keepingCapacity: true)
      fieldWasQuoted = false
    }
    while i < bytes.count {
      let c = bytes[i]
      if inQuotes {
        if c == UInt8(ascii: "\"") {
          if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
            field.append(c)
            i += 1
          } else {
            inQuotes = false
          }
        } else {
          if c == UInt8(ascii: "\n") { line += 1 }
          field.append(c)
        }
      } else if c == UInt8(ascii: "\"") && field.isEmpty && !fieldWasQuoted {
        inQuotes = true
        fieldWasQuoted = true
      } else if c == UInt8(ascii: ",") {
        endField()
      } else if c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") {
        if c == UInt8(ascii: "\r") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n") {
          i += 1
        }
        endField()
        // A blank line (one empty field) is skipped rather than read as a record.
        if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
        record.removeAll()
        line += 1
      } else {
        field.append(c)
      }
      i += 1
    }
    if inQuotes {
      throw AnalysisError(
        .malformedCSV, "CSV line \(line): a quoted field is never closed; add the closing \"")
    }
    if !field.isEmpty || !record.isEmpty || fieldWasQuoted {
      endField()
      records.append(record)
    }
    guard let header = records.first else {
      throw AnalysisError(.malformedCSV, "CSV is empty; it needs a header row of column names")
    }
    for (index, row) in records.enumerated().dropFirst() where row.count != header.count {
      throw AnalysisError(
        .malformedCSV,
        "CSV record \(index + 1) has \(row.count) fields but the header has \(header.count);"
          + " quote fields that contain commas")
    }
    return Table(columns: header, rows: Array(records.dropFirst()))
  }

  /// The column called `column` as numbers; nil for cells that are empty or not numbers
  /// (and for every row when the column does not exist).
  public func numbers(_ column: String) -> [Double?] {
    guard let index = columns.firstIndex(of: column) else {
      return [Double?](repeating: nil, count: rows.count)
    }
    return rows.map { Double($0[index].trimmingSpaces) }
  }

  /// The column called `column` as strings ("" when the column does not exist).
  public func strings(_ column: String) -> [String] {
    guard let index = columns.firstIndex(of: column) else {
      return [String](repeating: "", count: rows.count)
    }
    return rows.map { $0[index] }
  }

  /// The rows for which `keep` is true, same columns.
  public func filter(_ keep: ([String]) -> Bool) -> Table {
    Table(columns: columns, rows: rows.filter(keep))
  }

  /// Serialises to CSV, quoting fields that need it (RFC 4180).
  public func csv() -> String {
    func quote(_ s: String) -> String {
      if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
        return "\"" + s.replacing("\"", with: "\"\"") + "\""
      }
      return s
    }
    var out = columns.map(quote).joined(separator: ",") + "\n"
    for row in rows { out += row.map(quote).joined(separator: ",") + "\n" }
    return out
  }
}

extension String {
  var trimmingSpaces: Substring {
    var s = Substring(self)
    while s.first == " " { s.removeFirst() }
    while s.last == " " { s.removeLast() }
    return s
  }
}
