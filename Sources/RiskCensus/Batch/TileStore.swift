import Foundation
import RiskCore

/// Per-tile intermediate results on disk, under `tiles/` in the output folder, so a killed run
/// resumes from the tiles it finished and memory does not grow with the region: a pass reads
/// one tile's arrays, never the whole grid's.
///
/// A file holds named Float32 arrays of one length (little-endian, after a small header). It is
/// written to a temporary name and renamed, so a file under its final name is always complete;
/// the catalog records its checksum (`TileChecksum`, XXH3), and a file whose checksum differs
/// is refused.
struct TileStore: Sendable {
    let directory: String

    static let magic: [UInt8] = Array("RCTILE1\n".utf8)

    init(out: String) throws {
        directory = (out as NSString).appendingPathComponent("tiles")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CensusError.run("\(directory): cannot create the tile store: \(error.localizedDescription)")
        }
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name + ".bin") }

    /// Writes the arrays under `name` and returns the file's `TileChecksum`.
    @discardableResult
    func write(_ name: String, _ arrays: [(String, [Float])]) throws -> String {
        let count = arrays.first?.1.count ?? 0
        precondition(arrays.allSatisfy { $0.1.count == count }, "tile arrays of different lengths")
        var header = Self.magic
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { header.append(contentsOf: $0) } }
        u32(arrays.count)
        u32(count)
        for (n, _) in arrays {
            let b = Array(n.utf8)
            u32(b.count)
            header.append(contentsOf: b)
        }
        // The arrays go to the checksum and the file from their own storage, uncopied.
        func each(_ emit: (UnsafeRawBufferPointer) -> Void) {
            header.withUnsafeBytes(emit)
            for (_, a) in arrays { a.withUnsafeBytes(emit) }
        }
        let checksum = TileChecksum.of(feeding: each)
        try AtomicFile.write(to: path(name), each)
        return checksum
    }

    /// Writes a tile's typed content under `name`; returns the file's `TileChecksum`.
    @discardableResult
    func write<T: TileContent>(_ name: String, _ content: T) throws -> String {
        try write(name, content.arrays)
    }

    /// The typed content of `name`, checked against the catalog's checksum when given.
    func read<T: TileContent>(_ type: T.Type, _ name: String, checksum: String?) throws -> T {
        try T(StoredArrays(file: path(name), byName: read(name, sha256: checksum)))
    }

    /// The arrays of `name` by array name, checked against the catalog's checksum when given
    /// (the label is the catalog column's name; the value is a `TileChecksum`).
    func read(_ name: String, sha256 expected: String? = nil) throws -> [String: [Float]] {
        let p = path(name)
        let fd = open(p, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CensusError.run("\(p): tile file missing") }
        defer { close(fd) }
        func bad() -> CensusError { CensusError.run("\(p): not a tile file of this engine") }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CensusError.run("\(p): \(String(cString: strerror(errno)))") }
        let size = Int(info.st_size)
        /// Reads exactly `count` bytes into `into`; false at an early end of the file.
        func readFully(_ into: UnsafeMutableRawBufferPointer) throws -> Bool {
            var at = 0
            while at < into.count {
                let n = Foundation.read(fd, into.baseAddress! + at, into.count - at)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CensusError.run("\(p): read failed: \(String(cString: strerror(errno)))")
                }
                if n == 0 { return false }
                at += n
            }
            return true
        }
        // The header (magic, counts, names), then each array read straight into its storage:
        // one copy from the page cache, the checksum taken over the same bytes in order.
        var header = [UInt8](repeating: 0, count: Self.magic.count + 8)
        guard size >= header.count, try header.withUnsafeMutableBytes(readFully), Array(header[0..<Self.magic.count]) == Self.magic else { throw bad() }
        func u32(_ bytes: [UInt8], at: Int) -> Int {
            Int(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) }.littleEndian)
        }
        let arrays = u32(header, at: Self.magic.count), count = u32(header, at: Self.magic.count + 4)
        var names: [String] = []
        for _ in 0..<arrays {
            var length = [UInt8](repeating: 0, count: 4)
            guard try length.withUnsafeMutableBytes(readFully) else { throw bad() }
            let n = u32(length, at: 0)
            guard header.count + 4 + n <= size else { throw bad() }
            var text = [UInt8](repeating: 0, count: n)
            guard try text.withUnsafeMutableBytes(readFully) else { throw bad() }
            header += length + text
            names.append(String(decoding: text, as: UTF8.self))
        }
        let (cells, o1) = arrays.multipliedReportingOverflow(by: count)
        let (bytes, o2) = cells.multipliedReportingOverflow(by: 4)
        guard !o1, !o2, size == header.count + bytes else { throw bad() }
        var out: [String: [Float]] = [:]
        var values: [[Float]] = []
        for _ in names {
            var complete = true
            let a = try [Float](unsafeUninitializedCapacity: count) { buf, initialized in
                complete = try readFully(UnsafeMutableRawBufferPointer(buf))
                initialized = count
            }
            guard complete else { throw bad() }
            values.append(a)
        }
        if let expected {
            let sum = TileChecksum.of { feed in
                header.withUnsafeBytes(feed)
                for a in values { a.withUnsafeBytes(feed) }
            }
            guard sum == expected else { throw CensusError.run("\(p): checksum does not match the catalog") }
        }
        for (name, a) in zip(names, values) { out[name] = a }
        return out
    }

    /// The `TileChecksum` of the file as it is now, nil when it is missing.
    func checksum(_ name: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path(name)) else { return nil }
        return data.withUnsafeBytes { TileChecksum.of($0) }
    }
}
