import ArgumentParser
import RiskCensus
import RiskGeo

/// GDAL's conventions, as its own tools take them: `--config KEY VALUE` sets a GDAL
/// configuration option for the command, `--co NAME=VALUE` a creation option of the rasters it
/// writes (the COG driver's: COMPRESS, LEVEL, BLOCKSIZE, …).
struct GDALOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp("A GDAL configuration option, as GDAL's tools take it (repeatable).", valueName: "KEY VALUE"))
    var config: [String] = []

    @Option(name: .customLong("co"), help: ArgumentHelp("A creation option of the rasters written, for GDAL's COG driver (repeatable).", valueName: "NAME=VALUE"))
    var creationOptions: [String] = []

    /// Sets them for this process; a bad one is a usage error naming it.
    func apply() throws {
        for pair in config {
            guard let eq = pair.firstIndex(of: "=") else {
                throw CensusError.input(name: "config", message: "\(pair): expected KEY VALUE")
            }
            let key = String(pair[..<eq]), value = String(pair[pair.index(after: eq)...])
            if let problem = GDALEnvironment.setConfigOption(key, value) { throw CensusError.input(name: "config", message: problem) }
        }
        var options: [(String, String)] = []
        for o in creationOptions {
            guard let eq = o.firstIndex(of: "="), eq != o.startIndex else {
                throw CensusError.input(name: "co", message: "\(o): expected NAME=VALUE")
            }
            options.append((o[..<eq].uppercased(), String(o[o.index(after: eq)...])))
        }
        if let problem = RasterWriteOptions.cogCreationOptionProblem(options) { throw CensusError.input(name: "co", message: problem) }
        RasterWriteOptions.processCreationOptions = options
    }
}

/// `riskcensus formats`: the GDAL drivers this build reads and writes.
struct Formats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the raster and vector formats (GDAL drivers) riskcensus reads and writes.")

    func run() throws {
        let drivers = GDALEnvironment.drivers().sorted { $0.name.lowercased() < $1.name.lowercased() }
        print("Formats (GDAL \(GDALEnvironment.gdalVersion); network drivers are not registered):")
        print("  driver            kind           access      name")
        for d in drivers {
            let kind = [d.raster ? "raster" : nil, d.vector ? "vector" : nil].compactMap { $0 }.joined(separator: ",")
            print("  " + [d.name.padding(toLength: 17, withPad: " ", startingAt: 0), kind.padding(toLength: 14, withPad: " ", startingAt: 0),
                          (d.write ? "read/write" : "read").padding(toLength: 11, withPad: " ", startingAt: 0), d.longName].joined(separator: " "))
        }
        print("Outputs: GeoTIFF rasters through the COG driver, GeoPackage (census.gpkg), GeoJSON (RFC 7946), CSV, PNG/SVG maps, HTML/PDF report.")
    }
}
