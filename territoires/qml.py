"""QGIS styles (QML) written from the maps' own style model (:mod:`territoires.maps.style`).

A :class:`~territoires.maps.style.Symbol` (point, line or fill; colour, edge,
width in points, dash, opacity) becomes a QGIS symbol; a ``by``/``classes``
pair becomes a categorised renderer; a label column becomes simple labelling
with a white buffer, as on the static maps. The QML is stored in the
GeoPackage's ``layer_styles`` table, which QGIS reads as each layer's default
style, so layers open coloured and labelled as on the maps.

Symbol properties are written twice, as ``<Option>`` maps (QGIS ≥ 3.26) and
as ``<prop>`` pairs (older QGIS 3), so any QGIS 3 reads them.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from territoires.maps import style as S
from territoires.maps.style import Symbol

__all__ = ["GEOMETRY_TYPES", "layer_qml", "qgis_color", "symbol_layer"]

#: ``layerGeometryType`` codes of QGIS.
GEOMETRY_TYPES = {"point": 0, "line": 1, "polygon": 2}


def qgis_color(hex_color: str, opacity: float = 1.0) -> str:
    """``"#000091"`` → ``"0,0,145,255"`` (QGIS's ``r,g,b,a``).

    >>> qgis_color("#000091")
    '0,0,145,255'
    """
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(255 * opacity)}"


def _props(props: dict) -> str:
    opts = "".join(f'<Option type="QString" name={quoteattr(k)} value={quoteattr(str(v))}/>' for k, v in props.items())
    old = "".join(f"<prop k={quoteattr(k)} v={quoteattr(str(v))}/>" for k, v in props.items())
    return f'<Option type="Map">{opts}</Option>{old}'


def symbol_layer(symbol: Symbol, geometry: str) -> tuple[str, str]:
    """``(symbol type, <layer> element)`` drawing ``symbol`` on a ``geometry`` layer."""
    dash = {"outline_style": "dash", "customdash": ";".join(symbol.dash.split()), "use_custom_dash": "1",
            "customdash_unit": "Point"} if symbol.dash else {"outline_style": "solid"}
    if symbol.kind == "point":
        props = {
            "name": "circle", "size": symbol.size, "size_unit": "Point",
            "color": qgis_color(symbol.color, 0 if symbol.hollow else 1),
            "outline_color": qgis_color(symbol.edgecolor), "outline_width": symbol.linewidth,
            "outline_width_unit": "Point", "outline_style": "solid",
        }
        return "marker", f'<layer class="SimpleMarker" enabled="1" locked="0" pass="0">{_props(props)}</layer>'
    if geometry == "polygon":
        if symbol.kind == "line":  # a boundary: the polygon's outline only
            props = {"style": "no", "color": qgis_color(symbol.color, 0), "outline_color": qgis_color(symbol.color),
                     "outline_width": symbol.linewidth, "outline_width_unit": "Point", **dash}
        else:
            props = {"style": "solid", "color": qgis_color(symbol.color), "outline_color": qgis_color(symbol.edgecolor),
                     "outline_width": symbol.linewidth, "outline_width_unit": "Point", **dash}
        return "fill", f'<layer class="SimpleFill" enabled="1" locked="0" pass="0">{_props(props)}</layer>'
    props = {"line_color": qgis_color(symbol.color), "line_width": symbol.linewidth, "line_width_unit": "Point",
             "line_style": "dash" if symbol.dash else "solid"}
    return "line", f'<layer class="SimpleLine" enabled="1" locked="0" pass="0">{_props(props)}</layer>'


def _symbol(name: str, symbol: Symbol, geometry: str) -> str:
    kind, layer = symbol_layer(symbol, geometry)
    alpha = symbol.opacity if symbol.kind == "fill" else 1
    return f'<symbol type="{kind}" name={quoteattr(name)} alpha="{alpha:g}" clip_to_extent="1" force_rhr="0">{layer}</symbol>'


def _labeling(column: str) -> str:
    return (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName={quoteattr(column)} isExpression="0" fontFamily="DejaVu Sans" fontSize="7" '
        f'fontSizeUnit="Point" textColor="{qgis_color(S.GRIS_TEXTE)}" textOpacity="1" namedStyle="Regular">'
        f'<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="{qgis_color(S.BLANC)}" bufferOpacity="0.75"/>'
        '</text-style>'
        '<placement placement="1" priority="5" dist="0" distUnits="MM" fitInPolygonOnly="0"/>'
        '<rendering obstacle="1" displayAll="0" upsidedownLabels="0" labelPerPart="0" mergeLines="0" scaleVisibility="0"/>'
        '</settings></labeling>'
    )


def layer_qml(geometry: str, symbol: Symbol, by: str | None = None, classes: dict | None = None,
              class_labels: dict | None = None, label: str | None = None) -> str:
    """The QML document of one layer.

    ``geometry``: ``point``, ``line`` or ``polygon``. With ``by`` and
    ``classes`` (value → colour, or value → :class:`Symbol`), features are
    drawn by category, the others with ``symbol``; ``class_labels`` gives each
    category's legend text; ``label`` names the column written on the map.
    """
    if by and classes:
        cats, syms = [], []
        for i, (value, sym) in enumerate(classes.items()):
            s = sym if isinstance(sym, Symbol) else Symbol(symbol.kind, sym, edgecolor=symbol.edgecolor,
                                                            linewidth=symbol.linewidth, opacity=symbol.opacity)
            text = (class_labels or {}).get(value, value)
            cats.append(f'<category render="true" symbol="{i}" value={quoteattr(str(value))} label={quoteattr(str(text))}/>')
            syms.append(_symbol(str(i), s, geometry))
        n = len(cats)
        renderer = (
            f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(by)} symbollevels="0" enableorderby="0" forceraster="0">'
            f'<categories>{"".join(cats)}<category render="true" symbol="{n}" value="" label="autre"/></categories>'
            f'<symbols>{"".join(syms)}{_symbol(str(n), symbol, geometry)}</symbols></renderer-v2>'
        )
    else:
        renderer = (
            '<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
            f'<symbols>{_symbol("0", symbol, geometry)}</symbols></renderer-v2>'
        )
    labels = _labeling(label) if label else ""
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version="3.22.0" styleCategories="Symbology|Labeling" labelsEnabled="{1 if label else 0}">'
        f"{renderer}{labels}<layerGeometryType>{GEOMETRY_TYPES[geometry]}</layerGeometryType></qgis>\n"
    )
