"""Shared helpers for the dataset generators: the analysis grid, deterministic GeoTIFF and vector
writers, rasterizing, and seeded randomness.

Everything here is deterministic: the same inputs give byte-identical files (no timestamps, fixed
creation options, sorted iteration, numpy's PCG64 generator with explicit seeds).
"""
import hashlib
import json
import os

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()
# GeoPackage writes the current time into gpkg_contents; fix it so files are byte-identical.
gdal.SetConfigOption("OGR_CURRENT_DATE", "2026-01-01T00:00:00Z")
gdal.SetConfigOption("GDAL_NUM_THREADS", "1")

GENERATOR = "riskcensus dataset generator 1"


def srs_from_epsg(code):
    s = osr.SpatialReference()
    s.ImportFromEPSG(code)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def rng(seed):
    """A numpy PCG64 generator: the stream is fixed for a seed on every platform."""
    return np.random.Generator(np.random.PCG64(seed))


class Grid:
    """A north-up analysis grid: origin (west, north), square cells, width × height, EPSG code."""

    def __init__(self, west, north, cell, width, height, epsg=None, wkt=None):
        self.west, self.north, self.cell = float(west), float(north), float(cell)
        self.width, self.height, self.epsg = int(width), int(height), epsg
        if wkt is not None:
            self.srs = osr.SpatialReference(wkt=wkt)
            self.srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        else:
            self.srs = srs_from_epsg(epsg)

    @classmethod
    def of_dataset(cls, ds):
        """The grid of an existing north-up raster with square cells, in its own CRS."""
        gt = ds.GetGeoTransform()
        assert gt[2] == 0 and gt[4] == 0 and abs(gt[1] + gt[5]) < 1e-9 * abs(gt[1]), "north-up square cells expected"
        return cls(gt[0], gt[3], gt[1], ds.RasterXSize, ds.RasterYSize, wkt=ds.GetProjection())

    @classmethod
    def covering(cls, minx, miny, maxx, maxy, cell, epsg, margin=0.0):
        west = np.floor((minx - margin) / cell) * cell
        north = np.ceil((maxy + margin) / cell) * cell
        east = np.ceil((maxx + margin) / cell) * cell
        south = np.floor((miny - margin) / cell) * cell
        return cls(west, north, cell, round((east - west) / cell), round((north - south) / cell), epsg)

    @property
    def transform(self):
        return (self.west, self.cell, 0.0, self.north, 0.0, -self.cell)

    @property
    def shape(self):
        return (self.height, self.width)

    def centres(self):
        """(x, y) arrays of cell centres, each height × width."""
        xs = self.west + (np.arange(self.width) + 0.5) * self.cell
        ys = self.north - (np.arange(self.height) + 0.5) * self.cell
        return np.meshgrid(xs, ys)

    def cell_of(self, x, y):
        """(row, col) of the cell containing (x, y), or None outside (half-open cells)."""
        c = int(np.floor((x - self.west) / self.cell))
        r = int(np.floor((self.north - y) / self.cell))
        if 0 <= c < self.width and 0 <= r < self.height:
            return r, c
        return None

    def mem(self, dtype=gdal.GDT_Float64, bands=1):
        ds = gdal.GetDriverByName("MEM").Create("", self.width, self.height, bands, dtype)
        ds.SetGeoTransform(self.transform)
        ds.SetProjection(self.srs.ExportToWkt())
        return ds


def to_grid_crs(geom, grid):
    """A copy of an OGR geometry transformed into the grid's CRS (sources here are WGS 84)."""
    g = geom.Clone()
    src = srs_from_epsg(4326)
    g.AssignSpatialReference(src)
    g.TransformTo(grid.srs)
    return g


def rasterize(grid, geoms_values, all_touched=False, dtype=gdal.GDT_Float64, fill=0):
    """Burns (geometry in grid CRS, value) pairs in order; a pixel takes a polygon's value when its
    centre is inside (GDAL's default rule), or any touched pixel with all_touched."""
    ds = grid.mem(dtype)
    band = ds.GetRasterBand(1)
    band.Fill(fill)
    mem = ogr.GetDriverByName("Memory").CreateDataSource("")
    layer = mem.CreateLayer("l", grid.srs, ogr.wkbUnknown)
    layer.CreateField(ogr.FieldDefn("v", ogr.OFTReal))
    for g, v in geoms_values:
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetField("v", float(v))
        f.SetGeometry(g)
        layer.CreateFeature(f)
    opts = ["ATTRIBUTE=v"] + (["ALL_TOUCHED=TRUE"] if all_touched else [])
    gdal.RasterizeLayer(ds, [1], layer, options=opts)
    return band.ReadAsArray()


def write_tif(path, grid, arrays, units, description, nodata=np.nan, dtype=gdal.GDT_Float32,
              band_names=None, metadata=None):
    """A compressed, tiled GeoTIFF with CRS, nodata, units, band descriptions and provenance."""
    arrays = arrays if isinstance(arrays, list) else [arrays]
    is_float = dtype in (gdal.GDT_Float32, gdal.GDT_Float64)
    opts = ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE", "ZLEVEL=9",
            "PREDICTOR=3" if is_float else "PREDICTOR=2"]
    tmp = path + ".tmp"
    ds = gdal.GetDriverByName("GTiff").Create(tmp, grid.width, grid.height, len(arrays), dtype, options=opts)
    ds.SetGeoTransform(grid.transform)
    ds.SetProjection(grid.srs.ExportToWkt())
    md = {"DESCRIPTION": description, "UNITS": units, "GENERATOR": GENERATOR,
          "NODATA_MEANING": "outside the modelled area (unknown), never zero"}
    md.update(metadata or {})
    ds.SetMetadata({k: str(v) for k, v in sorted(md.items())})
    for i, a in enumerate(arrays):
        b = ds.GetRasterBand(i + 1)
        b.SetNoDataValue(float(nodata))
        b.SetUnitType(units)
        if band_names:
            b.SetDescription(band_names[i])
        out = np.asarray(a)
        if not is_float:
            out = np.where(np.isnan(out), nodata, out) if out.dtype.kind == "f" else out
        b.WriteArray(out)
    ds.FlushCache()
    ds = None
    os.replace(tmp, path)


def write_vector(path, layer_name, srs, geom_type, fields, rows, driver="GeoJSON"):
    """Writes features: fields is [(name, ogr type)], rows is [(ogr geometry, {name: value})].
    GeoJSON is written as RFC 7946 (WGS 84, 7 decimals); geometries must then be in WGS 84."""
    if os.path.exists(path):
        os.remove(path)
    lco = ["RFC7946=YES", "COORDINATE_PRECISION=7", "WRITE_NAME=NO"] if driver == "GeoJSON" else []
    ds = ogr.GetDriverByName(driver).CreateDataSource(path)
    layer = ds.CreateLayer(layer_name, srs, geom_type, options=lco)
    for name, t in fields:
        layer.CreateField(ogr.FieldDefn(name, t))
    defn = layer.GetLayerDefn()
    if driver == "GPKG":
        layer.StartTransaction()
    for geom, values in rows:
        f = ogr.Feature(defn)
        for name, _ in fields:
            v = values.get(name)
            if v is not None:
                f.SetField(name, v)
        f.SetGeometry(geom)
        layer.CreateFeature(f)
    if driver == "GPKG":
        layer.CommitTransaction()
    ds = None


def point(x, y):
    g = ogr.Geometry(ogr.wkbPoint)
    g.AddPoint_2D(float(x), float(y))
    return g


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def largest_remainder(weights, total):
    """Non-negative integers proportional to weights that sum exactly to total (ties by index)."""
    w = np.asarray(weights, dtype=np.float64)
    s = w.sum()
    if total == 0 or s <= 0:
        return np.zeros(w.shape, dtype=np.int64)
    exact = w / s * total
    base = np.floor(exact).astype(np.int64)
    short = int(total - base.sum())
    if short > 0:
        frac = (exact - base).ravel()
        order = np.lexsort((np.arange(frac.size), -frac))
        base.ravel()[order[:short]] += 1
    return base
