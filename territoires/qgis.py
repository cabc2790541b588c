"""A GeoPackage a QGIS user opens and understands, and single layers as GeoJSON or FlatGeobuf.

:func:`to_geopackage` writes one layer per level and one per programme the
territory has on the date asked:

- ``communes``, ``cantons`` (cantons holding whole communes and canton
  groups: a split commune such as Niort is drawn once, in the group
  "Niort (cantons 1 à 3)", whose ``cantons`` field lists ``7910;7911;7912``),
  ``epci``, ``departement``;
- one layer per programme with rows on the date, named by its registry key
  (``france_services``, ``pvd``, ``crte``…): sites as points (``statut``
  in the registry's words: ``labellisées`` or ``en projet``), members as the polygons of their communes or
  EPCI (a member with no boundary, such as a PETR, keeps its row with an
  empty geometry).

Layer names are plain ASCII snake_case; each layer's French title is its
GeoPackage *identifier*. Fields are typed: dates are Date fields, counts and
populations Integer fields; internal columns (source line numbers, flags,
town-hall points) are left out. Every layer carries its style, written from
the maps' style model into the ``layer_styles`` table QGIS reads.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territoires.columns import column_kind
from territoires.fileio import atomic_path
from territoires.maps import style as S
from territoires.maps.style import Symbol
from territoires.qml import layer_qml

__all__ = ["BOUNDARIES", "FIELD_NAMES", "FORMATS", "ExportLayer", "boundary_layers", "export_layers", "layer_names", "programme_layers", "to_geopackage", "write_layer", "write_ogr"]

#: Library column → field name in the exported layers (French, COG style).
FIELD_NAMES = {
    "kind": "type", "status": "statut", "start_date": "date_debut", "end_date": "date_fin",
    "project_from": "projet_depuis", "signed_on": "signe_le", "labelled_on": "labellise_le",
    "position_date": "date_position", "position_source": "source_position", "unit_type": "type_unite",
    "unit_code": "code_unite", "unit_name": "nom_unite", "member_id": "id_membre", "group_name": "groupe",
    "geometry_source": "origine_geometrie", "n_communes_in_territory": "n_communes_territoire",
    "complete": "entier_dans_territoire", "project_source": "source_projet", "ex_msap_evidence": "preuve_ex_msap",
}
#: Columns that describe the library's own bookkeeping, not the territory.
INTERNAL = {"origin_source", "start_unknown", "canton_split", "_line"}
#: Text columns holding counts in some source files: written as Integer fields.
COUNT_PREFIXES = ("population", "nb_", "n_")
#: Date columns of the programme tables (even when empty on the date asked).
DATE_COLUMNS = ("project_from", "start_date", "end_date", "signed_on", "labelled_on", "position_date", "source_date")
FORMATS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".fgb": "FlatGeobuf"}

BOUNDARIES = {
    # layer: (territory attribute, French title, line style key, label column)
    "communes": ("communes", "Communes", "commune", None),
    "cantons": ("canton_units", "Cantons et groupes de cantons", "canton", "nom"),
    "epci": ("epcis", "EPCI", "epci", None),
    "departement": ("outline", "Département", "departement", None),
}


@dataclass
class ExportLayer:
    """One layer to write: ASCII ``name``, French ``title``, typed ``data``, QGIS style ``qml``."""

    name: str
    title: str
    data: gpd.GeoDataFrame
    qml: str


def _clean(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    keep = [c for c in gdf.columns if c not in INTERNAL and not str(c).startswith("_")]
    out = gdf[keep].copy()
    for c in DATE_COLUMNS:
        if c in out:
            out[c] = pd.to_datetime(out[c], errors="coerce")
    out = out.rename(columns=FIELD_NAMES)
    for c in out.columns:
        if c != "geometry" and str(c).startswith(COUNT_PREFIXES) and out[c].dtype != bool:
            num = pd.to_numeric(out[c], errors="coerce")
            if num.notna().sum() == out[c].notna().sum():
                out[c] = num
    return out


def _line_symbol(key: str) -> Symbol:
    line = S.LINES[key]
    return Symbol("line", str(line["color"]), linewidth=float(str(line["width"])), dash="4 2" if key == "epci" else None)


def boundary_layers(territory) -> list[ExportLayer]:
    """The four boundary layers, cleaned, with their styles."""
    out = []
    for name, (attr, title, line, label) in BOUNDARIES.items():
        data = _clean(getattr(territory, attr))
        out.append(ExportLayer(name, title, data, layer_qml("polygon", _line_symbol(line), label=label)))
    return out


def _member_geometry(territory, members: pd.DataFrame) -> gpd.GeoSeries:
    communes = territory.communes.set_index("code_insee").geometry
    epcis = territory.epcis.set_index("siren").geometry
    code = members["unit_code"].astype(object)
    geom = code.map(communes).where(members["unit_type"].eq("commune"))
    geom = geom.where(geom.notna(), code.map(epcis).where(members["unit_type"].eq("epci")))
    return gpd.GeoSeries(geom.to_numpy(), index=members.index, crs=territory.crs)


def programme_layers(territory, as_of=None, programmes=None) -> tuple[list[ExportLayer], dict[str, str]]:
    """One layer per programme with rows on ``as_of``; and, for the programmes left out, why (French)."""
    from territoires.dates import to_date
    from territoires.sources.programmes import PROGRAMMES, programme
    from territoires.territory.national import NoProgrammeDataError

    d = to_date(as_of)
    keys = [programme(k).key for k in programmes] if programmes else list(PROGRAMMES)
    layers, skipped = [], {}
    for key in keys:
        p = PROGRAMMES[key]
        color = S.PROGRAMME_COLORS.get(key, S.BLEU_FRANCE_LIGHT)
        try:
            rows = territory.sites(key, as_of=d) if p.kind == "sites" else territory.members(key, as_of=d)
        except NoProgrammeDataError as exc:
            deps = ", ".join(exc.departements[:8]) + ("…" if len(exc.departements) > 8 else "")
            skipped[key] = f"aucune donnée pour {len(exc.departements)} département(s) : {deps}"
            continue
        if rows.empty:
            skipped[key] = f"aucune ligne au {d.strftime('%d/%m/%Y')}"
            continue
        if p.kind == "sites":
            s = rows
            s = s.assign(status=s["status"].map(p.status_label))
            data = _clean(s)
            active = Symbol("point", color, edgecolor=S.BLANC, size=9, linewidth=0.8)
            project = Symbol("point", S.BLANC, edgecolor=S.ORANGE_TERRE_BATTUE, size=9, linewidth=2.0, hollow=True)
            words = p.status_label(p.active_status), p.status_label(p.project_status)
            qml = layer_qml("point", active, by="statut", classes={words[0]: active, words[1]: project})
        else:
            m = rows
            geom = _member_geometry(territory, m)
            data = _clean(gpd.GeoDataFrame(m.drop(columns=["status"], errors="ignore"), geometry=geom, crs=territory.crs))
            fill = Symbol("fill", color, edgecolor=S.BLANC, linewidth=0.3, opacity=0.85)
            groups = sorted(data["groupe"].dropna().astype(str).unique()) if "groupe" in data else []
            if groups:  # named groups (CRTE contracts): one colour per group, as on the CRTE map
                classes = {g: S.CATEGORICAL[i % len(S.CATEGORICAL)] for i, g in enumerate(groups)}
                qml = layer_qml("polygon", fill, by="groupe", classes=classes)
            else:
                qml = layer_qml("polygon", fill, label="nom_unite")
        layers.append(ExportLayer(key, p.label, data, qml))
    return layers, skipped


def export_layers(territory, as_of=None, programmes=None) -> tuple[list[ExportLayer], dict[str, str]]:
    """Boundary and programme layers; and the programmes left out, with why (no row on the date, no data)."""
    progs, skipped = programme_layers(territory, as_of, programmes)
    return [*boundary_layers(territory), *progs], skipped


def layer_names(territory, as_of=None) -> list[str]:
    """Names of the layers :func:`to_geopackage` writes for ``territory`` on ``as_of``."""
    return [lyr.name for lyr in export_layers(territory, as_of)[0]]


# ------------------------------------------------------------------ typed writing
def _field(col: pd.Series):
    """``(numpy array, mask or None)`` giving OGR the right field type."""
    kind = column_kind(col)
    missing = col.isna().to_numpy()
    mask = missing if missing.any() else None
    if kind == "int":
        v = pd.to_numeric(col, errors="coerce").fillna(0).round().to_numpy()
        dtype = "int32" if len(v) == 0 or np.abs(v).max() < 2**31 else "int64"
        return v.astype(dtype), mask
    if kind == "float":
        return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float), mask
    if kind == "bool":
        return col.fillna(False).astype(bool).to_numpy(), mask
    if kind == "date":
        return pd.to_datetime(col, errors="coerce").to_numpy().astype("datetime64[D]"), None
    return np.array([None if m else str(v) for v, m in zip(col.astype(object), missing, strict=True)], dtype=object), None


def _geometry_type(geoms: np.ndarray) -> str:
    kinds = {g.geom_type.removeprefix("Multi") for g in geoms if g is not None and not g.is_empty}
    if kinds == {"Point"}:
        return "Point"
    if kinds <= {"LineString"} and kinds:
        return "MultiLineString"
    return "MultiPolygon" if kinds <= {"Polygon"} else "Unknown"


def write_ogr(gdf: gpd.GeoDataFrame, path: Path, layer: str, driver: str, append: bool = False, title: str | None = None) -> None:
    """Write ``gdf`` as ``layer`` of ``path`` with Date, Integer and Boolean fields (pyogrio)."""
    from pyogrio.raw import write

    geoms = gdf.geometry.to_numpy()
    geoms = np.array([None if g is None or g.is_empty else g for g in geoms], dtype=object)
    gtype = _geometry_type(geoms)
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    arrays, masks = zip(*(_field(gdf[c]) for c in cols), strict=True) if cols else ((), ())
    options = {"IDENTIFIER": title, "DESCRIPTION": title} if driver == "GPKG" and title else None
    write(
        str(path), shapely.to_wkb(geoms), field_data=list(arrays), fields=[str(c) for c in cols],
        field_mask=list(masks), geometry_type=gtype, crs=gdf.crs.to_wkt() if gdf.crs else None, driver=driver,
        layer=layer, append=append, promote_to_multi=gtype.startswith("Multi"), layer_options=options,
    )


STYLES_TABLE = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))
"""


def _write_styles(path: Path, layers: list[ExportLayer], when: date) -> None:
    """Store each layer's QML as its default style (QGIS's ``layer_styles`` table)."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(STYLES_TABLE)
        db.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', 'Styles QGIS des couches', strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
        )
        db.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, "
            "styleQML, styleSLD, useAsDefault, description, owner, ui) VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, '', '')",
            [(lyr.name, lyr.name, lyr.qml, f"{lyr.title} — style des cartes territoires ({when.isoformat()})") for lyr in layers],
        )


def to_geopackage(territory, path: str | Path, as_of=None, programmes=None) -> Path:
    """Write the boundary layers and every programme on ``as_of`` (today if None) to one GeoPackage.

    Returns the path; the layers written are :func:`layer_names`. Written atomically.
    """
    from territoires.dates import to_date

    d = to_date(as_of)
    layers, _ = export_layers(territory, d, programmes)
    with atomic_path(path) as tmp:
        tmp.unlink()
        for i, lyr in enumerate(layers):
            write_ogr(lyr.data, tmp, lyr.name, "GPKG", append=i > 0, title=lyr.title)
        _write_styles(tmp, layers, d)
    return Path(path)


def write_layer(territory, layer: str, path: str | Path, as_of=None) -> Path:
    """Write one layer (see :func:`layer_names`) to ``path``: ``.geojson`` (WGS 84), ``.fgb`` or ``.gpkg``.

    The layer inside the file is named ``layer`` (never after a temporary file).
    """
    from territoires.dates import to_date

    path = Path(path)
    driver = FORMATS.get(path.suffix.lower())
    if driver is None:
        raise ValueError(f"{path} : extension inconnue ; choisir parmi {', '.join(FORMATS)}")
    d = to_date(as_of)
    layers, skipped = export_layers(territory, d)
    found = {lyr.name: lyr for lyr in layers}
    if layer not in found:
        why = f" ({skipped[layer]})" if layer in skipped else ""
        raise KeyError(f"couche inconnue « {layer} »{why} ; couches : {', '.join(found)}")
    lyr = found[layer]
    data = lyr.data.to_crs("EPSG:4326") if driver == "GeoJSON" else lyr.data
    with atomic_path(path) as tmp:
        tmp.unlink()
        write_ogr(data, tmp, layer, driver, title=lyr.title)
        if driver == "GPKG":
            _write_styles(tmp, [lyr], d)
    return path
