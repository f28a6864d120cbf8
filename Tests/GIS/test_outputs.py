"""A census's GIS outputs checked with GDAL's own tools (Debian's python3-gdal and gdal-bin).

Usage: /usr/bin/python3 Tests/GIS/test_outputs.py RESULT_FOLDER

- Every GeoTIFF passes GDAL's COG validator with its full check, overviews included, and has
  overviews when it is larger than one 128-cell block.
- `risk_level.tif` carries a colour table with the palette, category names I–V in English and
  Chinese, and a band description; `eal.tif` names every band.
- `ogrinfo` reads every layer of `census.gpkg`, and each has its default style row in
  `layer_styles`, with QML and SLD.
- `.qml` and `.sld` sit beside every GeoJSON and GeoTIFF; JSON outputs are indented.
"""
import glob
import json
import os
import subprocess
import sys

from osgeo import gdal
from osgeo_utils.samples import validate_cloud_optimized_geotiff as cog

LEVEL_COLOURS = {1: (189, 0, 38), 2: (240, 59, 32), 3: (253, 141, 60), 4: (254, 204, 92), 5: (255, 255, 178)}
CHINESE = ["高", "较高", "中", "较低", "低"]

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)
        print("FAIL:", message)


def rasters(folder):
    return sorted(glob.glob(os.path.join(folder, "*.tif")) + glob.glob(os.path.join(folder, "coverage", "*.tif")))


def main(folder):
    gdal.UseExceptions()
    tifs = rasters(folder)
    check(len(tifs) >= 4, f"expected the census's rasters in {folder}, found {tifs}")
    for tif in tifs:
        warnings, errors, _ = cog.validate(tif, full_check=True)
        check(not errors, f"{tif}: not a valid COG: {errors}")
        ds = gdal.Open(tif)
        b = ds.GetRasterBand(1)
        if max(ds.RasterXSize, ds.RasterYSize) > 128:
            check(b.GetOverviewCount() > 0, f"{tif}: {ds.RasterXSize}×{ds.RasterYSize} cells and no overviews")
        for i in range(1, ds.RasterCount + 1):
            check(ds.GetRasterBand(i).GetDescription() != "", f"{tif}: band {i} has no description")
            check(ds.GetRasterBand(i).GetUnitType() != "", f"{tif}: band {i} has no unit")
        base = os.path.splitext(tif)[0]
        for ext in (".qml", ".sld"):
            check(os.path.exists(base + ext), f"{tif}: no {os.path.basename(base + ext)} beside it")

    level_ds = gdal.Open(os.path.join(folder, "risk_level.tif"))   # kept: a band outliving its dataset crashes
    level = level_ds.GetRasterBand(1)
    table = level.GetColorTable()
    check(table is not None, "risk_level.tif has no colour table")
    if table is not None:
        for l, rgb in LEVEL_COLOURS.items():
            check(table.GetColorEntry(l)[:3] == rgb, f"risk_level.tif: level {l} is {table.GetColorEntry(l)[:3]}, expected {rgb}")
    names = level.GetCategoryNames() or []
    for l, (roman, chinese) in enumerate(zip(["I", "II", "III", "IV", "V"], CHINESE), start=1):
        check(len(names) > l and names[l].startswith(f"{roman} {chinese}"), f"risk_level.tif: category {l} is {names[l:l + 1]}")

    eal = gdal.Open(os.path.join(folder, "eal.tif"))
    described = [eal.GetRasterBand(i).GetDescription() for i in range(1, eal.RasterCount + 1)]
    check(described[0] == "eal" and eal.RasterCount >= 2, f"eal.tif bands: {described}")

    gpkg = os.path.join(folder, "census.gpkg")
    listing = subprocess.run(["ogrinfo", "-ro", "-q", gpkg], capture_output=True, text=True)
    check(listing.returncode == 0, f"ogrinfo {gpkg}: {listing.stderr}")
    layers = [line.split(":", 1)[1].strip().split(" ")[0] for line in listing.stdout.splitlines() if ":" in line]
    for expected in ("zones", "districts", "layer_styles"):
        check(expected in layers, f"census.gpkg lacks the layer {expected}: {layers}")
    for layer in layers:
        if layer == "layer_styles":
            continue
        read = subprocess.run(["ogrinfo", "-ro", "-so", gpkg, layer], capture_output=True, text=True)
        check(read.returncode == 0 and "Feature Count" in read.stdout, f"ogrinfo cannot read {layer}: {read.stderr}")
        style = subprocess.run(["ogrinfo", "-ro", "-q", gpkg, "layer_styles", "-where", f"f_table_name = '{layer}' AND useAsDefault = 1"],
                               capture_output=True, text=True)
        check(style.returncode == 0 and "styleQML (String) = <!DOCTYPE qgis" in style.stdout and "StyledLayerDescriptor" in style.stdout,
              f"census.gpkg: {layer} has no default style row with QML and SLD")

    for gj in glob.glob(os.path.join(folder, "*.geojson")) + glob.glob(os.path.join(folder, "coverage", "*.geojson")):
        base = os.path.splitext(gj)[0]
        for ext in (".qml", ".sld"):
            check(os.path.exists(base + ext), f"{gj}: no {os.path.basename(base + ext)} beside it")
    for js in ("provenance.json", "plan_targets.json", "coverage/summary.json"):
        p = os.path.join(folder, js)
        if os.path.exists(p):
            text = open(p, encoding="utf-8").read()
            json.loads(text)
            check(text.count("\n") > 5 and "\n  \"" in text, f"{js} is not indented")

    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print(f"GDAL: {len(tifs)} rasters are valid COGs; census.gpkg's {len(layers) - 1} layers have style rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
