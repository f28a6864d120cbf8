"""Synthetic OpenQuake scenario cases: the peer check for `riskcensus damage`
and `riskcensus losses`.

The script writes small synthetic OpenQuake inputs (GMF CSV, sites, an NRML
0.5 exposure with its asset CSV, a fragility model, a consequence CSV and
vulnerability models), runs them with the OpenQuake engine installed in
.venv-oq, and leaves, in one folder per case, the inputs next to the CSV
files that OpenQuake exported (under `output/`).

How to run (from the repository root):

    python3 -m venv .venv-oq
    .venv-oq/bin/pip install "openquake.engine==3.25.1" "numpy~=2.2.6" \
        "pandas~=2.2.3" "numba~=0.61.2" "h5py~=3.13.0" "scipy~=1.15.0" \
        "pyzmq~=26.0.3" "fiona~=1.10.1" "pyproj~=3.7.2" "decorator~=5.1.1" \
        "docutils~=0.19.0"
    .venv-oq/bin/python benchmarks/peers/scenario_oq_cases.py OUTDIR

It needs no server: every run uses `oq engine --run JOB_INI --exports csv`
in a single process (OQ_DISTRIBUTE=no), with the OpenQuake database and the
datastores kept in OUTDIR/_oqdata (through OQ_CONFIG_FILE and OQ_DATADIR), so
nothing is written to ~/oqdata.

Cases (one folder each under OUTDIR):

  a_damage            scenario_damage, gmfs_csv + sites_csv, time_event = avg
  a_damage_night      the same with time_event = night
  b_risk              scenario_risk, same exposure/GMFs/sites, structural
                      vulnerability (PGA for TAXD, SA(0.3) for TAXC) and
                      occupants vulnerability (time_event = avg)
  b_risk_night        the same with time_event = night
  c_damage_sitelist   scenario_damage with `sites = lon lat, ...` in job.ini
                      given in a shuffled order; its gmfs.csv carries the same
                      ground motion per location as case a, with `sid`
                      renumbered on the (lon, lat)-sorted site list; if `sid`
                      indexes the sorted collection, its damages equal case a
  d_damage_eid_gaps   case a with event ids 0,1,2,4,5,7 (gaps in the ids)
  e_damage_eid_from_1 case a with event ids starting at 1 (OQ rejects it)

Precision: OpenQuake reads the GMVs as float32 and stores every result
(damages, consequences, losses, per event and per asset) as float32; the
exported CSVs keep only 6-7 significant digits.  The `full/` folder of each
case holds the float32 results written with '%.9g' for comparisons at 1e-6.

Everything is deterministic: the GMF values are fixed by a formula plus a few
hand-placed values at the edges of the fragility and vulnerability curves.
Each case folder also gets `oq_log.txt` (the engine's log), `sitecol.csv`
and `assetcol.csv` read back from the datastore (the site and asset order
that OpenQuake used) and `discarded.csv` when assets were dropped.
"""

import csv
import math
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

LIMIT_STATES = ["slight", "moderate", "extensive", "complete"]

# ---------------------------------------------------------------- sites ---
# Ten sites around lon 120.1, lat 31.5, listed in a deliberately unsorted
# order (sites_csv keeps the file order: site_id must be 0..N-1 in the file).
SITES = [
    (120.1500, 31.5200),
    (120.0200, 31.4400),
    (120.0800, 31.5600),
    (120.2100, 31.4800),
    (120.0200, 31.5800),  # same lon as site 1, larger lat
    (120.1100, 31.4600),
    (120.1800, 31.6100),
    (120.0500, 31.5000),
    (120.2400, 31.5500),
    (120.1300, 31.4100),
]

NUM_EVENTS = 6


def gmv(sid, eid, imt):
    """A deterministic ground motion value in g (4 decimals)."""
    phase = 0.7 if imt == "PGA" else 1.9
    x = 0.5 + 0.5 * math.sin(1.3 * sid + 2.1 * eid + phase)
    scale = 0.55 if imt == "PGA" else 0.75
    return round(0.02 + scale * x * x, 4)


# hand-placed values: (sid, eid) -> (PGA, SA(0.3))
SPECIAL_GMVS = {
    (0, 0): (0.0000, 0.0000),  # zero motion
    (0, 1): (0.0400, 0.0300),  # below discrete noDamageLimit / below minIML
    (2, 0): (0.0500, 0.0800),  # exactly the noDamageLimits
    (2, 1): (0.0700, 0.1050),  # discrete ramp 0.05..0.1; continuous crossing
    (2, 2): (1.2000, 2.0000),  # above last discrete IML / above maxIML
    (5, 3): (0.3000, 0.1000),  # continuous curves cross (slight < moderate)
    (5, 4): (0.6000, 0.0950),  # continuous curves cross
    (6, 5): (0.1500, 0.1100),  # continuous curves cross
}
# (sid, eid) pairs with no row in gmfs.csv: an asset whose site has no GMF
# for some event; site 9 has no GMF at all
MISSING_ROWS = {(3, 2), (3, 4), (7, 0)} | {(9, e) for e in range(NUM_EVENTS)}


def gmf_rows(eids):
    """Rows (eid, sid, PGA, SA(0.3)) for the given event ids (the k-th event
    id gets the ground motion of event k)."""
    rows = []
    for k, eid in enumerate(eids):
        for sid in range(len(SITES)):
            if (sid, k) in MISSING_ROWS:
                continue
            pga, sa = SPECIAL_GMVS.get(
                (sid, k), (gmv(sid, k, "PGA"), gmv(sid, k, "SA(0.3)")))
            rows.append((eid, sid, pga, sa))
    return rows


# --------------------------------------------------------------- assets ---
# id, lon, lat, taxonomy, number, structural (per unit: per_asset),
# nonstructural (aggregated), day, night, transit, residents
ASSETS = [
    ("a01", 120.1510, 31.5210, "TAXD", 1, 100000, 40000, 10, 25, 5, 20),
    ("a02", 120.1490, 31.5190, "TAXC", 2.5, 80000, 90000, 30, 60, 8, 45),
    ("a03", 120.0210, 31.4410, "TAXD", 3, 50000, 70000, 20, 45, 4, 40),
    ("a04", 120.0790, 31.5610, "TAXC", 1, 200000, 60000, 15, 8, 2, 6),
    ("a05", 120.0800, 31.5590, "TAXD", 4, 75000, 120000, 40, 90, 12, 85),
    ("a06", 120.2100, 31.4810, "TAXC", 2, 120000, 100000, 18, 30, 6, 28),
    ("a07", 120.2120, 31.4790, "TAXD", 1.5, 90000, 50000, 9, 16, 3, 14),
    ("a08", 120.0210, 31.5790, "TAXC", 6, 60000, 150000, 55, 120, 20, 110),
    ("a09", 120.1100, 31.4610, "TAXD", 2, 110000, 80000, 12, 22, 4, 21),
    ("a10", 120.1110, 31.4590, "TAXC", 3.25, 95000, 130000, 35, 70, 9, 66),
    ("a11", 120.1810, 31.6090, "TAXC", 1, 300000, 90000, 25, 10, 3, 8),
    ("a12", 120.1790, 31.6110, "TAXD", 5, 40000, 110000, 45, 100, 15, 95),
    ("a13", 120.0510, 31.5010, "TAXD", 2, 85000, 70000, 14, 26, 5, 24),
    ("a14", 120.0490, 31.4990, "TAXC", 1, 150000, 45000, 11, 20, 2, 18),
    ("a15", 120.2410, 31.5510, "TAXD", 7, 30000, 160000, 60, 140, 25, 130),
    ("a16", 120.2390, 31.5490, "TAXC", 0.5, 500000, 80000, 6, 3, 1, 2),
    ("a17", 120.1310, 31.4110, "TAXD", 2, 70000, 60000, 13, 24, 4, 22),
    ("a18", 120.1290, 31.4090, "TAXC", 1, 130000, 55000, 9, 17, 3, 15),
    ("a19", 120.1000, 31.5300, "TAXC", 2, 100000, 75000, 16, 30, 5, 27),
    # farther than 15 km from every site: dropped by asset_hazard_distance
    ("a20", 120.6000, 31.9000, "TAXD", 3, 90000, 70000, 20, 40, 6, 38),
]

# ------------------------------------------------------------ templates ---
EXPOSURE_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<nrml xmlns="http://openquake.org/xmlns/nrml/0.5">
  <exposureModel id="synthetic_exposure" category="buildings"
                 taxonomySource="synthetic">
    <description>Synthetic exposure for the riskcensus peer check</description>
    <conversions>
      <costTypes>
        <costType name="structural" type="per_asset" unit="USD"/>
        <costType name="nonstructural" type="aggregated" unit="USD"/>
      </costTypes>
    </conversions>
    <occupancyPeriods>day night transit</occupancyPeriods>
    <assets>assets.csv</assets>
  </exposureModel>
</nrml>
"""

# TAXD: discrete, PGA, noDamageLimit (0.05) below the first IML (0.1).
# TAXC: continuous logncdf on SA(0.3), mean/stddev of the lognormal in g;
# minIML 0.06 < noDamageLimit 0.08.  slight (mean .15, sd .05) and moderate
# (mean .3, sd .3) cross: for SA below about 0.11 P(>=moderate) exceeds
# P(>=slight), so the slight fraction is negative and is zeroed by the
# `< 1e-7` rule of openquake.risklib.scientific.scenario_damage.
FRAGILITY_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<nrml xmlns="http://openquake.org/xmlns/nrml/0.5">
  <fragilityModel id="synthetic_fragility" assetCategory="buildings"
                  lossCategory="structural">
    <description>Synthetic fragility model</description>
    <limitStates>slight moderate extensive complete</limitStates>
    <fragilityFunction id="TAXD" format="discrete">
      <imls imt="PGA" noDamageLimit="0.05">0.1 0.2 0.4 0.6 1.0</imls>
      <poes ls="slight">0.10 0.45 0.80 0.95 1.00</poes>
      <poes ls="moderate">0.02 0.20 0.55 0.80 0.97</poes>
      <poes ls="extensive">0.00 0.05 0.25 0.50 0.85</poes>
      <poes ls="complete">0.00 0.01 0.08 0.25 0.60</poes>
    </fragilityFunction>
    <fragilityFunction id="TAXC" format="continuous" shape="logncdf">
      <imls imt="SA(0.3)" noDamageLimit="0.08" minIML="0.06" maxIML="1.5"/>
      <params ls="slight" mean="0.15" stddev="0.05"/>
      <params ls="moderate" mean="0.30" stddev="0.30"/>
      <params ls="extensive" mean="0.60" stddev="0.35"/>
      <params ls="complete" mean="1.00" stddev="0.50"/>
    </fragilityFunction>
  </fragilityModel>
</nrml>
"""

CONSEQUENCES = [
    # taxonomy, consequence, loss_type, slight, moderate, extensive, complete
    ("TAXD", "losses", "structural", 0.05, 0.25, 0.60, 1.00),
    ("TAXD", "collapsed", "structural", 0.0, 0.0, 0.05, 0.30),
    ("TAXD", "fatalities", "structural", 0.0, 0.0005, 0.01, 0.10),
    ("TAXD", "homeless", "structural", 0.0, 0.10, 0.60, 1.00),
    ("TAXC", "losses", "structural", 0.02, 0.15, 0.50, 1.00),
    ("TAXC", "collapsed", "structural", 0.0, 0.0, 0.10, 0.50),
    ("TAXC", "fatalities", "structural", 0.0, 0.001, 0.02, 0.20),
    ("TAXC", "homeless", "structural", 0.0, 0.05, 0.40, 1.00),
]

# structural: discrete loss ratios, all covLRs 0, a different IMT per
# taxonomy; the first IML is above some GMVs (loss 0 there) and the last
# IML below others (clipped).  A GMV of 0.08 sits exactly on TAXC's first
# IML: OpenQuake reads GMVs as float32 (0.0799999982 < 0.08), so it gives loss
# 0 there where a float64 reading gives 1% of the value; riskcensus reads GMVs
# as float32 too, and this case checks that it does.
STRUCTURAL_VULN_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<nrml xmlns="http://openquake.org/xmlns/nrml/0.5">
  <vulnerabilityModel id="synthetic_structural" assetCategory="buildings"
                      lossCategory="structural">
    <description>Synthetic structural vulnerability</description>
    <vulnerabilityFunction id="TAXD" dist="LN">
      <imls imt="PGA">0.05 0.1 0.2 0.4 0.8 1.0</imls>
      <meanLRs>0.00 0.02 0.08 0.25 0.60 0.75</meanLRs>
      <covLRs>0 0 0 0 0 0</covLRs>
    </vulnerabilityFunction>
    <vulnerabilityFunction id="TAXC" dist="LN">
      <imls imt="SA(0.3)">0.08 0.15 0.3 0.6 1.2</imls>
      <meanLRs>0.01 0.04 0.15 0.40 0.80</meanLRs>
      <covLRs>0 0 0 0 0</covLRs>
    </vulnerabilityFunction>
  </vulnerabilityModel>
</nrml>
"""

OCCUPANTS_VULN_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<nrml xmlns="http://openquake.org/xmlns/nrml/0.5">
  <vulnerabilityModel id="synthetic_occupants" assetCategory="buildings"
                      lossCategory="occupants">
    <description>Synthetic occupants vulnerability</description>
    <vulnerabilityFunction id="TAXD" dist="LN">
      <imls imt="PGA">0.1 0.3 0.6 1.0</imls>
      <meanLRs>0.0 0.001 0.01 0.05</meanLRs>
      <covLRs>0 0 0 0</covLRs>
    </vulnerabilityFunction>
    <vulnerabilityFunction id="TAXC" dist="LN">
      <imls imt="SA(0.3)">0.1 0.4 0.8 1.5</imls>
      <meanLRs>0.0 0.002 0.02 0.08</meanLRs>
      <covLRs>0 0 0 0</covLRs>
    </vulnerabilityFunction>
  </vulnerabilityModel>
</nrml>
"""

OQ_CFG = """\
[distribution]
oq_distribute = no

[dbserver]
file = {db}
"""


# ------------------------------------------------------------- writers ---
def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_common(folder, eids=None, site_order=None):
    """Write exposure, assets, fragility, consequences and vulnerability
    files; write gmfs.csv with the given event ids and, when site_order is
    given, with `sid` renumbered as site_order[sid] -> new index."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exposure.xml").write_text(EXPOSURE_XML)
    write_csv(folder / "assets.csv",
              ["id", "lon", "lat", "taxonomy", "number", "structural",
               "nonstructural", "day", "night", "transit", "residents"],
              ASSETS)
    (folder / "fragility_structural.xml").write_text(FRAGILITY_XML)
    write_csv(folder / "consequences.csv",
              ["taxonomy", "consequence", "loss_type"] + LIMIT_STATES,
              CONSEQUENCES)
    (folder / "vulnerability_structural.xml").write_text(STRUCTURAL_VULN_XML)
    (folder / "vulnerability_occupants.xml").write_text(OCCUPANTS_VULN_XML)
    rows = gmf_rows(range(NUM_EVENTS) if eids is None else eids)
    if site_order is not None:
        rows = sorted(((e, site_order[s], p, a) for e, s, p, a in rows))
    write_csv(folder / "gmfs.csv", ["eid", "sid", "gmv_PGA", "gmv_SA(0.3)"],
              rows)
    write_csv(folder / "sites.csv", ["site_id", "lon", "lat"],
              [(i, lon, lat) for i, (lon, lat) in enumerate(SITES)])


def job_ini(mode, description, extra=""):
    common = f"""\
    [general]
    description = {description}
    calculation_mode = {mode}

    [hazard]
    gmfs_csv = gmfs.csv
    {{sites}}
    asset_hazard_distance = 15

    [exposure]
    exposure_file = exposure.xml

    [output]
    export_dir = output
    """
    return textwrap.dedent(common) + textwrap.dedent(extra)


DAMAGE_EXTRA = """\
[fragility]
structural_fragility_file = fragility_structural.xml
consequence_file = {'taxonomy': 'consequences.csv'}
"""

RISK_EXTRA = """\
[vulnerability]
structural_vulnerability_file = vulnerability_structural.xml
occupants_vulnerability_file = vulnerability_occupants.xml
"""


def make_cases(outdir):
    """Write every case; returns a list of (name, folder, expect_failure)."""
    cases = []

    def add(name, mode, extra, time_event=None, sites_line=None, **kw):
        folder = outdir / name
        write_common(folder, **kw)
        text = job_ini(mode, f"riskcensus peer case {name}", extra)
        if time_event:
            text += f"time_event = {time_event}\n"
        text = text.replace("{sites}", sites_line or "sites_csv = sites.csv")
        (folder / "job.ini").write_text(text)
        cases.append((name, folder, name.startswith("e_")))

    add("a_damage", "scenario_damage", DAMAGE_EXTRA)
    add("a_damage_night", "scenario_damage", DAMAGE_EXTRA, time_event="night")
    add("b_risk", "scenario_risk", RISK_EXTRA)
    add("b_risk_night", "scenario_risk", RISK_EXTRA, time_event="night")

    # c: the sites in the job.ini in a shuffled order; gmfs.csv `sid` refers
    # to the position in the (lon, lat)-sorted list
    shuffled = [SITES[i] for i in (7, 3, 0, 9, 5, 2, 8, 1, 6, 4)]
    sorted_sites = sorted(SITES)
    site_order = {i: sorted_sites.index(s) for i, s in enumerate(SITES)}
    line = "sites = " + ", ".join(f"{lon:.4f} {lat:.4f}"
                                  for lon, lat in shuffled)
    add("c_damage_sitelist", "scenario_damage", DAMAGE_EXTRA,
        sites_line=line, site_order=site_order)
    (outdir / "c_damage_sitelist" / "sites.csv").unlink()

    add("d_damage_eid_gaps", "scenario_damage", DAMAGE_EXTRA,
        eids=[0, 1, 2, 4, 5, 7])
    add("e_damage_eid_from_1", "scenario_damage", DAMAGE_EXTRA,
        eids=[1, 2, 3, 4, 5, 6])
    return cases


# ------------------------------------------------------------- running ---
def oq_env(outdir):
    datadir = outdir / "_oqdata"
    datadir.mkdir(parents=True, exist_ok=True)
    cfg = datadir / "openquake.cfg"
    cfg.write_text(OQ_CFG.format(db=datadir / "db.sqlite3"))
    env = dict(os.environ)
    env.update(OQ_CONFIG_FILE=str(cfg), OQ_DATADIR=str(datadir),
               OQ_DISTRIBUTE="no", PYTHONHASHSEED="0")
    return env


def oq_exe():
    exe = Path(sys.executable).with_name("oq")
    if not exe.exists():
        sys.exit(f"no `oq` next to {sys.executable}: run this script with "
                 ".venv-oq/bin/python")
    return str(exe)


def dump_datastore(folder, calc_id, env):
    """Write, from the datastore, what OpenQuake really used and computed:
    sitecol.csv (complete site collection, the order `sid` indexes),
    assetcol.csv, discarded.csv (assets dropped by asset_hazard_distance)
    and, in full/, the float32 results at full precision ('%.9g' is exact
    for float32): the exported CSVs keep only 6 or 7 significant digits.
    Runs in a subprocess so that the OpenQuake settings of this run apply."""
    code = textwrap.dedent(f"""\
        import os, numpy, pandas
        from openquake.commonlib import datastore
        from openquake.risklib.scientific import LOSSTYPE
        folder = r'{folder}'
        full = os.path.join(folder, 'full')
        os.makedirs(full, exist_ok=True)
        ds = datastore.read({calc_id})
        sc = ds['sitecol'].complete
        pandas.DataFrame(dict(sid=sc.sids, lon=sc.lons, lat=sc.lats)).to_csv(
            os.path.join(folder, 'sitecol.csv'), index=False,
            float_format='%.5f')
        adf = ds['assetcol'].to_dframe()
        adf.to_csv(os.path.join(folder, 'assetcol.csv'))
        ids = adf['id'].to_numpy()
        if 'discarded' in ds:
            d = pandas.DataFrame(ds['discarded'][:])
            d['asset_ref'] = [x.decode() if isinstance(x, bytes) else x
                              for x in d.asset_ref]
            d.to_csv(os.path.join(folder, 'discarded.csv'), index=False)

        def save(df, name):
            df.to_csv(os.path.join(full, name), index=False,
                      float_format='%.9g')

        def lossname(df):
            if 'loss_id' in df.columns:
                df.insert(0, 'loss_type',
                          [LOSSTYPE[i] for i in df.pop('loss_id')])
            return df

        if 'damages-rlzs' in ds:
            arr = ds['damages-rlzs'][:, 0]
            df = pandas.DataFrame({{n: arr[n] for n in arr.dtype.names}})
            df.insert(0, 'asset_id', ids)
            save(df, 'damages_per_asset.csv')
        if 'avg_losses-rlzs' in ds:
            df = pandas.DataFrame(dict(asset_id=ids))
            for lt in ds['avg_losses-rlzs']:
                df[lt] = ds['avg_losses-rlzs/' + lt][:, 0]
            save(df, 'avg_losses_per_asset.csv')
        for name in ('risk_by_event', 'aggrisk'):
            if name in ds:
                df = lossname(ds.read_df(name))
                sort = [c for c in ('loss_type', 'agg_id', 'event_id')
                        if c in df.columns]
                save(df.sort_values(sort), name + '.csv')
        save(ds.read_df('gmf_data').sort_values(['eid', 'sid']), 'gmf_data.csv')
        save(pandas.DataFrame(ds['events'][:]), 'events.csv')
        save(pandas.DataFrame(ds['agg_values'][:]), 'agg_values.csv')
        """)
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def run_case(name, folder, expect_failure, env):
    out = folder / "output"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    proc = subprocess.run(
        [oq_exe(), "engine", "--run", "job.ini", "--exports", "csv"],
        cwd=folder, env=env, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    (folder / "oq_log.txt").write_text(log)
    calc_id = None
    for ln in log.splitlines():
        if "calc_" in ln and ".hdf5" in ln:
            tail = ln.split("calc_")[-1].split(".hdf5")[0]
            if tail.isdigit():
                calc_id = int(tail)
    failed = proc.returncode != 0 or "Traceback" in log
    status = "failed" if failed else "ok"
    if failed != expect_failure:
        status += " (UNEXPECTED)"
    if calc_id is not None and not failed:
        dump_datastore(folder, calc_id, env)
    files = sorted(p.name for p in out.iterdir())
    print(f"{name}: {status}, calc_id={calc_id}, {len(files)} exported files")
    for f in files:
        print("   ", f)
    if failed:
        last = [ln for ln in log.splitlines() if ln.strip()][-1:]
        print("    last log line:", *last)
    return not failed or expect_failure


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    outdir = Path(argv[1]).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    env = oq_env(outdir)
    version = subprocess.run([oq_exe(), "--version"], env=env,
                             capture_output=True, text=True).stdout.strip()
    print("OpenQuake engine", version)
    (outdir / "OQ_VERSION").write_text(version + "\n")
    ok = True
    for name, folder, expect_failure in make_cases(outdir):
        ok &= run_case(name, folder, expect_failure, env)
    # cases c and d must give the damages of case a
    base = read_full(outdir / "a_damage")
    for name in ("c_damage_sitelist", "d_damage_eid_gaps"):
        other = read_full(outdir / name)
        same = base == other
        print(f"{name} damages identical to a_damage: {same}")
        ok &= same
    sys.exit(0 if ok else 1)


def read_full(folder):
    """Per-asset damages of a case as {asset_id: row text} (None if absent)."""
    path = folder / "full" / "damages_per_asset.csv"
    if not path.exists():
        return None
    with open(path) as f:
        rows = list(csv.reader(f))[1:]
    return {r[0]: r[1:] for r in rows}


if __name__ == "__main__":
    main(sys.argv)
