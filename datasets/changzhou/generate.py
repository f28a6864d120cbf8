#!/usr/bin/python3
"""Generates the modelled layers of datasets/changzhou from the real boundaries and hydrography
in this folder. Run from the repository root: /usr/bin/python3 datasets/changzhou/generate.py

Deterministic: re-running reproduces every file byte for byte. The models and their sources are
documented in datasets/changzhou/README.md; the constants below carry the same references.
"""
import os
import sys

import numpy as np
from scipy import ndimage

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from dsutil import (Grid, gdal, largest_remainder, ogr, point, rasterize, rng, srs_from_epsg,  # noqa: E402
                    to_grid_crs, write_tif, write_vector)

OUT = os.environ.get("RISKCENSUS_DATASET_OUT", HERE)
# The real layers this generator reads; every other data file in the folder is made here.
INPUTS = ["admin_city.geojson", "admin_districts.geojson", "lakes_L2.geojson", "rivers_wdbii.geojson", "shoreline_L1.geojson"]
EPSG = 4549          # CGCS2000 / 3-degree Gauss-Kruger CM 120E
CELL = 100.0         # m
MARGIN = 1000.0      # m of grid beyond the city boundary, so buffers and hazards reach the edge


def path(name):
    return os.path.join(OUT, name)


def read_features(name):
    ds = ogr.Open(os.path.join(HERE, name))
    layer = ds.GetLayer()
    feats = [(f.GetGeometryRef().Clone(), f.items()) for f in layer]
    return feats


# ---------------------------------------------------------------------------------------------
# Grid, districts and water
# ---------------------------------------------------------------------------------------------

def make_grid():
    city = read_features("admin_city.geojson")[0][0]
    probe = Grid(0, 0, CELL, 1, 1, EPSG)
    minx, maxx, miny, maxy = to_grid_crs(city, probe).GetEnvelope()
    return Grid.covering(minx, miny, maxx, maxy, CELL, EPSG, margin=MARGIN)


def district_codes(grid):
    """Adcode per cell by the cell-centre rule; 0 outside the city."""
    pairs = [(to_grid_crs(g, grid), int(p["adcode"])) for g, p in read_features("admin_districts.geojson")]
    return rasterize(grid, pairs, dtype=gdal.GDT_Int32).astype(np.int32)


# Half-widths (m) used to turn WDBII centre-lines into water, by WDBII class.
RIVER_HALF_WIDTH = {0: 600.0, 2: 80.0, 3: 40.0, 8: 50.0, 9: 25.0}
# The Yangtze between the GSHHG lake west of 119.92 E and the GSHHG level-1 estuary outline east of
# 120.05 E is missing from the source; this modelled channel closes the gap (≈1.4 km wide).
YANGTZE_CONNECTOR = [(119.905, 32.035), (119.965, 32.005), (120.020, 31.978), (120.064, 31.962)]
YANGTZE_CONNECTOR_HALF_WIDTH = 700.0


def water_mask(grid):
    polys = [to_grid_crs(g, grid) for g, _ in read_features("lakes_L2.geojson")]
    # The level-1 outline of the Yangtze estuary starts and ends on the 120.7 E edge: close it.
    for g, _ in read_features("shoreline_L1.geojson"):
        if g.GetPointCount() > 500:
            ring = ogr.Geometry(ogr.wkbLinearRing)
            for i in range(g.GetPointCount()):
                ring.AddPoint_2D(*g.GetPoint_2D(i))
            ring.AddPoint_2D(*g.GetPoint_2D(0))
            poly = ogr.Geometry(ogr.wkbPolygon)
            poly.AddGeometry(ring)
            polys.append(to_grid_crs(poly, grid).MakeValid())
    lines = []
    for g, p in read_features("rivers_wdbii.geojson"):
        lines.append(to_grid_crs(g, grid).Buffer(RIVER_HALF_WIDTH[p["class"]], 4))
    connector = ogr.Geometry(ogr.wkbLineString)
    for x, y in YANGTZE_CONNECTOR:
        connector.AddPoint_2D(x, y)
    lines.append(to_grid_crs(connector, grid).Buffer(YANGTZE_CONNECTOR_HALF_WIDTH, 4))
    water = rasterize(grid, [(g, 1) for g in polys]) > 0
    water |= rasterize(grid, [(g, 1) for g in lines], all_touched=True) > 0
    return water


# ---------------------------------------------------------------------------------------------
# Terrain
# ---------------------------------------------------------------------------------------------

def lonlat_grid(grid):
    from osgeo import osr
    x, y = grid.centres()
    t = osr.CoordinateTransformation(grid.srs, srs_from_epsg(4326))
    pts = np.array(t.TransformPoints(np.column_stack([x.ravel(), y.ravel()])))
    return pts[:, 0].reshape(grid.shape), pts[:, 1].reshape(grid.shape)


def smooth_noise(grid, seed, sigma_cells):
    """Gaussian-filtered white noise scaled to [0, 1]: a deterministic smooth random field."""
    n = ndimage.gaussian_filter(rng(seed).standard_normal(grid.shape), sigma_cells, mode="nearest")
    return (n - n.min()) / (n.max() - n.min())


# Hills as (lon, lat, peak height m, radius along the ridge km, radius across km, ridge azimuth deg).
# The main group is the 宜溧山区 on Liyang's southern border, whose highest point in the city is
# about 541 m; Maoshan (茅山) rises on Jintan's western border; lower hills ring 天目湖.
HILLS = [
    (119.40, 31.175, 541.0, 9.0, 4.0, 75.0),
    (119.25, 31.200, 380.0, 7.0, 4.0, 60.0),
    (119.55, 31.190, 320.0, 6.0, 3.5, 80.0),
    (119.47, 31.280, 180.0, 5.0, 3.0, 30.0),
    (119.29, 31.760, 300.0, 8.0, 3.0, 10.0),
    (119.33, 31.640, 160.0, 5.0, 2.5, 20.0),
    (119.20, 31.350, 150.0, 6.0, 3.0, 45.0),
]
HIGHEST_POINT_M = 541.0
WATER_SURFACE_M = 3.0   # normal water level of lakes, rivers and canals


def elevation(grid, water):
    """Modelled terrain (m above the local datum): a low plain rising gently to the west and
    south-west, lowest along the water, plus the hill groups above, capped so the highest cell
    is exactly HIGHEST_POINT_M."""
    lon, lat = lonlat_grid(grid)
    plain = (3.2 + 2.4 * np.clip((120.2 - lon) / 1.0, 0, 1)
             + 3.0 * smooth_noise(grid, 11, 25) + 1.0 * smooth_noise(grid, 13, 8))
    dist = ndimage.distance_transform_edt(~water) * grid.cell
    plain -= 1.5 * np.exp(-dist / 1200.0)
    hills = np.zeros(grid.shape)
    x, y = grid.centres()
    from osgeo import osr
    tr = osr.CoordinateTransformation(srs_from_epsg(4326), grid.srs)
    for lo, la, h, ra, rb, az in HILLS:
        cx, cy, _ = tr.TransformPoint(lo, la)
        a = np.radians(az)
        u = (x - cx) * np.sin(a) + (y - cy) * np.cos(a)
        v = (x - cx) * np.cos(a) - (y - cy) * np.sin(a)
        hills = np.maximum(hills, h * np.exp(-0.5 * ((u / (ra * 1000)) ** 2 + (v / (rb * 1000)) ** 2)))
    rough = 0.75 + 0.5 * smooth_noise(grid, 12, 6)
    z = plain + hills * rough
    top = z.max()
    hill_part = np.clip(z - 20, 0, None)
    z = np.where(z > 20, 20 + hill_part * (HIGHEST_POINT_M - 20) / (top - 20), z)
    z[water] = WATER_SURFACE_M
    return np.round(z, 2)


# ---------------------------------------------------------------------------------------------
# Towns (modelled units within the districts)
# ---------------------------------------------------------------------------------------------

def town_units(grid, codes, town_list):
    """Modelled towns and subdistricts (镇/街道), the second unit level: each district's 100 m cells
    go to the nearest of its seeded town centres and urban cores, and each town is the union of
    its cells, polygonized by GDAL. Towns are numbered within their district from north to south;
    codes follow the 9-digit pattern of real town codes (adcode × 1000 + number)."""
    from scipy.spatial import cKDTree
    x, y = grid.centres()
    seeds = [(tx, ty) for tx, ty, _, _ in town_list] + list(project([(c[1], c[2]) for c in CORES], grid))
    names = {int(p["adcode"]): p["name"] for _, p in read_features("admin_districts.geojson")}
    label = np.zeros(grid.shape, np.int32)
    towns = []
    for code in sorted(DISTRICT_POPULATION):
        mine = [(sx, sy) for sx, sy in seeds if (lambda c: c is not None and codes[c] == code)(grid_cell(grid, sx, sy))]
        mine = sorted(set(mine), key=lambda p: (-round(p[1], 3), round(p[0], 3)))
        m = codes == code
        _, nearest = cKDTree(np.array(mine)).query(np.column_stack([x[m], y[m]]))
        ids = np.array([code * 1000 + k + 1 for k in range(len(mine))], np.int32)
        label[m] = ids[nearest]
        for k in range(len(mine)):
            towns.append((int(ids[k]), f"{names[code]} 片区{k + 1:02d}", names[code], code))
    ds = grid.mem(gdal.GDT_Int32)
    band = ds.GetRasterBand(1)
    band.WriteArray(label)
    mem = ogr.GetDriverByName("Memory").CreateDataSource("")
    layer = mem.CreateLayer("towns", grid.srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("id", ogr.OFTInteger))
    gdal.Polygonize(band, band, layer, 0, [])
    parts = {}
    for f in layer:
        parts.setdefault(f.GetField("id"), []).append(f.GetGeometryRef().Clone())
    from osgeo import osr
    to_wgs = osr.CoordinateTransformation(grid.srs, srs_from_epsg(4326))
    rows = []
    for tid, name, district, code in towns:
        multi = ogr.Geometry(ogr.wkbMultiPolygon)
        for g in parts[tid]:
            multi.AddGeometry(g)
        g = multi.UnionCascaded()
        g.Transform(to_wgs)
        rows.append((g, {"name": name, "code": str(tid), "district": district, "district_code": str(code)}))
    return rows


def grid_cell(grid, px, py):
    c, r = int((px - grid.west) // grid.cell), int((grid.north - py) // grid.cell)
    return (r, c) if 0 <= r < grid.height and 0 <= c < grid.width else None


# ---------------------------------------------------------------------------------------------
# Geological hazard and forest fire factors (modelled)
# ---------------------------------------------------------------------------------------------

VALLEY_CARVE = 0.6        # share of the height above 30 m that valley lines cut away
VALLEY_SIGMA_CELLS = 4    # smoothing of the noise whose zero lines are the valleys (≈ 1 km spacing)


def dissected(z):
    """The hills with valleys cut in: along the zero lines of a smooth random field, up to
    VALLEY_CARVE of the height above 30 m is removed, so the hill slopes reach the 25–50° of the
    real 宜溧 and 茅山 hills. Peaks (away from the valley lines) keep their height, and so does
    every cell at or below 30 m. The population and wind models use the smoother surface."""
    n = 0.75 * smooth_noise_like(z, 31, VALLEY_SIGMA_CELLS) + 0.25 * smooth_noise_like(z, 32, VALLEY_SIGMA_CELLS / 2)
    n = (n - n.mean()) / n.std()
    valley = np.exp(-(n / 0.35) ** 2)
    return np.round(np.where(z > 30, 30 + (z - 30) * (1 - VALLEY_CARVE * valley), z), 2)


def smooth_noise_like(a, seed, sigma_cells):
    n = ndimage.gaussian_filter(rng(seed).standard_normal(a.shape), sigma_cells, mode="nearest")
    return (n - n.min()) / (n.max() - n.min())


# Lithology classes: (value, name). Modelled from the regional pattern: Quaternary alluvial and
# lacustrine deposits under the plain; Palaeozoic sandstone and shale, Permian–Triassic limestone
# and Jurassic–Cretaceous volcanic rocks with granite in the hills.
LITHOLOGY = [(1, "Quaternary loose deposits"), (2, "sandstone and shale"), (3, "limestone"),
             (4, "volcanic rocks and granite, weathered"), (5, "water")]


def lithology(z_smooth, water):
    """The plain and foot slopes (≤ 25 m) are Quaternary deposits; hill rock is sandstone and shale,
    limestone or volcanic rock by the tertiles of a broad smooth field (≈ 5 km patches)."""
    g = smooth_noise_like(z_smooth, 41, 40)
    hills = z_smooth > 25
    t1, t2 = np.percentile(g[hills], [40, 70])
    out = np.ones(z_smooth.shape, np.uint8)
    out[hills & (g <= t1)] = 2
    out[hills & (g > t1) & (g <= t2)] = 3
    out[hills & (g > t2)] = 4
    out[water] = 5
    return out


# Land cover and fuel classes: (value, name). 1 no fuel, 2 cropland and paddy, 3 grass and shrub,
# 4 broadleaf and mixed forest, 5 coniferous forest and bamboo (the most flammable).
LAND_COVER = [(1, "built-up and water (no fuel)"), (2, "cropland and paddy"), (3, "grass and shrub"),
              (4, "broadleaf and mixed forest"), (5, "coniferous forest and bamboo")]


def land_cover(z_smooth, water, u):
    """Forest above 60 m (coniferous and bamboo where a smooth field is high, as the bamboo seas
    of southern Liyang), grass and shrub on the 30–60 m foot slopes, cropland on the plain,
    no fuel on water and dense built-up cells (urbanity ≥ 0.45)."""
    g = smooth_noise_like(z_smooth, 42, 15)
    out = np.full(z_smooth.shape, 2, np.uint8)
    out[(z_smooth > 30) & (z_smooth <= 60)] = 3
    forest = z_smooth > 60
    out[forest] = 4
    out[forest & (g > 0.45)] = 5
    out[(u >= 0.45) | water] = 1
    return out


def fire_weather_days(grid, z_smooth):
    """Days a year at forest-fire danger level IV or above: 8–12 on the plain, more in the dry,
    windy south-western hills (up to about 24)."""
    lon, lat = lonlat_grid(grid)
    west = np.clip((120.0 - lon) / 0.8, 0, 1)
    south = np.clip((31.8 - lat) / 0.7, 0, 1)
    hill = np.clip((z_smooth - 30) / 300, 0, 1)
    d = 8 + 3 * west + 2 * south + 9 * hill + 2 * smooth_noise(grid, 43, 20)
    return np.round(d, 1)


def slope_degrees(z, cell):
    gy, gx = np.gradient(z, cell)
    return np.degrees(np.arctan(np.hypot(gx, gy)))


def slope_failures(grid, z, lith, water, codes):
    """A modelled inventory of 160 past slope failures in the hills (z > 25 m): each cell's chance
    grows with its slope, its rock (weathered volcanic rock and granite most, limestone least) and
    its nearness to water (undercut banks); points are placed at random within their cells."""
    r = rng(20120722)
    slope = slope_degrees(z, grid.cell)
    near = np.exp(-ndimage.distance_transform_edt(~water) * grid.cell / 800.0)
    rock = np.choose(lith - 1, [0.3, 1.0, 0.6, 1.6, 0.0])
    w = np.exp(0.12 * slope) * rock * (1 + 1.5 * near)
    w[(z <= 25) | (codes == 0) | water] = 0
    cells = r.choice(w.size, size=160, replace=False, p=(w / w.sum()).ravel())
    x, y = grid.centres()
    rows = []
    kinds = ["landslide", "collapse", "debris flow"]
    for k, i in enumerate(np.sort(cells)):
        px = x.ravel()[i] + r.uniform(-0.45, 0.45) * grid.cell
        py = y.ravel()[i] + r.uniform(-0.45, 0.45) * grid.cell
        s = slope.ravel()[i]
        kind = kinds[1] if s > 35 else (kinds[2] if near.ravel()[i] > 0.5 and s > 15 else kinds[0])
        rows.append(((px, py), {"id": k + 1, "kind": kind, "year": int(r.integers(1998, 2021)), "source": "modelled"}))
    return rows


# ---------------------------------------------------------------------------------------------
# Flood and waterlogging depth
# ---------------------------------------------------------------------------------------------

# Flood water level (m, same datum as the terrain) per return period (years). Modelled: chosen so
# that the flooded share of the city's land grows from about 3 % (10 years) to about 15 %
# (200 years) on the modelled terrain; see README.
FLOOD_LEVELS = {10: 4.20, 20: 4.40, 50: 4.55, 100: 4.62, 200: 4.70}


def flood_depths(z, water):
    """Connected bathtub: a cell floods to (level − terrain) when it lies below the level and is
    connected (8-neighbour) through such cells to a lake, river or canal. On permanent water the
    depth is the rise above the normal water level. Levels increase with the return period, so
    the flooded set and every depth grow with it."""
    out = {}
    for rp, level in sorted(FLOOD_LEVELS.items()):
        below = (z < level) | water
        labels, _ = ndimage.label(below, structure=np.ones((3, 3)))
        wet_labels = np.unique(labels[water])
        connected = np.isin(labels, wet_labels[wet_labels > 0])
        depth = np.where(connected, level - z, 0.0)
        depth[water] = level - WATER_SURFACE_M
        out[rp] = np.round(np.clip(depth, 0, None), 3)
    return out


# ---------------------------------------------------------------------------------------------
# Population, urbanity, buildings, GDP
# ---------------------------------------------------------------------------------------------

# Resident population, 2020 census (第七次全国人口普查), by adcode. Sources in README. 新北区 is the
# city total minus the other five (the bulletin gives "89.5万" for it).
CITY_POPULATION = 5_278_121
DISTRICT_POPULATION = {
    320402: 668_906,    # 天宁区
    320404: 658_537,    # 钟楼区
    320411: 883_125,    # 新北区 (residual)
    320412: 1_697_380,  # 武进区
    320413: 585_081,    # 金坛区
    320481: 785_092,    # 溧阳市
}

# Urban cores: (lon, lat, relative weight, e-folding distance km). The city centre plus each
# district's seat (approximate coordinates, see README).
CORES = [
    ("city centre", 119.955, 31.785, 1.00, 3.5),
    ("天宁", 119.995, 31.795, 0.60, 3.0),
    ("钟楼", 119.909, 31.795, 0.60, 3.0),
    ("新北", 119.968, 31.833, 0.70, 4.0),
    ("武进 湖塘", 119.938, 31.702, 0.80, 4.0),
    ("金坛", 119.560, 31.740, 0.70, 3.0),
    ("溧阳", 119.483, 31.417, 0.70, 3.0),
]
TOWNS_PER_KM2 = 1 / 60.0          # secondary town centres per km² of district
RURAL_FLOOR = 0.015               # density floor relative to a core's peak weight


def project(lonlats, grid):
    from osgeo import osr
    t = osr.CoordinateTransformation(srs_from_epsg(4326), grid.srs)
    return [t.TransformPoint(lo, la)[:2] for lo, la in lonlats]


def towns(grid, codes, water, z):
    """Seeded secondary town centres: (x, y, weight, e-folding m), per district by area."""
    r = rng(20201101)
    out = []
    x, y = grid.centres()
    for code in sorted(DISTRICT_POPULATION):
        ok = np.flatnonzero(((codes == code) & ~water & (z < 30)).ravel())
        n = max(2, round(ok.size * grid.cell ** 2 / 1e6 * TOWNS_PER_KM2))
        pick = r.choice(ok, size=n, replace=False)
        for i in np.sort(pick):
            out.append((x.ravel()[i], y.ravel()[i], r.uniform(0.08, 0.2), r.uniform(800, 1500)))
    return out


def population(grid, codes, water, z):
    x, y = grid.centres()
    cores = [(cx, cy, w, lam * 1000) for (_, lo, la, w, lam), (cx, cy) in
             zip(CORES, project([(c[1], c[2]) for c in CORES], grid))]
    w = np.zeros(grid.shape)
    for cx, cy, a, lam in cores + towns(grid, codes, water, z):
        w += a * np.exp(-np.hypot(x - cx, y - cy) / lam)
    w += RURAL_FLOOR
    w *= np.exp(-np.clip(z - 30, 0, None) / 60)   # few people on the hills
    w[water] = 0
    pop = np.full(grid.shape, np.nan)
    for code, total in sorted(DISTRICT_POPULATION.items()):
        m = codes == code
        pop[m] = largest_remainder(w[m], total)
    return pop


def urbanity(pop, grid):
    """0 (rural, ≤ 300 persons/km²) … 1 (dense urban, ≥ 20,000 persons/km²), log-linear."""
    density = np.nan_to_num(pop) / (grid.cell ** 2 / 1e6)
    u = np.log10(np.maximum(density, 1) / 300) / np.log10(20000 / 300)
    return np.clip(u, 0, 1)


# Structure classes, in band order of buildings_floor_area.tif, with replacement cost (CNY/m²,
# modelled assumption at 2020 prices; see README).
BUILDING_CLASSES = [
    ("steel", "钢结构", 3800),
    ("reinforced_concrete", "钢筋混凝土结构", 3200),
    ("brick_concrete", "砖混结构", 2200),
    ("brick_wood", "砖木结构", 1400),
    ("other", "其他结构", 900),
]


def class_shares(u):
    """Share of floor area by class as a function of urbanity (rows sum to 1)."""
    raw = np.stack([0.03 + 0.05 * u, 0.15 + 0.55 * u, 0.50 - 0.28 * u, 0.22 - 0.20 * u, 0.10 - 0.07 * u])
    return raw / raw.sum(axis=0)


def floor_area(pop, u):
    """Floor area (m²) per cell and class: residential 58 − 16·u m² per person (rural houses are
    larger) plus non-residential 8 + 30·u m² per person."""
    per_person = (58 - 16 * u) + (8 + 30 * u)
    total = np.where(np.isnan(pop), np.nan, np.nan_to_num(pop) * per_person)
    return [np.round(total * s, 1) for s in class_shares(u)]


# 2020 GDP: city total 7,805.3 亿元 (2020年常州市国民经济和社会发展统计公报); district shares from
# the districts' own 2020 figures (亿元), which sum to 7,862.36 and are scaled to the city total.
CITY_GDP_CNY = 7805.3e8
DISTRICT_GDP_YI = {320402: 808.2, 320404: 756.01, 320411: 1631.43, 320412: 2607.21, 320413: 973.15, 320481: 1086.36}
# Industrial parks that draw GDP beyond population: (lon, lat, weight, radius km).
PARKS = [(119.950, 31.860, 3.0, 3.0), (119.930, 31.670, 3.0, 3.0), (120.050, 31.780, 1.5, 2.5),
         (119.600, 31.760, 1.5, 2.5), (119.470, 31.440, 1.5, 2.5)]


def gdp(grid, pop, u, codes):
    x, y = grid.centres()
    w = np.nan_to_num(pop) * (0.5 + u)
    for (px, py), (_, _, a, rad) in zip(project([(p[0], p[1]) for p in PARKS], grid), PARKS):
        w += a * np.nanmean(pop) * 40 * np.exp(-0.5 * (np.hypot(x - px, y - py) / (rad * 1000)) ** 2) * (pop > 0)
    out = np.full(grid.shape, np.nan)
    scale = CITY_GDP_CNY / sum(DISTRICT_GDP_YI.values())
    for code, yi in sorted(DISTRICT_GDP_YI.items()):
        m = codes == code
        out[m] = w[m] / w[m].sum() * yi * scale
    return out


# ---------------------------------------------------------------------------------------------
# Road network
# ---------------------------------------------------------------------------------------------

# Class: (speed km/h, replacement cost CNY per km; modelled assumptions, see README).
ROAD_CLASSES = {"expressway": (100, 100e6), "arterial": (60, 30e6), "collector": (40, 8e6)}
# Urban grids around the cores: (core name, radius km) for arterials at 1 km and collectors at 500 m.
URBAN_GRIDS = {"city centre": 7.0, "新北": 4.0, "武进 湖塘": 4.0, "金坛": 3.0, "溧阳": 3.0}


class Network:
    """Nodes (x, y in the grid CRS) and undirected edges with a class; coordinates are shared
    exactly at nodes, so the lines are noded."""

    def __init__(self):
        self.nodes, self.index, self.edges = [], {}, {}

    def node(self, x, y):
        key = (round(x, 1), round(y, 1))
        if key not in self.index:
            self.index[key] = len(self.nodes)
            self.nodes.append(key)
        return self.index[key]

    def edge(self, a, b, cls):
        if a == b:
            return
        k = (min(a, b), max(a, b))
        rank = list(ROAD_CLASSES).index
        if k not in self.edges or rank(cls) < rank(self.edges[k]):
            self.edges[k] = cls

    def components(self):
        parent = list(range(len(self.nodes)))

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i
        for a, b in self.edges:
            parent[find(a)] = find(b)
        return [find(i) for i in range(len(self.nodes))]


def crosses_lake(water_lakes, grid, a, b, samples=12):
    """True when more than a third of the points along a→b fall on lake or wide-river water."""
    hits = 0
    for t in np.linspace(0, 1, samples):
        rc = grid.cell_of(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
        hits += bool(rc and water_lakes[rc])
    return hits > samples / 3


def road_network(grid, codes, lakes, town_list):
    net = Network()
    core_xy = dict(zip([c[0] for c in CORES], project([(c[1], c[2]) for c in CORES], grid)))
    inside = codes > 0

    def usable(x, y):
        rc = grid.cell_of(x, y)
        return rc is not None and inside[rc] and not lakes[rc]

    # Urban grids: arterials every 1 km, collectors on the 500 m lines between them.
    for name, radius in sorted(URBAN_GRIDS.items()):
        cx, cy = core_xy[name]
        cx, cy = round(cx / 500) * 500, round(cy / 500) * 500
        steps = int(radius * 2)
        for i in range(-steps, steps + 1):
            for j in range(-steps, steps + 1):
                x, y = cx + i * 500.0, cy + j * 500.0
                if np.hypot(i, j) * 500 > radius * 1000 or not usable(x, y):
                    continue
                for di, dj in ((1, 0), (0, 1)):
                    x2, y2 = x + di * 500, y + dj * 500
                    if np.hypot(i + di, j + dj) * 500 > radius * 1000 or not usable(x2, y2):
                        continue
                    major = (j % 2 == 0) if di else (i % 2 == 0)
                    net.edge(net.node(x, y), net.node(x2, y2), "arterial" if major else "collector")
    # Expressways: a minimum spanning tree over the cores plus a ring closing the largest gaps.
    names = sorted(core_xy)
    pts = [core_xy[n] for n in names]
    ids = [net.node(round(x / 500) * 500, round(y / 500) * 500) for x, y in pts]
    in_tree, tree = {0}, []
    while len(in_tree) < len(ids):
        best = min(((np.hypot(pts[a][0] - pts[b][0], pts[a][1] - pts[b][1]), a, b)
                    for a in in_tree for b in range(len(ids)) if b not in in_tree))
        tree.append((best[1], best[2]))
        in_tree.add(best[2])
    extra = [("金坛", "溧阳"), ("武进 湖塘", "溧阳"), ("金坛", "钟楼")]
    for a, b in tree + [(names.index(p), names.index(q)) for p, q in extra]:
        segment(net, ids[a], ids[b], "expressway", 2000.0)
    # Towns: each joins its two nearest existing nodes by collector, then components are linked.
    for tx, ty, _, _ in town_list:
        if not usable(tx, ty):
            continue
        t = net.node(round(tx, 1), round(ty, 1))
        near = sorted(range(len(net.nodes)), key=lambda k: (np.hypot(net.nodes[k][0] - tx, net.nodes[k][1] - ty), k))
        linked = 0
        for k in near[1:]:
            if not crosses_lake(lakes, grid, net.nodes[t], net.nodes[k]):
                segment(net, t, k, "collector", 1500.0)
                linked += 1
            if linked == 2:
                break
    link_components(net, grid, lakes)
    return net


def segment(net, a, b, cls, step):
    """Edges a→b through intermediate nodes every `step` m, so long roads can be joined midway."""
    (ax, ay), (bx, by) = net.nodes[a], net.nodes[b]
    n = max(1, int(np.hypot(bx - ax, by - ay) // step))
    prev = a
    for k in range(1, n + 1):
        cur = b if k == n else net.node(ax + (bx - ax) * k / n, ay + (by - ay) * k / n)
        net.edge(prev, cur, cls)
        prev = cur


def link_components(net, grid, lakes):
    """Joins every component to the largest by its shortest collector link."""
    while True:
        comp = net.components()
        labels, counts = np.unique(comp, return_counts=True)
        if labels.size == 1:
            return
        main = labels[np.argmax(counts)]
        xy = np.array(net.nodes)
        in_main = np.array(comp) == main
        best = None
        for i in np.flatnonzero(~in_main):
            d = np.hypot(xy[in_main, 0] - xy[i, 0], xy[in_main, 1] - xy[i, 1])
            j = np.flatnonzero(in_main)[np.argmin(d)]
            if best is None or d.min() < best[0]:
                best = (d.min(), i, j)
        segment(net, int(best[1]), int(best[2]), "collector", 1500.0)


# ---------------------------------------------------------------------------------------------
# Points: facilities, shelters, fire stations, candidate sites
# ---------------------------------------------------------------------------------------------

def sample_cells(r, weights, n, min_spacing_m, grid, taken=()):
    """n cell centres drawn with probability ∝ weights, at least min_spacing_m apart (and from
    `taken`), each jittered inside its cell."""
    x, y = grid.centres()
    p = np.nan_to_num(weights).ravel().astype(np.float64)
    p /= p.sum()
    chosen = list(taken)
    out = []
    for i in r.choice(p.size, size=n * 50, p=p):
        px = x.ravel()[i] + r.uniform(-0.4, 0.4) * grid.cell
        py = y.ravel()[i] + r.uniform(-0.4, 0.4) * grid.cell
        if all(np.hypot(px - qx, py - qy) >= min_spacing_m for qx, qy in chosen):
            chosen.append((px, py))
            out.append((px, py))
            if len(out) == n:
                return out
    raise RuntimeError(f"could only place {len(out)} of {n} points")


def to_wgs84(grid, xy):
    from osgeo import osr
    t = osr.CoordinateTransformation(grid.srs, srs_from_epsg(4326))
    return [tuple(round(v, 7) for v in t.TransformPoint(x, y)[:2]) for x, y in xy]


def district_of(grid, codes, xy):
    return [int(codes[grid.cell_of(x, y)]) for x, y in xy]


def preview(name, a, lo=None, hi=None):
    """A PNG for eyeballing a layer (not part of the dataset)."""
    a = np.where(np.isfinite(a), a, np.nan)
    lo = np.nanmin(a) if lo is None else lo
    hi = np.nanmax(a) if hi is None else hi
    b = np.clip((a - lo) / max(hi - lo, 1e-12) * 254 + 1, 1, 255)
    b = np.where(np.isnan(a), 0, b).astype(np.uint8)
    ds = gdal.GetDriverByName("MEM").Create("", a.shape[1], a.shape[0], 1, gdal.GDT_Byte)
    ds.GetRasterBand(1).WriteArray(b)
    gdal.GetDriverByName("PNG").CreateCopy(os.path.join("/tmp", name + ".png"), ds)


# ---------------------------------------------------------------------------------------------
# Earthquake: 1979 Liyang Ms 6.0 scenario, and the 475-year zoning PGA
# ---------------------------------------------------------------------------------------------

# 1979-07-09 18:57 Liyang earthquake: Ms 6.0, epicentre 31°28′N 119°15′E, depth ≈ 12 km,
# epicentral intensity VIII, outer isoseismals elongated NNE (source in README).
EQ_EPICENTRE = (119.25, 31.4667)
EQ_MAGNITUDE = 6.0
EQ_DEPTH_KM = 12.0
EQ_LONG_AXIS_AZIMUTH = 22.5   # degrees east of north (NNE)
# Eastern China intensity attenuation (汪素云 et al. 2000 generation, as transcribed; see README):
#   long axis  I = 6.046 + 1.480 M − 2.080 ln(R + 25)
#   short axis I = 2.617 + 1.435 M − 1.441 ln(R + 7)
EQ_LONG = (6.046, 1.480, 2.080, 25.0)
EQ_SHORT = (2.617, 1.435, 1.441, 7.0)
# GB 18306-2015 basic peak ground acceleration (50-year 10 % exceedance ≈ 475 years), g, by adcode.
# Recalled, not verified against the standard's Appendix C: flagged in README and metadata.
PGA_475_G = {320402: 0.10, 320404: 0.10, 320411: 0.10, 320412: 0.10, 320413: 0.10, 320481: 0.10}


def eq_intensity(grid):
    """China seismic intensity per cell on the elliptical isoseismals: the intensity I for which
    the cell lies on the ellipse with semi-axes R_a(I), R_b(I) (km), found by bisection. Capped at
    the epicentral value min(I_a(0), I_b(0)) and floored at 4."""
    (ex, ey), = project([EQ_EPICENTRE], grid)
    x, y = grid.centres()
    az = np.radians(EQ_LONG_AXIS_AZIMUTH)
    u = ((x - ex) * np.sin(az) + (y - ey) * np.cos(az)) / 1000
    v = ((x - ex) * np.cos(az) - (y - ey) * np.sin(az)) / 1000

    def radius(c, i):
        a, b, k, r0 = c
        return np.exp((a + b * EQ_MAGNITUDE - i) / k) - r0

    top = min(radius_inverse(EQ_LONG), radius_inverse(EQ_SHORT))
    lo = np.full(grid.shape, 4.0)
    hi = np.full(grid.shape, top)
    for _ in range(50):
        mid = (lo + hi) / 2
        ra, rb = radius(EQ_LONG, mid), radius(EQ_SHORT, mid)
        outside = (u / np.maximum(ra, 1e-9)) ** 2 + (v / np.maximum(rb, 1e-9)) ** 2 > 1
        hi = np.where(outside, mid, hi)
        lo = np.where(outside, lo, mid)
    return np.round(lo, 3)


def radius_inverse(c):
    """Intensity at R = 0 on one axis."""
    a, b, k, r0 = c
    return a + b * EQ_MAGNITUDE - k * np.log(r0)


def pga_from_intensity(i):
    """PGA (g) from China seismic intensity by inverting GB/T 17742-2020's acceleration component
    I_A = 3.17·lg(PGA) + 6.59, PGA in m/s²."""
    return np.round(10 ** ((i - 6.59) / 3.17) / 9.80665, 4)


# ---------------------------------------------------------------------------------------------
# Strong wind
# ---------------------------------------------------------------------------------------------

# GB 50009-2012 Table E.5, 常州市 and 溧阳 (identical): basic wind pressure w0 (kN/m²), 10-min mean
# at 10 m over open terrain, by return period.
WIND_PRESSURE = {10: 0.25, 50: 0.40, 100: 0.45}
GUST_FACTOR = 1.5          # 3-s gust / 10-min mean (between Durst's 1.40 and 1.55 for typhoons)
INLAND_DECAY = 0.06        # fraction lost from the eastern to the western edge of the city
HILL_SPEEDUP = 0.10        # fraction gained on the highest hills


def wind_gusts(grid, z):
    """Peak gust (m/s): v0 = √(1600·w0) × gust factor, decreasing linearly westward (away from the
    coast) and sped up on hills."""
    lon, _ = lonlat_grid(grid)
    inland = np.clip((120.2 - lon) / (120.2 - 119.1), 0, 1)
    hill = np.clip(z / 500, 0, 1)
    out = {}
    for rp, w0 in sorted(WIND_PRESSURE.items()):
        v0 = np.sqrt(1600 * w0) * GUST_FACTOR
        out[rp] = np.round(v0 * (1 - INLAND_DECAY * inland) * (1 + HILL_SPEEDUP * hill), 2)
    return out


def shelters(grid, r, pop, u, codes, water):
    """About 300 shelters: 紧急 in dense blocks, 固定 in parks and schools, a few 中心 sites."""
    weight = np.nan_to_num(pop) * (0.2 + u)
    spec = [("紧急", "emergency", 215, 400, (1000, 10000), ["park", "square", "school"]),
            ("固定", "fixed", 75, 1200, (10000, 60000), ["park", "school", "stadium"]),
            ("中心", "central", 10, 6000, (500000, 800000), ["park", "stadium"])]
    rows = []
    for zh, en, n, spacing, (lo, hi), types in spec:
        xy = sample_cells(r, weight, n, spacing, grid)
        for k, ((x, y), (lon, lat)) in enumerate(zip(xy, to_wgs84(grid, xy))):
            t = types[int(r.integers(len(types)))]
            area = float(np.round(r.uniform(lo, hi), -1))
            rows.append((point(lon, lat), {"name": f"{en}-{t}-{k + 1:03d}", "category": zh, "category_en": en,
                                             "type": t, "effective_area_m2": area}))
    return rows


def facilities(grid, r, pop, u):
    """Hospitals and schools with capacity, substations and water plants with replacement value."""
    weight = np.nan_to_num(pop) * (0.3 + u)
    spec = [("hospital", 48, 1500, "beds", (80, 1500), None),
            ("school", 320, 700, "students", (400, 3000), None),
            ("substation", 90, 2500, None, None, (40e6, 400e6)),
            ("water_plant", 12, 8000, None, None, (150e6, 900e6))]
    rows = []
    for kind, n, spacing, unit, cap, value in spec:
        xy = sample_cells(r, weight if kind != "substation" else np.sqrt(weight), n, spacing, grid)
        for k, (lon, lat) in enumerate(to_wgs84(grid, xy)):
            rec = {"id": f"{kind}-{k + 1:03d}", "kind": kind, "name": f"{kind.replace('_', ' ')} {k + 1}"}
            if cap:
                rec.update(capacity=int(r.integers(cap[0], cap[1])), capacity_unit=unit)
                # Replacement value from capacity: 1.2 million CNY per bed, 40,000 CNY per student place.
                rec.update(value_cny=float(rec["capacity"] * (1.2e6 if kind == "hospital" else 4e4)))
            if value:
                rec.update(value_cny=float(np.round(r.uniform(*value), -4)))
            rows.append((point(lon, lat), rec))
    return rows


FIRE_STATION_COUNT = 43


def fire_stations(grid, r, pop, u):
    """43 stations: class-1 (一级) in the dense core, class-2 (二级) elsewhere, small stations in towns."""
    xy = sample_cells(r, np.nan_to_num(pop) * (0.1 + u) ** 2, FIRE_STATION_COUNT, 2500, grid)
    rows = []
    x0, y0 = grid.centres()
    for k, ((x, y), (lon, lat)) in enumerate(zip(xy, to_wgs84(grid, xy))):
        uu = u[grid.cell_of(x, y)]
        cls = "class-1" if uu > 0.75 else ("class-2" if uu > 0.35 else "small")
        rows.append((point(lon, lat), {"id": f"fire-{k + 1:02d}", "name": f"fire station {k + 1}", "class": cls,
                                       "jurisdiction_limit_km2": {"class-1": 7.0, "class-2": 4.0, "small": 2.0}[cls]}))
    return rows


def candidate_sites(grid, r, pop, u):
    """About 200 candidate sites for new shelters: open land spread by population, not by urbanity."""
    xy = sample_cells(r, np.nan_to_num(pop), 200, 900, grid)
    types = ["park", "square", "school", "stadium", "vacant_land"]
    rows = []
    for k, (lon, lat) in enumerate(to_wgs84(grid, xy)):
        t = types[int(r.integers(len(types)))]
        rows.append((point(lon, lat), {"id": f"candidate-{k + 1:03d}", "type": t,
                                       "area_m2": float(np.round(r.uniform(2000, 60000), -1))}))
    return rows


TIANNING = 320402
USES = ["residential", "commercial", "industrial", "public"]
# Per class: (floors range, mean building floor area m², year-built range, use weights).
BUILDING_TYPES = {
    "steel": ((1, 4), 6000, (1995, 2020), [0.05, 0.25, 0.6, 0.1]),
    "reinforced_concrete": ((5, 33), 9000, (1990, 2020), [0.65, 0.2, 0.05, 0.1]),
    "brick_concrete": ((2, 7), 3000, (1975, 2005), [0.75, 0.1, 0.05, 0.1]),
    "brick_wood": ((1, 3), 700, (1950, 1990), [0.9, 0.05, 0.0, 0.05]),
    "other": ((1, 2), 800, (1960, 2015), [0.5, 0.2, 0.2, 0.1]),
}


def building_points(grid, r, codes, fa):
    """Individual buildings of 天宁区 as points: each cell's floor area of each class is split into
    buildings, so the points aggregate back to buildings_floor_area.tif exactly (to 0.01 m²)."""
    x, y = grid.centres()
    rows = []
    for row, col in zip(*np.nonzero(codes == TIANNING)):
        for (cls, _, _), band in zip(BUILDING_CLASSES, fa):
            area = band[row, col]
            if not area > 0:
                continue
            floors_rng, mean_area, years, uses = BUILDING_TYPES[cls]
            n = max(1, int(round(area / mean_area)))
            parts = r.dirichlet(np.full(n, 4.0)) * area
            parts = np.round(parts, 2)
            parts[-1] = round(area - parts[:-1].sum(), 2)
            for a in parts:
                px = x[row, col] + r.uniform(-0.45, 0.45) * grid.cell
                py = y[row, col] + r.uniform(-0.45, 0.45) * grid.cell
                rows.append((point(px, py), {
                    "structure": cls, "floors": int(r.integers(floors_rng[0], floors_rng[1] + 1)),
                    "year_built": int(r.integers(years[0], years[1] + 1)),
                    "use": USES[int(r.choice(4, p=uses))], "floor_area_m2": float(a)}))
    for k, (_, rec) in enumerate(rows):
        rec["id"] = k + 1
    return rows


# ---------------------------------------------------------------------------------------------
# Vulnerability and fatality curves (curves/*.csv)
# ---------------------------------------------------------------------------------------------

# JRC global depth-damage functions, Asia residential (Huizinga et al. 2017), as tabulated in
# CLIMADA petals (river_flood.py, "Flood Asia JRC Residential noPAA").
JRC_ASIA_DEPTH = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0]
JRC_ASIA_RESIDENTIAL = [0.0, 0.3266, 0.4941, 0.6166, 0.7207, 0.8695, 0.9315, 0.9836, 1.0]
# Modelled class factors on the JRC curve (no class-specific Chinese curve was found; masonry is
# more flood-vulnerable than RC, as Shanghai studies report). Capped at 1.
FLOOD_CLASS_FACTOR = {"steel": 0.70, "reinforced_concrete": 0.80, "brick_concrete": 1.00, "brick_wood": 1.15, "other": 1.10}
# Macroseismic vulnerability index V per class (Lagomarsino & Giovinazzi 2006 style; values [R]).
EQ_VULNERABILITY_INDEX = {"steel": 0.36, "reinforced_concrete": 0.44, "brick_concrete": 0.62, "brick_wood": 0.74, "other": 0.80}
EQ_STATES = ["none", "slight", "moderate", "severe", "collapse"]          # 基本完好 轻微 中等 严重 毁坏
EQ_STATE_LOSS_RATIO = [0.0, 0.05, 0.30, 0.70, 1.00]                      # [R], unverified
# Wind: Emanuel (2011) form as in CLIMADA, threshold 25.7 m/s on 1-min sustained wind; V_half of
# China (WP3) 86.3 m/s (Eberenz et al. 2021 via CCDR tools) for masonry, modelled for the others.
WIND_V_THRESH = 25.7
WIND_V_HALF = {"steel": 100.0, "reinforced_concrete": 105.0, "brick_concrete": 86.3, "brick_wood": 70.0, "other": 75.0}
GUST_TO_SUSTAINED = 1 / 1.3      # 3-s gust → 1-min sustained [R]
# Flood mortality: the CCDR logistic fit (attributed to Jonkman 2008) × 0.1 for warning and
# evacuation, and none below 0.5 m of standing water (assumptions).
FLOOD_FATALITY_FACTOR = 0.1
# USGS PAGER empirical fatality model, China: ν = Φ(ln(I/θ)/β) (Jaiswal & Wald 2010; fatality.xml).
PAGER_CN = (10.328811, 0.100058)


def write_csv(name, header, rows):
    os.makedirs(path("curves"), exist_ok=True)
    with open(path(os.path.join("curves", name)), "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(v if isinstance(v, str) else f"{v:.6g}" for v in r) + "\n")


def curves():
    from math import comb, erf, exp, log, sqrt
    rows = []
    for cls, _, _ in BUILDING_CLASSES:
        for d, y in zip(JRC_ASIA_DEPTH, JRC_ASIA_RESIDENTIAL):
            rows.append((cls, d, round(min(1.0, y * FLOOD_CLASS_FACTOR[cls]), 4)))
    write_csv("flood_depth_damage.csv", ["class", "depth_m", "damage_ratio"], rows)

    rows = []
    for cls, _, _ in BUILDING_CLASSES:
        v = EQ_VULNERABILITY_INDEX[cls]
        for i in range(6, 11):
            mu = 2.5 * (1 + np.tanh((i + 6.25 * v - 13.1) / 2.3))      # mean damage grade, 0…5
            p = mu / 5
            probs = [comb(4, k) * p ** k * (1 - p) ** (4 - k) for k in range(5)]
            probs = [round(q, 4) for q in probs]
            probs[0] = round(1 - sum(probs[1:]), 4)
            rows.append((cls, i, *probs))
    write_csv("eq_damage_probability.csv", ["class", "intensity"] + [f"p_{s}" for s in EQ_STATES], rows)
    write_csv("eq_damage_state_loss_ratio.csv", ["state", "state_zh", "loss_ratio"],
              list(zip(EQ_STATES, ["基本完好", "轻微破坏", "中等破坏", "严重破坏", "毁坏"], EQ_STATE_LOSS_RATIO)))
    # Expected loss ratio per intensity: Σ_k P(state k | I) · loss ratio_k, zero at intensity V.
    loss_rows = []
    for cls, _, _ in BUILDING_CLASSES:
        loss_rows.append((cls, 5, 0.0))
        for r in rows:
            if r[0] == cls:
                loss_rows.append((cls, r[1], round(sum(p * lr for p, lr in zip(r[2:], EQ_STATE_LOSS_RATIO)), 5)))
    write_csv("eq_loss_ratio.csv", ["class", "intensity", "loss_ratio"], loss_rows)

    rows = []
    for cls, _, _ in BUILDING_CLASSES:
        for gust in range(0, 101, 5):
            vs = gust * GUST_TO_SUSTAINED
            x = max(0.0, vs - WIND_V_THRESH) / (WIND_V_HALF[cls] - WIND_V_THRESH)
            rows.append((cls, gust, round(x ** 3 / (1 + x ** 3), 5)))
    write_csv("wind_damage.csv", ["class", "gust_ms", "damage_ratio"], rows)

    rows = []
    theta, beta = PAGER_CN
    for i in [5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10]:
        rate = 0.5 * (1 + erf(log(i / theta) / beta / sqrt(2)))
        rows.append(("earthquake", "intensity", i, float(f"{rate:.4g}")))
    for d in [0, 0.49, 0.5, 1, 1.5, 2, 3, 4, 5, 6]:
        rate = 0.0 if d < 0.5 else FLOOD_FATALITY_FACTOR * min(1.0, 0.985 / (1 + exp(6.32 - 1.412 * d)))
        rows.append(("flood", "depth_m", d, float(f"{rate:.4g}")))
    for gust in range(0, 101, 10):
        x = max(0.0, gust * GUST_TO_SUSTAINED - WIND_V_THRESH) / (WIND_V_HALF["brick_wood"] - WIND_V_THRESH)
        rows.append(("wind", "gust_ms", gust, float(f"{1e-3 * x ** 3 / (1 + x ** 3):.4g}")))
    write_csv("fatality_rates.csv", ["hazard", "measure", "value", "rate"], rows)
    write_csv("building_classes.csv", ["class", "class_zh", "band", "replacement_cost_cny_per_m2"],
              [(c, zh, i + 1, cost) for i, (c, zh, cost) in enumerate(BUILDING_CLASSES)])


def main():
    curves()
    grid = make_grid()
    print(f"grid {grid.width} x {grid.height} cells of {grid.cell} m, origin ({grid.west}, {grid.north})")
    codes = district_codes(grid)
    water = water_mask(grid)
    z = elevation(grid, water)
    inside = codes > 0
    z_out = np.where(inside, z, np.nan)
    write_tif(path("district_code.tif"), grid, codes, "adcode", "district adcode per cell (cell-centre rule); 0 outside the city",
              nodata=0, dtype=gdal.GDT_Int32)
    write_tif(path("water.tif"), grid, water.astype(np.uint8), "1",
              "permanent water (1) or land (0): GSHHG lakes, WDBII rivers and canals buffered by class",
              nodata=255, dtype=gdal.GDT_Byte)
    write_tif(path("elevation.tif"), grid, dissected(z), "m",
              "modelled terrain height above the local datum, hills with valleys cut in (VALLEY_CARVE)")

    for rp, d in flood_depths(z, water).items():
        write_tif(path(f"flood_depth_rp{rp}.tif"), grid, d, "m",
                  f"flood and waterlogging depth, {rp}-year return period (connected bathtub, level {FLOOD_LEVELS[rp]} m)",
                  metadata={"RETURN_PERIOD_YEARS": rp, "WATER_LEVEL_M": FLOOD_LEVELS[rp]})

    intensity = eq_intensity(grid)
    eq_meta = {"EVENT": "1979-07-09 Liyang Ms 6.0", "EPICENTRE": "31.4667N 119.25E", "FOCAL_DEPTH_KM": EQ_DEPTH_KM,
               "ATTENUATION": "eastern China elliptical, long 6.046+1.48M-2.08ln(R+25), short 2.617+1.435M-1.441ln(R+7)"}
    write_tif(path("eq_liyang1979_intensity.tif"), grid, intensity, "China seismic intensity",
              "scenario replay of the 1979 Liyang earthquake: China seismic intensity (GB/T 17742), continuous",
              metadata=eq_meta)
    write_tif(path("eq_liyang1979_pga.tif"), grid, pga_from_intensity(intensity), "g",
              "scenario replay of the 1979 Liyang earthquake: PGA from intensity (GB/T 17742-2020 I_A inverted)",
              metadata=eq_meta)
    pga475 = np.full(grid.shape, np.nan)
    for code, g475 in PGA_475_G.items():
        pga475[codes == code] = g475
    write_tif(path("eq_pga_rp475.tif"), grid, pga475, "g",
              "basic PGA, 10 % in 50 years (475-year return period), GB 18306-2015 zoning by district",
              metadata={"RETURN_PERIOD_YEARS": 475, "VERIFIED": "no: recalled values, check GB 18306-2015 Appendix C"})
    for rp, gust in wind_gusts(grid, z).items():
        write_tif(path(f"wind_gust_rp{rp}.tif"), grid, gust, "m/s",
                  f"peak 3-s gust at 10 m, {rp}-year return period (GB 50009-2012 w0 = {WIND_PRESSURE[rp]} kN/m2)",
                  metadata={"RETURN_PERIOD_YEARS": rp, "BASIC_WIND_PRESSURE_KN_M2": WIND_PRESSURE[rp]})

    pop = population(grid, codes, water, z)
    u = urbanity(pop, grid)
    write_tif(path("population.tif"), grid, pop, "persons", "resident population per cell, 2020 census totals")
    fa = floor_area(pop, u)
    write_tif(path("buildings_floor_area.tif"), grid, fa, "m2", "building floor area per cell by structure class",
              band_names=[c[0] for c in BUILDING_CLASSES],
              metadata={f"CLASS_{i + 1}": f"{c[0]} ({c[1]}), replacement cost {c[2]} CNY/m2" for i, c in enumerate(BUILDING_CLASSES)})
    g = gdp(grid, pop, u, codes)
    write_tif(path("gdp.tif"), grid, g, "CNY", "gross domestic product per cell, 2020", dtype=gdal.GDT_Float64)

    r = rng(4549)
    wgs = srs_from_epsg(4326)
    write_vector(path("shelters.geojson"), "shelters", wgs, ogr.wkbPoint,
                 [("name", ogr.OFTString), ("category", ogr.OFTString), ("category_en", ogr.OFTString),
                  ("type", ogr.OFTString), ("effective_area_m2", ogr.OFTReal)],
                 shelters(grid, r, pop, u, codes, water))

    write_vector(path("facilities.geojson"), "facilities", wgs, ogr.wkbPoint,
                 [("id", ogr.OFTString), ("kind", ogr.OFTString), ("name", ogr.OFTString), ("capacity", ogr.OFTInteger),
                  ("capacity_unit", ogr.OFTString), ("value_cny", ogr.OFTReal)], facilities(grid, r, pop, u))
    write_vector(path("fire_stations.geojson"), "fire_stations", wgs, ogr.wkbPoint,
                 [("id", ogr.OFTString), ("name", ogr.OFTString), ("class", ogr.OFTString),
                  ("jurisdiction_limit_km2", ogr.OFTReal)], fire_stations(grid, r, pop, u))
    write_vector(path("shelter_candidates.geojson"), "shelter_candidates", wgs, ogr.wkbPoint,
                 [("id", ogr.OFTString), ("type", ogr.OFTString), ("area_m2", ogr.OFTReal)],
                 candidate_sites(grid, r, pop, u))
    bpts = building_points(grid, rng(320402), codes, [np.round(b, 1) for b in fa])
    write_vector(path("buildings_tianning.gpkg"), "buildings", grid.srs, ogr.wkbPoint,
                 [("id", ogr.OFTInteger), ("structure", ogr.OFTString), ("floors", ogr.OFTInteger),
                  ("year_built", ogr.OFTInteger), ("use", ogr.OFTString), ("floor_area_m2", ogr.OFTReal)],
                 bpts, driver="GPKG")
    print("buildings in 天宁", len(bpts))

    town_list = towns(grid, codes, water, z)
    lakes = water & (ndimage.binary_erosion(water, iterations=2))
    net = road_network(grid, codes, lakes, town_list)
    rows = []
    for k, ((a, b), cls) in enumerate(sorted(net.edges.items())):
        line = ogr.Geometry(ogr.wkbLineString)
        line.AddPoint_2D(*net.nodes[a])
        line.AddPoint_2D(*net.nodes[b])
        speed, cost = ROAD_CLASSES[cls]
        rows.append((line, {"id": k + 1, "class": cls, "speed_kmh": speed, "cost_cny_per_km": cost,
                            "length_m": round(line.Length(), 1), "from_node": a, "to_node": b}))
    write_vector(path("roads.gpkg"), "roads", grid.srs, ogr.wkbLineString,
                 [("id", ogr.OFTInteger), ("class", ogr.OFTString), ("speed_kmh", ogr.OFTReal),
                  ("cost_cny_per_km", ogr.OFTReal), ("length_m", ogr.OFTReal), ("from_node", ogr.OFTInteger),
                  ("to_node", ogr.OFTInteger)], rows, driver="GPKG")
    print("roads", len(rows), "nodes", len(net.nodes), "components", len(set(net.components())))
    lith = lithology(z, water)
    write_tif(path("lithology.tif"), grid, lith, "class", "modelled lithology class: " + "; ".join(f"{v} {n}" for v, n in LITHOLOGY),
              nodata=0, dtype=gdal.GDT_Byte, metadata={f"CLASS_{v}": n for v, n in LITHOLOGY})
    lc = land_cover(z, water, u)
    write_tif(path("land_cover.tif"), grid, lc, "class", "modelled land cover and fuel class: " + "; ".join(f"{v} {n}" for v, n in LAND_COVER),
              nodata=0, dtype=gdal.GDT_Byte, metadata={f"CLASS_{v}": n for v, n in LAND_COVER})
    write_tif(path("fire_weather_days.tif"), grid, fire_weather_days(grid, z), "days/year",
              "modelled days a year at forest-fire danger level IV or above")
    failures = slope_failures(grid, dissected(z), lith, water, codes)
    write_vector(path("slope_failures.geojson"), "slope_failures", wgs, ogr.wkbPoint,
                 [("id", ogr.OFTInteger), ("kind", ogr.OFTString), ("year", ogr.OFTInteger), ("source", ogr.OFTString)],
                 [(point(*to_wgs84(grid, [xy])[0]), a) for xy, a in failures])
    print("slope failures", len(failures))
    town_rows = town_units(grid, codes, town_list)
    write_vector(path("towns.geojson"), "towns", wgs, ogr.wkbMultiPolygon,
                 [("name", ogr.OFTString), ("code", ogr.OFTString), ("district", ogr.OFTString), ("district_code", ogr.OFTString)], town_rows)
    print("towns", len(town_rows))
    for name, a in [("population", pop), ("floor area", sum(fa)), ("gdp", g)]:
        print(name, np.nansum(a))
    if os.environ.get("PREVIEW"):
        preview("cz_pop", np.log1p(pop))
        preview("cz_flood100", np.where(inside, flood_depths(z, water)[100], np.nan))
        preview("cz_gdp", np.log1p(g))
        preview("cz_eq", intensity)
        preview("cz_wind", wind_gusts(grid, z)[100])


if __name__ == "__main__":
    main()
