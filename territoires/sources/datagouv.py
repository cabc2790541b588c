"""ANCT national lists from data.gouv.fr, downloaded once into the list store.

Which resources: the ones ANCT's own applications load (see the README's data
sources); the resource id is fixed per programme and can be overridden. For
each download the data.gouv.fr API gives the resource's metadata
(``GET /api/2/datasets/resources/<id>/``: title, URL, last-modified date,
format) and its dataset's (``GET /api/1/datasets/<id>/``: licence); the file
itself comes from the resource URL. The bytes are stored with that metadata
and their SHA-256 (:mod:`territoires.sources.liststore`); every later command
reads the stored copy, offline.

Why plain HTTP (``urllib``) rather than ``datagouv-client``: three GET
requests are all this needs; the standard library keeps the dependency list
short, lets the tests point the module at a local server replaying the API's
answers (``base_url``), and the client would add a dependency for no gain in
what is checked (the file is verified by its own SHA-256 here).

The France Services resource serves the 2024 layout the readers know; the
layouts of the ACV and CRTE resources were not seen (ANCT's CRTE data come as
three linked tables): they are stored as published, and a reader that does
not recognise one says so when it is first used.

Conseillers numériques: ANCT's 2021 structures list was a JSON inside an
ANCT repository; no current data.gouv.fr resource with a known layout was
found, so it is not downloadable here (``importer --fichier`` takes a copy).
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from territoires import settings
from territoires.errors import TerritoiresError
from territoires.sources import liststore

__all__ = ["DEFAULT_URL", "PUBLISHED", "DownloadError", "Published", "base_url", "download", "resource_metadata"]

#: The data.gouv.fr address; ``TERRITOIRES_DATAGOUV_URL`` overrides it (read when used).
DEFAULT_URL = "https://www.data.gouv.fr"


class DownloadError(TerritoiresError, OSError):
    """data.gouv.fr did not give the list (network, HTTP status, unexpected answer)."""


@dataclass(frozen=True)
class Published:
    """Where ANCT publishes a programme's national list on data.gouv.fr."""

    dataset: str  # dataset page slug, for users
    resource_id: str
    seen_in: str  # where this resource id was found


PUBLISHED: dict[str, Published] = {
    "france_services": Published(
        "liste-des-structures-france-services", "f49fe9e1-f9bb-4dbd-8dfe-b9fad31899ef",
        "ANCT superposeur-V2 backend/data.py (2026)",
    ),
    "pvd": Published(
        "programme-petites-villes-de-demain", "1fa831ec-d912-4277-8b95-a8b998bf951e",
        "ANCT pvd src/app.js (2025-06) and superposeur-V2",
    ),
    "acv": Published("", "8b6f422b-cbdf-459a-9a16-d6be4b92d91a", "ANCT superposeur-V2 backend/data.py (2026)"),
    "crte": Published("", "614e8d6f-934e-45a4-ae58-cd5a621ea16a", "ANCT superposeur-V2 backend/data.py (2026)"),
}


def base_url() -> str:
    return os.environ.get("TERRITOIRES_DATAGOUV_URL", DEFAULT_URL).rstrip("/")


def _get(url: str) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": "territoires (https://pypi.org/project/territoires)"})
    try:
        with urllib.request.urlopen(req, timeout=settings.http_timeout) as resp:
            return resp.read()
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"{url} : HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DownloadError(f"{url} : {getattr(exc, 'reason', exc)} (pas de réseau ? enregistrez une copie locale avec --fichier)") from exc


def _json(url: str) -> dict:
    raw = _get(url)
    try:
        out = json.loads(raw)
    except ValueError as exc:
        raise DownloadError(f"{url} : la réponse n'est pas du JSON") from exc
    if not isinstance(out, dict):
        raise DownloadError(f"{url} : réponse inattendue (un objet JSON était attendu)")
    return out


def resource_metadata(resource_id: str, base: str | None = None) -> tuple[dict, dict]:
    """The resource's metadata and its dataset's, from the data.gouv.fr API."""
    base = (base or base_url()).rstrip("/")
    answer = _json(f"{base}/api/2/datasets/resources/{resource_id}/")
    resource = answer.get("resource")
    if not isinstance(resource, dict) or not resource.get("url"):
        raise DownloadError(f"ressource data.gouv.fr {resource_id} : pas de « resource.url » dans la réponse de l'API")
    dataset = {}
    if answer.get("dataset_id"):
        dataset = _json(f"{base}/api/1/datasets/{answer['dataset_id']}/")
    return resource, dataset


def download(programme_key: str, resource_id: str | None = None, base: str | None = None) -> liststore.ListEntry:
    """Download the national list of ``programme_key`` and register it in the store.

    The list's date (``date_liste``) is the date in the resource's title or
    file name (ANCT names its extracts ``liste-fs-20240801.csv``), otherwise
    the resource's last-modified date on data.gouv.fr; the entry says which.
    """
    if resource_id is None:
        if programme_key not in PUBLISHED:
            known = ", ".join(PUBLISHED)
            raise DownloadError(f"aucune liste data.gouv.fr connue pour {programme_key} (connues : {known}) ; enregistrez une copie locale avec --fichier")
        resource_id = PUBLISHED[programme_key].resource_id
    resource, dataset = resource_metadata(resource_id, base)
    url = resource["url"]
    body = _get(url)
    if not body.strip():
        raise DownloadError(f"{url} : fichier vide")
    last_modified = str(resource.get("last_modified") or "")
    title = str(resource.get("title") or "")
    d = liststore.date_in_name(title) or liststore.date_in_name(url.rsplit("/", 1)[-1])
    how = "date in the resource's title or file name"
    if d is None and last_modified:
        d, how = date.fromisoformat(last_modified[:10]), "last_modified of the data.gouv.fr resource"
    if d is None:
        raise DownloadError(f"{url} : date de la liste inconnue (ni date dans son nom, ni last_modified) ; enregistrez-la avec --fichier et --date")
    suffix = "." + str(resource.get("format") or "csv").lower().strip(".")
    licence = dataset.get("license") or ""
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"download{suffix}"
        p.write_bytes(body)
        return liststore.register(
            p, programme_key, d, how, origin="data.gouv.fr", url=url, resource_id=resource_id,
            dataset=str(dataset.get("slug") or (PUBLISHED[programme_key].dataset if programme_key in PUBLISHED else "")),
            licence=str(licence), last_modified=last_modified, title=title,
        )
