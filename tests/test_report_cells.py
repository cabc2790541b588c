"""A report cell of a boolean column reads « oui » / « non », never « 1 » / « 0 »."""

from __future__ import annotations

import numpy as np
import pandas as pd

from territoires.report.model import Table
from territoires.report.text import fr_number


def test_numpy_booleans_are_oui_non():
    # a bool column's cells are numpy.bool_: « Comblé par un projet » read « 1 » in the committee's file
    assert fr_number(np.bool_(True)) == "oui" and fr_number(np.bool_(False)) == "non"
    assert fr_number(True) == "oui" and fr_number(np.int64(36481)) == "36\u202f481"


def test_a_bool_column_is_written_oui_non_in_html():
    column = pd.array([True, None], dtype="boolean")  # as cantons_without_site gives comble_par_projets
    html = Table("Cantons", pd.DataFrame({"Canton": ["La Gâtine", "Niort"], "Comblé par un projet": column}))._repr_html_()
    assert ">oui<" in html and ">—<" in html and ">1<" not in html
