#!/usr/bin/python3
"""The I/O floor of the census: every input raster of the province read once whole
(decompressed by GDAL), and the three output rasters (risk index, level, EAL) written once with
the engine's creation options. No computation beyond one multiply: the outputs are input arrays passed through
(PGA as the index, floor area × gust as EAL, the gust cut into five levels), so they are about
as large compressed as the real results.

    /usr/bin/python3 benchmarks/census/io_floor.py PROVINCE OUT"""
import os
import sys
import time

import numpy as np
from osgeo import gdal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from province_spec import input_rasters  # noqa: E402

gdal.UseExceptions()


def cog_options(is_float):
    """As Sources/RiskGeo/GeoTIFFWriter.swift writes the results: Cloud-optimized GeoTIFF with
    overviews (mode for the level classes, average for values)."""
    return ["COMPRESS=DEFLATE", "LEVEL=1", "PREDICTOR=YES", "BLOCKSIZE=256", "BIGTIFF=IF_SAFER", "OVERVIEWS=IGNORE_EXISTING",
            f"OVERVIEW_RESAMPLING={'AVERAGE' if is_float else 'MODE'}", "NUM_THREADS=ALL_CPUS"]


def write(path, a, gt, wkt, dtype, nodata, bands=1):
    """`bands` copies of `a` (the engine writes eal.tif and fatalities.tif with the total and one
    band per hazard), made in memory and written once through GDAL's COG driver."""
    ds = gdal.GetDriverByName("MEM").Create("", a.shape[1], a.shape[0], bands, dtype)
    ds.SetGeoTransform(gt)
    ds.SetProjection(wkt)
    for i in range(bands):
        ds.GetRasterBand(i + 1).SetNoDataValue(nodata)
        ds.GetRasterBand(i + 1).WriteArray(a * (i + 1) if bands > 1 else a)
    gdal.Translate(path, ds, format="COG", creationOptions=cog_options(dtype != gdal.GDT_Byte))
    ds = None


def main():
    province, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    t0 = time.perf_counter()
    arrays = {}
    for name in input_rasters():
        ds = gdal.Open(os.path.join(province, name))
        arrays[name] = ds.ReadAsArray()
        gt, wkt = ds.GetGeoTransform(), ds.GetProjection()
        ds = None
    t1 = time.perf_counter()
    wind, pga = arrays["wind_gust_rp100.tif"], arrays["pga_rp100.tif"]
    level = (1 + (wind.astype(np.int64) % 5)).astype(np.uint8)      # a Byte field of levels 1–5
    write(os.path.join(out, "risk_index.tif"), pga, gt, wkt, gdal.GDT_Float32, float("nan"))
    write(os.path.join(out, "risk_level.tif"), level, gt, wkt, gdal.GDT_Byte, 0)
    # Total and one band per hazard (flood, wind, PGA), as the engine writes them.
    write(os.path.join(out, "eal.tif"), arrays["floor_area.tif"] * wind, gt, wkt, gdal.GDT_Float32, float("nan"), bands=4)
    write(os.path.join(out, "fatalities.tif"), arrays["population.tif"] * pga, gt, wkt, gdal.GDT_Float32, float("nan"), bands=4)
    t2 = time.perf_counter()
    print(f"io floor: read {len(arrays)} rasters in {t1 - t0:.2f} s, wrote 4 ({2 + 2 * 4} bands) in {t2 - t1:.2f} s")


if __name__ == "__main__":
    main()
