#!/usr/bin/python3
"""Generates the modelled layers of datasets/olinda from the real DEM and census tracts in this
folder. Run from the repository root: /usr/bin/python3 datasets/olinda/generate.py

Deterministic: re-running reproduces every file byte for byte. See datasets/olinda/README.md.
"""
import os
import sys

import numpy as np
from scipy import ndimage

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from dsutil import Grid, gdal, ogr, osr, point, rng, srs_from_epsg, write_tif, write_vector  # noqa: E402

DEM = os.path.join(HERE, "olinda_dem_utm25s.tif")
TRACTS = os.path.join(HERE, "olinda_census_tracts_2010.geojson")
POPULATION_FIELD = "V014"          # residents per tract, IBGE 2010 (sums to 377,779)
SUPERSAMPLE = 10                   # sub-cells per DEM cell side for area weighting

# Coastal total water level (m above mean sea level, the DEM's datum) per return period (years).
# Modelled: a spring high tide of about 1.3 m above MSL at Recife plus storm surge and wave set-up
# and run-up at the shore, growing with the return period (see README).
COASTAL_LEVELS = {10: 2.5, 50: 3.2, 100: 3.6, 500: 5.0}
SHELTER_COUNT = 30
FLOOR_AREA_PER_PERSON = 30.0      # m² of dwelling floor area per resident (assumption, see README)
# JRC global depth-damage, residential, as tabulated for Asia in CLIMADA petals; used as a
# stand-in because the South-American table was not retrieved (see README).
JRC_DEPTH = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0]
JRC_RESIDENTIAL = [0.0, 0.3266, 0.4941, 0.6166, 0.7207, 0.8695, 0.9315, 0.9836, 1.0]


OUT = os.environ.get("RISKCENSUS_DATASET_OUT", HERE)
# The real layers this generator reads; every other data file in the folder is made here.
INPUTS = ["olinda_dem_utm25s.tif", "olinda_census_tracts_2010.geojson"]


def path(name):
    return os.path.join(OUT, name)


def sea_mask(z):
    """The sea: cells at or below 0 m connected (4-neighbour) to the grid's eastern edge."""
    low = z <= 0
    labels, _ = ndimage.label(low)
    edge = np.unique(labels[:, -1])
    return np.isin(labels, edge[edge > 0])


def coastal_depths(z, sea):
    """Connected bathtub: land floods to (level − z) only where it lies below the level and is
    connected (4-neighbour) to the sea through cells below the level. Sea cells hold the level."""
    out = {}
    for rp, level in sorted(COASTAL_LEVELS.items()):
        below = (z < level) | sea
        labels, _ = ndimage.label(below)
        wet = np.unique(labels[sea])
        connected = np.isin(labels, wet[wet > 0])
        depth = np.where(connected, level - z, 0.0)
        depth[sea] = level
        out[rp] = np.round(np.clip(depth, 0, None), 3).astype(np.float32)
    return out


def population(dem, sea):
    """Tract residents spread evenly over each tract's area on land (sub-cells of 1/10 cell whose
    centres lie in the tract and not on the sea), summed per cell. A tract with no such sub-cell
    goes whole to the land cell nearest its centroid, so the total is conserved exactly."""
    srs = osr.SpatialReference(wkt=dem.GetProjection())
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    gt = dem.GetGeoTransform()
    w, h = dem.RasterXSize, dem.RasterYSize
    k = SUPERSAMPLE
    fine = gdal.GetDriverByName("MEM").Create("", w * k, h * k, 1, gdal.GDT_Int32)
    fine.SetGeoTransform((gt[0], gt[1] / k, 0, gt[3], 0, gt[5] / k))
    fine.SetProjection(dem.GetProjection())
    fine.GetRasterBand(1).Fill(0)
    src = ogr.Open(TRACTS)
    layer = src.GetLayer()
    mem = ogr.GetDriverByName("Memory").CreateDataSource("")
    out_layer = mem.CreateLayer("t", srs, ogr.wkbMultiPolygon)
    out_layer.CreateField(ogr.FieldDefn("idx", ogr.OFTInteger))
    ct = osr.CoordinateTransformation(srs_from_epsg(4326), srs)
    people, centroids = [], []
    for i, f in enumerate(layer):
        g = f.GetGeometryRef().Clone()
        g.Transform(ct)
        people.append(int(f[POPULATION_FIELD]))
        c = g.Centroid()
        centroids.append((c.GetX(), c.GetY()))
        nf = ogr.Feature(out_layer.GetLayerDefn())
        nf.SetField("idx", i + 1)
        nf.SetGeometry(g)
        out_layer.CreateFeature(nf)
    gdal.RasterizeLayer(fine, [1], out_layer, options=["ATTRIBUTE=idx"])
    idx = fine.GetRasterBand(1).ReadAsArray()
    sea_fine = np.kron(sea, np.ones((k, k), dtype=bool))
    idx[sea_fine] = 0
    counts = np.bincount(idx.ravel(), minlength=len(people) + 1)
    per_sub = np.zeros(len(people) + 1)
    pop_arr = np.array([0] + people, dtype=np.float64)
    have = counts > 0
    per_sub[have] = pop_arr[have] / counts[have]
    per_sub[0] = 0
    fine_pop = per_sub[idx]
    pop = fine_pop.reshape(h, k, w, k).sum(axis=(1, 3))
    land = np.argwhere(~sea)
    for i in np.flatnonzero(~have[1:]):
        cx, cy = centroids[i]
        col, row = (cx - gt[0]) / gt[1], (cy - gt[3]) / gt[5]
        r, c = land[np.argmin((land[:, 0] - row) ** 2 + (land[:, 1] - col) ** 2)]
        pop[r, c] += people[i]
    return pop, sum(people), int((~have[1:]).sum())


def shelters(dem, z, sea, pop):
    """About 30 shelters on higher, populated ground: schools, sports grounds and squares."""
    r = rng(377779)
    gt = dem.GetGeoTransform()
    weight = pop * (z >= 8) * ~sea
    p = (weight / weight.sum()).ravel()
    srs = osr.SpatialReference(wkt=dem.GetProjection())
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(srs, srs_from_epsg(4326))
    chosen, rows = [], []
    types = ["school", "stadium", "square", "park"]
    for i in r.choice(p.size, size=SHELTER_COUNT * 50, p=p):
        row, col = divmod(int(i), dem.RasterXSize)
        x = gt[0] + (col + 0.5 + r.uniform(-0.4, 0.4)) * gt[1]
        y = gt[3] + (row + 0.5 + r.uniform(-0.4, 0.4)) * gt[5]
        if any(np.hypot(x - a, y - b) < 600 for a, b in chosen):
            continue
        chosen.append((x, y))
        lon, lat = ct.TransformPoint(x, y)[:2]
        fixed = len(rows) % 5 == 0
        t = types[int(r.integers(len(types)))]
        rows.append((point(round(lon, 7), round(lat, 7)), {
            "name": f"{'fixed' if fixed else 'emergency'}-{t}-{len(rows) + 1:02d}",
            "category": "固定" if fixed else "紧急", "category_en": "fixed" if fixed else "emergency", "type": t,
            "effective_area_m2": float(np.round(r.uniform(10000, 40000) if fixed else r.uniform(1000, 8000), -1))}))
        if len(rows) == SHELTER_COUNT:
            return rows
    raise RuntimeError("could not place the shelters")


def main():
    dem = gdal.Open(DEM)
    grid = Grid.of_dataset(dem)
    z = dem.GetRasterBand(1).ReadAsArray().astype(np.float64)
    sea = sea_mask(z)
    write_tif(path("water.tif"), grid, sea.astype(np.uint8), "1", "sea (1) or land (0): DEM cells ≤ 0 m connected to the eastern edge",
               nodata=255, dtype=gdal.GDT_Byte)
    for rp, d in coastal_depths(z, sea).items():
        write_tif(path(f"flood_depth_rp{rp}.tif"), grid, d, "m",
                   f"coastal flood depth, {rp}-year return period (connected bathtub, level {COASTAL_LEVELS[rp]} m above MSL)",
                   metadata={"RETURN_PERIOD_YEARS": rp, "WATER_LEVEL_M": COASTAL_LEVELS[rp]})
    pop, total, moved = population(dem, sea)
    write_tif(path("population.tif"), grid, pop, "persons", "resident population per cell, IBGE 2010 tracts by area",
               dtype=gdal.GDT_Float64)
    write_tif(path("buildings_floor_area.tif"), grid, pop * FLOOR_AREA_PER_PERSON, "m2",
              "dwelling floor area per cell: residents × 30 m² (one class, masonry)", dtype=gdal.GDT_Float64,
              band_names=["masonry"])
    os.makedirs(path("curves"), exist_ok=True)
    with open(path("curves/flood_depth_damage.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("class,depth_m,damage_ratio\n")
        for d, y in zip(JRC_DEPTH, JRC_RESIDENTIAL):
            f.write(f"masonry,{d:g},{y:g}\n")
    with open(path("curves/fatality_rates.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("hazard,measure,value,rate\n")
        for d in [0, 0.49, 0.5, 1, 1.5, 2, 3, 4, 5, 6]:
            rate = 0.0 if d < 0.5 else 0.1 * min(1.0, 0.985 / (1 + np.exp(6.32 - 1.412 * d)))
            f.write(f"coastal_flood,depth_m,{d:g},{float(f'{rate:.4g}'):g}\n")
    write_vector(path("shelters.geojson"), "shelters", srs_from_epsg(4326), ogr.wkbPoint,
                 [("name", ogr.OFTString), ("category", ogr.OFTString), ("category_en", ogr.OFTString),
                  ("type", ogr.OFTString), ("effective_area_m2", ogr.OFTReal)], shelters(dem, z, sea, pop))
    print(f"sea cells {sea.sum()}, population {pop.sum():.6f} of {total}, tracts placed by centroid {moved}")


if __name__ == "__main__":
    main()
