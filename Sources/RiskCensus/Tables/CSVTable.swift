import Foundation
import RiskGeo

/// A CSV file read whole: a header and rows of text fields, each row with its line number for
/// messages. Follows RFC 4180 as the peer engines write it: fields may be quoted ("a, b"; a
/// doubled quote inside is one quote), CRLF or LF line ends, a UTF-8 byte-order mark is skipped,
/// blank lines and lines starting with `#` are skipped, surrounding spaces are trimmed.
///
/// Every problem is a `CensusError.badData` that names the file and the line (exit 3).
struct CSVTable {
    let path: String
    let header: [String]
    /// Rows with the 1-based line of the file they start on.
    let rows: [(line: Int, fields: [String])]

    init(path: String) throws(CensusError) {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(key: "file", path: path) }
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            throw .badData(file: path, message: "cannot read as UTF-8 text")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        self.path = path
        var records = try Self.parse(text, path: path)
        // Blank lines, and comment lines such as the `#,,"generated_by=…"` line OpenQuake exports.
        records.removeAll { r in r.fields.allSatisfy(\.isEmpty) || r.fields[0].hasPrefix("#") }
        guard let first = records.first else { throw .badData(file: path, message: "empty file: expected a header row") }
        header = first.fields
        rows = Array(records.dropFirst())
        for r in rows where r.fields.count != header.count {
            throw .badData(file: path, message: "line \(r.line): \(r.fields.count) fields, the header has \(header.count)")
        }
    }

    private static func parse(_ text: String, path: String) throws(CensusError) -> [(line: Int, fields: [String])] {
        var out: [(line: Int, fields: [String])] = []
        var fields: [String] = [], field = "", quoted = false, inQuotes = false
        var line = 1, start = 1
        var it = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endField() {
            fields.append(quoted ? field : field.trimmingCharacters(in: .whitespaces))
            field = ""
            quoted = false
        }
        while let c = pending ?? it.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let n = it.next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                    } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.trimmingCharacters(in: .whitespaces).isEmpty:
                field = ""
                quoted = true
                inQuotes = true
            case ",":
                endField()
            case "\r":
                break
            case "\n":
                endField()
                out.append((start, fields))
                fields = []
                line += 1
                start = line
            default:
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw .badData(file: path, message: "line \(start): a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty || quoted {
            endField()
            out.append((start, fields))
        }
        return out
    }

    /// The index of a column, or nil.
    func index(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// The index of the first of `names` present; throws naming them all when none is.
    func column(_ names: String...) throws(CensusError) -> Int {
        for n in names { if let i = index(n) { return i } }
        let want = names.map { "\"\($0)\"" }.joined(separator: " or ")
        throw .badData(file: path, message: "no column \(want) (columns: \(header.joined(separator: ", ")))")
    }

    /// A finite number from a field, or an error naming the line and the column.
    func number(_ row: (line: Int, fields: [String]), _ column: Int) throws(CensusError) -> Double {
        let s = row.fields[column]
        guard let v = Double(s), v.isFinite else {
            throw .badData(file: path, message: "line \(row.line), column \(header[column]): expected a number, found \"\(s)\"")
        }
        return v
    }
}
