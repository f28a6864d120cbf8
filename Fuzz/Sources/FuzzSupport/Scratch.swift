import Foundation

/// Per-process scratch folder for the readers that only take a path.
public enum Scratch {
    /// Not /dev/shm: `InputPolicy` refuses every path under /dev. FUZZ_SCRATCH overrides the base
    /// (a tmpfs mounted elsewhere is faster than /tmp).
    public static let directory: String = {
        let base = ProcessInfo.processInfo.environment["FUZZ_SCRATCH"] ?? "/tmp"
        let d = "\(base)/riskcensus-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Scratch.directory) }
        return d
    }()

    /// `bytes` written to `name` in the scratch folder (truncating); returns the path.
    @discardableResult
    public static func write(_ name: String, _ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let path = directory + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot create \(path)")
        var off = 0
        while off < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + off, bytes.count - off)
            precondition(n > 0, "cannot write \(path)")
            off += n
        }
        close(fd)
        return path
    }

    @discardableResult
    public static func write(_ name: String, _ bytes: ArraySlice<UInt8>) -> String {
        bytes.withUnsafeBufferPointer { write(name, $0) }
    }

    public static func remove(_ name: String) { unlink(directory + "/" + name) }
}

/// Splits fuzz input into parts at a separator line, so one input can carry several files
/// (a sites CSV and a GMF CSV; an exposure NRML and the CSV it names).
public func splitParts(_ bytes: UnsafeBufferPointer<UInt8>, separator: [UInt8] = Array("\n===\n".utf8), max: Int) -> [ArraySlice<UInt8>] {
    let all = Array(bytes)
    var parts: [ArraySlice<UInt8>] = []
    var start = 0, i = 0
    while i + separator.count <= all.count, parts.count < max - 1 {
        if all[i..<(i + separator.count)].elementsEqual(separator) {
            parts.append(all[start..<i])
            i += separator.count
            start = i
        } else {
            i += 1
        }
    }
    parts.append(all[start...])
    return parts
}

/// A failed round-trip or invariant: a crash libFuzzer records, with the message on stderr.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("fuzz invariant: \(message())", file: file, line: line) }
}

/// The exemptions a target once made for known issues are off (all are fixed); FUZZ_STRICT=0 turns them on (see
/// README.md), so that their reproducers in crashes/ fail again.
public let strict = ProcessInfo.processInfo.environment["FUZZ_STRICT"] != "0"

/// Exact text equality, scalar by scalar (Swift's == on String is canonical equivalence).
public func sameScalars(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }

/// Consumes fuzz bytes as typed values, like LLVM's FuzzedDataProvider; zeros once exhausted.
public struct ByteReader {
    let bytes: [UInt8]
    var at = 0
    public init(_ p: UnsafeBufferPointer<UInt8>) { bytes = Array(p) }
    public var isEmpty: Bool { at >= bytes.count }
    public mutating func byte() -> UInt8 {
        guard at < bytes.count else { return 0 }
        defer { at += 1 }
        return bytes[at]
    }
    public mutating func int(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(byte()) % bound }
    public mutating func bool() -> Bool { byte() & 1 == 1 }
    public mutating func uint64() -> UInt64 {
        var v: UInt64 = 0
        for _ in 0..<8 { v = v << 8 | UInt64(byte()) }
        return v
    }
    /// Up to `max` raw bytes (length from one byte).
    public mutating func data(max: Int) -> [UInt8] {
        let n = min(int(max + 1), bytes.count - min(at, bytes.count))
        defer { at += n }
        return Array(bytes[at..<(at + n)])
    }
}
