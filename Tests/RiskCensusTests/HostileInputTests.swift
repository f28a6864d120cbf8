import Foundation
import Testing
@testable import RiskCensus
import RiskCore
import RiskGeo

private final class Folder {
    let path = NSTemporaryDirectory() + "hostile-" + UUID().uuidString
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ n: String) -> String { path + "/" + n }
}

/// Hostile manifests and files at the library level: each is refused with the documented exit
/// code and a message that names the key or file and echoes no outside file.
@Suite struct HostileInputTests {
    private func failure(_ mutate: (String, String) throws -> String) throws -> CensusError? {
        try sampleManifestFailure(mutate)
    }

    @Test func aRemoteInputIsRefusedNamingTheKeyUnlessItsHostIsListed() throws {
        let e = try #require(try failure { y, _ in y.replacingOccurrences(of: "depth_rp100.tif", with: "/vsicurl/http://127.0.0.1:9/none") })
        #expect(e.exitCode == 2 && e.description.contains("hazards[0].return_periods[1].path") && e.description.contains("remote inputs are off"))
        let other = try #require(try failure { y, _ in
            y.replacingOccurrences(of: "depth_rp100.tif", with: "https://elsewhere.example.org/d.tif") + "remote_inputs: {hosts: [data.example.org]}\n"
        })
        // The allowance is process-wide (InputPolicy.current) and other suites load manifests
        // concurrently, so the refusal may read "remote inputs are off" here: what must hold is
        // that the host is refused, naming the key.
        #expect(other.exitCode == 2 && other.description.contains("hazards[0].return_periods[1].path") && other.description.contains("remote inputs"))
        let empty = try #require(try failure { y, _ in y + "remote_inputs: {hosts: []}\n" })
        #expect(empty.exitCode == 2 && empty.description.contains("remote_inputs.hosts"))
        let scheme = try #require(try failure { y, _ in y + "remote_inputs: {hosts: [h], schemes: [gopher]}\n" })
        #expect(scheme.exitCode == 2 && scheme.description.contains("remote_inputs.schemes[0]"))
    }

    @Test func aSpecialFileIsRefusedAsAnyInput() throws {
        setenv("RC_HOSTILE_CANARY", "rc-canary-in-environ", 1)
        for (from, key) in [("damage.csv", "vulnerability"), ("depth_rp100.tif", "return_periods[1].path"), ("units.geojson", "region.layer")] {
            let e = try #require(try failure { y, _ in y.replacingOccurrences(of: from, with: "/proc/self/environ") })
            #expect(e.exitCode == 2 && e.description.contains("/proc") && !e.description.contains("rc-canary"), "\(key): \(e)")
        }
    }

    @Test func aTableThatIsNotATableIsNeverEchoed() throws {
        let e = try #require(try failure { y, dir in
            try "API_TOKEN=rc-secret-42;PATH=/usr/bin:/bin\n1,2\n".write(toFile: dir + "/keys.csv", atomically: true, encoding: .utf8)
            return y.replacingOccurrences(of: "damage.csv", with: "keys.csv")
        })
        #expect(e.exitCode == 3 && e.description.contains("keys.csv") && !e.description.contains("rc-secret"), "\(e)")
        // A real table's columns are listed.
        let f = try #require(try failure { y, _ in y.replacingOccurrences(of: "y_column: damage_ratio", with: "y_column: ratio") })
        #expect(f.description.contains("columns: class, depth_m, damage_ratio"), "\(f)")
    }

    @Test func yamlBombsAndDeepNestingAreBounded() throws {
        var bomb = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for i in 1...9 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]\n" }
        let laughs = try #require(try failure { y, _ in y + bomb + "outputs: *a9\n" })
        #expect(laughs.exitCode == 2 && laughs.description.contains("aliases"), "\(laughs)")
        let deep = try #require(try failure { y, _ in y + "outputs: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n" })
        #expect(deep.exitCode == 2 && deep.description.contains("[ and {"), "\(deep)")
        // Just under the bracket bound: the parser recurses 9,900 levels on its own large stack,
        // and the depth bound on the composed tree refuses it.
        let flow = try #require(try failure { y, _ in y + "outputs: " + String(repeating: "[", count: 9_900) + String(repeating: "]", count: 9_900) + "\n" })
        #expect(flow.exitCode == 2 && flow.description.contains("nested more than"), "\(flow)")
        let block = try #require(try failure { y, _ in y + "outputs:\n" + (0..<400).map { String(repeating: " ", count: $0 + 1) + "- \n" }.joined() })
        #expect(block.exitCode == 2, "\(block)")
    }

    @Test func aDamagedTileIsComputedAgainWithAWarning() throws {
        let dir = Folder()
        let manifest = try SampleCensus.write(into: dir.path)
        let census = try Census(manifestPath: manifest)
        _ = try census.run(outputDirectory: dir.file("out"), threads: 1)
        let level = try Data(contentsOf: URL(fileURLWithPath: dir.file("out/risk_level.tif")))
        let tiles = try FileManager.default.contentsOfDirectory(atPath: dir.file("out/tiles")).filter { $0.hasSuffix(".bin") }.sorted()
        for name in tiles {
            let h = try FileHandle(forUpdating: URL(fileURLWithPath: dir.file("out/tiles/" + name)))
            try h.seek(toOffset: 40)
            try h.write(contentsOf: Data([0xFF, 0xFE, 0xFD, 0xFC]))
            try h.close()
        }
        let log = WarningLog()
        _ = try census.run(outputDirectory: dir.file("out"), options: RunOptions(threads: 1)) { e in
            if case .warning(let f) = e { log.add(f) }
        }
        let damaged = log.all.filter { $0.code == "damaged_tile" }
        #expect(damaged.reduce(0) { $0 + Int($1.figures["files"] ?? 0) } == tiles.count)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("out/risk_level.tif"))) == level)
    }

    /// A catalog.sqlite that is not this engine's, in the output folder: refused (the folder is
    /// the user's choice, exit 2) and left untouched.
    @Test func aGarbageOrForeignCatalogIsRefusedUntouched() throws {
        let dir = Folder()
        let manifest = try SampleCensus.write(into: dir.path)
        try FileManager.default.createDirectory(atPath: dir.file("out"), withIntermediateDirectories: true)
        let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        try garbage.write(to: URL(fileURLWithPath: dir.file("out/catalog.sqlite")))
        do {
            _ = try Census(manifestPath: manifest).run(outputDirectory: dir.file("out"), threads: 1)
            Issue.record("a garbage catalog was accepted")
        } catch {
            #expect(error.exitCode == 2 && error.description.contains("catalog.sqlite") && !error.description.contains("\n"), "\(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("out/catalog.sqlite"))) == garbage)
        // Another application's SQLite database: no table added, no journal mode set.
        try FileManager.default.removeItem(atPath: dir.file("out/catalog.sqlite"))
        let other = try SQLiteDatabase(path: dir.file("out/catalog.sqlite"))
        try other.execute("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')")
        other.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.file("out/catalog.sqlite")))
        do {
            _ = try Census(manifestPath: manifest).run(outputDirectory: dir.file("out"), threads: 1)
            Issue.record("a foreign database was taken as the catalog")
        } catch {
            #expect(error.exitCode == 2 && error.description.contains("another application"), "\(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("out/catalog.sqlite"))) == before)
    }

    @Test func foundationErrorsReadAsOneLine() {
        let e = CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: "/out/x.tif"])
        #expect(SystemErrorText.describe(e) == "/out/x.tif: no space left on the device")
        #expect(!SystemErrorText.describe(NSError(domain: "Other", code: 7)).contains("Error Domain="))
    }
}
