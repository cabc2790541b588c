"""Sphinx configuration: the API reference, built offline (no intersphinx)."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

project = "territoires"
author = "The territoires contributors"
copyright = "2026, The territoires contributors (MIT)"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_ivar = True
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_typehints = "description"
html_theme = "alabaster"
exclude_patterns = ["_build", "gallery"]
language = "en"
suppress_warnings = ["ref.python"]  # re-exported names (ProgrammeTable) resolve to two paths
