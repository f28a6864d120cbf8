import Foundation
import FuzzSupport
@testable import RiskCensus

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    // Manifest.load refuses text that is not UTF-8 before decoding; so does this target.
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    do {
        _ = try Manifest.decode(yaml: text, path: "fuzz.yaml")
    } catch {
        _ = error.description
    }
    return 0
}
