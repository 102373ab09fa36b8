import Testing

@testable import OrbitAnalysis

@Suite struct TableTests {
  @Test func parsesRFC4180Quoting() throws {
    let text = "name,note,loss\r\n\"a, b\",\"say \"\"hi\"\"\",0.5\r\nc,\"two\nlines\",1e-3\r\n"
    let table = try Table.parseCSV(text)
    #expect(table.columns == ["name", "note", "loss"])
    #expect(table.rows == [["a, b", "say \"hi\"", "0.5"], ["c", "two\nlines", "1e-3"]])
    #expect(table.numbers("loss") == [0.5, 0.001])
    #expect(try Table.parseCSV(table.csv()) == table)
  }

  @Test func emptyAndNonNumericCellsAreNil() throws {
    let table = try Table.parseCSV("x,y\n1,\n2, 3 \nnan,abc\n")
    #expect(table.numbers("y") == [nil, 3, nil])
    #expect(table.numbers("missing") == [nil, nil, nil])
    #expect(table.numbers("x")[2]!.isNaN)
  }

  @Test func raggedRowsAndOpenQuotesNameTheRecord() {
    #expect {
      try Table.parseCSV("a,b\n1,2\n3\n")
    } throws: { error in
      let e = error as? AnalysisError
      return e?.code == .malformedCSV && e!.message.contains("record 3 has 1 fields")
    }
    #expect {
      try Table.parseCSV("a,b\n1,\"open\n")
    } throws: { error in
      (error as? AnalysisError)?.message.contains("never closed") == true
    }
  }

  @Test func lastLineWithoutNewlineAndBlankLinesAreHandled() throws {
    let table = try Table.parseCSV("a,b\n\n1,2\n\n3,4")
    #expect(table.rows == [["1", "2"], ["3", "4"]])
  }
}
