/// ColorBrewer sequential schemes (Cynthia Brewer, colorbrewer2.org), all marked colour-blind
/// safe there, light to dark.
public enum Palette {
    /// Risk levels V (lowest, light) … I (highest, dark).
    public static let ylOrRd5 = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"].map { Color(hex: $0) }
    public static let ylOrRd7 = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"].map { Color(hex: $0) }
    public static let blues7 = ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"].map { Color(hex: $0) }
    public static let purples7 = ["#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486"].map { Color(hex: $0) }
    public static let ylOrBr7 = ["#ffffd4", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#8c2d04"].map { Color(hex: $0) }
    public static let greys5 = ["#f7f7f7", "#cccccc", "#969696", "#636363", "#252525"].map { Color(hex: $0) }
    public static let blues5 = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"].map { Color(hex: $0) }
    public static let oranges5 = ["#feedde", "#fdbe85", "#fd8d3c", "#e6550d", "#a63603"].map { Color(hex: $0) }
    /// RdYlBu (diverging, colour-blind safe): blue, orange, red for low, near and over a limit.
    public static let blueOrangeRed = ["#2c7bb6", "#fdae61", "#d7191c"].map { Color(hex: $0) }
    public static let reds5 = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"].map { Color(hex: $0) }
}

/// Classes of values by ascending upper bounds: value ≤ bounds[k] is class k, above the last
/// the last class. NaN has no class.
public struct Classes: Sendable {
    public var bounds: [Double]
    public var colors: [Color]
    public var labels: [String]

    /// Labelled from the bounds: "≤ b0", "b0 – b1", …, "> b_last", each followed by `unit`.
    public init(bounds: [Double], colors: [Color], unit: String = "") {
        var labels = ["≤ " + Self.number(bounds[0])]
        for k in 1..<bounds.count { labels.append(Self.number(bounds[k - 1]) + " – " + Self.number(bounds[k])) }
        labels.append("> " + Self.number(bounds.last!))
        self.init(bounds: bounds, colors: colors, labels: labels.map { $0 + (unit.isEmpty ? "" : " " + unit) })
    }

    public init(bounds: [Double], colors: [Color], labels: [String]) {
        precondition(colors.count == bounds.count + 1 && labels.count == colors.count, "one colour and label per class")
        self.bounds = bounds
        self.colors = colors
        self.labels = labels
    }

    public func color(_ v: Double) -> Color? {
        guard !v.isNaN else { return nil }
        for (k, b) in bounds.enumerated() where v <= b { return colors[k] }
        return colors[bounds.count]
    }

    /// Classes at powers of ten (log colour scale) from 10^lo to 10^hi, with `colors.count`
    /// classes: ≤ 10^lo, …, > 10^(hi) … labelled in `unit`.
    public static func logarithmic(lo: Int, count: Int, colors: [Color], unit: String) -> Classes {
        precondition(colors.count == count)
        return Classes(bounds: (0..<(count - 1)).map { pow10(lo + $0) }, colors: colors, unit: unit)
    }

    static func pow10(_ e: Int) -> Double {
        var v = 1.0
        if e >= 0 { for _ in 0..<e { v *= 10 } } else { for _ in 0..<(-e) { v /= 10 } }
        return v
    }

    /// A compact number: 1,000 → "1k", 2,500,000 → "2.5M", 0.05 → "0.05".
    public static func number(_ v: Double) -> String {
        let a = abs(v)
        func trim(_ s: String) -> String {
            guard s.contains(".") else { return s }
            var t = s
            while t.hasSuffix("0") { t.removeLast() }
            if t.hasSuffix(".") { t.removeLast() }
            return t
        }
        if a >= 1e9 { return trim(String(format: "%.2f", v / 1e9)) + "G" }
        if a >= 1e6 { return trim(String(format: "%.2f", v / 1e6)) + "M" }
        if a >= 1e4 { return trim(String(format: "%.1f", v / 1e3)) + "k" }
        if a >= 100 || a == 0 { return trim(String(format: "%.0f", v)) }
        if a >= 1 { return trim(String(format: "%.2f", v)) }
        return trim(String(format: "%.3g", v))
    }
}
