import Foundation
import Testing
@testable import RiskCensus

/// SHA-256 over libcrypto and the XXH3 tile checksum.
@Suite struct ChecksumTests {
    /// Bytes that are not periodic in any small piece size.
    static func bytes(_ n: Int) -> [UInt8] {
        var x: UInt64 = 0x9E3779B97F4A7C15
        return (0..<n).map { _ in
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        }
    }

    /// FIPS 180-4 test vectors, one shot and streamed.
    @Test func sha256KnownDigests() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        let twoBlock = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        let million = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(SHA256.hex(Array("abc".utf8)) == abc)
        #expect(Array("abc".utf8).withUnsafeBytes { SHA256.hex(of: $0) } == abc)
        #expect(SHA256.hex([UInt8]()) == empty)
        #expect(SHA256.hex(of: UnsafeRawBufferPointer(start: nil, count: 0)) == empty)
        var s = SHA256()
        #expect(s.finalize() == empty)
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == twoBlock)
        for chunk in stride(from: 0, to: long.count, by: 7) { s.update(long[chunk..<min(long.count, chunk + 7)]) }
        #expect(s.finalize() == twoBlock)
        let a = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hex(a) == million)
        for _ in 0..<1000 { s.update(a[0..<1000]) }
        #expect(s.finalize() == million)
        // A collection without contiguous storage, and Data.
        s.update("abc".utf8.lazy.map { $0 })
        #expect(s.finalize() == abc)
        s.update(Data("abc".utf8))
        #expect(s.finalize() == abc)
    }

    @Test func sha256StreamedInUnevenPiecesEqualsOneShot() {
        let data = Self.bytes(3 << 20 | 12345)
        let whole = SHA256.hex(data)
        var s = SHA256()
        var at = 0, k = 0
        let sizes = [1, 63, 64, 65, 0, 7, 4096, 1 << 20, 3, 127, 128, 55, 56]
        while at < data.count {
            let n = min(sizes[k % sizes.count], data.count - at)
            data.withUnsafeBytes { s.update(UnsafeRawBufferPointer(rebasing: $0[at..<at + n])) }
            at += n
            k += 1
        }
        #expect(s.finalize() == whole)
    }

    /// A copy carries on from where the original was and does not disturb it.
    @Test func sha256CopiesAreIndependent() {
        var a = SHA256()
        a.update(Array("ab".utf8))
        var b = a
        b.update(Array("c".utf8))
        a.update(Array("x".utf8))
        #expect(b.finalize() == SHA256.hex(Array("abc".utf8)))
        #expect(a.finalize() == SHA256.hex(Array("abx".utf8)))
        let c = a
        a.update(Array("abc".utf8))
        var d = c
        #expect(d.finalize() == SHA256.hex([UInt8]()))
        #expect(a.finalize() == SHA256.hex(Array("abc".utf8)))
    }

    @Test func sha256OfAFileReadInPieces() throws {
        let path = NSTemporaryDirectory() + "sha-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let data = Self.bytes(5 << 19 | 17)   // two and a half 1 MiB reads
        try Data(data).write(to: URL(fileURLWithPath: path))
        #expect(try SHA256.hex(ofFile: path) == SHA256.hex(data))
        #expect(try AtomicFile.sha256(of: path) == SHA256.hex(data))
        #expect(throws: CensusError.self) { try SHA256.hex(ofFile: path + "-missing") }
        let exe = try SHA256.hex(ofFile: "/proc/self/exe")
        #expect(EngineInfo.buildID == exe && exe.count == 64)
    }

    @Test func xxh3KnownValuesAndSensitivity() {
        #expect(TileChecksum.of(UnsafeRawBufferPointer(start: nil, count: 0)) == "xxh3:2d06800538d394c2")
        #expect(TileChecksum.of([UnsafeRawBufferPointer]()) == "xxh3:2d06800538d394c2")
        let abc = Array("abc".utf8).withUnsafeBytes { TileChecksum.of($0) }
        // XXH3's output is frozen since xxHash 0.8.0; catalogs depend on it staying so.
        #expect(abc == "xxh3:78af5f94892f3950")
        #expect(TileChecksum.of([Array("a".utf8), [], Array("bc".utf8)]) == abc)

        let data = Self.bytes(1 << 20 | 333)
        let whole = data.withUnsafeBytes { TileChecksum.of($0) }
        #expect(whole.hasPrefix("xxh3:") && whole.count == 5 + 16)
        #expect(data.withUnsafeBytes { TileChecksum.of($0) } == whole)
        let pieces = data.withUnsafeBytes { raw in
            TileChecksum.of([0..<1, 1..<240, 240..<241, 241..<70_000, 70_000..<raw.count].map { UnsafeRawBufferPointer(rebasing: raw[$0]) })
        }
        #expect(pieces == whole)
        for i in [0, 12_345, data.count - 1] {
            var flipped = data
            flipped[i] ^= 0x10
            #expect(flipped.withUnsafeBytes { TileChecksum.of($0) } != whole)
        }
    }

    /// Tile files carry an XXH3 checksum; a sha256 (what an older engine's catalog holds for its
    /// tiles) never matches, so such a file is refused rather than trusted.
    @Test func tileFilesUseXXH3() throws {
        let dir = NSTemporaryDirectory() + "store-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TileStore(out: dir)
        let sum = try store.write("t", [("a", [1, 2, 3]), ("b", [.nan, 0, -1])])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: store.path("t")))
        #expect(sum == bytes.withUnsafeBytes { TileChecksum.of($0) })
        #expect(store.checksum("t") == sum && store.checksum("missing") == nil)
        #expect(try store.read("t", sha256: sum)["a"] == [1, 2, 3])
        #expect(throws: CensusError.self) { try store.read("t", sha256: SHA256.hex(bytes)) }
    }

    /// Tile arrays are read straight into their storage: a whole file reads back exactly, and a
    /// truncated, padded, damaged or absurd one is refused with the file's name, never read short.
    @Test func damagedTileFilesAreRefused() throws {
        let dir = NSTemporaryDirectory() + "store-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TileStore(out: dir)
        let a = (0..<5000).map { Float($0) * 0.5 }, b = (0..<5000).map { $0 % 7 == 0 ? Float.nan : -Float($0) }
        let sum = try store.write("t", [("population", a), ("value", b)])
        let read = try store.read("t", sha256: sum)
        #expect(read["population"] == a && read["value"]!.map(\.bitPattern) == b.map(\.bitPattern))
        let whole = try Data(contentsOf: URL(fileURLWithPath: store.path("t")))
        func refused(_ bytes: Data, checksum: String?) -> String? {
            try? bytes.write(to: URL(fileURLWithPath: store.path("x")))
            do { _ = try store.read("x", sha256: checksum); return nil } catch { return "\(error)" }
        }
        for cut in [0, 5, 12, 20, 30, whole.count / 2, whole.count - 1] {
            #expect(refused(whole.prefix(cut), checksum: nil)?.contains("x.bin: not a tile file") == true, "cut at \(cut)")
        }
        #expect(refused(whole + Data([0]), checksum: nil)?.contains("not a tile file") == true)
        var damaged = whole
        damaged[whole.count - 3] ^= 0x01
        #expect(refused(damaged, checksum: sum)?.contains("checksum does not match") == true)
        var absurd = whole
        absurd.replaceSubrange(8..<16, with: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])   // 4 G arrays of 4 G cells
        #expect(refused(absurd, checksum: nil)?.contains("not a tile file") == true)
    }
}
