"""Render layers of a territoires GeoPackage with QGIS, headless, using the styles stored in the file.

Not part of the test suite (QGIS is not a dependency). On Debian::

    apt-get install -y --no-install-recommends python3-qgis qgis-providers
    territoires boundaries --dept 79 --as-of 2021-09-14 --format gpkg --out 79.gpkg
    QT_QPA_PLATFORM=offscreen /usr/bin/python3 docs/qgis/render_qgis.py 79.gpkg out.png france_services,cantons,communes,departement

Layers are listed top first; each is drawn with its default style from the
GeoPackage's ``layer_styles`` table (the script prints the renderer QGIS loaded).
"""

import sys

from qgis.core import (
    QgsApplication,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def main() -> None:
    app = QgsApplication([], False)
    app.initQgis()
    gpkg, out, names = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    layers = []
    for n in names:
        lyr = QgsVectorLayer(f"{gpkg}|layername={n}", n, "ogr")
        assert lyr.isValid(), n
        msg, ok = lyr.loadDefaultStyle()
        print(n, "style loaded:", ok, msg[:60], "| renderer:", lyr.renderer().type(),
              "| labels:", lyr.labelsEnabled(), "| features:", lyr.featureCount())
        layers.append(lyr)
    ms = QgsMapSettings()
    ms.setLayers(layers)  # first listed drawn on top
    ext = QgsRectangle(layers[-1].extent())
    ext.scale(1.05)
    ms.setExtent(ext)
    ms.setOutputSize(QSize(1000, 1100))
    ms.setBackgroundColor(QColor(255, 255, 255))
    ms.setDestinationCrs(layers[-1].crs())
    job = QgsMapRendererSequentialJob(ms)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(out, "png")
    print("written", out)
    app.exitQgis()


if __name__ == "__main__":
    main()
