"""Peer check: the same synthetic event set through CLIMADA's ImpactCalc and `riskcensus impact`,
compared to 1e-9 relative (at_event, eai_exp, aai_agg, exceedance).

Needs a Python with CLIMADA 6.1 (which installs here with gdal==3.6.2 and numpy<2 pinned); see
benchmarks/peers/README.md. Usage:
  CLIMADA_PYTHON=/path/to/venv/bin/python python3 benchmarks/peers/impact_vs_climada.py [RISKCENSUS_BIN]
The script runs itself under CLIMADA_PYTHON for the CLIMADA half."""
import csv
import json
import os
import subprocess
import sys
import tempfile

N_EXPOSURES, N_EVENTS, SEED = 2000, 40, 7


def make_case(d):
    import numpy as np
    from osgeo import gdal, osr
    rng = np.random.Generator(np.random.PCG64(SEED))
    w, h, cell, west, north = 60, 40, 0.05, 119.0, 32.0
    drv = gdal.GetDriverByName("GTiff")
    ds = drv.Create(os.path.join(d, "hazard.tif"), w, h, N_EVENTS, gdal.GDT_Float64)
    ds.SetGeoTransform((west, cell, 0, north, 0, -cell))
    srs = osr.SpatialReference(); srs.ImportFromEPSG(4326)
    ds.SetProjection(srs.ExportToWkt())
    yy, xx = np.mgrid[0:h, 0:w]
    for e in range(N_EVENTS):
        # A storm footprint: a Gaussian of wind speed around a random centre, zero outside.
        cx, cy, r, peak = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(3, 15), rng.uniform(20, 90)
        field = peak * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
        field[field < 15] = 0
        ds.GetRasterBand(e + 1).WriteArray(np.round(field, 3))
    ds = None
    with open(os.path.join(d, "events.csv"), "w") as f:
        f.write("event_id,frequency\n")
        for e in range(N_EVENTS):
            f.write(f"{e + 1},{rng.uniform(0.001, 0.05):.6f}\n")
    with open(os.path.join(d, "impf.csv"), "w") as f:
        f.write("id,intensity,mdd,paa\n")
        for x, m, p in [(0, 0, 0), (20, 0, 0.1), (40, 0.2, 0.6), (60, 0.6, 1), (90, 1, 1)]:
            f.write(f"1,{x},{m},{p}\n")
        for x, m, p in [(0, 0, 1), (33, 0, 1), (33, 0.5, 1), (200, 0.5, 1)]:   # a step at 33
            f.write(f"2,{x},{m},{p}\n")
    with open(os.path.join(d, "exposures.csv"), "w") as f:
        f.write("id,lon,lat,value,impf,deductible,cover\n")
        for j in range(N_EXPOSURES):
            lon, lat = rng.uniform(west, west + w * cell), rng.uniform(north - h * cell, north)
            if j % 100 == 0:
                lon += 10   # far outside the grid: unassigned in both engines
            value = float(np.round(rng.uniform(1e4, 1e6), 2))
            f.write(f"x{j},{lon:.6f},{lat:.6f},{value},{1 + (j % 3 == 0)},{np.round(rng.uniform(0, 2e3), 2)},{np.round(value * rng.uniform(0.3, 1.2), 2)}\n")


def run_climada(d):
    import numpy as np
    import pandas as pd
    import geopandas as gpd
    from climada.entity import Exposures, ImpactFunc, ImpactFuncSet
    from climada.hazard import Hazard
    from climada.engine import ImpactCalc
    events = pd.read_csv(os.path.join(d, "events.csv"))
    haz = Hazard.from_raster([os.path.join(d, "hazard.tif")], band=list(range(1, len(events) + 1)), haz_type="TC",
                             attrs={"frequency": events.frequency.values, "event_id": events.event_id.values})
    ex = pd.read_csv(os.path.join(d, "exposures.csv"))
    columns = {"value": ex.value, "impf_TC": ex.impf}
    for optional in ("deductible", "cover"):
        if optional in ex.columns:
            columns[optional] = ex[optional]
    gdf = gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(ex.lon, ex.lat), crs="EPSG:4326")
    exp = Exposures(gdf)
    exp.assign_centroids(haz, threshold=50)
    # For raster hazards CLIMADA matches far-away points to edge cells; RiskCensus reports points
    # outside the grid as unassigned (METHODS §6.1), so the comparison marks them unassigned here too.
    minx, miny, maxx, maxy = haz.centroids.total_bounds if hasattr(haz.centroids, "total_bounds") else (None,) * 4
    lon, lat = ex.lon.values, ex.lat.values
    cell = abs(haz.centroids.lon[1] - haz.centroids.lon[0]) if len(haz.centroids.lon) > 1 else 0
    outside = (lon < haz.centroids.lon.min() - cell / 2) | (lon > haz.centroids.lon.max() + cell / 2) \
        | (lat < haz.centroids.lat.min() - cell / 2) | (lat > haz.centroids.lat.max() + cell / 2)
    column = [c for c in exp.gdf.columns if c.startswith("centr_")][0]
    exp.gdf.loc[outside, column] = -1
    funcs = ImpactFuncSet()
    table = pd.read_csv(os.path.join(d, "impf.csv"))
    for fid, g in table.groupby("id"):
        funcs.append(ImpactFunc(haz_type="TC", id=int(fid), intensity=g.intensity.values, mdd=g.mdd.values, paa=g.paa.values,
                                intensity_unit="m/s"))
    imp = ImpactCalc(exp, funcs, haz).impact(assign_centroids=False)
    rps = [5, 10, 25, 50, 100, 250]
    out = {"at_event": imp.at_event.tolist(), "eai_exp": imp.eai_exp.tolist(), "aai_agg": float(imp.aai_agg),
           "centroids_assigned": int((exp.gdf[column] >= 0).sum()),
           "exceedance": imp.calc_freq_curve(rps).impact.tolist(), "ids": ex.id.tolist()}
    json.dump(out, open(os.path.join(d, "climada.json"), "w"))


def compare(d, binary):
    subprocess.run([binary, "impact", "--exposures", os.path.join(d, "exposures.csv"), "--hazard", os.path.join(d, "hazard.tif"),
                    "--events", os.path.join(d, "events.csv"), "--impact-functions", os.path.join(d, "impf.csv"),
                    "--out", os.path.join(d, "rc")], check=True, stdout=subprocess.DEVNULL)
    c = json.load(open(os.path.join(d, "climada.json")))
    at = [float(r["at_event"]) for r in csv.DictReader(open(os.path.join(d, "rc", "at_event.csv")))]
    eai = {r["id"]: float(r["eai_exp"]) for r in csv.DictReader(open(os.path.join(d, "rc", "eai_exp.csv")))}
    ex = [float(r["impact"]) for r in csv.DictReader(open(os.path.join(d, "rc", "exceedance.csv")))]
    aai = json.load(open(os.path.join(d, "rc", "summary.json")))["aai_agg"]

    def rel(a, b):
        return abs(a - b) / max(abs(b), 1e-300) if b != 0 else abs(a)
    worst = {
        "at_event": max(rel(a, b) for a, b in zip(at, c["at_event"])),
        "eai_exp": max(rel(eai[i], b) for i, b in zip(c["ids"], c["eai_exp"])),
        "aai_agg": rel(aai, c["aai_agg"]),
        "exceedance": max(rel(a, b) for a, b in zip(ex, c["exceedance"])),
    }
    ok = all(v <= 1e-9 for v in worst.values())
    print(json.dumps({"exposures": N_EXPOSURES, "events": N_EVENTS, "aai_agg_climada": c["aai_agg"], "aai_agg_riskcensus": aai,
                      "max_relative_difference": worst, "agree_1e-9": ok}))
    return ok


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--climada":
        run_climada(sys.argv[2])
        sys.exit(0)
    binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/riskcensus"
    climada_python = os.environ.get("CLIMADA_PYTHON")
    if not climada_python:
        sys.exit("set CLIMADA_PYTHON to a Python with climada 6.1 installed")
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([climada_python, "-c", f"import sys; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); "
                        f"import impact_vs_climada as m; m.make_case({d!r})"], check=True)
        subprocess.run([climada_python, __file__, "--climada", d], check=True)
        sys.exit(0 if compare(d, binary) else 1)
