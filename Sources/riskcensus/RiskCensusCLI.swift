import ArgumentParser
import Foundation
import RiskCensus
import RiskGeo

/// The `riskcensus` command. Thin: it parses, calls the library, prints, and maps errors to the
/// documented exit codes (0 ok, 1 failure in the run, 2 bad usage, 3 bad input data).
@main
struct RiskCensusCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "riskcensus",
        abstract: "Natural-disaster risk census engine: hazard × exposure × vulnerability, losses and shelter coverage.",
        version: EngineInfo.version,
        subcommands: [Inspect.self, Validate.self, Schema.self, Run.self, Status.self, Merge.self, Render.self, Impact.self, Damage.self, Losses.self, Coverage.self, Serve.self, Formats.self])

    static func main() {
        do {
            // The service runs its jobs as child processes confined to its data root.
            if let root = ProcessInfo.processInfo.environment["RISKCENSUS_DATA_ROOT"], !root.isEmpty {
                InputPolicy.current.dataRoot = InputPolicy(dataRoot: root).dataRoot
            }
            var command = try parseAsRoot(joiningConfigPairs(joiningNegativeValues(Array(CommandLine.arguments.dropFirst()))))
            try command.run()
        } catch {
            let (code, message, toStdout) = ExitStatus.resolve(error)
            if !message.isEmpty {
                if toStdout { print(message) } else { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            }
            Foundation.exit(code)
        }
    }
}

extension RiskCensusCLI {
    /// `--config KEY VALUE` (two words, as GDAL's tools take it) as `--config=KEY=VALUE`.
    static func joiningConfigPairs(_ args: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            if args[i] == "--config", i + 2 < args.count, !args[i + 1].contains("=") {
                out.append("--config=\(args[i + 1])=\(args[i + 2])")
                i += 3
                continue
            }
            out.append(args[i])
            i += 1
        }
        return out
    }

    /// `--radius -5` as `--radius=-5`: a value that reads as a negative number belongs to the
    /// option before it, so that the option's own check reports it ("must be positive") rather
    /// than the parser reporting a missing value.
    static func joiningNegativeValues(_ args: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a.hasPrefix("--"), !a.contains("="), i + 1 < args.count, Double(args[i + 1]) != nil, args[i + 1].hasPrefix("-") {
                out.append(a + "=" + args[i + 1])
                i += 2
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }
}

/// The mapping from errors to exit codes and one-line messages.
enum ExitStatus {
    /// Control characters from paths or data (a newline in a file name) shown escaped, so that a
    /// message stays one line and cannot forge another.
    static func oneLine(_ s: String) -> String {
        String(s.unicodeScalars.flatMap { c -> [Unicode.Scalar] in
            switch c {
            case "\n": return Array("\\n".unicodeScalars)
            case "\r": return Array("\\r".unicodeScalars)
            case "\t": return [" "]
            default: return c.value < 0x20 || c.value == 0x7F ? Array(String(format: "\\x%02x", c.value).unicodeScalars) : [c]
            }
        }.map(Character.init))
    }

    /// A library error in the command line's words: an input is named by its flag (`out` →
    /// `--out`, `time_event` → `--time-event`); positional names (`RESULT_DIR`) stay as they are.
    static func commandLine(_ e: CensusError) -> String {
        guard case .input(let name, let message) = e else { return e.description }
        let flag = name.hasPrefix("-") || name.first?.isUppercase == true ? name : "--" + name.replacingOccurrences(of: "_", with: "-")
        return "\(flag): \(message)"
    }

    static let ok: Int32 = 0
    static let runFailure: Int32 = 1
    static let usage: Int32 = 2
    static let badInput: Int32 = 3

    /// (exit code, message, whether the message goes to stdout).
    static func resolve(_ error: any Error) -> (Int32, String, Bool) {
        switch error {
        case let e as GeoError:
            return (e.exitCode, "riskcensus: error: \(oneLine(e.description))", false)
        case let e as CensusError:
            return (e.exitCode, "riskcensus: error: \(oneLine(commandLine(e)))", false)
        case let e as ExitCode:
            return (e.rawValue, "", false)
        default:
            let code = RiskCensusCLI.exitCode(for: error)
            if code == .success { return (ok, RiskCensusCLI.fullMessage(for: error), true) }
            // Usage errors in two lines: what is wrong, and where help is.
            let message = RiskCensusCLI.message(for: error).split(whereSeparator: \.isNewline).joined(separator: " ")
            if code == .validationFailure {
                return (usage, "riskcensus: error: \(message)\nSee 'riskcensus --help' and 'riskcensus <command> --help'.", false)
            }
            return (code.rawValue == 0 ? runFailure : code.rawValue, "riskcensus: error: \(SystemErrorText.describe(error))", false)
        }
    }
}
