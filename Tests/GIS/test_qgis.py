"""A census's outputs in real QGIS (Debian's python3-qgis), headless.

Usage: /usr/bin/python3 Tests/GIS/test_qgis.py RESULT_FOLDER

Loads `census.gpkg`'s zones and units (their styles come from the GeoPackage's layer_styles)
and `risk_level.tif` (its style from risk_level.qml beside it), renders each to PNG, and checks
that pixels of level I and level V have the maps' palette (ColorBrewer YlOrRd, five classes) and
that the legends hold the five class names in English and Chinese. Exits non-zero on a failure.
"""
import gc
import os
import shutil
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from osgeo import gdal  # noqa: E402
from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsMapRendererSequentialJob,  # noqa: E402
                       QgsMapSettings, QgsRasterLayer, QgsRectangle, QgsVectorLayer)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

# ColorBrewer YlOrRd (5 classes): level I is the darkest, level V the lightest.
LEVEL_COLOURS = {1: "#bd0026", 2: "#f03b20", 3: "#fd8d3c", 4: "#fecc5c", 5: "#ffffb2"}
CLASS_NAMES = ["I 高", "II 较高", "III 中", "IV 较低", "V 低"]

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)
        print("FAIL:", message)


def render(layers, extent, crs, width, height, path):
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(crs)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(width, height))
    settings.setBackgroundColor(QColor("white"))
    settings.setFlag(QgsMapSettings.Antialiasing, False)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(path, "PNG")
    return image, settings


def level_cells(folder):
    """(col, row) of an interior cell of level I and of level V in risk_level.tif, whose eight
    neighbours share its level, and the raster's geotransform and size."""
    ds = gdal.Open(os.path.join(folder, "risk_level.tif"))
    a = ds.GetRasterBand(1).ReadAsArray()
    found = {}
    h, w = a.shape
    for r in range(1, h - 1):
        for c in range(1, w - 1):
            v = int(a[r, c])
            if v in (1, 5) and v not in found and (a[r - 1:r + 2, c - 1:c + 2] == v).all():
                found[v] = (c, r)
        if len(found) == 2:
            break
    return found, ds.GetGeoTransform(), w, h, ds.GetProjection()


def checks(folder):
    """Every check; the layers it loads are gone when it returns. Renders go to a scratch
    folder, never into the result folder."""
    scratch = tempfile.mkdtemp(prefix="qgis-render-")
    layers = []
    try:
        cells, gt, width, height, wkt = level_cells(folder)
        check(set(cells) == {1, 5}, f"risk_level.tif has no interior cell of level I and of level V: found {sorted(cells)}")

        raster = QgsRasterLayer(os.path.join(folder, "risk_level.tif"), "risk_level")
        layers.append(raster)
        check(raster.isValid(), "risk_level.tif does not load in QGIS")
        check(raster.renderer().type() == "paletted", f"risk_level.tif renders as {raster.renderer().type()}, not paletted (risk_level.qml)")
        legend = [label for label, _ in raster.renderer().legendSymbologyItems()]
        for name in CLASS_NAMES:
            check(any(name in label for label in legend), f"risk_level.tif's legend lacks {name!r}: {legend}")
        extent = QgsRectangle(gt[0], gt[3] + height * gt[5], gt[0] + width * gt[1], gt[3])
        image, _ = render([raster], extent, raster.crs(), width, height, os.path.join(scratch, "qgis_risk_level.png"))
        for level, (c, r) in cells.items():
            got = QColor(image.pixel(c, r)).name()
            check(got == LEVEL_COLOURS[level], f"risk_level.tif: a level {level} pixel renders {got}, expected {LEVEL_COLOURS[level]}")

        gpkg = os.path.join(folder, "census.gpkg")
        zones = QgsVectorLayer(gpkg + "|layername=zones", "zones", "ogr")
        layers.append(zones)
        check(zones.isValid(), "census.gpkg's zones do not load in QGIS")
        check(zones.renderer().type() == "categorizedSymbol",
              f"zones render with {zones.renderer().type()}, not the categorized style from layer_styles")
        labels = [item.label() for item in zones.renderer().legendSymbolItems()]
        for name in CLASS_NAMES:
            check(any(name in label for label in labels), f"zones' legend lacks {name!r}: {labels}")
        # The same cells rendered from the zones (WGS 84) at the raster's cell size in its CRS.
        image, settings = render([zones], extent, QgsCoordinateReferenceSystem.fromWkt(wkt), width, height,
                                 os.path.join(scratch, "qgis_zones.png"))
        for level, (c, r) in cells.items():
            got = QColor(image.pixel(c, r)).name()
            check(got == LEVEL_COLOURS[level], f"census.gpkg zones: a level {level} cell renders {got}, expected {LEVEL_COLOURS[level]}")

        for name in ("cells", "districts", "shelters"):
            layer = QgsVectorLayer(gpkg + f"|layername={name}", name, "ogr")
            layers.append(layer)
            if not layer.isValid():
                check(name == "shelters" and not os.path.exists(os.path.join(folder, "coverage")), f"census.gpkg's {name} do not load")
                continue
            check(layer.renderer().type() in ("categorizedSymbol", "graduatedSymbol"),
                  f"{name} render with {layer.renderer().type()}: its layer_styles row was not applied")
            check(layer.featureCount() > 0, f"census.gpkg's {name} layer is empty")
    finally:
        del layers[:]
        shutil.rmtree(scratch, ignore_errors=True)


def main(folder):
    qgs = QgsApplication([], False)
    qgs.initQgis()
    try:
        checks(folder)
    finally:
        # Layers are released before the application, or QGIS crashes at exit.
        gc.collect()
        qgs.exitQgis()
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("QGIS: risk_level.tif and census.gpkg render with the palette; legends hold I–V")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
