// swift-tools-version:6.0
import Foundation
import PackageDescription

/// The main package is the folder above; SwiftPM names a path dependency after its folder
/// (lowercased), which depends on where the repository is checked out.
let main = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

/// libFuzzer targets for RiskCensus (see README.md). A package of its own, so the main package's
/// `swift build` / `swift test` never see it; it depends on the main package by path and is built
/// with `--sanitize=fuzzer --sanitize=address` into Fuzz/.build (see ../Makefile, `make fuzz`).
/// Each target defines `LLVMFuzzerTestOneInput` and no `main`: libFuzzer's main is linked in.
let package = Package(
    name: "RiskCensusFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(name: "fuzz-manifest", dependencies: ["FuzzSupport", .product(name: "RiskCensus", package: main)]),
        .executableTarget(name: "fuzz-csv", dependencies: ["FuzzSupport", .product(name: "RiskCensus", package: main)]),
        .executableTarget(name: "fuzz-nrml", dependencies: [
            "FuzzSupport", .product(name: "RiskCensus", package: main), .product(name: "RiskCore", package: main),
        ]),
        .executableTarget(name: "fuzz-geojson", dependencies: [
            "FuzzSupport", .product(name: "RiskGeo", package: main), .product(name: "RiskCore", package: main),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
