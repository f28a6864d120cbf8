import Foundation
import RiskCore
import RiskGeo

/// The region's units at every level: the finest units the census assigns cells to (towns,
/// tracts), and the coarser levels they nest in (districts, neighbourhoods), each unit's parent
/// found by code. A coarser level's figures are the sums of its children's, so the tables of
/// every level add up; its geometry is its own layer's polygon or, without a layer, the union of
/// its children.
struct UnitHierarchy {
    struct Level {
        /// The output name: `<name>.csv` and `<name>.geojson`.
        var name: String
        var units: [CensusRunner.Zone]
        /// For every unit of the level below, its parent's index in this level (empty for the
        /// finest level).
        var parentOfChild: [Int]
        /// Where the units came from, for messages.
        var source: String
    }

    /// Finest first.
    var levels: [Level]
    /// Findings: parents whose children give them different names.
    var findings: [Finding] = []

    /// For each finest unit, its index in level `k`.
    func finestToLevel(_ k: Int) -> [Int] {
        var map = Array(levels[0].units.indices)
        guard k > 0 else { return map }
        for l in 1...k { map = map.map { levels[l].parentOfChild[$0] } }
        return map
    }

    /// Reads the finest units and resolves every parent level. A unit whose parent code is empty
    /// or names no unit of its parent layer is bad input (exit 3), named with its feature, field
    /// and code; so are repeated codes in a parent layer.
    static func read(_ region: CensusPlan.Region) throws -> (UnitHierarchy, CRS) {
        let layer = try VectorDataset(path: region.path).layer(named: region.layerName)
        let crs = try layer.requireCRS()
        var zones: [CensusRunner.Zone] = []
        var attributes: [Attributes] = []
        try layer.forEachFeature { f in
            zones.append(CensusRunner.Zone(name: f.attributes[region.nameField]?.stringValue ?? "",
                                           code: region.codeField.flatMap { f.attributes[$0]?.stringValue } ?? "",
                                           geometry: f.geometry))
            attributes.append(f.attributes)
        }
        var h = UnitHierarchy(levels: [Level(name: region.unitsName, units: zones, parentOfChild: [], source: region.path)])
        // The attributes each unit of the current level carries (a derived level: its first child's).
        var childAttributes = attributes
        var childSource = region.path
        for (k, p) in region.parents.enumerated() {
            let key = "region.parents[\(k)]"
            let children = h.levels.last!.units
            var codes = childAttributes.map { $0[p.parentField]?.stringValue ?? "" }
            var unassignedChildren = Set<Int>()
            for (i, c) in codes.enumerated() where c.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let u = p.unassigned else {
                    throw CensusError.badData(file: childSource, message: "\(key).parent_field: unit \(i + 1) (\(children[i].name) \(children[i].code)) has no parent code in field \"\(p.parentField)\"; "
                                              + "expected the code of its unit in \(p.units) (or give \(key).unassigned for units that belong to none)")
                }
                codes[i] = u.code
                unassignedChildren.insert(i)
            }
            if !unassignedChildren.isEmpty {
                h.findings.append(Finding(code: "units_without_parent", subject: "\(key).unassigned",
                                          message: "\(unassignedChildren.count) of the \(h.levels.last!.name) have no \(p.parentField); they form the \(p.units) unit \(p.unassigned!.code) (\(p.unassigned!.name))",
                                          figures: ["units": Double(unassignedChildren.count)]))
            }
            var units: [CensusRunner.Zone] = []
            var parentOf: [Int] = []
            var nextAttributes: [Attributes] = []
            if let path = p.path {
                let parentLayer = try VectorDataset(path: path).layer(named: p.layerName)
                let parentCRS = try parentLayer.requireCRS()
                let toRegion = try CoordinateTransformer(from: parentCRS, to: crs)
                var index: [String: Int] = [:]
                try parentLayer.forEachFeature { (f: Feature) throws(GeoError) in
                    let code = p.codeField.flatMap { f.attributes[$0]?.stringValue } ?? ""
                    guard index[code] == nil else {
                        throw GeoError.invalidData(path: path, location: "feature \(f.id ?? Int64(units.count + 1))",
                                                   reason: "code \"\(code)\" (field \(p.codeField ?? "")) is repeated; expected one unit per code, as children find their parent by it")
                    }
                    index[code] = units.count
                    let g: Geometry? = try f.geometry.map { g throws(GeoError) in try toRegion.transform(g) }
                    units.append(CensusRunner.Zone(name: f.attributes[p.nameField]?.stringValue ?? "", code: code, geometry: g))
                    nextAttributes.append(f.attributes)
                }
                if let u = p.unassigned, !unassignedChildren.isEmpty, index[u.code] == nil {
                    // The unit the unassigned children form: the union of those children.
                    index[u.code] = units.count
                    let parts = unassignedChildren.sorted().compactMap { children[$0].geometry }
                    units.append(CensusRunner.Zone(name: u.name, code: u.code, geometry: try GeosContext().union(parts).value()))
                    nextAttributes.append(Attributes())
                }
                for (i, c) in codes.enumerated() {
                    guard let j = index[c] else {
                        let known = index.keys.sorted()
                        throw CensusError.badData(file: childSource, message: "\(key).parent_field: unit \(i + 1) (\(children[i].name) \(children[i].code)) names parent code \"\(c)\" in field \"\(p.parentField)\", "
                                                  + "which is not a unit of \(path) (codes: \(known.prefix(12).joined(separator: ", "))\(known.count > 12 ? ", …" : ""))")
                    }
                    parentOf.append(j)
                }
            } else {
                // Units made from their children: code from the parent field, name from the
                // children's name field, geometry the union of the children.
                var index: [String: Int] = [:]
                var names: [Int: Set<String>] = [:]
                for (i, c) in codes.enumerated() {
                    let name = unassignedChildren.contains(i) ? p.unassigned!.name : childAttributes[i][p.nameField]?.stringValue ?? ""
                    if let j = index[c] {
                        parentOf.append(j)
                        names[j, default: []].insert(name)
                        continue
                    }
                    index[c] = units.count
                    names[units.count] = [name]
                    parentOf.append(units.count)
                    units.append(CensusRunner.Zone(name: name, code: c, geometry: nil))
                    nextAttributes.append(childAttributes[i])
                }
                let geos = GeosContext()
                for j in units.indices {
                    let parts = parentOf.indices.filter { parentOf[$0] == j }.compactMap { children[$0].geometry }
                    units[j].geometry = try geos.union(parts).value()
                }
                let mixed = names.filter { $0.value.count > 1 }.keys.sorted()
                if !mixed.isEmpty {
                    h.findings.append(Finding(code: "parent_names_differ", subject: "\(key).name_field",
                                              message: "\(mixed.count) \(p.units) units get different names from their children's field \(p.nameField) (\(mixed.prefix(3).map { "\(units[$0].code): \(names[$0]!.sorted().joined(separator: " / "))" }.joined(separator: "; "))); the first is used",
                                              figures: ["units": Double(mixed.count)]))
                }
            }
            h.levels.append(Level(name: p.units, units: units, parentOfChild: parentOf, source: p.path ?? "\(childSource) (\(p.parentField))"))
            childAttributes = nextAttributes
            childSource = p.path ?? childSource
        }
        return (h, crs)
    }
}
