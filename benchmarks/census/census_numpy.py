#!/usr/bin/python3
"""The census of the benchmark province written plainly in numpy + GDAL, as an analyst would:
every raster read whole (ReadAsArray), the whole grid in memory at once.

    /usr/bin/python3 benchmarks/census/census_numpy.py PROVINCE OUT

It does the work `riskcensus run` does on the same manifest, by the engine's definitions:
  - per hazard and return period: loss = value × damage ratio(intensity) (np.interp, 0 at
    intensity ≤ 0), fatalities = population × rate(intensity); EAL and expected annual
    fatalities by the trapezoid rule over p = 1/T with damage falling to 0 at T = 2 years and a
    flat tail beyond the rarest T (ExceedanceIntegration.weights);
  - the index: per hazard H (intensity at 100 years) × E (0.5 · log1p-min-max population +
    0.5 · log1p-min-max value) × V (loss ratio at 100 years), each min-max normalised over the
    region (MinMaxNormalization), combined as the equally weighted sum (CensusKernel.pass2);
  - five levels by natural breaks: exact weighted ckmeans on a 10,000-bin histogram of the
    index, as the engine does above 100,000 cells (NaturalBreaks.histogramBreaks);
  - risk_index.tif, risk_level.tif, eal.tif and fatalities.tif (total and per hazard) with the engine's GeoTIFF creation options;
    district sums (population, value, EAL and fatalities per hazard, cells per level) over
    districts rasterised with gdal.RasterizeLayer; the level raster polygonised
    (gdal.Polygonize) into one MultiPolygon per level, written as RFC 7946 GeoJSON.
Differences from the engine: the engine warps every input onto its grid (which covers the
districts' geographic bounding box, a little larger than the rasters) and works tile by tile;
here the rasters already are the grid. Totals agree closely, not exactly."""
import csv
import json
import os
import sys
import time

T_START = time.perf_counter()
import numpy as np  # noqa: E402
from osgeo import gdal, ogr, osr  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from province_spec import (BUILDING_CLASS, COST_PER_M2, DISTRICTS, FATALITY_CSV, FLOOR_AREA, HAZARDS,  # noqa: E402
                           INDEX_RETURN_PERIOD, POPULATION, RETURN_PERIODS, TAIL, ZERO_DAMAGE_RETURN_PERIOD,
                           hazard_files, read_curve)

gdal.UseExceptions()
ogr.UseExceptions()
T_IMPORTS = time.perf_counter()

# The engine's result rasters (Sources/RiskGeo/GeoTIFFWriter.swift): Cloud-optimized GeoTIFF
# with overviews, mode for the level classes and average for values.
def cog_options(is_float):
    return ["COMPRESS=DEFLATE", "LEVEL=1", "PREDICTOR=YES", "BLOCKSIZE=256", "BIGTIFF=IF_SAFER", "OVERVIEWS=IGNORE_EXISTING",
            f"OVERVIEW_RESAMPLING={'AVERAGE' if is_float else 'MODE'}", "NUM_THREADS=ALL_CPUS"]


def read(path):
    ds = gdal.Open(path)
    return ds.ReadAsArray(), ds.GetGeoTransform(), ds.GetProjection()


def eal_weights(periods, t0, tail):
    """Trapezoid weights over p = 1/T (ascending T) so that EAL = Σ w_i · D_i."""
    p = [1.0 / t for t in periods]
    w = [0.0] * len(p)
    if t0 is not None and 1.0 / t0 > p[0]:
        w[0] += 0.5 * (1.0 / t0 - p[0])
    for i in range(len(p) - 1):
        dp = p[i] - p[i + 1]
        w[i] += 0.5 * dp
        w[i + 1] += 0.5 * dp
    if tail == "flat":
        w[-1] += p[-1]
    return w


def minmax(t, lo, hi):
    """Min-max to [0, 1], clamped; NaN stays NaN; a constant indicator maps to 1."""
    if hi > lo:
        return np.clip((t - lo) / (hi - lo), 0, 1)
    return np.where(np.isnan(t), np.nan, 1.0)


def ckmeans(x, w, k):
    """Exact weighted 1-D k-means (Jenks/Fisher) of sorted x with weights w by dynamic
    programming (as Ckmeans.1d.dp, O(k·n²) here in row blocks); returns the index of the last
    item of each of the first k − 1 groups."""
    n = len(x)
    k = min(k, n)
    if k <= 1:
        return []
    x = x - np.average(x, weights=w)
    sw = np.concatenate([[0], np.cumsum(w)])
    sx = np.concatenate([[0], np.cumsum(w * x)])
    sxx = np.concatenate([[0], np.cumsum(w * x * x)])

    def ssq(i, j):  # within-group sum of squares of items i..j (inclusive), broadcasting
        ww, s = sw[j + 1] - sw[i], sx[j + 1] - sx[i]
        with np.errstate(invalid="ignore", divide="ignore"):   # i > j: masked by the caller
            return np.maximum(0, (sxx[j + 1] - sxx[i]) - s * s / ww)

    cost = ssq(np.zeros(n, dtype=int), np.arange(n))
    splits = []
    for m in range(1, k):
        nxt = np.full(n, np.inf)
        arg = np.zeros(n, dtype=int)
        first = m                            # the best start i is non-decreasing in j
        for j0 in range(m, n, 256):          # rows j in blocks, columns i = first..j
            j = np.arange(j0, min(n, j0 + 256))[:, None]
            i = np.arange(first, j[-1, 0] + 1)[None, :]
            c = np.where(i <= j, cost[i - 1] + ssq(i, j), np.inf)
            a = np.argmin(c, axis=1)
            nxt[j[:, 0]] = c[np.arange(len(a)), a]
            arg[j[:, 0]] = a + first
            first = arg[j[-1, 0]]
        cost = nxt
        splits.append(arg)
    starts, end = [0] * k, n - 1                # walk back: group m starts at splits[m - 1][end]
    for m in range(k - 1, 0, -1):
        starts[m] = splits[m - 1][end]
        end = starts[m] - 1
    return [starts[m] - 1 for m in range(1, k)]


def natural_breaks(values, k=5, bins=10_000):
    """The engine's natural breaks above 100,000 values: ckmeans over the centres of the
    non-empty bins of an equal-width histogram, weighted by their counts; each break at its
    bin's upper edge. Padded to k − 1 breaks with the maximum."""
    lo, hi = float(values.min()), float(values.max())
    width = (hi - lo) / bins
    counts = np.bincount(np.minimum(bins - 1, ((values - lo) / width).astype(np.int64)), minlength=bins)
    centres = lo + (np.arange(bins) + 0.5) * width
    keep = counts > 0
    x, w = centres[keep], counts[keep].astype(np.float64)
    b = [x[i] + width / 2 for i in ckmeans(x, w, k)]
    return b + [hi] * (k - 1 - len(b))


def write_tif(path, a, gt, wkt, dtype, nodata, units, metadata, bands=None):
    """One band, or `bands` ([(array, description)], as the engine's eal.tif and fatalities.tif)."""
    bands = bands or [(a, "")]
    ds = gdal.GetDriverByName("MEM").Create("", a.shape[1], a.shape[0], len(bands), dtype)
    ds.SetGeoTransform(gt)
    ds.SetProjection(wkt)
    for k, v in sorted(metadata.items()):
        ds.SetMetadataItem(k, v)
    for i, (values, description) in enumerate(bands):
        b = ds.GetRasterBand(i + 1)
        b.SetNoDataValue(nodata)
        b.SetUnitType(units)
        if description:
            b.SetDescription(description)
        b.WriteArray(values)
    gdal.Translate(path, ds, format="COG", creationOptions=cog_options(dtype != gdal.GDT_Byte))
    ds = None


def main():
    province, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    P = lambda name: os.path.join(province, name)  # noqa: E731

    # Exposure, and the districts rasterised onto the grid (cell centre inside the polygon).
    pop, gt, wkt = read(P(POPULATION))
    floor, _, _ = read(P(FLOOR_AREA))
    ny, nx = pop.shape
    srs = osr.SpatialReference(wkt=wkt)
    units = ogr.GetDriverByName("Memory").CreateDataSource("units")
    ul = units.CreateLayer("units", srs, ogr.wkbPolygon)
    ul.CreateField(ogr.FieldDefn("zone", ogr.OFTInteger))
    vds = ogr.Open(P(DISTRICTS))                           # keep the dataset alive with its layer
    src = vds.GetLayer(0)
    to_grid = osr.CoordinateTransformation(src.GetSpatialRef(), srs)
    names = []
    for k, f in enumerate(src, start=1):                   # unit k burns k, 0 is outside
        names.append((f.GetField("name"), f.GetField("code")))
        g = f.GetGeometryRef().Clone()
        g.Transform(to_grid)
        u = ogr.Feature(ul.GetLayerDefn())
        u.SetField("zone", k)
        u.SetGeometry(g)
        ul.CreateFeature(u)
    mem = gdal.GetDriverByName("MEM").Create("", nx, ny, 1, gdal.GDT_Int32)
    mem.SetGeoTransform(gt)
    mem.SetProjection(wkt)
    gdal.RasterizeLayer(mem, [1], ul, options=["ATTRIBUTE=zone"])
    zone = mem.GetRasterBand(1).ReadAsArray()
    mem = None
    inside = zone > 0
    pop = np.where(inside, pop, np.nan).astype(np.float32)
    value = np.where(inside, floor * np.float32(COST_PER_M2), np.nan).astype(np.float32)
    del floor

    # Pass 1: per hazard, EAL, expected annual fatalities, and the index components.
    weights = eal_weights(RETURN_PERIODS, ZERO_DAMAGE_RETURN_PERIOD, TAIL)
    pop64, value64 = pop.astype(np.float64), value.astype(np.float64)
    eal, eaf, H, V = {}, {}, {}, {}
    for h in HAZARDS:
        dx, dy = read_curve(P(h["curve"]), "class", BUILDING_CLASS, h["x"], "damage_ratio")
        fx, fy = read_curve(P(FATALITY_CSV), "hazard", h["id"], "value", "rate")
        loss_sum = np.zeros((ny, nx))
        fat_sum = np.zeros((ny, nx))
        for t, w, name in zip(RETURN_PERIODS, weights, hazard_files(h)):
            intensity = read(P(name))[0].astype(np.float64)
            dr = np.where(intensity > 0, np.interp(intensity, dx, dy), 0.0)
            loss = value64 * dr
            loss[np.isnan(intensity)] = np.nan
            fat = pop64 * np.interp(intensity, fx, fy)
            loss_sum += w * loss
            fat_sum += w * fat
            if t == INDEX_RETURN_PERIOD:
                H[h["id"]] = intensity
                with np.errstate(invalid="ignore", divide="ignore"):
                    V[h["id"]] = np.where(value64 > 0, loss / value64, np.where(np.isnan(loss), np.nan, 0.0))
            del intensity, dr, loss, fat
        eal[h["id"]] = np.where(inside, loss_sum, np.nan).astype(np.float32)
        eaf[h["id"]] = fat_sum.astype(np.float32)
        del loss_sum, fat_sum

    # Pass 2: min-max normalisation over the region, R_h = H·E·V, equal-weight sum.
    def span(a):
        a = a[inside]
        return float(np.nanmin(a)), float(np.nanmax(a))
    lp, lv = np.log1p(np.maximum(pop64, 0)), np.log1p(np.maximum(value64, 0))
    E = 0.5 * minmax(lp, *span(lp)) + 0.5 * minmax(lv, *span(lv))
    del lp, lv
    index = np.zeros((ny, nx))
    for h in HAZARDS:
        hid = h["id"]
        index += (1 / len(HAZARDS)) * minmax(H[hid], *span(H[hid])) * E * minmax(V[hid], *span(V[hid]))
    del H, V, E
    index = np.where(inside, index, np.nan).astype(np.float32)

    # Classification: natural breaks, level 1 (I, highest) … 5 (V); equal to a break → lower level.
    known = index[~np.isnan(index)].astype(np.float64)
    breaks = natural_breaks(known)
    level = (5 - np.searchsorted(np.asarray(breaks), index.astype(np.float64), side="left")).astype(np.uint8)
    level[np.isnan(index)] = 0
    eal_total = sum(eal[h["id"]] for h in HAZARDS)             # NaN outside the region

    # Rasters, with the engine's options, units and metadata.
    meta = {"NODATA_MEANING": "outside the region or unknown (an input was nodata); never zero"}
    write_tif(os.path.join(out, "risk_level.tif"), level, gt, wkt, gdal.GDT_Byte, 0,
              "level (1 = I highest risk … 5 = V lowest)", dict(meta, BREAKS=",".join(map(repr, breaks))))
    write_tif(os.path.join(out, "risk_index.tif"), index, gt, wkt, gdal.GDT_Float32, float("nan"),
              "1 (dimensionless composite risk index)", meta)
    write_tif(os.path.join(out, "eal.tif"), eal_total, gt, wkt, gdal.GDT_Float32, float("nan"), "CNY/year", meta,
              bands=[(eal_total, "eal")] + [(eal[h["id"]], "eal_" + h["id"]) for h in HAZARDS])
    fat_bands = [np.where(inside, eaf[h["id"]], np.nan).astype(np.float32) for h in HAZARDS]
    fat_total = sum(fat_bands)
    write_tif(os.path.join(out, "fatalities.tif"), fat_total, gt, wkt, gdal.GDT_Float32, float("nan"), "persons/year", meta,
              bands=[(fat_total, "fatalities")] + [(b, "fatalities_" + h["id"]) for b, h in zip(fat_bands, HAZARDS)])

    # District sums (NaN counts as 0).
    z = zone.ravel()
    nz = len(names) + 1
    def by_zone(a):
        a = a.ravel().astype(np.float64)
        return np.bincount(z, weights=np.where(np.isnan(a), 0.0, a), minlength=nz)[1:]
    cols = {"population": by_zone(pop), "exposed_value": by_zone(value)}
    cols["eal"] = sum(by_zone(eal[h["id"]]) for h in HAZARDS)
    cols["expected_fatalities"] = sum(by_zone(eaf[h["id"]]) for h in HAZARDS)
    for lv in range(1, 6):
        cols[f"cells_level_{lv}"] = np.bincount(z, weights=(level.ravel() == lv), minlength=nz)[1:]
    cols["cells"] = np.bincount(z, minlength=nz)[1:]
    for h in HAZARDS:
        cols["eal_" + h["id"]] = by_zone(eal[h["id"]])
        cols["fatalities_" + h["id"]] = by_zone(eaf[h["id"]])
    with open(os.path.join(out, "districts.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["name", "code"] + list(cols))
        for k, (name, code) in enumerate(names):
            wr.writerow([name, code] + [repr(float(cols[c][k])) for c in cols])

    # Zones: the level raster polygonised (4-connected), one MultiPolygon per level, in EPSG:4326.
    src = gdal.Open(os.path.join(out, "risk_level.tif"))
    band = src.GetRasterBand(1)
    pieces = ogr.GetDriverByName("Memory").CreateDataSource("pieces")
    pl = pieces.CreateLayer("pieces", srs, ogr.wkbPolygon)
    pl.CreateField(ogr.FieldDefn("level", ogr.OFTInteger))
    gdal.Polygonize(band, band.GetMaskBand(), pl, 0)
    multi = {lv: ogr.Geometry(ogr.wkbMultiPolygon) for lv in range(1, 6)}
    for f in pl:
        multi[f.GetField("level")].AddGeometry(f.GetGeometryRef())
    path = os.path.join(out, "risk_zones.geojson")
    if os.path.exists(path):
        os.remove(path)
    zds = ogr.GetDriverByName("GeoJSON").CreateDataSource(path)
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    zl = zds.CreateLayer("risk_zones", wgs, ogr.wkbMultiPolygon, options=["RFC7946=YES", "COORDINATE_PRECISION=6"])
    zl.CreateField(ogr.FieldDefn("level", ogr.OFTInteger))
    zl.CreateField(ogr.FieldDefn("cells", ogr.OFTInteger))
    to_wgs = osr.CoordinateTransformation(srs, wgs)
    for lv, g in multi.items():
        if g.GetGeometryCount() == 0:
            continue
        g.Transform(to_wgs)
        f = ogr.Feature(zl.GetLayerDefn())
        f.SetField("level", lv)
        f.SetField("cells", int((level == lv).sum()))
        f.SetGeometry(g)
        zl.CreateFeature(f)
    zds = None

    t_end = time.perf_counter()
    summary = {"cells": int(inside.sum()), "breaks": breaks,
               "seconds_after_imports": round(t_end - T_IMPORTS, 3), "seconds_imports": round(T_IMPORTS - T_START, 3)}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(f"numpy census: {summary['cells']} cells, breaks {' / '.join(f'{b:.4g}' for b in breaks)}, "
          f"{summary['seconds_after_imports']:.2f} s after imports")


if __name__ == "__main__":
    main()
