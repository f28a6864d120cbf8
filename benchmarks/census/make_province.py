#!/usr/bin/python3
"""Writes a synthetic province for the census benchmark into FOLDER, deterministically (fixed
seed): eleven tiled DEFLATE Float32 GeoTIFFs in EPSG:32650 at 100 m (flood depth, wind gust and
PGA at 10/100/1000 years, population, floor area), nine districts as a 3 × 3 grid of polygons
(GeoJSON, EPSG:4326 per RFC 7946), the curve tables, and census.yaml for `riskcensus run`.

    /usr/bin/python3 benchmarks/census/make_province.py FOLDER [--km 300]

--km 300 gives 3000 × 3000 = 9 M cells, --km 150 gives 2.25 M. The file GENERATOR, written last,
holds the generator version and size, so a complete province can be recognised and reused."""
import argparse
import os
import sys

import numpy as np
from osgeo import gdal, ogr, osr
from scipy import ndimage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from province_spec import (BLOCK, BUILDING_CLASS, CELL, COST_PER_M2, DISTRICTS, EPSG, FATALITY_CSV, FLOOR_AREA,  # noqa: E402
                           GENERATOR_VERSION, HAZARDS, MANIFEST, NORTH, POPULATION, RETURN_PERIODS, STAMP, WEST,
                           ZERO_DAMAGE_RETURN_PERIOD, hazard_files)

gdal.UseExceptions()
ogr.UseExceptions()
SEED = 20240611


def smooth(rng, n, scale_cells):
    """A smooth random field of n × n cells, about zero mean and unit spread, with features of
    about `scale_cells` cells: white noise on a coarse grid, cubic-spline upsampled."""
    coarse = max(4, int(round(n / scale_cells)) + 3)
    z = rng.standard_normal((coarse, coarse))
    f = ndimage.zoom(z, n / coarse, order=3, mode="reflect", grid_mode=True)[:n, :n]
    return (f - f.mean()) / f.std()


def unit(f):
    """Min-max to [0, 1]."""
    return (f - f.min()) / (f.max() - f.min())


def blobs(rng, n, count, sigma_cells, peak):
    """Sum of `count` Gaussian bumps at random places, each added in its own ±4σ window."""
    out = np.zeros((n, n))
    for _ in range(count):
        cy, cx = rng.uniform(0, n, 2)
        s, p = rng.uniform(*sigma_cells), rng.uniform(*peak)
        r = int(4 * s) + 1
        y0, y1 = max(0, int(cy) - r), min(n, int(cy) + r)
        x0, x1 = max(0, int(cx) - r), min(n, int(cx) + r)
        yy, xx = np.mgrid[y0:y1, x0:x1]
        out[y0:y1, x0:x1] += p * np.exp(-((yy + 0.5 - cy) ** 2 + (xx + 0.5 - cx) ** 2) / (2 * s * s))
    return out


def write_tif(folder, name, a, units):
    ds = gdal.GetDriverByName("GTiff").Create(
        os.path.join(folder, name), a.shape[1], a.shape[0], 1, gdal.GDT_Float32,
        options=["TILED=YES", f"BLOCKXSIZE={BLOCK}", f"BLOCKYSIZE={BLOCK}", "COMPRESS=DEFLATE"])
    ds.SetGeoTransform((WEST, CELL, 0, NORTH, 0, -CELL))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    ds.SetProjection(srs.ExportToWkt())
    b = ds.GetRasterBand(1)
    b.SetNoDataValue(float("nan"))
    b.SetUnitType(units)
    b.WriteArray(a.astype(np.float32))
    ds = None


def hazards(rng, n):
    """Per hazard id, the three return-period fields (ascending T)."""
    cells_per_km = 1000 / CELL
    out = {}
    # Flood: a terrain of three scales; the lowest ground floods, deeper and wider at rarer T.
    # Depth = water level − ground, with the level at the 4/8/13 % quantile of the ground.
    ground = 12 * smooth(rng, n, 60 * cells_per_km) + 5 * smooth(rng, n, 12 * cells_per_km) \
        + 1.5 * smooth(rng, n, 3 * cells_per_km)
    levels = np.quantile(ground[::7, ::7], [0.04, 0.08, 0.13])
    out["flood"] = [np.clip(0.35 * (lv - ground), 0, 5) for lv in levels]
    # Wind: a smooth gust field, 20–40 m/s at 10 years up to 33–60 m/s at 1000 years.
    w = unit(smooth(rng, n, 80 * cells_per_km) + 0.3 * smooth(rng, n, 10 * cells_per_km))
    out["wind"] = [20 + 20 * w, 27 + 23 * w, 33 + 27 * w]
    # PGA: decays away from a fault line across the province, with smooth site effects.
    yy, xx = np.mgrid[0:n, 0:n] / n
    d = np.abs(0.8 * xx - 0.6 * yy + 0.1) / np.hypot(0.8, 0.6) * n * CELL / 1000   # km from the fault
    site = 1 + 0.15 * smooth(rng, n, 8 * cells_per_km)
    base = np.exp(-d / 60) * site
    out["earthquake"] = [np.clip(lo + (hi - lo) * base, 0.02, 0.6) for lo, hi in [(0.02, 0.15), (0.04, 0.35), (0.08, 0.6)]]
    del ground, w, yy, xx, d, site, base
    return out


def exposure(rng, n):
    """Population (persons per cell: cities on a thin rural background, empty uplands) and floor
    area (m² per cell: about 38 m² per person plus industrial parks)."""
    area_factor = (n / 3000) ** 2
    cities = blobs(rng, n, max(1, int(90 * area_factor)), (5, 40), (20, 300))
    rural = np.clip(1.2 + 1.0 * smooth(rng, n, 50), 0, None)
    upland = smooth(rng, n, 300) > 1.0                     # ~15 % of the land is empty
    pop = np.where(upland & (cities < 5), 0, cities + rural)
    pop = np.round(pop, 1)
    industry = blobs(rng, n, max(1, int(40 * area_factor)), (5, 25), (500, 4000))
    floor = np.round(pop * rng.uniform(30, 46, (n, n)) + np.where(pop > 0, industry, 0), 0)
    return pop, floor


def districts(folder, n):
    """A 3 × 3 grid of districts over the grid, edges densified every km in UTM, written in
    EPSG:4326 (RFC 7946). The outer edge sits 1 m inside the grid, so no cell outside the rasters
    touches the region after the round trip through geographic coordinates."""
    utm = osr.SpatialReference()
    utm.ImportFromEPSG(EPSG)
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_wgs = osr.CoordinateTransformation(utm, wgs)
    side = n * CELL
    cuts = [WEST + side * k / 3 for k in range(4)]
    ycuts = [NORTH - side * k / 3 for k in range(4)]
    path = os.path.join(folder, DISTRICTS)
    if os.path.exists(path):
        os.remove(path)
    ds = ogr.GetDriverByName("GeoJSON").CreateDataSource(path)
    layer = ds.CreateLayer("districts", wgs, ogr.wkbPolygon, options=["RFC7946=YES", "WRITE_NAME=NO"])
    layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    layer.CreateField(ogr.FieldDefn("code", ogr.OFTString))
    k = 0
    for r in range(3):
        for c in range(3):
            k += 1
            x0, x1, y0, y1 = cuts[c], cuts[c + 1], ycuts[r + 1], ycuts[r]
            x0, x1 = (x0 + 1 if c == 0 else x0), (x1 - 1 if c == 2 else x1)
            y1, y0 = (y1 - 1 if r == 0 else y1), (y0 + 1 if r == 2 else y0)
            ring = ogr.Geometry(ogr.wkbLinearRing)
            for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]:
                ring.AddPoint_2D(x, y)
            poly = ogr.Geometry(ogr.wkbPolygon)
            poly.AddGeometry(ring)
            poly.Segmentize(1000)
            poly.Transform(to_wgs)
            f = ogr.Feature(layer.GetLayerDefn())
            f.SetField("name", f"D{k}")
            f.SetField("code", f"{320100 + k}")
            f.SetGeometry(poly)
            layer.CreateFeature(f)
    ds = None


CURVES = {
    "flood_depth_damage.csv": ("class,depth_m,damage_ratio", BUILDING_CLASS,
                               [(0, 0), (0.5, 0.2613), (1, 0.3953), (1.5, 0.4933), (2, 0.5766), (3, 0.6956),
                                (4, 0.7452), (5, 0.7869), (6, 0.8)]),
    "wind_damage.csv": ("class,gust_ms,damage_ratio", BUILDING_CLASS,
                        [(0, 0), (20, 0), (25, 0.0005), (30, 0.002), (35, 0.005), (40, 0.011), (45, 0.022),
                         (50, 0.04), (55, 0.068), (60, 0.105), (70, 0.2), (80, 0.33), (90, 0.47)]),
    "pga_damage.csv": ("class,pga_g,damage_ratio", BUILDING_CLASS,
                       [(0, 0), (0.02, 0), (0.05, 0.002), (0.1, 0.008), (0.2, 0.03), (0.3, 0.065), (0.4, 0.11),
                        (0.5, 0.16), (0.6, 0.21), (0.8, 0.31), (1.0, 0.4)]),
}
FATALITY = [
    ("flood", "depth_m", [(0, 0), (0.49, 0), (0.5, 0.0003579), (1, 0.0007223), (1.5, 0.001452), (2, 0.002898),
                          (3, 0.0109), (4, 0.0333), (5, 0.06668), (6, 0.08824)]),
    ("wind", "gust_ms", [(0, 0), (30, 0), (40, 1.496e-06), (50, 2.335e-05), (60, 8.961e-05), (70, 0.0002041),
                         (80, 0.0003462), (90, 0.0004869), (100, 0.0006072)]),
    ("earthquake", "pga_g", [(0, 0), (0.05, 0), (0.1, 1e-07), (0.2, 2e-06), (0.3, 1.5e-05), (0.4, 6e-05),
                             (0.5, 0.00016), (0.6, 0.00035), (0.8, 0.001), (1.0, 0.0022)]),
]


def curves(folder):
    os.makedirs(os.path.join(folder, "curves"), exist_ok=True)
    for name, (header, cls, rows) in CURVES.items():
        with open(os.path.join(folder, "curves", name), "w") as f:
            f.write(header + "\n" + "".join(f"{cls},{x},{y}\n" for x, y in rows))
    with open(os.path.join(folder, FATALITY_CSV), "w") as f:
        f.write("hazard,measure,value,rate\n")
        for hz, measure, rows in FATALITY:
            f.write("".join(f"{hz},{measure},{x},{y}\n" for x, y in rows))


def manifest(folder, km):
    units = {"flood": "m (water depth)", "wind": "m/s (3-s gust)", "earthquake": "g (PGA)"}
    lines = [f"# Synthetic {km} km province for the census benchmark (benchmarks/census/make_province.py).",
             f"name: bench_province_{km}km", "currency: CNY",
             f"region: {{layer: {DISTRICTS}, name_field: name, code_field: code}}",
             "grid:", f"  crs: EPSG:{EPSG}", f"  cell_size: {CELL:g}", "  tile_size: 512", "hazards:"]
    for h in HAZARDS:
        lines += [f"  - id: {h['id']}", f"    units: {units[h['id']]}", "    return_periods:"]
        lines += [f"      - {{years: {t}, path: {p}}}" for t, p in zip(RETURN_PERIODS, hazard_files(h))]
        lines += [f"    vulnerability: {{csv: {h['curve']}, class_column: class, x_column: {h['x']}, y_column: damage_ratio}}",
                  f"    fatality: {{csv: {FATALITY_CSV}, class_column: hazard, x_column: value, y_column: rate}}"]
    third = 1 / 3
    lines += ["exposure:", f"  population: {{path: {POPULATION}, resampling: sum}}", "  buildings:",
              f"    raster: {{path: {FLOOR_AREA}, resampling: sum}}", "    classes:",
              f"      - {{name: {BUILDING_CLASS}, band: 1, cost_per_m2: {COST_PER_M2:g}}}",
              "index:", "  weights: {" + ", ".join(f"{h['id']}: {third!r}" for h in HAZARDS) + "}",
              "  combination: weighted_sum", "  rescale: unit", "  log_exposure: true",
              "  exposure_weights: {population: 0.5, value: 0.5}",
              "classification:", "  method: natural_breaks",
              "eal:", f"  zero_damage_return_period: {ZERO_DAMAGE_RETURN_PERIOD:g}", "  tail: flat", "  probability: reciprocal",
              "outputs:", "  cells: false               # no per-cell GeoJSON", "  zones: true"]
    with open(os.path.join(folder, MANIFEST), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--km", type=int, default=300, help="side of the province in km (100 m cells)")
    a = ap.parse_args()
    n = int(round(a.km * 1000 / CELL))
    os.makedirs(a.folder, exist_ok=True)
    stamp = os.path.join(a.folder, STAMP)
    if os.path.exists(stamp):
        os.remove(stamp)
    rng = np.random.Generator(np.random.PCG64(SEED))
    for h, fields in hazards(rng, n).items():
        spec = next(s for s in HAZARDS if s["id"] == h)
        for name, f in zip(hazard_files(spec), fields):
            write_tif(a.folder, name, f, spec["units"])
    pop, floor = exposure(rng, n)
    write_tif(a.folder, POPULATION, pop, "persons")
    write_tif(a.folder, FLOOR_AREA, floor, "m2")
    districts(a.folder, n)
    curves(a.folder)
    manifest(a.folder, a.km)
    with open(stamp, "w") as f:
        f.write(f"{GENERATOR_VERSION} km={a.km}\n")
    print(f"province {a.km} km: {n} x {n} = {n * n:,} cells, {pop.sum():,.0f} persons, "
          f"{floor.sum() * COST_PER_M2:,.0f} CNY of buildings -> {a.folder}")


if __name__ == "__main__":
    main()
