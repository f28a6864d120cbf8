// swift-tools-version:6.0
import PackageDescription

/// Layers (see docs/DESIGN in ../shared/DESIGN.md): riskcensus → RiskCensus → RiskGeo → RiskCore.
/// RiskCore is pure Swift and builds without any C library installed.
let package = Package(
    name: "RiskCensus",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "RiskCore", targets: ["RiskCore"]),
        .library(name: "RiskGeo", targets: ["RiskGeo"]),
        .library(name: "RiskCensus", targets: ["RiskCensus"]),
        .library(name: "RiskService", targets: ["RiskService"]),
        .executable(name: "riskcensus", targets: ["riskcensus"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // `make docs`: the library's DocC documentation.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CGDAL", pkgConfig: "gdal",
            providers: [.apt(["libgdal-dev"]), .brew(["gdal"])]),
        .systemLibrary(
            name: "CPROJ", pkgConfig: "proj",
            providers: [.apt(["libproj-dev"]), .brew(["proj"])]),
        .systemLibrary(
            name: "CGEOS", pkgConfig: "geos",
            providers: [.apt(["libgeos-dev"]), .brew(["geos"])]),
        .systemLibrary(
            name: "CSQLite3", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        .systemLibrary(
            name: "CCairo", pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"]), .brew(["cairo"])]),
        .systemLibrary(
            name: "CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        .systemLibrary(
            name: "CXXHash", pkgConfig: "libxxhash",
            providers: [.apt(["libxxhash-dev"]), .brew(["xxhash"])]),
        // GLPK has no pkg-config file on Debian; its header is /usr/include/glpk.h.
        .systemLibrary(name: "CGLPK", providers: [.apt(["libglpk-dev"]), .brew(["glpk"])]),

        .target(name: "RiskCore", dependencies: [.product(name: "RealModule", package: "swift-numerics")],
                swiftSettings: optimizedInTests),
        .target(name: "RiskGeo", dependencies: ["RiskCore", "CGDAL", "CPROJ", "CGEOS"]),
        .target(name: "RiskOptimize", dependencies: ["RiskCore", "CGLPK"], swiftSettings: optimizedInTests),
        .target(name: "RiskMaps", dependencies: ["RiskCore", "CCairo"]),
        .target(name: "RiskCensus", dependencies: ["RiskCore", "RiskGeo", "RiskOptimize", "RiskMaps", "CSQLite3", "CCrypto", "CXXHash", .product(name: "Yams", package: "Yams")],
                swiftSettings: optimizedInTests),
        // The HTTP service (OGC API – Processes and – Features) over the RiskCensus library.
        .target(name: "RiskService", dependencies: ["RiskCensus", "RiskGeo", "RiskCore", .product(name: "Hummingbird", package: "hummingbird")]),
        .executableTarget(
            name: "riskcensus",
            dependencies: [
                "RiskCensus", "RiskGeo", "RiskCore", "RiskMaps", "RiskOptimize", "RiskService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "RiskCoreTests", dependencies: ["RiskCore"]),
        .testTarget(name: "RiskGeoTests", dependencies: ["RiskGeo", "RiskCore"]),
        .testTarget(name: "RiskOptimizeTests", dependencies: ["RiskOptimize", "RiskCore"]),
        .testTarget(name: "RiskMapsTests", dependencies: ["RiskMaps", "RiskCore"]),
        .testTarget(name: "RiskCensusTests", dependencies: ["RiskCensus"]),
        .testTarget(name: "RiskServiceTests", dependencies: ["RiskService", "RiskCensus"]),
        .testTarget(name: "riskcensusTests", dependencies: ["riskcensus", "RiskCensus", .product(name: "Yams", package: "Yams")]),
    ],
    swiftLanguageModes: [.v6]
)

/// The numerical modules are optimised in debug builds too: the test suite runs whole censuses
/// (and again under AddressSanitizer), which unoptimised Swift makes 20–30 times slower.
var optimizedInTests: [SwiftSetting] { [.unsafeFlags(["-O"], .when(configuration: .debug))] }
