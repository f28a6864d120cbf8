import Foundation
import RiskCore

/// OpenQuake's consequence CSV: `taxonomy` (or `risk_id`), `consequence`, `loss_type` (or only
/// `peril`, when the loss type is the fragility model's), and one coefficient column per limit
/// state. Several files may be given; a (taxonomy, consequence, loss type) must appear once.
package struct ConsequenceModel: Sendable {
    /// Consequences in first-seen order, each with the loss type it applies to.
    package var consequences: [(name: String, lossType: String)]
    /// Coefficients per limit state by consequence index, then taxonomy.
    package var coefficients: [[String: [Double]]]

    /// Reads the files against the fragility model's limit states and loss type.
    package static func read(_ paths: [String], limitStates: [String], lossType: String) throws(CensusError) -> ConsequenceModel {
        var model = ConsequenceModel(consequences: [], coefficients: [])
        for path in paths {
            let t = try CSVTable(path: path)
            let ti = try t.column("taxonomy", "risk_id"), ci = try t.column("consequence")
            let li = t.index("loss_type")
            if li == nil { _ = try t.column("loss_type", "peril") }
            let ls = try limitStates.map { s throws(CensusError) in try t.column(s) }
            for r in t.rows {
                let name = r.fields[ci]
                guard ScenarioDamage.Quantity(consequence: name) != nil else {
                    throw .badData(file: path, message: "line \(r.line), consequence \"\(name)\": not one of losses, collapsed, non_operational, fatalities, injured, homeless")
                }
                let lt = li.map { r.fields[$0] } ?? lossType
                guard lt == lossType else {
                    throw .badData(file: path, message: "line \(r.line): loss type \"\(lt)\" has no fragility model (the fragility model is for \(lossType))")
                }
                let coefficients = try ls.map { i throws(CensusError) in
                    let v = try t.number(r, i)
                    guard v >= 0 else { throw .badData(file: path, message: "line \(r.line), column \(t.header[i]): a coefficient must be ≥ 0, found \(v)") }
                    return v
                }
                let k: Int
                if let j = model.consequences.firstIndex(where: { $0.name == name && $0.lossType == lt }) { k = j } else {
                    k = model.consequences.count
                    model.consequences.append((name, lt))
                    model.coefficients.append([:])
                }
                guard model.coefficients[k].updateValue(coefficients, forKey: r.fields[ti]) == nil else {
                    throw .badData(file: path, message: "line \(r.line): taxonomy \"\(r.fields[ti])\" has a second row for \(name)/\(lt)")
                }
            }
        }
        return model
    }
}
