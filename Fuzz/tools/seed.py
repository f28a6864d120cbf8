#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets into corpus/<target>/ (seed-* files) from small
real inputs: the datasets' manifests, curve tables and GeoJSON layers, and the NRML, exposure,
consequence and ground-motion fixtures of Tests/RiskCensusTests. Run from anywhere:
`python3 Fuzz/tools/seed.py`. Existing seed-* files are rewritten; fuzzer-found entries stay."""
import json, os, re, struct, sys

FUZZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(FUZZ)
SEP = b"\n===\n"  # splitParts in Sources/FuzzSupport


def out(target, name, data):
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def read(*p):
    with open(os.path.join(REPO, *p), "rb") as f:
        return f.read()


def swift_literals(path):
    """Multi-line string literals ("\"\"\" ... \"\"\"") of a Swift test file, by the name they are bound to."""
    text = read(path).decode()
    found = {}
    for m in re.finditer(r'(?:let|var)\s+(\w+)\s*=\s*"""\n(.*?)\n(\s*)"""', text, re.S):
        name, body, indent = m.group(1), m.group(2), m.group(3)
        found[name] = "\n".join(l[len(indent):] if l.startswith(indent) else l.lstrip() for l in body.split("\n")) + "\n"
    for m in re.finditer(r'static let (\w+) = "((?:[^"\\]|\\.)*)"', text):
        found.setdefault(m.group(1), m.group(2).encode().decode("unicode_escape"))
    return found


# Manifests.
for d in ("changzhou", "olinda"):
    out("manifest", d + ".yaml", read("datasets", d, "census.yaml"))

# Curve tables.
for d in ("changzhou", "olinda"):
    for f in sorted(os.listdir(os.path.join(REPO, "datasets", d, "curves"))):
        if f.endswith(".csv"):
            out("csv", f"{d}-{f}", read("datasets", d, "curves", f))
out("csv", "quoted.csv", '\ufeff#,,"generated_by=fuzz"\nclass,x,y\n"a, ""b""",0,0\n"a, ""b""",1,1\r\n')

# Scenario inputs.
scen = swift_literals(os.path.join("Tests", "RiskCensusTests", "ScenarioJobTests.swift"))
nrml = swift_literals(os.path.join("Tests", "RiskCensusTests", "NRMLTests.swift"))
out("nrml", "fragility.xml", scen["fragility"])
out("nrml", "fragility-ndl.xml", nrml["fragility"])
out("nrml", "vulnerability.xml", scen["vulnerability"])
out("nrml", "exposure-csv.xml", scen["exposureXML"].encode() + SEP + scen["assetsCSV"].encode())
out("nrml", "exposure-inline.xml", """<?xml version="1.0" encoding="UTF-8"?>
<nrml xmlns="http://openquake.org/xmlns/nrml/0.5">
  <exposureModel id="ex" category="buildings" taxonomySource="test">
    <conversions>
      <area type="per_asset" unit="m2"/>
      <costTypes><costType name="structural" type="per_area" unit="USD"/></costTypes>
    </conversions>
    <occupancyPeriods>day night</occupancyPeriods>
    <assets>
      <asset id="a1" number="2" area="100" taxonomy="RC" residents="3">
        <location lon="120.0" lat="31.5"/>
        <costs><cost type="structural" value="10"/></costs>
        <occupancies><occupancy occupants="4" period="day"/><occupancy occupants="1" period="night"/></occupancies>
      </asset>
    </assets>
  </exposureModel>
</nrml>
""")
out("nrml", "assets.csv", scen["assetsCSV"])
out("nrml", "consequences.csv", scen["consequences"])
out("nrml", "sites-gmf.csv", scen["sites"].encode() + SEP[1:] + scen["gmf"].encode())
out("nrml", "gmf-custom.csv", "custom_site_id,lon,lat\nA,120.0,31.5\n===\nevent_id,custom_site_id,gmv_PGA,gmv_SA(1)\n7.0,A,0.1,0.2\n")
for name, text in (("consequences.csv", scen["consequences"]), ("assets.csv", scen["assetsCSV"])):
    out("csv", "scenario-" + name, text)

# GeoJSON: features of the datasets' layers, encoded as the byte program fuzz-geojson reads
# (Sources/fuzz-geojson/FuzzGeoJSON.swift: ByteReader, feature(), geometry(), text()).
def u8(v): return bytes([v & 0xFF])
def u64(bits): return struct.pack(">Q", bits)
def dbl(v): return u8(1) + u64(struct.unpack(">Q", struct.pack(">d", v))[0])  # double(): raw bits
def pos(p): return dbl(p[0]) + dbl(p[1])
def plist(ps, minimum=0):
    ps = ps[: minimum + 4]
    return u8(len(ps) - minimum) + b"".join(pos(p) for p in ps)
def ring(r):
    closed = len(r) > 1 and r[0] == r[-1]
    pts = (r[:-1] if closed else r)[:7]
    while len(pts) < 3: pts = pts + pts[:1] or [[0, 0]]
    return plist(pts, 3) + u8(1 if closed else 0)
def polygon(rings): return ring(rings[0]) + u8(min(len(rings) - 1, 2)) + b"".join(ring(h) for h in rings[1:3])
def geometry(g):
    t, c = g["type"], g.get("coordinates")
    if t == "Point": return u8(0) + pos(c)
    if t == "LineString": return u8(1) + plist(c)
    if t == "Polygon": return u8(2) + polygon(c)
    if t == "MultiPoint": return u8(3) + plist(c)
    if t == "MultiLineString": return u8(4) + u8(min(len(c), 2)) + b"".join(plist(l) for l in c[:2])
    if t == "MultiPolygon": return u8(5) + u8(min(len(c), 2)) + b"".join(polygon(p) for p in c[:2])
    return u8(6) + u8(min(len(g["geometries"]), 2)) + b"".join(geometry(x) for x in g["geometries"][:2])
def text(s):
    b = s.encode()[:12]
    while b:
        try: b.decode(); break
        except UnicodeDecodeError: b = b[:-1]
    return u8(2) + u8(len(b)) + b
def value(v):
    if v is None: return u8(0)
    if isinstance(v, bool): return u8(1) + u8(int(v))
    if isinstance(v, int): return u8(2) + u64(v & (2**64 - 1))
    if isinstance(v, float): return u8(3) + u8(0) + dbl(v)
    return u8(4) + text(str(v))
def feature(f, fid):
    b = (u8(0) + u64(fid)) if fid is not None else u8(1)
    b += u8(1) + geometry(f["geometry"]) if f.get("geometry") else u8(0)
    props = list((f.get("properties") or {}).items())[:5]
    return b + u8(len(props)) + b"".join(text(k) + value(v) for k, v in props)

for d, f in (("olinda", "shelters"), ("changzhou", "fire_stations"), ("changzhou", "rivers_wdbii"),
             ("changzhou", "lakes_L2"), ("changzhou", "admin_districts")):
    fc = json.loads(read("datasets", d, f + ".geojson"))
    feats = fc["features"][:3]
    program = u8(6) + u8(1) + u8(len(feats)) + b"".join(feature(x, i if i % 2 else None) for i, x in enumerate(feats))
    out("geojson", f"{d}-{f}", program)
print("seeds written to", os.path.join(FUZZ, "corpus"))

# Dictionaries (libFuzzer -dict): the manifest schema's keys and enumerations, NRML's elements
# and attributes, the readers' column names.
def dictionary(name, words):
    os.makedirs(os.path.join(FUZZ, "dict"), exist_ok=True)
    with open(os.path.join(FUZZ, "dict", name + ".dict"), "w") as f:
        for w in sorted(set(words)):
            esc = "".join(chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else "\\x%02X" % b for b in w.encode())
            f.write('"' + esc + '"\n')

schema = json.loads(read("docs", "manifest.schema.json"))
keys, enums = [], []
def walk(node):
    if isinstance(node, dict):
        for k, v in (node.get("properties") or {}).items(): keys.append(k)
        for v in node.get("enum") or []: enums.append(str(v))
        for v in node.values(): walk(v)
    elif isinstance(node, list):
        for v in node: walk(v)
walk(schema)
dictionary("manifest", [k + ": " for k in keys] + enums + ["- ", ": ", "&a ", "*a", "!!str ", "~", "null", "true", "1e3", ".inf", ".nan", "0x1F", "0o17", "---\n", "...\n", "? ", "|\n", ">\n", "{", "}", "[", "]", "'", '"'])
csv_cols = ["class", "x", "y", "id", "lon", "lat", "taxonomy", "number", "area", "residents", "structural", "nonstructural",
            "contents", "business_interruption", "day", "night", "transit", "risk_id", "consequence", "loss_type", "peril",
            "moderate", "complete", "losses", "collapsed", "non_operational", "fatalities", "injured", "homeless",
            "eid", "event_id", "sid", "site_id", "custom_site_id", "gmv_PGA", "gmv_SA(0.3)", "gmv_MMI", "gmv_PGV"]
dictionary("csv", csv_cols + [",", '"', '""', "\r\n", "\ufeff", "#", "nan", "inf", "1e308", "-0", "0x1p-1074", " ,"])
nrml_words = ["<nrml>", "</nrml>", "<fragilityModel>", "</fragilityModel>", "<vulnerabilityModel>", "<exposureModel>",
              "<limitStates>", "<fragilityFunction", "</fragilityFunction>", "<imls", "</imls>", "<poes", "</poes>", "<params",
              "<vulnerabilityFunction", "<meanLRs>", "<covLRs>", "<conversions>", "<costTypes>", "<costType", "<area",
              "<exposureFields>", "<field", "<occupancyPeriods>", "<assets>", "</assets>", "<asset", "<location", "<costs>",
              "<cost", "<occupancies>", "<occupancy", "/>", "<!DOCTYPE x [<!ENTITY e \"aaaa\">]>", "&e;", "<![CDATA[", "]]>",
              "<?xml version=\"1.0\"?>", " id=\"", " format=\"discrete\"", " format=\"continuous\"", " shape=\"logncdf\"",
              " imt=\"", " ls=\"", " mean=\"", " stddev=\"", " minIML=\"", " maxIML=\"", " noDamageLimit=\"", " lossCategory=\"",
              " name=\"", " type=\"per_asset\"", " type=\"per_area\"", " type=\"aggregated\"", " oq=\"", " input=\"",
              " taxonomy=\"", " number=\"", " area=\"", " residents=\"", " lon=\"", " lat=\"", " value=\"", " occupants=\"",
              " period=\"", "PGA", "SA(0.3)", "SA(", "MMI", "\n===\n"]
dictionary("nrml", nrml_words + csv_cols)
print("dictionaries written to", os.path.join(FUZZ, "dict"))
