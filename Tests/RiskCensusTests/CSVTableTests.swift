import Foundation
import Testing
@testable import RiskCensus

/// The CSV reader behind every table input: RFC 4180 quoting, CRLF, a byte-order mark, comment
/// lines as OpenQuake writes them, and line numbers that count quoted line breaks.
@Suite struct CSVTableTests {
    private func table(_ text: String) throws -> CSVTable {
        let p = NSTemporaryDirectory() + "csv-\(UUID().uuidString).csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        defer { try? FileManager.default.removeItem(atPath: p) }
        return try CSVTable(path: p)
    }

    @Test func quotingLineEndsAndComments() throws {
        let t = try table("\u{FEFF}#,,\"generated_by='OpenQuake engine'\"\r\nid, name ,value\r\n1,\"Wu, \"\"Jin\"\"\",2.5\r\n\r\n2,\"two\nlines\",\r\n3,常州,7\n")
        #expect(t.header == ["id", "name", "value"])
        #expect(t.rows.map(\.fields) == [["1", "Wu, \"Jin\"", "2.5"], ["2", "two\nlines", ""], ["3", "常州", "7"]])
        #expect(t.rows.map(\.line) == [3, 5, 7])
        #expect(try t.number(t.rows[0], 2) == 2.5)
    }

    @Test func problemsNameTheLine() throws {
        for (text, needle) in [("a,b\n1,2,3\n", "line 2: 3 fields"), ("a,b\n1,\"open\n", "not closed"),
                               ("a,b\n1,x\n", "line 2, column b: expected a number"), ("\n\n", "empty file")] {
            do {
                let t = try table(text)
                _ = try t.number(t.rows[0], 1)
                Issue.record("\(needle)")
            } catch let e as CensusError {
                #expect(e.exitCode == 3 && e.description.contains(needle), "\(e)")
            }
        }
    }
}
