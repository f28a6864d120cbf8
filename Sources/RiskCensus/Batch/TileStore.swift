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
        var chunks = [header]
        for (_, a) in arrays { chunks.append(a.withUnsafeBytes { Array($0) }) }
        let checksum = TileChecksum.of(chunks)
        try AtomicFile.write(chunks: chunks, to: path(name))
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
        guard let data = FileManager.default.contents(atPath: p) else { throw CensusError.run("\(p): tile file missing") }
        if let expected {
            guard data.withUnsafeBytes({ TileChecksum.of($0) }) == expected else { throw CensusError.run("\(p): checksum does not match the catalog") }
        }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> [String: [Float]] in
            var at = 0
            func bad() -> CensusError { CensusError.run("\(p): not a tile file of this engine") }
            func u32() throws -> Int {
                guard at + 4 <= raw.count else { throw bad() }
                let v = raw.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian
                at += 4
                return Int(v)
            }
            guard raw.count >= Self.magic.count, Array(raw[0..<Self.magic.count]) == Self.magic else { throw bad() }
            at = Self.magic.count
            let arrays = try u32(), count = try u32()
            var names: [String] = []
            for _ in 0..<arrays {
                let n = try u32()
                guard at + n <= raw.count else { throw bad() }
                names.append(String(decoding: raw[at..<at + n], as: UTF8.self))
                at += n
            }
            guard raw.count == at + arrays * count * 4 else { throw bad() }
            var out: [String: [Float]] = [:]
            for name in names {
                out[name] = [Float](unsafeUninitializedCapacity: count) { buf, initialized in
                    UnsafeMutableRawBufferPointer(buf).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[at..<at + count * 4]))
                    initialized = count
                }
                at += count * 4
            }
            return out
        }
    }

    /// The `TileChecksum` of the file as it is now, nil when it is missing.
    func checksum(_ name: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path(name)) else { return nil }
        return data.withUnsafeBytes { TileChecksum.of($0) }
    }
}
