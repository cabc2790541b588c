"""Best site for hundreds of thousands of origins, without one shapely point per origin.

The origins are grouped in square tiles of 2.5 km, and the tiles in blocks of
4 × 4 tiles (:class:`Tiles`, made once per origin table). A site can only be
the best of an origin if it lies within ``nearest + slack`` of it
(``nearest``: the distance to its nearest site; ``slack``: how much farther a
site may lie and still win — 0 in a straight line, the spread of the sites'
fixed minutes ÷ the pace for the density model). Every origin of a tile of
centre ``c`` and radius ``r`` (the farthest origin from ``c``) has a site
within ``nearest(c) + r``, so its possible best sites lie within
``nearest(c) + 2r + slack`` of ``c``: the same reasoning one level up (blocks
of tiles) makes one spatial-index query per block of 10 km, plain numpy
narrows the blocks' candidates to each tile's, then scores every (origin,
candidate) pair. With a ``bound`` (the density model gives one), a tile's
candidate whose lowest possible score over the tile is above the lowest
highest score of another is left out first (kinds of place by area: about
30 % fewer pairs nationally).

The blocks' candidates come from one envelope query of the sites' index
(squares of each block's reach plus a typical site spacing); only the blocks
whose nearest site lies farther ask a nearest query. The origins of the
tiles with ``c`` candidates are scored as one (c × origins) array. A large
zone is cut in runs of whole blocks (:meth:`Tiles.split`) matched at once on
a small thread pool (:mod:`territoires.analysis.parallel`: numpy and GEOS
release the GIL), each origin's answer being the same in any part.

The answer is the candidate of lowest score, ties broken by the shorter
distance, then by the lower site index: what scoring every site for every
origin gives (``tests/test_nearest.py`` and ``tests/test_parallel.py`` pin it
against that brute force, on one thread and on two).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely

from territoires.analysis.parallel import run, threads_for

__all__ = ["PARTS", "TILE_M", "Tiles"]

#: Side of the tiles grouping the origins (metres)
TILE_M = 2_500.0
#: Blocks are BLOCK × BLOCK tiles.
BLOCK = 4
#: Arrays of :meth:`Tiles.parts`: per tile (origins, centre, radius), then per block (tiles, centre, radius).
PARTS = ("count", "cx", "cy", "radius", "blocks", "bx", "by", "bradius")
TILE_PARTS, BLOCK_PARTS = PARTS[:4], PARTS[4:]

#: ``score(rows, sites, metres)``: the value to minimise for each (origin, site) pair;
#: ``rows`` index the origins in :attr:`Tiles.order` order.
Score = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
#: ``bound(tiles, sites, near, far)``: for each (tile, site) pair, a lower and an upper bound of the score
#: of the site from any origin of the tile, the origins lying between ``near`` and ``far`` metres from it.
Bound = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
#: A block whose nearest site lies within GUESS × the mean spacing of the sites (√(area of the origins' box ÷ sites))
#: finds its candidates with one envelope query (see :meth:`Tiles._block_candidates`); the others ask a nearest query.
GUESS = 0.65
#: Scores closer than this are treated as equal by :data:`Bound` pruning (far above rounding, far below a second).
BOUND_TOLERANCE = 1e-7


def _groups(key: np.ndarray) -> np.ndarray:
    """Start of each run of equal values in a sorted ``key``, and its end."""
    return np.r_[0, np.flatnonzero(key[1:] != key[:-1]) + 1, len(key)]


class Tiles:
    """Origins grouped in tiles and blocks, for :meth:`best` queries against any set of sites.

    Parameters
    ----------
    xy : (n, 2) projected coordinates of the origins, in metres
    size : side of a tile (metres)

    Examples
    --------
    >>> import numpy as np
    >>> tiles = Tiles(np.array([[0.0, 0.0], [900.0, 0.0], [20_000.0, 0.0]]))
    >>> idx, metres = tiles.best(np.array([[1000.0, 0.0], [19_000.0, 0.0]]))
    >>> idx.tolist(), metres.tolist()
    ([0, 0, 1], [1000.0, 100.0, 1000.0])
    """

    def __init__(self, xy: np.ndarray, size: float = TILE_M, block: int = BLOCK, order: np.ndarray | None = None,
                 key: np.ndarray | None = None, parts: dict[str, np.ndarray] | None = None):
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        self.n = len(xy)
        if self.n == 0:
            return
        # ``key``, ``order`` and ``parts``: :meth:`keys`, :meth:`sort` and :meth:`parts` of ``xy``, if already known
        if key is None and (order is None or parts is None):
            key = self.keys(xy, size, block)
        #: positions of the origins, sorted by block then tile
        self.order = np.argsort(np.asarray(key), kind="stable") if order is None else np.asarray(order, dtype=np.intp)
        self.x, self.y = xy[self.order, 0].copy(), xy[self.order, 1].copy()
        if parts is None:
            k = np.asarray(key)[self.order]
            start = _groups(k)
            self.count = np.diff(start)  # origins per tile
            self.cx, self.cy, self.radius = self._discs(self.x, self.y, start)
            self.blocks = np.diff(_groups(k[start[:-1]] // block**2))  # tiles per block
            bstart = np.r_[0, np.cumsum(self.blocks)]
            self.bx, self.by, self.bradius = self._discs(self.cx, self.cy, bstart)
        else:
            for name in PARTS:
                setattr(self, name, np.asarray(parts[name], dtype=np.intp if name in ("count", "blocks") else float))
            bstart = np.r_[0, np.cumsum(self.blocks)]
        self.block = np.repeat(np.arange(len(self.blocks)), self.blocks)
        self.bcentres = shapely.points(self.bx, self.by)
        self.margin = 2 * self.radius + 1.0  # per tile, besides the slack
        self.breach = 2 * self.bradius + np.maximum.reduceat(self.margin, bstart[:-1])  # per block, besides nearest and slack
        self.tstart = np.cumsum(self.count) - self.count  # each tile's first origin
        self.o0 = self.t0 = 0  # first origin and tile of these in the whole (see :meth:`split`)
        self.box = (self.x.min(), self.x.max(), self.y.min(), self.y.max())

    def parts(self) -> dict[str, np.ndarray]:
        """The tile and block arrays (:data:`PARTS`): with :attr:`order`, what remakes these tiles without sorting."""
        if self.n == 0:
            return {name: np.empty(0, dtype=np.int64 if name in ("count", "blocks") else float) for name in PARTS}
        return {name: getattr(self, name) for name in PARTS}

    @staticmethod
    def keys(xy: np.ndarray, size: float = TILE_M, block: int = BLOCK) -> np.ndarray:
        """Sort key of each origin: its block, then its tile in the block."""
        i = np.floor(xy[:, 0] / size).astype(np.int64)
        j = np.floor(xy[:, 1] / size).astype(np.int64)
        i, j = i - i.min(), j - j.min()
        nj = j.max() // block + 1
        return ((i // block) * nj + j // block) * block**2 + (i % block) * block + j % block

    @classmethod
    def sort(cls, xy: np.ndarray, size: float = TILE_M, block: int = BLOCK) -> np.ndarray:
        """The ``order`` of :class:`Tiles` for these origins (kept with an origin table to skip the sort)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        return np.argsort(cls.keys(xy, size, block), kind="stable") if len(xy) else np.empty(0, dtype=np.intp)

    @staticmethod
    def _discs(x, y, start):
        s = start[:-1]
        cx = (np.minimum.reduceat(x, s) + np.maximum.reduceat(x, s)) / 2
        cy = (np.minimum.reduceat(y, s) + np.maximum.reduceat(y, s)) / 2
        g = np.repeat(np.arange(len(s)), np.diff(start))
        return cx, cy, np.maximum.reduceat(np.hypot(x - cx[g], y - cy[g]), s)

    def _block_candidates(self, sx: np.ndarray, sy: np.ndarray, slack: float) -> tuple[np.ndarray, np.ndarray]:
        """(block, site) pairs holding every site within ``nearest + breach + slack`` of each block's centre
        (and maybe a few more, which :meth:`_tile_candidates` leaves out as it would have without them).

        A tile centre c lies within R of its block's centre C: nearest(c) <= nearest(C) + R, and what c
        needs (sites within nearest(c) + 2r + slack) lies within nearest(C) + 2R + 2r + slack of C. One
        query of the sites' index by squares of half-side ``reach + guess`` (an envelope test, cheaper than
        a distance test or a nearest query) finds them for every block whose nearest site lies within
        ``guess`` (a typical distance between sites): those blocks keep the pairs within their radius;
        the others (no site in the square, or one too far) are asked their nearest site, then the sites
        within the radius.
        """
        tree = shapely.STRtree(shapely.points(sx, sy))
        reach = self.breach + slack
        x0, x1, y0, y1 = self.box
        guess = GUESS * np.sqrt(max((x1 - x0) * (y1 - y0), 1.0) / len(sx)) + 1.0
        r = reach + guess
        bi, si = tree.query(shapely.box(self.bx - r, self.by - r, self.bx + r, self.by + r))
        dx, dy = self.bx[bi] - sx[si], self.by[bi] - sy[si]
        d = np.sqrt(dx * dx + dy * dy)
        near = np.full(len(self.blocks), np.inf)
        np.minimum.at(near, bi, d)
        # the disc a block needs lies inside its square's inscribed disc (1 m to spare for rounding)
        sure = near <= guess - 1.0
        keep = sure[bi] & (d <= (near + reach + 1.0)[bi])
        bi, si = bi[keep], si[keep]
        redo = np.flatnonzero(~sure)
        if len(redo):
            (qi, _), d0 = tree.query_nearest(self.bcentres[redo], return_distance=True, all_matches=False)
            near = np.full(len(redo), np.inf)
            near[qi] = d0
            b2, s2 = tree.query(self.bcentres[redo], predicate="dwithin", distance=near + reach[redo])
            bi, si = np.r_[bi, redo[b2]], np.r_[si, s2]
        return bi, si

    def _tile_candidates(self, sx: np.ndarray, sy: np.ndarray, slack: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidates of each tile: (count per tile, sites grouped by tile, ascending, their distance to the
        tile's centre), every site within ``nearest + 2r + slack`` of the tile's centre."""
        bi, si = self._block_candidates(sx, sy, slack)
        si = si[np.argsort(bi * len(sx) + si)]
        per_block = np.bincount(bi, minlength=len(self.blocks))
        bfirst = np.cumsum(per_block) - per_block
        # every tile of a block against the block's candidates
        cnt = per_block[self.block]
        offs = np.cumsum(cnt) - cnt
        s = si[np.arange(offs[-1] + cnt[-1]) + np.repeat(bfirst[self.block] - offs, cnt)]
        dx, dy = np.repeat(self.cx, cnt) - sx[s], np.repeat(self.cy, cnt) - sy[s]
        d = np.sqrt(dx * dx + dy * dy)
        keep = d <= np.repeat(np.minimum.reduceat(d, offs) + self.margin + slack, cnt)
        return np.add.reduceat(keep, offs), s[keep], d[keep]

    def _bounded(self, per_tile, si, d, bound: Bound) -> tuple[np.ndarray, np.ndarray]:
        """Candidates of each tile whose lowest possible score is not above the best highest one.

        Every origin of the tile has a site scoring at most ``U`` (the lowest upper
        bound of the tile's candidates): a site whose lower bound is above ``U`` is
        nobody's best there. Equal scores stay (``BOUND_TOLERANCE``), so ties are
        broken as before; the order of the candidates is kept.
        """
        several = np.flatnonzero(per_tile > 1)  # a tile's only candidate stays
        if len(several) == 0:
            return per_tile, si
        cnt = per_tile[several]
        pair = np.flatnonzero(np.repeat(per_tile > 1, per_tile))
        tile = np.repeat(several, cnt)
        r = self.radius[tile] + 0.5  # every origin lies within r of its tile's centre (rounding included)
        dd = d[pair]
        low, high = bound(tile + self.t0, si[pair], np.maximum(dd - r, 0.0), dd + r)
        offs = np.cumsum(cnt) - cnt
        keep = np.ones(len(si), dtype=bool)
        keep[pair] = low <= np.repeat(np.minimum.reduceat(high, offs), cnt) + BOUND_TOLERANCE
        out = per_tile.copy()
        out[several] = np.add.reduceat(keep[pair], offs)
        return out, si[keep]

    def _best_of_several(self, tiles, per_tile, first, si, sx, sy, score, chosen) -> None:
        """Best candidate of each origin of ``tiles`` (which have ``per_tile`` > 1 candidates, listed in ``si``
        from ``first`` in ascending site order), written in ``chosen`` (positions in this part's origins).

        The origins of the tiles with ``c`` candidates are scored as one (c × origins) array, kept
        column by column: the lowest score, then the shorter distance, then the lower site index.
        """
        for c in np.unique(per_tile[tiles]):
            t = tiles[per_tile[tiles] == c]
            n = self.count[t]
            offs = np.cumsum(n) - n
            rows = np.arange(offs[-1] + n[-1]) + np.repeat(self.tstart[t] - offs, n)
            site = si[np.repeat(first[t], n)[None, :] + np.arange(c)[:, None]]
            dx, dy = self.x[rows][None, :] - sx[site], self.y[rows][None, :] - sy[site]
            dist = np.sqrt(dx * dx + dy * dy)
            s = dist if score is None else score((rows + self.o0)[None, :], site, dist)
            best_s, best = s[0], np.zeros(len(rows), dtype=np.intp)
            for j in range(1, c):  # the first lowest score: the lower site index (ascending in each tile)
                win = s[j] < best_s
                best_s, best = np.where(win, s[j], best_s), np.where(win, j, best)
            tied = np.flatnonzero((s == best_s).sum(axis=0) > 1)
            if len(tied):  # equal lowest scores: the shorter distance among them, then the lower site index
                best[tied] = np.argmin(np.where(s[:, tied] == best_s[tied], dist[:, tied], np.inf), axis=0)
            chosen[rows] = site[best, np.arange(len(rows))]

    def _best_sorted(self, d_xy: np.ndarray, near: np.ndarray, slack: float, score: Score | None, bound: Bound | None,
                     idx: np.ndarray, metres: np.ndarray | None) -> None:
        """:meth:`best` for these origins (a part of the whole), written at their places in ``idx`` and ``metres``."""
        sx, sy = d_xy[near, 0], d_xy[near, 1]
        per_tile, si, d = self._tile_candidates(sx, sy, slack)
        si = near[si]
        if bound is not None:
            per_tile, si = self._bounded(per_tile, si, d, bound)
        sx, sy = np.ascontiguousarray(d_xy[:, 0]), np.ascontiguousarray(d_xy[:, 1])
        first = np.cumsum(per_tile) - per_tile  # each tile's first candidate in si
        chosen = np.repeat(si[first], self.count)  # right for the origins of a tile with one candidate
        several = np.flatnonzero(per_tile > 1)
        if len(several):
            self._best_of_several(several, per_tile, first, si, sx, sy, score, chosen)
        where = self.order
        idx[where] = chosen
        if metres is not None:
            metres[where] = np.hypot(self.x - sx[chosen], self.y - sy[chosen])

    def split(self, parts: int) -> list[Tiles]:
        """These origins cut in up to ``parts`` runs of whole blocks holding about as many origins each.

        Each part is a :class:`Tiles` of its own (views, no copies) whose :meth:`best` answers are those of
        the whole for its origins; remembered per number of parts.
        """
        memo = self.__dict__.setdefault("_split", {})
        if parts in memo:
            return memo[parts]
        ends = np.cumsum(self.count)
        bend_t = np.cumsum(self.blocks)  # one past each block's last tile
        per_block_end = ends[bend_t - 1]  # one past each block's last origin
        cuts = np.unique(np.searchsorted(per_block_end, np.arange(1, parts) * self.n / parts))
        cuts = cuts[(cuts > 0) & (cuts < len(self.blocks))] if parts > 1 else cuts[:0]
        b = np.r_[0, cuts, len(self.blocks)]
        t = np.r_[0, bend_t][b]
        o = np.r_[0, ends][t]
        out = []
        for k in range(len(b) - 1):
            (b0, b1), (t0, t1), (o0, o1) = b[k:k + 2], t[k:k + 2], o[k:k + 2]
            part = object.__new__(Tiles)
            part.n, part.o0, part.t0 = int(o1 - o0), int(o0), int(t0)
            part.order, part.x, part.y = self.order[o0:o1], self.x[o0:o1], self.y[o0:o1]
            for name in ("count", "cx", "cy", "radius", "margin"):
                setattr(part, name, getattr(self, name)[t0:t1])
            part.tstart = self.tstart[t0:t1] - o0
            for name in ("blocks", "bx", "by", "bradius", "bcentres", "breach"):
                setattr(part, name, getattr(self, name)[b0:b1])
            part.block = self.block[t0:t1] - b0
            part.box = self.box
            out.append(part)
        memo[parts] = out
        return out

    def best(self, d_xy: np.ndarray, slack: np.ndarray | float = 0.0, score: Score | None = None,
             bound: Bound | None = None, threads: int | None = None, metres: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Best site of every origin: ``(site index or −1, straight-line metres or inf)``, in the origins' order.

        Parameters
        ----------
        d_xy : (m, 2) coordinates of the sites (same CRS)
        slack : how much farther (metres) than the nearest site a site may lie
            and still be the best (an array: its largest value is used)
        score : value to minimise (default: the distance); its ``rows`` are
            positions in :attr:`order` (``per_origin[tiles.order][rows]``),
            of a shape that broadcasts against ``sites`` and ``metres``
        bound : bounds of ``score`` per (tile, site) pair (:data:`Bound`; tiles
            numbered as :attr:`count`), to leave out candidates that cannot win
        threads : how many parts of the origins to match at once on a thread pool
            (default: :func:`threads_for` the number of origins); the answer does not depend on it
        metres : whether to measure the distances (all inf otherwise)
        """
        idx, out = np.full(self.n, -1), np.full(self.n, np.inf)
        d_xy = np.asarray(d_xy, dtype=float).reshape(-1, 2)
        if self.n == 0 or len(d_xy) == 0:
            return idx, out
        slack = float(np.max(slack))
        # sites too far from the origins' bounding box to be anyone's best (overseas sites for a zone of
        # metropolitan France...): every origin has a site within U = d(box centre, its nearest site) + half-diagonal
        x0, x1, y0, y1 = self.box
        h = np.hypot(x1 - x0, y1 - y0) / 2
        reach = np.hypot(d_xy[:, 0] - (x0 + x1) / 2, d_xy[:, 1] - (y0 + y1) / 2).min() + h + slack + 1.0
        far = np.hypot(np.maximum(np.maximum(x0 - d_xy[:, 0], d_xy[:, 0] - x1), 0),
                       np.maximum(np.maximum(y0 - d_xy[:, 1], d_xy[:, 1] - y1), 0))
        near = np.flatnonzero(far <= reach)
        parts = self.split(threads_for(self.n) if threads is None else max(int(threads), 1))
        run(lambda part: part._best_sorted(d_xy, near, slack, score, bound, idx, out if metres else None), parts)
        return idx, out
