"""The benchmark tasks: each a library script and the script a user would write without it.

Every script is plain Python text run in a new interpreter by ``run.py``:
``SETUP`` (imports, reading files, loading the territory) then ``TASK`` (the
work measured warm). Names available to the scripts: ``CACHE`` (the folder
of the library's GeoParquet boundary cache, which the hand scripts read as
their input files: already joined and projected, a best case for them),
``SITES`` (the synthetic national list, CSV in the official layout), ``OUT``
(a temporary folder), ``DEPS`` (département codes or ``"all"``), ``ORIG`` (the
library's ~637,000 national population origin points written as one plain
GeoParquet-free table: zone CRS, commune code, x, y, population share and the
commune's density; the hand scripts of the library's access model read it, as
they read the boundary cache: a best case for them).
"""

from __future__ import annotations

# ------------------------------------------------------------ library side
LIB_IMPORT = "import territoires\n"
LIB_LOAD = LIB_IMPORT + "t = territoires.load_territory(DEPS)\n"
LIB_LIST = LIB_LOAD + "t.add_programme(territoires.read_programme(SITES, 'france_services'))\nfrom territoires import analysis\n"

# ------------------------------------------------------------ hand side
HAND_READ = """
import glob, os
import geopandas as gpd, pandas as pd, numpy as np
def layer(name, zone="wgs84"):
    return gpd.read_parquet(os.path.join(CACHE, f"{zone}__{name}.parquet"))
def origins(zone):
    d = gpd.read_parquet(os.path.join(CACHE, f"{zone}__communes.parquet"), columns=["code_insee", "origin"])
    return d.set_geometry("origin")
"""
HAND_SITES = """
sites = pd.read_csv(SITES, dtype=str)
sites = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["longitude"].astype(float), sites["latitude"].astype(float)), crs=4326)
sites = sites[pd.to_datetime(sites["labellisation_fs"].str[-10:], format="%d/%m/%Y") <= "2024-12-31"]
"""
# zones as a hand user lists them: one projected CRS per file prefix
HAND_ZONES = """
zones = sorted({os.path.basename(p).split("__")[0] for p in glob.glob(os.path.join(CACHE, "EPSG-*__communes.parquet"))})
"""

# the checks the library makes on a list, the main ones, as a hand user writes them: codes against the commune
# table, département of the code, dates, coordinates near the commune's département, duplicate ids
HAND_CHECKS = """
com = pd.read_parquet(os.path.join(CACHE, "wgs84__communes.parquet"), columns=["code_insee", "nom", "code_departement"]).set_index("code_insee")
deps = layer("departements")[["code_departement", "geometry"]]
sites = pd.read_csv(SITES, dtype=str)
lon, lat = pd.to_numeric(sites["longitude"], errors="coerce"), pd.to_numeric(sites["latitude"], errors="coerce")
date = pd.to_datetime(sites["labellisation_fs"].str[-10:], format="%d/%m/%Y", errors="coerce")
sites = gpd.GeoDataFrame(sites.assign(date=date), geometry=gpd.points_from_xy(lon, lat), crs=4326)
sites["dep"] = sites["insee_com"].map(com["code_departement"])
near = gpd.sjoin(sites[["dep", "geometry"]], deps, predicate="dwithin", distance=0.01)
ok_xy = sites.index.isin(near.index[near["dep"] == near["code_departement"]])
rejected = sites["dep"].isna() | ~ok_xy | (date.isna() & sites["labellisation_fs"].notna()) | sites["id_fs"].duplicated(keep=False)
renamed = sites["insee_com"].map(com["nom"]).ne(sites["lib_com"]) & ~rejected
sites = sites[~rejected]
NOTE = f"{len(sites)} sites, {int(rejected.sum())} rejected"
"""

# nearest site by straight line from each commune's town hall, per CRS zone
ACCESS_HAND = (HAND_READ + HAND_SITES + HAND_ZONES + "orig = {z: origins(z) for z in zones}\n",
               "n = 0\nfor z, o in orig.items():\n    n += len(gpd.sjoin_nearest(o, sites.to_crs(o.crs)[['id_fs', 'geometry']], distance_col='d'))\nNOTE = f'{n} communes'")
ACCESS_FLOOR = (HAND_READ + HAND_SITES + HAND_ZONES + "import shapely\norig = {z: origins(z) for z in zones}\n"
                "pairs = [(shapely.STRtree(sites.to_crs(o.crs).geometry.to_numpy()), o.geometry.to_numpy()) for o in orig.values()]\n",
                "n = sum(len(tree.query_nearest(o, return_distance=True)[0][0]) for tree, o in pairs)\nNOTE = f'{n} communes'")

# the library's default access model (densite-3) written by hand on the same origin points: per site kind
# the destination minutes are constant, so the fastest site of a kind is the nearest one of that kind
# (one sjoin_nearest per zone and kind), then population-weighted means per commune with groupby
D3_PARAMS = "P = np.array([[1.3, 25.0, 1.0, 2.0], [1.35, 40.0, 1.0, 1.0], [1.4, 55.0, 0.5, 0.5]])  # circuity, km/h, origin and destination minutes\n"
D3_READ = HAND_READ + HAND_SITES + D3_PARAMS + """
orig = pd.read_parquet(ORIG)
dens = orig.drop_duplicates("code_insee").set_index("code_insee")["densite"]
def kind(d):
    return np.where(d >= 1500, 0, np.where(d >= 300, 1, 2))
"""
D3_TASK = """
pace = P[:, 0] / P[:, 1] * 60 / 1000
s_kind = kind(sites["insee_com"].map(dens).to_numpy(dtype=float))
done = []
for crs, o in orig.groupby("crs", sort=False):
    pts = gpd.GeoDataFrame(o[["code_insee", "population"]], geometry=gpd.points_from_xy(o["x"], o["y"]), crs=crs)
    ko = kind(o["densite"].to_numpy())
    s = sites.to_crs(crs)
    best = np.full(len(o), np.inf)
    for k in range(3):
        sk = s[s_kind == k]
        if len(sk):
            j = gpd.sjoin_nearest(pts[["geometry"]], sk[["geometry"]], distance_col="d")
            d = j.loc[~j.index.duplicated(), "d"].reindex(pts.index).to_numpy()
            best = np.minimum(best, P[ko, 2] + P[k, 3] + d * pace[ko])
    done.append(o[["code_insee", "population"]].assign(minutes=best))
allo = pd.concat(done)
w = (allo["minutes"] * allo["population"]).groupby(allo["code_insee"]).sum()
per = (w / allo.groupby("code_insee")["population"].sum()).round(1)
"""
D3_FLOOR = (HAND_READ + HAND_SITES + D3_PARAMS + """
import shapely
orig = pd.read_parquet(ORIG)
dens = orig.drop_duplicates("code_insee").set_index("code_insee")["densite"]
d = sites["insee_com"].map(dens).to_numpy(dtype=float)
s_kind = np.where(d >= 1500, 0, np.where(d >= 300, 1, 2))
pairs = [(shapely.STRtree(sites[s_kind == k].to_crs(crs).geometry.to_numpy()), shapely.points(o["x"].to_numpy(), o["y"].to_numpy()))
         for crs, o in orig.groupby("crs", sort=False) for k in range(3) if (s_kind == k).any()]
""", "n = sum(len(tree.query_nearest(o, return_distance=True)[0][0]) for tree, o in pairs)\nNOTE = f'{n} origin-kind pairs'")
D3_NOTE = "NOTE = f'{len(per)} communes, mean {np.average(per.fillna(0), weights=allo.groupby(\"code_insee\")[\"population\"].sum().reindex(per.index)):.2f} min'"
LIB_D3_NOTE = ("import numpy as np\nm = a['minutes'].notna() & a['population'].notna()\n"
               "NOTE = f\"{len(a)} communes, mean {np.average(a.loc[m, 'minutes'], weights=a.loc[m, 'population']):.2f} min\"")

#: run before the in-process clock of the national analysis rows (both sides import it anyway)
PRELUDE = "import geopandas, pandas, numpy"

TASKS = {
    "boundaries": {
        "title": "national boundaries: communes, cantons, EPCI, départements",
        "lib": (LIB_IMPORT, "t = territoires.load_territory('all')\n"
                "n = [len(x) for x in (t.communes, t.cantons, t.canton_units, t.epcis, t.outline)]\nNOTE = f'{n[0]} communes, {n[1]} cantons, {n[3]} EPCI'"),
        "hand": (HAND_READ, "c = [layer(n) for n in ('communes', 'cantons', 'canton_units', 'epcis', 'departements')]\n"
                 "NOTE = f'{len(c[0])} communes, {len(c[1])} cantons, {len(c[3])} EPCI'"),
        "hand_is": "`read_parquet` of the same five GeoParquet layers",
    },
    "gaps": {
        "title": "national cantons without a site (2,800 synthetic sites)",
        "lib": (LIB_LIST, "g = analysis.cantons_without_site(t, as_of='2024-12-31')\nNOTE = f'{len(g)} canton units without a site'"),
        "hand": (HAND_READ + HAND_SITES + "units = layer('canton_units')\n",
                 "hit = gpd.sjoin(sites, units[['code_canton', 'geometry']], predicate='within')\n"
                 "g = units[~units['code_canton'].isin(hit['code_canton'])]\nNOTE = f'{len(g)} canton units without a site'"),
        "floor": (HAND_READ + HAND_SITES + "import shapely\nunits = layer('canton_units')\ntree = shapely.STRtree(units.geometry.to_numpy())\npts = sites.geometry.to_numpy()\n",
                  "i = tree.query(pts, predicate='within')\nNOTE = f'{len(np.unique(i[1]))} canton units with a site'"),
        "hand_is": "`sjoin` within (no dates, no canton groups)",
    },
    "access": {
        "title": "national access, the library's model: densite-3 times from ~637,000 population origin points (2,800 synthetic sites)",
        "lib": (LIB_LIST, "a = analysis.access_by_commune(t, as_of='2024-12-31')\n" + LIB_D3_NOTE),
        "hand": (D3_READ, D3_TASK + D3_NOTE),
        "floor": D3_FLOOR,
        "hand_is": "the same model by hand on the same origin points: `sjoin_nearest` per zone and site kind, `groupby` per commune (no dates)",
    },
    "list_first": {
        "title": "first check of a national list never read before (2,800 synthetic sites), then kept on disk",
        "lib": (LIB_LOAD + "import uuid, os\n"
                "text = open(SITES, encoding='utf-8').read().replace('Site synthétique', 'Site synthétique ' + uuid.uuid4().hex[:8], 1)\n"
                "NEW = os.path.join(OUT, 'nouvelle-liste.csv')\nopen(NEW, 'w', encoding='utf-8').write(text)\n",
                "p = territoires.read_programme(NEW, 'france_services')\nNOTE = f'{len(p.data)} sites'"),
        "hand": (HAND_READ, HAND_CHECKS),
        # the floor: reading the list with no check at all
        "floor": (HAND_READ, HAND_SITES + "NOTE = f'{len(sites)} sites'"),
        "hand_is": "`read_csv` + codes against the commune table + dates + coordinates within 0.01° of the commune's département "
                   "(`sjoin` dwithin) + duplicate ids (no merged-commune codes, no swapped coordinates, no report); "
                   "floor: `read_csv` + `points_from_xy`, no checks",
        "whole_process": True,
    },
    "access_mairie": {
        "title": "national access, the hand's question: straight line from each town hall (2,800 synthetic sites)",
        "lib": (LIB_LIST, "a = analysis.access_by_commune(t, as_of='2024-12-31', router=analysis.StraightLineRouter())\nNOTE = f'{len(a)} communes'"),
        "hand": ACCESS_HAND,
        "floor": ACCESS_FLOOR,
        "hand_is": "`sjoin_nearest` per CRS zone (straight line, no dates)",
    },
    "national": {
        "title": "whole process, the hand's question: load + national list + access (town halls, straight line) + canton gaps",
        "lib": (LIB_IMPORT, "t = territoires.load_territory('all')\nt.add_programme(territoires.read_programme(SITES, 'france_services'))\nfrom territoires import analysis\n"
                "a = analysis.access_by_commune(t, as_of='2024-12-31', router=analysis.StraightLineRouter())\ng = analysis.cantons_without_site(t, as_of='2024-12-31')\nNOTE = f'{len(a)} communes, {len(g)} gaps'"),
        "hand": (HAND_READ, HAND_SITES + HAND_ZONES + "units = layer('canton_units')\nn = 0\nfor z in zones:\n    o = origins(z)\n"
                 "    n += len(gpd.sjoin_nearest(o, sites.to_crs(o.crs)[['id_fs', 'geometry']], distance_col='d'))\n"
                 "hit = gpd.sjoin(sites, units[['code_canton', 'geometry']], predicate='within')\ng = units[~units['code_canton'].isin(hit['code_canton'])]\nNOTE = f'{n} communes, {len(g)} gaps'"),
        "hand_is": "`read_parquet` + `sjoin_nearest` + `sjoin`",
    },
    "national_d3": {
        "title": "whole process, the library's model: load + national list + access (densite-3, ~637,000 origins) + canton gaps",
        "lib": (LIB_IMPORT, "t = territoires.load_territory('all')\nt.add_programme(territoires.read_programme(SITES, 'france_services'))\nfrom territoires import analysis\n"
                "a = analysis.access_by_commune(t, as_of='2024-12-31')\ng = analysis.cantons_without_site(t, as_of='2024-12-31')\nNOTE = f'{len(a)} communes, {len(g)} gaps'"),
        "hand": (HAND_READ + D3_PARAMS, D3_READ.replace(HAND_READ, "").replace(D3_PARAMS, "") + D3_TASK + "units = layer('canton_units')\n"
                 "hit = gpd.sjoin(sites, units[['code_canton', 'geometry']], predicate='within')\ng = units[~units['code_canton'].isin(hit['code_canton'])]\n"
                 "NOTE = f'{len(per)} communes, {len(g)} gaps'"),
        "hand_is": "`read_parquet` + the densite-3 model by hand (`sjoin_nearest` per zone and site kind, `groupby`) + `sjoin`",
    },
    "choropleth": {
        "title": "national commune choropleth, self-contained HTML",
        "lib": (LIB_IMPORT + "from territoires.maps import choropleth_map, render_html\nimport os\n",
                "t = territoires.load_territory('all')\np = render_html(choropleth_map(t), os.path.join(OUT, 'lib.html'))\nNOTE = f'{p.stat().st_size / 1e6:.1f} MB, Leaflet inlined'"),
        "hand": (HAND_READ, "com = layer('communes')\ncom = com[com.geometry.notna()]\nl93 = com.geometry.to_crs(2154)\ncom['densite'] = com['population'] / (l93.area / 1e6)\n"
                 "com = com.set_geometry(l93.simplify(500))\nm = com[['code_insee', 'nom', 'densite', 'geometry']].explore(column='densite', scheme='quantiles', k=5)\n"
                 "m.save(os.path.join(OUT, 'hand.html'))\nNOTE = f\"{os.path.getsize(os.path.join(OUT, 'hand.html')) / 1e6:.1f} MB, Leaflet from CDNs\""),
        "hand_is": "`simplify(500)` + `explore()` (quantiles)",
    },
    "maps79": {
        "title": "79 France Services maps, PNG + HTML, whole process",
        "lib": ("", "from territoires.cli import main\nmain(['map', 'france-services', '--dept', '79', '--as-of', '2021-09-14', '--out', OUT, '--formats', 'png,html'])\nNOTE = 'CLI'"),
        "hand": ("", """
import os, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import geopandas as gpd, pandas as pd
flt = [("code_departement", "==", "79")]
com = gpd.read_parquet(os.path.join(CACHE, "EPSG-2154__communes.parquet"), filters=flt).drop(columns=["origin"])
units = gpd.read_parquet(os.path.join(CACHE, "EPSG-2154__canton_units.parquet"), filters=flt)
fs = pd.read_csv(FS79, dtype=str)
fs = fs[(fs["start_date"].fillna("9999") <= "2021-09-14") | (fs["project_from"].fillna("9999") <= "2021-09-14")]
fs = fs[fs["end_date"].isna() | (fs["end_date"] > "2021-09-14")]
fs["statut"] = (fs["start_date"].fillna("9999") <= "2021-09-14").map({True: "labellisée", False: "projet"})
s = gpd.GeoDataFrame(fs[["nom", "statut"]], geometry=gpd.points_from_xy(fs["longitude"].astype(float), fs["latitude"].astype(float)), crs=4326).to_crs(com.crs)
ax = com.plot(facecolor="white", edgecolor="grey", linewidth=0.2, figsize=(11.69, 8.27))
units.boundary.plot(ax=ax, color="black", linewidth=0.8)
s.plot(ax=ax, column="statut", legend=True)
plt.savefig(os.path.join(OUT, "hand.png"), dpi=300)
m = com[["code_insee", "nom", "geometry"]].explore()
s.explore(m=m, column="statut")
m.save(os.path.join(OUT, "hand.html"))
NOTE = "plot + explore"
"""),
        "hand_is": "`read_parquet` + `plot` + `explore()` (Leaflet from CDNs)",
        "whole_process": True,
    },
    "gapsmap": {
        "title": "national cantons-without-site map, PNG + HTML",
        "lib": (LIB_IMPORT + "from territoires import maps\n",
                "t = territoires.load_territory('all')\nt.add_programme(territoires.read_programme(SITES, 'france_services'))\n"
                "ps = maps.write_maps(t, ['cantons-sans-site'], as_of='2024-12-31', out=OUT, formats=['png', 'html'])\n"
                "NOTE = ', '.join(f'{p.suffix[1:]} {p.stat().st_size / 1e6:.1f} MB' for p in ps)"),
        "whole_process": True,
    },
    "simplify": {
        "title": "national map geometry: coverage simplification at 500 m + dissolves, not cached (once per vintage)",
        "lib": (LIB_IMPORT + "import territoires.maps.geometry as G\nG.DISK_FROM = 10**9  # the disk copy off: measure the work itself\nt = territoires.load_territory('all')\n",
                "t.__dict__.pop('_simplified', None)\nfor z in t.zones():\n    z.__dict__.pop('_simplified', None)\ng = G.simplified(t)\nNOTE = ', '.join(f'{k} {len(g[k])}' for k in g)"),
    },
    "import": {
        "title": "`import territoires`",
        "lib": ("", "import territoires\nNOTE = ''"),
        "whole_process": True,
    },
}


#: Access + canton gaps on three sizes, for the affine fit (fixed + per-commune cost).
SCALING = {
    "79": "Deux-Sèvres",
    "16,17,19,23,24,33,40,47,64,79,86,87": "Nouvelle-Aquitaine (12 départements)",
    "all": "France",
}
SCALING_TASK = (LIB_LIST, "a = analysis.access_by_commune(t, as_of='2024-12-31')\ng = analysis.cantons_without_site(t, as_of='2024-12-31')\nNOTE = f'{len(t.communes)}'")

for _key in ("boundaries", "gaps", "access", "list_first", "access_mairie", "national", "national_d3"):
    TASKS[_key]["prelude"] = PRELUDE
