import Foundation
import FuzzSupport
import RiskCore
@testable import RiskCensus

/// The scenario readers. An input that starts with '<' is NRML: it is read as a fragility model,
/// a vulnerability model and an exposure model; a part after a "\n===\n" line is written as
/// `assets.csv`, the CSV file an exposure's <assets> may name. Any other input is CSV, read as a
/// bare exposure CSV, a consequence table, and (split at "\n===\n" into sites and GMF, or the
/// same file for both) ground-motion fields. What a reader accepts is then evaluated, as the
/// calculators would: probabilities and loss ratios must be numbers in [0, 1].
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNRML(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeBufferPointer(start: data, count: size)
    let parts = splitParts(input, max: 2)
    let isXML = input.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) == UInt8(ascii: "<")
    if isXML {
        // Known issues (README): FoundationXML traps on an attribute name that is not UTF-8
        // (nrml-attribute-utf8) and reads a null pointer for a processing instruction without
        // data, <?pi?> (nrml-pi-no-data); exempt input that is not UTF-8 or has a processing
        // instruction besides the XML declaration, unless FUZZ_STRICT=1.
        if !strict && (String(validating: parts[0], as: UTF8.self) == nil || hasProcessingInstruction(parts[0])) { return 0 }
        let path = Scratch.write("model.xml", parts[0])
        if parts.count > 1 { Scratch.write("assets.csv", parts[1]) } else { Scratch.remove("assets.csv") }
        readFragility(path)
        readVulnerability(path)
        readExposure(path)
    } else {
        let path = Scratch.write("table.csv", parts[0])
        readExposure(path)
        readConsequences(path)
        let gmf = parts.count > 1 ? Scratch.write("gmf.csv", parts[1]) : path
        readGroundMotion(gmf: gmf, sites: path)
    }
    return 0
}

/// A "<?" anywhere but at the start of the document (after an optional byte-order mark).
func hasProcessingInstruction(_ b: ArraySlice<UInt8>) -> Bool {
    var i = b.startIndex
    if b.starts(with: [0xEF, 0xBB, 0xBF]) { i += 3 }
    if b[i...].starts(with: Array("<?".utf8)) { i += 2 }
    while i + 1 < b.endIndex {
        if b[i] == 0x3C && b[i + 1] == 0x3F { return true }
        i += 1
    }
    return false
}

/// Intensities the models are evaluated at, besides their own IMLs.
let probes: [Double] = [0, 1e-300, 1e-6, 0.01, 0.05, 0.1, 0.3, 1, 2, 10, 1e6, 1e300, .infinity, -1]

func inUnit(_ p: Double) -> Bool { p >= 0 && p <= 1 + 1e-12 }

func readFragility(_ path: String) {
    let set: NRML.FragilitySet
    do { set = try NRML.fragility(path) } catch { _ = error.description; return }
    for (id, entry) in set.models {
        require(entry.model.functions.count == set.limitStates.count, "function count for \(id)")
        require(IMT.canonical(entry.imt) == entry.imt, "IMT \(entry.imt) of \(id) is not canonical")
        var xs = probes
        for f in entry.model.functions {
            switch f {
            case .discrete(let imls, _, let ndl): xs += imls + (ndl.map { [$0, $0.nextUp] } ?? [])
            case .continuous(_, _, let lo, let hi, let ndl): xs += [lo, hi] + (ndl.map { [$0, $0.nextUp] } ?? [])
            }
        }
        for x in xs {
            for (k, f) in entry.model.functions.enumerated() {
                let p = f.probabilityOfExceedance(x)
                require(inUnit(p), "fragility \(id) limit state \(k): P(\(x)) = \(p)")
            }
            let fractions = entry.model.damageFractions(x)
            require(fractions.count == set.limitStates.count + 1 && fractions.allSatisfy(inUnit), "fragility \(id): damage fractions at \(x) = \(fractions)")
        }
        require(entry.model.functions.allSatisfy { $0.probabilityOfExceedance(.nan).isNaN }, "fragility \(id): NaN in, not NaN out")
    }
}

func readVulnerability(_ path: String) {
    let set: NRML.VulnerabilitySet
    do { set = try NRML.vulnerability(path) } catch { _ = error.description; return }
    for (id, f) in set.functions {
        require(IMT.canonical(f.imt) == f.imt, "IMT \(f.imt) of \(id) is not canonical")
        for x in probes + f.imls {
            let r = f.lossRatio(x)
            require(inUnit(r), "vulnerability \(id): loss ratio at \(x) = \(r)")
        }
    }
}

func readExposure(_ path: String) {
    let p: Portfolio
    do { p = try ExposureReader.read(path) } catch { _ = error.description; return }
    var ids = Set<String>()
    for a in p.assets {
        require(!a.id.isEmpty && ids.insert(a.id).inserted, "asset id \(a.id.debugDescription) empty or repeated")
        require(!a.taxonomy.isEmpty, "asset \(a.id) has no taxonomy")
        require((-180...180).contains(a.location.x) && (-90...90).contains(a.location.y), "asset \(a.id) at \(a.location)")
        require(a.number >= 0 && a.number.isFinite, "asset \(a.id) number \(a.number)")
        for (k, v) in a.values { require(v >= 0 && !v.isNaN, "asset \(a.id) value \(k) = \(v)") }
        for (k, v) in a.occupants { require(v >= 0 && v.isFinite, "asset \(a.id) occupants \(k) = \(v)") }
        for t in [nil, "day", "night"] { require(!p.occupants(a, time: t).isNaN, "asset \(a.id) occupants NaN") }
    }
}

func readConsequences(_ path: String) {
    for (states, loss) in [(["moderate", "complete"], "structural"), ([], "structural")] {
        do {
            let m = try ConsequenceModel.read([path], limitStates: states, lossType: loss)
            require(m.consequences.count == m.coefficients.count, "consequence count")
            for c in m.coefficients {
                for (_, v) in c { require(v.count == states.count && v.allSatisfy { $0 >= 0 && $0.isFinite }, "coefficients \(v)") }
            }
        } catch {
            _ = error.description
        }
    }
}

func readGroundMotion(gmf: String, sites: String) {
    let g: GroundMotionFields
    do { g = try GroundMotionReader.read(gmf: gmf, sites: sites) } catch { _ = error.description; return }
    require(g.siteStart.count == g.sites.count + 1 && g.siteIDs.count == g.sites.count, "site layout")
    require(zip(g.siteStart, g.siteStart.dropFirst()).allSatisfy { $0 <= $1 } && g.siteStart.last == g.rowEvent.count, "site starts")
    require(g.rowEvent.allSatisfy { (0..<g.eventIDs.count).contains($0) }, "row event out of range")
    require(Set(g.eventIDs).count == g.eventIDs.count, "repeated event id")
    require(g.values.allSatisfy { $0 >= 0 && $0.isFinite }, "ground motion value negative or not finite: \(g.values.filter { !($0 >= 0 && $0.isFinite) })")
    require(Set(g.imts).count == g.imts.count && g.imts.allSatisfy { IMT.canonical($0) == $0 }, "IMTs \(g.imts)")
}
