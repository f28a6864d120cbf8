"""What the synthetic province holds: file names, hazards, return periods and the building value,
shared by make_province.py (which writes them), census_numpy.py and io_floor.py (which read them).
The engine learns the same facts from the census.yaml that make_province.py writes."""

GENERATOR_VERSION = "census-bench-province 1"

EPSG = 32650                      # WGS 84 / UTM zone 50N
CELL = 100.0                      # m
WEST, NORTH = 300000.0, 3500000.0  # grid origin, multiples of CELL
BLOCK = 256                       # GeoTIFF tile size of the inputs

RETURN_PERIODS = [10, 100, 1000]
INDEX_RETURN_PERIOD = 100         # the engine's default: the largest ≤ 100 years
COST_PER_M2 = 3000.0              # CNY per m² of floor area (building class "buildings")
BUILDING_CLASS = "buildings"

# EAL settings of the manifest (trapezoid over p = 1/T).
ZERO_DAMAGE_RETURN_PERIOD = 2.0
TAIL = "flat"

# id, units, raster name pattern, damage curve csv and its x column.
HAZARDS = [
    {"id": "flood", "units": "m", "file": "flood_depth_rp{}.tif",
     "curve": "curves/flood_depth_damage.csv", "x": "depth_m"},
    {"id": "wind", "units": "m/s", "file": "wind_gust_rp{}.tif",
     "curve": "curves/wind_damage.csv", "x": "gust_ms"},
    {"id": "earthquake", "units": "g", "file": "pga_rp{}.tif",
     "curve": "curves/pga_damage.csv", "x": "pga_g"},
]
FATALITY_CSV = "curves/fatality_rates.csv"   # columns hazard, measure, value, rate
POPULATION = "population.tif"
FLOOR_AREA = "floor_area.tif"
DISTRICTS = "districts.geojson"
MANIFEST = "census.yaml"
STAMP = "GENERATOR"               # written last: the version and size of a complete province


def hazard_files(h):
    return [h["file"].format(t) for t in RETURN_PERIODS]


def input_rasters():
    """Every input raster, in a fixed order (9 hazard bands, population, floor area)."""
    return [f for h in HAZARDS for f in hazard_files(h)] + [POPULATION, FLOOR_AREA]


def read_curve(path, cls_column, cls, x_column, y_column):
    """The rows of a curve table whose class column is `cls`, as (x, y) lists."""
    import csv
    xs, ys = [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row[cls_column] == cls:
                xs.append(float(row[x_column]))
                ys.append(float(row[y_column]))
    if not xs:
        raise SystemExit(f"{path}: no rows with {cls_column} = {cls}")
    return xs, ys
