import Foundation
import RiskCore
import RiskGeo

/// The compute grid: where hazard and exposure are both known at their finest common
/// resolution (docs/cell-size.md). It nests in the analysis grid, `refinement` × `refinement`
/// fine cells per analysis cell.
extension CensusPlan {
    /// The most fine cells along an axis of one analysis cell (1,024 per cell).
    static let maximumRefinement = 32

    /// Every raster whose values meet in a damage curve: exposure totals and hazard intensities.
    var computeLayers: [RasterLayer] {
        // A derived hazard's levels are made on the compute grid itself (empty path until then).
        [population] + [gdp, buildingsRaster].compactMap { $0 } + hazards.flatMap(\.layers).filter { !$0.path.isEmpty }
    }

    /// Hazards whose layers' cells are much coarser (5× or more) or much finer (a tenth or
    /// less) than the analysis cells, one finding per hazard: not wrong, but worth knowing when
    /// reading the maps.
    static func resolutionFindings(hazards: [Hazard], sizes: [String: Double], cell: Double) -> [Finding] {
        var out: [Finding] = []
        for (k, h) in hazards.enumerated() {
            let layerSizes = h.layers.compactMap { sizes[$0.path] }
            guard let coarsest = layerSizes.max(), let finest = layerSizes.min() else { continue }
            let c = String(format: "%.4g", cell)
            if coarsest / cell >= 5 {
                out.append(Finding(code: "hazard_much_coarser", subject: "hazards[\(k)]",
                                   message: "hazard \(h.id): layer cells up to \(String(format: "%.4g", coarsest)) m, \(String(format: "%.3g", coarsest / cell))× the \(c) m analysis cells; each cell takes the value of the layer cell it lies in, so the map shows the layer's blocks",
                                   figures: ["layer_cell_m": coarsest, "grid_cell_m": cell, "ratio": coarsest / cell]))
            } else if finest / cell <= 0.1 {
                out.append(Finding(code: "hazard_much_finer", subject: "hazards[\(k)]",
                                   message: "hazard \(h.id): layer cells down to \(String(format: "%.4g", finest)) m, 1/\(String(format: "%.3g", cell / finest)) of the \(c) m analysis cells; losses are computed on the finer cells and summed, and the map shows less detail than the layer holds",
                                   figures: ["layer_cell_m": finest, "grid_cell_m": cell, "ratio": finest / cell]))
            }
        }
        return out
    }

    /// Sets `refinement` and every layer's sampling.
    ///
    /// When the finest layers' cells nest in the analysis cells (same CRS, cell size dividing
    /// the analysis cell, origins a whole number of cells apart), the compute grid is their grid
    /// and they are read by window. Otherwise its cells are at most half the finest layer's, so
    /// the cell a fine cell samples a hazard from is the one its exposure came from except on a
    /// sliver along source-cell edges.
    /// Every raster layer must reach the analysis grid (checked first): one that lies elsewhere
    /// (a layer in the wrong CRS, or of another city) would read as unknown or nothing
    /// everywhere, without a word.
    mutating func chooseComputeGrid() throws(CensusError) {
        let cell = grid.transform.pixelWidth
        var finest = Double.infinity
        var sources: [String: GridSpec] = [:]
        for layer in computeLayers + [mask].compactMap({ $0 }) + hazards.compactMap(\.mask) + [capacity].compactMap({ $0 }) {
            guard sources[layer.path] == nil else { continue }
            do {
                sources[layer.path] = try RasterDataset(path: layer.path).georeferencedGrid()
            } catch {
                throw CensusError.badData(file: layer.path, message: error.description)
            }
        }
        try checkOverlap(sources)
        var sizes: [String: Double] = [:]
        for layer in computeLayers {
            guard let size = GridSampling.cellSize(of: sources[layer.path]!, in: grid.crs!) else {
                throw CensusError.badData(file: layer.path, message: "its cells cannot be transformed into the grid's CRS \(grid.crs?.description ?? "")")
            }
            sizes[layer.path] = size
            finest = min(finest, size)
            // A tile reads the layer's window under it (Float64, and the warper's copy): layer
            // cells far finer than the grid's make that window larger than memory allows.
            let tileSide = Double(tiles.map { max($0.width, $0.height) }.max() ?? 1) * cell / size
            let bytes = tileSide.isFinite && tileSide < 1e9 ? MemoryBudget.estimate(count: Int(tileSide * tileSide), size: 16) : Int.max
            if bytes > MemoryBudget.bytes {
                throw .geo(.overBudget(path: layer.path, what: String(format: "%@: its %.3g m cells, under one %.0f m tile, (a window of %.3g × %.3g cells)", layer.key, size, tileSide * size, tileSide, tileSide),
                                       bytes: bytes, budget: MemoryBudget.bytes))
            }
        }
        let ratio = cell / finest
        let nested = ratio.rounded()
        var f: Int
        if nested >= 1, abs(ratio - nested) <= 1e-6 * nested, nested <= Double(Self.maximumRefinement),
           computeLayers.allSatisfy({ layer in
               abs(sizes[layer.path]! - finest) > 1e-6 * finest
                   || GridSampling.of(sources[layer.path]!, onto: grid.refined(by: Int(nested))) != .warp
           }) {
            f = Int(nested)
        } else {
            f = max(1, Int((2 * ratio - 1e-9).rounded(.up)))
        }
        f = min(f, Self.maximumRefinement)
        refinement = f
        findings += Self.resolutionFindings(hazards: hazards, sizes: sizes, cell: cell)
        let fine = computeGrid
        func sampled(_ l: RasterLayer, onto g: GridSpec) -> RasterLayer {
            var l = l
            l.sampling = GridSampling.best(sources[l.path]!, onto: g)
            return l
        }
        population = sampled(population, onto: fine)
        gdp = gdp.map { sampled($0, onto: fine) }
        buildingsRaster = buildingsRaster.map { sampled($0, onto: fine) }
        mask = mask.map { sampled($0, onto: fine) }
        capacity = capacity.map { sampled($0, onto: grid) }
        for k in hazards.indices {
            hazards[k].layers = hazards[k].layers.map { $0.path.isEmpty ? $0 : sampled($0, onto: fine) }
            hazards[k].mask = hazards[k].mask.map { sampled($0, onto: fine) }
        }
    }

    /// A compute-grid window of a tile's analysis rows `rows` (tile-relative).
    func fineWindow(_ tile: Window, rows: Range<Int>) -> Window {
        Window(colOff: tile.colOff * refinement, rowOff: (tile.rowOff + rows.lowerBound) * refinement,
               width: tile.width * refinement, height: rows.count * refinement)
    }

    /// Analysis rows of a tile per strip, so a strip holds at most about a million fine cells.
    func stripRows(_ tile: Window) -> Int {
        max(1, min(tile.height, (1 << 20) / max(1, tile.width * refinement * refinement)))
    }
}

extension GridSampling {
    /// The sampling of the same layer onto a window of the grid this sampling was made for.
    func shifted(to window: Window) -> GridSampling {
        switch self {
        case .warp: return .warp
        case .window(let c, let r): return .window(col: c + window.colOff, row: r + window.rowOff)
        case .centres(var m):
            m.colShift += window.colOff
            m.rowShift += window.rowOff
            return .centres(m)
        }
    }
}
