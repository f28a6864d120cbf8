/// Intensity-measure type names as OpenQuake writes them, so that a fragility function's IMT
/// meets the GMF column of the same measure however the period was spelt ("SA(0.30)" and
/// "SA(0.3)" are one IMT; "SA(1)" is written "SA(1.0)", as OpenQuake prints it).
public enum IMT {
    /// Scalar IMTs OpenQuake knows (hazardlib `imt.py`), including the secondary-peril ones.
    static let scalar: Set<String> = [
        "PGA", "PGV", "PGD", "MMI", "IA", "CAV", "JMA", "RSD", "RSD575", "RSD595", "RSD2080", "AvgSA",
        "PGDfLatSpread", "PGDfSettle", "PGDfSlope", "PGDfRupture", "PGDGeomMean", "LiqProb", "LiqOccur",
        "LSE", "LSD", "LsProb", "LiqSusc", "Disp", "DispProb", "RockSlopeFailure",
    ]
    /// Function-style IMTs with numeric arguments.
    static let parametric: Set<String> = ["SA", "AvgSA", "SDi", "EAS", "FAS", "DRVT"]

    /// The canonical spelling of an IMT, or nil when it is not one OpenQuake knows.
    public static func canonical(_ name: String) -> String? {
        let s = trimmed(name)
        if scalar.contains(s) { return s }
        guard let open = s.firstIndex(of: "("), s.hasSuffix(")") else { return nil }
        let kind = String(s[..<open])
        guard parametric.contains(kind) else { return nil }
        let args = s[s.index(after: open)..<s.index(before: s.endIndex)].split(separator: ",")
        var out: [String] = []
        for a in args {
            guard let v = Double(trimmed(a)), v.isFinite, v >= 0 else { return nil }
            out.append("\(v)")
        }
        guard !out.isEmpty else { return nil }
        return kind + "(" + out.joined(separator: ", ") + ")"
    }
}

private func trimmed<S: StringProtocol>(_ s: S) -> String {
    var t = Substring(s)
    while t.first?.isWhitespace == true { t.removeFirst() }
    while t.last?.isWhitespace == true { t.removeLast() }
    return String(t)
}
