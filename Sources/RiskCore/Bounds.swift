/// An axis-aligned rectangle in CRS coordinates: `minX ≤ x ≤ maxX`, `minY ≤ y ≤ maxY`.
public struct Bounds: Sendable, Hashable, Codable {
    public var minX: Double
    public var minY: Double
    public var maxX: Double
    public var maxY: Double

    public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX
        self.minY = minY
        self.maxX = maxX
        self.maxY = maxY
    }

    /// The smallest bounds holding all the points; nil when there are none or any is NaN.
    public init?<S: Sequence>(points: S) where S.Element == (x: Double, y: Double) {
        var b: Bounds?
        for p in points {
            guard !p.x.isNaN, !p.y.isNaN else { return nil }
            b = b?.including(x: p.x, y: p.y) ?? Bounds(minX: p.x, minY: p.y, maxX: p.x, maxY: p.y)
        }
        guard let b else { return nil }
        self = b
    }

    public var width: Double { maxX - minX }
    public var height: Double { maxY - minY }
    public var isEmpty: Bool { !(maxX > minX && maxY > minY) }

    public func including(x: Double, y: Double) -> Bounds {
        Bounds(minX: min(minX, x), minY: min(minY, y), maxX: max(maxX, x), maxY: max(maxY, y))
    }

    public func union(_ o: Bounds) -> Bounds {
        Bounds(minX: min(minX, o.minX), minY: min(minY, o.minY),
               maxX: max(maxX, o.maxX), maxY: max(maxY, o.maxY))
    }

    /// The overlap, or nil when the two do not overlap with positive area.
    public func intersection(_ o: Bounds) -> Bounds? {
        let b = Bounds(minX: max(minX, o.minX), minY: max(minY, o.minY),
                       maxX: min(maxX, o.maxX), maxY: min(maxY, o.maxY))
        return b.isEmpty ? nil : b
    }

    public func contains(x: Double, y: Double) -> Bool {
        x >= minX && x <= maxX && y >= minY && y <= maxY
    }
}
