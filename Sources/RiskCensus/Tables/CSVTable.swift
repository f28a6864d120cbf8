import Foundation
import RiskGeo

/// A CSV file read whole: a header and rows of text fields, each row with its line number for
/// messages. Follows RFC 4180 as the peer engines write it: fields may be quoted ("a, b"; a
/// doubled quote inside is one quote), CRLF or LF line ends, a UTF-8 byte-order mark is skipped,
/// blank lines are skipped, surrounding spaces are trimmed. `#` starts a comment only on lines
/// before the header, where OpenQuake writes its `#,,"generated_by=…"` metadata line: after the
/// header, a row whose first field starts with `#` is data (an asset may be called `#d3`).
///
/// Every problem is a `CensusError.badData` that names the file and the line (exit 3).
struct CSVTable {
    let path: String
    let header: [String]
    /// Column names the header gives more than once: reading one of them by name is an error.
    let repeated: Set<String>
    /// Rows with the 1-based line of the file they start on.
    let rows: [(line: Int, fields: [String])]

    init(path: String) throws(CensusError) {
        // A table's parsed form takes several times its bytes.
        var text = try InputFile.text(path, what: "the table", sizeFactor: 8) { .geo(.fileNotFound(path: $0)) }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        if let nul = text.utf8.firstIndex(of: 0) {
            let line = text.utf8[..<nul].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw .badData(file: path, message: "line \(line): a NUL byte; expected a text table")
        }
        self.path = path
        var records = try Self.parse(text, path: path)
        records.removeAll { r in r.fields.allSatisfy(\.isEmpty) }
        // The metadata lines before the header, such as the `#,,"generated_by=…"` line OpenQuake exports.
        while let r = records.first, r.fields[0].hasPrefix("#") { records.removeFirst() }
        guard let first = records.first else { throw .badData(file: path, message: "empty file: expected a header row") }
        header = first.fields
        var seen = Set<String>(), repeated = Set<String>()
        for name in header where !seen.insert(name).inserted { repeated.insert(name) }
        self.repeated = repeated
        rows = Array(records.dropFirst())
        for r in rows where r.fields.count != header.count {
            throw .badData(file: path, message: "line \(r.line): \(r.fields.count) fields, the header has \(header.count)")
        }
    }

    /// Splits the text into records on its UTF-8 bytes (the delimiters are ASCII, so a
    /// multi-byte character never splits), making each field's String once.
    private static func parse(_ text: String, path: String) throws(CensusError) -> [(line: Int, fields: [String])] {
        let bytes = Array(text.utf8)
        var out: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var line = 1, start = 1, i = 0
        let n = bytes.count
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        func trimmed(_ a: Int, _ b: Int) -> String {
            var a = a, b = b
            while a < b && (bytes[a] == 0x20 || bytes[a] == 0x09) { a += 1 }
            while b > a && (bytes[b - 1] == 0x20 || bytes[b - 1] == 0x09) { b -= 1 }
            return String(decoding: bytes[a..<b], as: UTF8.self)
        }
        while i < n {
            // One field.
            var j = i
            while j < n && (bytes[j] == 0x20 || bytes[j] == 0x09) { j += 1 }
            if j < n && bytes[j] == quote {
                var value: [UInt8] = []
                j += 1
                while true {
                    guard j < n else { throw .badData(file: path, message: "line \(start): a quoted field is not closed") }
                    if bytes[j] == quote {
                        if j + 1 < n && bytes[j + 1] == quote { value.append(quote); j += 2; continue }
                        j += 1
                        break
                    }
                    if bytes[j] == lf { line += 1 }
                    value.append(bytes[j])
                    j += 1
                }
                fields.append(String(decoding: value, as: UTF8.self))
                while j < n && bytes[j] != comma && bytes[j] != lf { j += 1 }
            } else {
                j = i
                while j < n && bytes[j] != comma && bytes[j] != lf { j += 1 }
                var end = j
                if end > i && bytes[end - 1] == cr { end -= 1 }
                fields.append(trimmed(i, end))
            }
            if j < n && bytes[j] == comma {
                i = j + 1
                if i == n { fields.append("") }
                continue
            }
            out.append((start, fields))
            fields = []
            line += 1
            start = line
            i = j + 1
        }
        if !fields.isEmpty { out.append((start, fields)) }
        return out
    }

    /// Throws when `name` heads more than one column (which one a reader took would be a guess).
    func unique(_ name: String) throws(CensusError) {
        guard repeated.contains(name) else { return }
        let columns = header.indices.filter { header[$0] == name }.map { String($0 + 1) }.joined(separator: " and ")
        throw .badData(file: path, message: "columns \(columns) are both named \"\(name.prefix(64))\"; a column must be named once")
    }

    /// The index of a column, or nil.
    func index(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// The index of the first of `names` present; throws naming them all when none is.
    func column(_ names: String...) throws(CensusError) -> Int {
        for n in names { if let i = index(n) { try unique(n); return i } }
        let want = names.map { "\"\($0)\"" }.joined(separator: " or ")
        throw .badData(file: path, message: "no column \(want) (\(headerDescription))")
    }

    /// The header for a message: its column names when the file reads as a table (two columns
    /// or more, each a plausible name), otherwise only their count, so that a file that is not a
    /// table (a key file, a host name, the process environment) is never echoed.
    var headerDescription: String {
        let plausible = (2...200).contains(header.count) && header.allSatisfy { name in
            name.count <= 64 && name.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || " _-.()%#/".unicodeScalars.contains($0)
            } && !name.contains("/")
        }
        return plausible ? "columns: \(header.joined(separator: ", "))"
            : "its first row, \(header.count) field(s), does not read as column names: is it a CSV table?"
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
