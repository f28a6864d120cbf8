import CCrypto
import CXXHash
import Foundation

/// SHA-256 (FIPS 180-4) through libcrypto, for input, output and engine checksums in provenance
/// and job keys. libcrypto uses the CPU's SHA extensions where it has them; the pure-Swift
/// version it replaces took 42 % of a census run.
///
/// Streaming: `update`, then `finalize`, which also starts the hasher over. A copy is
/// independent of the original (copy on write), so it can be passed around like any value.
package struct SHA256: Sendable {
    private var context: Context

    package init() { context = Context() }

    package mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    package mutating func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        if !isKnownUniquelyReferenced(&context) { context = context.copy() }
        guard EVP_DigestUpdate(context.pointer, bytes.baseAddress, bytes.count) == 1 else { fatalError("libcrypto: EVP_DigestUpdate failed") }
    }

    /// The digest as 64 lowercase hex digits.
    package mutating func finalize() -> String {
        if !isKnownUniquelyReferenced(&context) { context = context.copy() }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(EVP_MAX_MD_SIZE)) { digest in
            var length: UInt32 = 0
            guard EVP_DigestFinal_ex(context.pointer, digest.baseAddress, &length) == 1, length == 32,
                  EVP_DigestInit_ex2(context.pointer, Self.algorithm.md, nil) == 1 else { fatalError("libcrypto: SHA-256 failed") }
            return Self.hexDigits(UnsafeRawBufferPointer(start: digest.baseAddress, count: 32))
        }
    }

    /// One shot, for bytes already in memory.
    package static func hex(of bytes: UnsafeRawBufferPointer) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(EVP_MAX_MD_SIZE)) { digest in
            var length: UInt32 = 0
            // A null pointer for no bytes is not documented as allowed; pass a real one.
            let ok = withUnsafeBytes(of: 0 as UInt8) { empty in
                EVP_Digest(bytes.baseAddress ?? empty.baseAddress, bytes.count, digest.baseAddress, &length, algorithm.md, nil)
            }
            guard ok == 1, length == 32 else { fatalError("libcrypto: EVP_Digest failed") }
            return hexDigits(UnsafeRawBufferPointer(start: digest.baseAddress, count: 32))
        }
    }

    package static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        bytes.withContiguousStorageIfAvailable { hex(of: UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { hex(of: $0) }
    }

    /// sha256 of a file, read in 1 MiB pieces so a large input never sits in memory whole.
    package static func hex(ofFile path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CensusError.badData(file: path, message: "cannot read for checksum: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        var s = SHA256()
        while true {
            let n = read(fd, buffer.baseAddress, size)
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw CensusError.badData(file: path, message: "cannot read for checksum: \(String(cString: strerror(errno)))")
            }
            s.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return s.finalize()
    }

    static func hexDigits(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            digits.withUTF8Buffer { d in
                for (i, b) in bytes.enumerated() {
                    out[2 * i] = d[Int(b >> 4)]
                    out[2 * i + 1] = d[Int(b & 0xf)]
                }
            }
            return bytes.count * 2
        }
    }

    /// SHA-256 fetched from the default provider once: EVP_sha256() would look it up again on
    /// every init. Never freed; it lives as long as the process.
    private struct Algorithm: @unchecked Sendable { let md: OpaquePointer }
    private static let algorithm: Algorithm = {
        guard let md = EVP_MD_fetch(nil, "SHA256", nil) else { fatalError("libcrypto: no SHA256 in the default provider") }
        return Algorithm(md: md)
    }()

    /// Owns one EVP_MD_CTX. Only mutated through a uniquely referenced instance (the struct
    /// copies it first otherwise), which makes sharing between copies and threads safe.
    private final class Context: @unchecked Sendable {
        let pointer: OpaquePointer

        init() {
            guard let p = EVP_MD_CTX_new() else { fatalError("libcrypto: out of memory") }
            pointer = p
            guard EVP_DigestInit_ex2(p, SHA256.algorithm.md, nil) == 1 else {
                EVP_MD_CTX_free(p)
                fatalError("libcrypto: EVP_DigestInit_ex2 failed")
            }
        }

        private init(copying other: Context) {
            guard let p = EVP_MD_CTX_new() else { fatalError("libcrypto: out of memory") }
            pointer = p
            guard EVP_MD_CTX_copy_ex(p, other.pointer) == 1 else {
                EVP_MD_CTX_free(p)
                fatalError("libcrypto: EVP_MD_CTX_copy_ex failed")
            }
        }

        func copy() -> Context { Context(copying: self) }

        deinit { EVP_MD_CTX_free(pointer) }
    }
}

/// XXH3-64 of a tile file's bytes, for its integrity in the run catalog: tiles are our own
/// intermediate files, guarded against truncation and damage, not against an adversary, and
/// XXH3 runs at memory speed. Written "xxh3:" + 16 hex digits so it never reads as a sha256
/// (a catalog of an older engine holds sha256s for its tiles; they simply do not match).
enum TileChecksum {
    static let prefix = "xxh3:"

    /// The checksum of the chunks one after the other, the same as of their concatenation.
    static func of(_ chunks: [UnsafeRawBufferPointer]) -> String {
        of { feed in chunks.forEach(feed) }
    }

    static func of(_ chunks: [[UInt8]]) -> String {
        of { feed in chunks.forEach { $0.withUnsafeBytes(feed) } }
    }

    /// The checksum of what `body` feeds, in order: for bytes that are not in memory at once.
    static func of(feeding body: ((UnsafeRawBufferPointer) -> Void) throws -> Void) rethrows -> String {
        guard let state = XXH3_createState() else { fatalError("xxhash: out of memory") }
        defer { XXH3_freeState(state) }
        guard XXH3_64bits_reset(state) == XXH_OK else { fatalError("xxhash: XXH3_64bits_reset failed") }
        try body { c in
            guard c.count > 0 else { return }
            guard XXH3_64bits_update(state, c.baseAddress, c.count) == XXH_OK else { fatalError("xxhash: XXH3_64bits_update failed") }
        }
        return text(XXH3_64bits_digest(state))
    }

    static func of(_ bytes: UnsafeRawBufferPointer) -> String {
        text(XXH3_64bits(bytes.baseAddress, bytes.count))
    }

    /// The canonical (big-endian) form, as xxhsum prints it.
    static func text(_ h: UInt64) -> String {
        withUnsafeBytes(of: h.bigEndian) { prefix + SHA256.hexDigits($0) }
    }
}
