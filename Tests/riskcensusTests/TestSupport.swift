import Foundation
import Testing

/// Shared by the end-to-end tests: the repository root and the built binary.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The binary sits beside the test bundle in SwiftPM's products folder; RISKCENSUS_BIN overrides.
func binaryPath() throws -> String {
    if let p = ProcessInfo.processInfo.environment["RISKCENSUS_BIN"] { return p }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("riskcensus").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir.deleteLastPathComponent()
    }
    return try #require(nil as String?, "riskcensus binary not found beside \(CommandLine.arguments[0])")
}
