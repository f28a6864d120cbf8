import Foundation
import Testing
@testable import RiskCensus
import RiskGeo

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

    /// `#` marks metadata only before the header: after it, a row named `#d3` is data.
    /// Found by fuzz-csv: a field with a space or tab at either end must be quoted, or the
    /// reader (which trims unquoted fields) reads another text back.
    @Test func fieldsWithSurroundingSpaceRoundTrip() throws {
        let fields = [" lead", "trail ", "\tboth\t", "mid dle", "plain", "", " "]
        let t = try table(CSVText.row(fields.indices.map { "c\($0)" }) + CSVText.row(fields))
        #expect(t.rows.first?.fields == fields)
        var b = CSVBytes(capacity: 64)
        for f in fields { b.text(f) }
        #expect(String(decoding: b.bytes, as: UTF8.self) == CSVText.row(fields).dropLast())
    }

    @Test func repeatedColumnNamesFailOnlyWhenRead() throws {
        let t = try table("a,b,a\n1,2,3\n")
        #expect(try t.column("b") == 1)
        #expect(throws: CensusError.self) { try t.column("a") }
        #expect(throws: CensusError.self) { try table("a,b\n1,\u{0}\n") }
    }

    @Test func aHashAfterTheHeaderIsData() throws {
        let t = try table("#,,\"generated_by='OpenQuake engine'\"\nid,value\n#d3,1\nd4,2\n# not a comment,3\n")
        #expect(t.header == ["id", "value"])
        #expect(t.rows.map { $0.fields[0] } == ["#d3", "d4", "# not a comment"])
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

/// The byte writer of the per-unit tables writes what the String writer does: the same quoting,
/// the same numbers, and raster cell ids without making Strings.
@Suite struct CSVBytesTests {
    @Test func bytesMatchTheStringWriter() {
        let texts = ["plain", "with,comma", "say \"hi\"", "two\nlines", "", "避难场所"]
        let numbers: [Double] = [0, -0.0, 1, -17, 2.5, 0.1 + 0.2, 1e15, 123_456_789_012_345, -1e-300, 1.0 / 3, .infinity, .nan, Double(Int64.max)]
        var b = CSVBytes()
        var expected = ""
        for t in texts {
            b.text(t)
            b.empty()
            b.endRow()
            expected += CSVText.row([t, ""])
        }
        for v in numbers {
            b.number(v)
            b.integer(Int(v.isFinite && abs(v) < 1e18 ? v : 0))
            b.endRow()
            expected += CSVText.row([JSONText.number(v), String(Int(v.isFinite && abs(v) < 1e18 ? v : 0))])
        }
        #expect(String(decoding: b.bytes, as: UTF8.self) == expected)
    }

    /// A column's number repeated from the row above is copied, not formatted again: the text
    /// is the same as formatting it, whatever the other columns hold in between.
    @Test func repeatedNumbersAreCopiedExactly() {
        let values: [Double] = [0.1, 0.1, 2.5, 2.5, 2.5, 7, 2.5, 1.0 / 3, 1.0 / 3, .nan, 1.0 / 3, -0.0, 1e-300]
        var b = CSVBytes(capacity: 8)   // grows while copying
        var expected = ""
        for (k, v) in values.enumerated() {
            b.text("r\(k)")
            b.number(v)
            b.number(values[values.count - 1 - k])
            b.endRow()
            expected += CSVText.row(["r\(k)", JSONText.number(v), JSONText.number(values[values.count - 1 - k])])
        }
        #expect(String(decoding: b.bytes, as: UTF8.self) == expected)
    }

    @Test func rasterCellIdsAndRowChunksKeepTheirOrder() throws {
        let ids = UnitIDs(cells: [0, 7, 1_000_003, 41], width: 1_000)
        #expect(Array(ids) == ["r0c0", "r0c7", "r1000c3", "r0c41"])
        let listed: UnitIDs = ["a", "b,c"]
        #expect(listed.count == 2 && listed[1] == "b,c")
        let many = UnitIDs(cells: Array(0..<100_000), width: 317)
        let p = NSTemporaryDirectory() + "ids-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: p) }
        try CSVText.write(rows: many.count, header: "", to: p) { b, i in
            many.write(i, to: &b)
            b.integer(i)
        }
        #expect(try String(contentsOfFile: p, encoding: .utf8) == (0..<100_000).map { "\(many[$0]),\($0)\n" }.joined())
        var quoted = CSVBytes()
        listed.write(1, to: &quoted)
        #expect(String(decoding: quoted.bytes, as: UTF8.self) == "\"b,c\"")
    }

    /// The streamed table equals the chunks joined: header first, rows in order across chunk
    /// boundaries, whatever order the cores finish in.
    @Test func streamedRowsKeepTheirOrder() throws {
        let p = NSTemporaryDirectory() + "rows-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: p) }
        let n = 200_003
        try CSVText.write(rows: n, header: "i,x\n", to: p) { b, i in
            if i % 50_000 == 0 { usleep(2_000) }   // uneven chunks
            b.integer(i)
            b.number(Double(i) / 7)
        }
        let expected = "i,x\n" + (0..<n).map { "\($0),\(JSONText.number(Double($0) / 7))\n" }.joined()
        #expect(try String(contentsOfFile: p, encoding: .utf8) == expected)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix((p as NSString).lastPathComponent + ".tmp") }
        #expect(leftovers.isEmpty)
    }

    /// Work done alongside the table by one of its workers runs once, and its error comes out
    /// after the table is written whole.
    @Test func workAlongsideRunsOnceAndItsErrorIsThrown() throws {
        struct Failure: Error {}
        final class Count: @unchecked Sendable { var n = 0 }
        let p = NSTemporaryDirectory() + "beside-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: p) }
        let count = Count()
        try CSVText.write(rows: 100_000, header: "i\n", to: p, alongside: { usleep(20_000); count.n += 1 }) { b, i in b.integer(i) }
        #expect(count.n == 1)
        #expect(throws: Failure.self) {
            try CSVText.write(rows: 100_000, header: "i\n", to: p, alongside: { throw Failure() }) { b, i in b.integer(i) }
        }
        #expect(try String(contentsOfFile: p, encoding: .utf8) == "i\n" + (0..<100_000).map { "\($0)\n" }.joined())
    }

    @Test func aTableThatCannotBeCreatedNamesItsPath() {
        let p = NSTemporaryDirectory() + "no-such-dir-\(UUID().uuidString)/demand.csv"
        #expect(throws: CensusError.self) { try CSVText.write(rows: 10, header: "i\n", to: p) { b, i in b.integer(i) } }
        do {
            try CSVText.write(rows: 10, header: "i\n", to: p) { b, i in b.integer(i) }
        } catch {
            #expect("\(error)".contains(p) && "\(error)".contains("create"))
        }
    }
}
