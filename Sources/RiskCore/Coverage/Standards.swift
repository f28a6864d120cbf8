/// Shelter categories and fire-station rules from the standards (METHODS §2). Each preset says
/// where its numbers come from; `verified == false` marks the ones METHODS flags [R] (recalled,
/// not read in the standard's text), which provenance reports as unverified.
public struct ShelterCategory: Sendable, Hashable, Codable {
    /// Preset key, e.g. "emergency".
    public var name: String
    /// The standard's own term, e.g. 紧急.
    public var localName: String
    /// Effective area per sheltered person, m².
    public var areaPerPerson: Double
    /// Service radius or evacuation distance, m.
    public var radius: Double
    /// Minimum site area, m².
    public var minimumArea: Double
    public var source: String
    public var verified: Bool

    public init(name: String, localName: String, areaPerPerson: Double, radius: Double, minimumArea: Double, source: String, verified: Bool) {
        self.name = name
        self.localName = localName
        self.areaPerPerson = areaPerPerson
        self.radius = radius
        self.minimumArea = minimumArea
        self.source = source
        self.verified = verified
    }

    /// Capacity in persons of a site with effective area `area` m².
    public func capacity(area: Double) -> Double { area / areaPerPerson }
}

public enum Standards {
    /// GB 50413-2007 categories (m²/person, radius and minimum area as METHODS §2.2 cites them),
    /// then GB 51143-2015's (numbers recalled, unverified).
    public static let shelterCategories: [ShelterCategory] = [
        ShelterCategory(name: "emergency", localName: "紧急", areaPerPerson: 1.0, radius: 500, minimumArea: 1_000,
                        source: "GB 50413-2007: ≥1.0 m²/person, 500 m (≈10 min walk), ≥0.1 hm²", verified: true),
        ShelterCategory(name: "fixed", localName: "固定", areaPerPerson: 2.0, radius: 2_000, minimumArea: 10_000,
                        source: "GB 50413-2007: ≥2.0 m²/person, 2–3 km (≈1 h walk; the lower bound is used), ≥1 hm²", verified: true),
        ShelterCategory(name: "central", localName: "中心", areaPerPerson: 2.0, radius: 3_000, minimumArea: 500_000,
                        source: "GB 50413-2007: ≥50 hm²; m²/person and radius not given there, taken from 固定 (2.0 m², the 3 km upper radius)", verified: false),
        ShelterCategory(name: "gb51143-emergency", localName: "紧急", areaPerPerson: 0.5, radius: 500, minimumArea: 0,
                        source: "GB 51143-2015: 0.5 m²/person, ≤0.5 km", verified: false),
        ShelterCategory(name: "gb51143-short", localName: "短期固定", areaPerPerson: 2.0, radius: 1_000, minimumArea: 2_000,
                        source: "GB 51143-2015: 2.0 m²/person, ≤1.0 km, ≥0.2 hm²", verified: false),
        ShelterCategory(name: "gb51143-medium", localName: "中期固定", areaPerPerson: 3.0, radius: 1_500, minimumArea: 10_000,
                        source: "GB 51143-2015: 3.0 m²/person, ≤1.5 km, ≥1.0 hm²", verified: false),
        ShelterCategory(name: "gb51143-long", localName: "长期固定", areaPerPerson: 4.5, radius: 2_500, minimumArea: 50_000,
                        source: "GB 51143-2015: 4.5 m²/person, ≤2.5 km, ≥5.0 hm²", verified: false),
    ]

    /// A preset by its key or its local name (the first preset with that local name).
    public static func shelterCategory(_ name: String) -> ShelterCategory? {
        shelterCategories.first { $0.name == name } ?? shelterCategories.first { $0.localName == name }
    }

    /// Fire response (GB 51080-2015 §4.1.3: reach the edge of the district within 5 min of the
    /// call): about 1 min turnout and a 4 min drive [R].
    public static let fireDriveMinutes = 4.0
    /// The radius used without a road network: 4 min at 30 km/h [R].
    public static let fireRadius = 2_000.0
    /// 建标152-2017 第十四条 jurisdiction limits, km².
    public static let fireDistrictLimitKm2: [String: Double] = ["class-1": 7, "class-2": 4, "small": 2, "suburban": 15]
}
