#!/usr/bin/env python3
"""Generate countries.tsv: a pre-projected world map for laporan's SVG choropleth.

Python 3.11 standard library only. Deterministic: same inputs -> same bytes.

Inputs (npm packages, only their data files are read; nothing is executed):
  * world-atlas 2.0.2        -- Natural Earth 4.1.0 admin-0 countries as TopoJSON
                               (countries-110m.json, countries-50m.json).
                               Natural Earth data is public domain; the packaging
                               is ISC (c) Michael Bostock.
  * i18n-iso-countries 7.14.0 -- ISO 3166-1 alpha-2/alpha-3/numeric table
                               (codes.json) and English names (langs/en.json). MIT.

Regenerate (from any directory; needs npm and python3):

  mkdir -p /tmp/worldwork && cd /tmp/worldwork
  npm pack world-atlas@2.0.2 i18n-iso-countries@7.14.0
  mkdir -p wa iso
  tar xzf world-atlas-2.0.2.tgz -C wa
  tar xzf i18n-iso-countries-7.14.0.tgz -C iso
  python3 /path/to/laporan/src/render/chart/world/generate.py \
      /tmp/worldwork/wa/package /tmp/worldwork/iso/package \
      > /tmp/worldwork/summary.md

The TSV is written next to this script (or to the path given as a third
argument); a Markdown summary (viewBox, counts, small countries) goes to stdout.

Output format (UTF-8, tab-separated, LF line ends, sorted by iso3):
  header: iso3 iso2 numeric name x y small path viewbox_width=1000 viewbox_height=H
  rows:   8 fields as named in the header (the two viewbox fields are header-only).

Projection: Equal Earth (Savric, Patterson & Jenny 2018), central meridian 0,
scaled so that longitude -180..180 spans exactly 1000 units; origin top-left,
y down; cropped top and bottom to the extent of the 1:110m shapes without
Antarctica (and of every label point).

Path data: per ring an absolute "M x,y", then one relative "l" with the moves
in tenths of a unit (computed from rounded absolute positions, so no drift),
then "z". Zero moves are dropped; rings with fewer than 3 distinct points after
rounding are dropped. All rings of a country (outer rings and holes) are in one
path: draw with fill-rule="evenodd".
"""

import heapq
import json
import math
import os
import sys

# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------

MAP_WIDTH = 1000.0
SMALL_AREA = 6.0            # projected square units (at 1:50m); below -> small=1
SIZE_BUDGET = 250 * 1024     # bytes; simplify only if the plain output is larger
SIMPLIFY_TOLERANCE = 0.3     # projected units (Douglas-Peucker), if needed
ANTARCTICA = "010"

# Common English short names, where i18n-iso-countries' first English name is
# the long official form (or ambiguous, like the two "Congo"s).
NAME_OVERRIDES = {
    "BN": "Brunei",
    "CD": "DR Congo",
    "CG": "Congo",
    "CI": "Côte d'Ivoire",
    "CN": "China",
    "CZ": "Czechia",
    "FK": "Falkland Islands",
    "FM": "Micronesia",
    "GM": "Gambia",
    "IR": "Iran",
    "KR": "South Korea",
    "LA": "Laos",
    "MD": "Moldova",
    "MF": "Saint Martin",
    "MK": "North Macedonia",
    "PN": "Pitcairn Islands",
    "PS": "Palestine",
    "RE": "Réunion",
    "RU": "Russia",
    "ST": "São Tomé and Príncipe",
    "SX": "Sint Maarten",
    "SY": "Syria",
    "TW": "Taiwan",
    "TZ": "Tanzania",
    "UM": "U.S. Minor Outlying Islands",
    "US": "United States",
    "VA": "Vatican City",
    "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands",
}

# Kosovo: i18n-iso-countries uses the user-assigned XK / XKK / 983; we use the
# widespread XK / XKX and no numeric code (ISO 3166-1 has none).
KOSOVO_ISO2 = "XK"
KOSOVO_ISO3 = "XKX"

# Natural Earth features without an ISO numeric id (world-atlas "id" missing).
# merge:  dissolved into the ISO country (shared borders removed topologically)
# assign: becomes the shape of that ISO country
# ignore: dropped
# split_lon: polygons east of the longitude go to the first code, the rest to
#            the second (50m "Indian Ocean Ter." = Christmas I. + Cocos Is.)
UNCODED = {
    "Kosovo": ("assign", KOSOVO_ISO2),
    "N. Cyprus": ("merge", "CY"),
    "Somaliland": ("merge", "SO"),
    "Siachen Glacier": ("ignore", None),
    "Indian Ocean Ter.": ("split_lon", (100.0, "CX", "CC")),
}
# Polygons moved from one country to another before dissolving, so that the
# shapes follow ISO 3166 (as for N. Cyprus and Somaliland above): Natural
# Earth 4.1.0 draws Crimea (ISO 3166-2 UA-43 / UA-40) as part of Russia.
# (from iso2, to iso2, lon/lat box that must contain the polygon's outer ring)
MOVE_POLYGONS = [
    ("RU", "UA", (32.0, 44.0, 37.0, 46.5)),  # Crimea
]
# Natural Earth 4.1.0 draws the Moroccan-administered part of Western Sahara
# (ISO 3166-1 EH) as part of Morocco, leaving "W. Sahara" only the strip east
# of the berm. Both are dissolved and cut again along the Morocco / Western
# Sahara boundary, the parallel 27 deg 40' N: north -> first, south -> second.
CUT_PARALLEL = [
    ("MA", "EH", 27.0 + 40.0 / 60.0),
]
# Features that carry an id but are not the country of that id (50m only).
IGNORE_NAMES = {"Ashmore and Cartier Is."}  # id 036 = Australia

# --------------------------------------------------------------------------
# Equal Earth projection
# --------------------------------------------------------------------------

A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3.0) / 2.0


# Places with no shape in either Natural Earth file: a marker at a point
# of the territory (its main town or island, lon/lat in degrees, from
# common knowledge of geography), so that a map can still show them.
FALLBACK_POINTS = {
    "BES": (-68.26, 12.18),    # Bonaire
    "BVT": (3.40, -54.42),     # Bouvet Island
    "GIB": (-5.35, 36.14),     # Gibraltar
    "GLP": (-61.55, 16.25),    # Guadeloupe
    "GUF": (-53.10, 3.95),     # French Guiana
    "MTQ": (-61.02, 14.64),    # Martinique
    "MYT": (45.15, -12.83),    # Mayotte
    "REU": (55.53, -21.12),    # Réunion
    "SJM": (16.00, 78.50),     # Svalbard
    "TKL": (-171.85, -9.17),   # Tokelau (Atafu-Fakaofo)
    "TUV": (179.20, -8.52),    # Tuvalu (Funafuti)
    "UMI": (166.61, 19.28),    # Wake Island
}


def equal_earth(lon, lat):
    """Unit Equal Earth projection, lon/lat in degrees -> (x, y), y up."""
    lam = math.radians(lon)
    phi = math.radians(lat)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


X_MAX = equal_earth(180.0, 0.0)[0]
SCALE = MAP_WIDTH / (2.0 * X_MAX)

# --------------------------------------------------------------------------
# TopoJSON
# --------------------------------------------------------------------------


class Topology:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            topo = json.load(f)
        tr = topo.get("transform")
        # Arcs are delta-encoded integers when quantized; keep integer
        # positions for exact topology (endpoint matching), convert later.
        self.arcs_q = []
        for arc in topo["arcs"]:
            if tr:
                x = y = 0
                pts = []
                for p in arc:
                    x += p[0]
                    y += p[1]
                    pts.append((x, y))
            else:
                pts = [(p[0], p[1]) for p in arc]
            self.arcs_q.append(pts)
        if tr:
            (self.sx, self.sy), (self.tx, self.ty) = tr["scale"], tr["translate"]
        else:
            self.sx = self.sy = 1.0
            self.tx = self.ty = 0.0
        self.geometries = topo["objects"]["countries"]["geometries"]

    def directed(self, i):
        """Quantized points of arc i; negative i = ~j, arc j reversed."""
        return self.arcs_q[i] if i >= 0 else self.arcs_q[~i][::-1]

    def lonlat(self, q):
        return (q[0] * self.sx + self.tx, q[1] * self.sy + self.ty)

    def ring_points(self, arc_ids):
        pts = []
        for i in arc_ids:
            a = self.directed(i)
            pts.extend(a if not pts else a[1:])
        return [self.lonlat(q) for q in pts]


def polygons_of(geom):
    """List of polygons, each a list of rings, each a list of arc indices."""
    if geom["type"] == "Polygon":
        return [geom["arcs"]]
    if geom["type"] == "MultiPolygon":
        return geom["arcs"]
    return []


def merged_rings(topo, geoms):
    """Rings (arc-index lists) of the union of several geometries.

    Arcs used in both directions within the set are shared borders and are
    removed; the remaining directed arcs are chained end-to-start into rings.
    """
    directed = [i for g in geoms for poly in polygons_of(g) for ring in poly for i in ring]
    present = set(directed)
    keep = [i for i in directed if ~i not in present]
    by_start = {}
    for i in keep:
        by_start.setdefault(topo.directed(i)[0], []).append(i)
    used = set()
    rings = []
    for i in keep:
        if i in used:
            continue
        ring = [i]
        used.add(i)
        start = topo.directed(i)[0]
        end = topo.directed(i)[-1]
        while end != start:
            nxt = next((j for j in by_start.get(end, []) if j not in used), None)
            if nxt is None:
                raise SystemExit("merge: open ring while dissolving %r"
                                 % [g.get("properties", {}).get("name") for g in geoms])
            ring.append(nxt)
            used.add(nxt)
            end = topo.directed(nxt)[-1]
        rings.append(ring)
    return rings


def clip_half(ring, c, keep_low, axis=0):
    """Sutherland-Hodgman clip of a ring against the half-plane
    p[axis] <= c (keep_low) or p[axis] >= c. axis 0 = lon, 1 = lat."""
    def inside(p):
        return p[axis] <= c if keep_low else p[axis] >= c

    other = 1 - axis
    out = []
    n = len(ring)
    for k in range(n):
        a, b = ring[k - 1], ring[k]
        ia, ib = inside(a), inside(b)
        if ia != ib:
            t = (c - a[axis]) / (b[axis] - a[axis])
            q = [0.0, 0.0]
            q[axis] = c
            q[other] = a[other] + t * (b[other] - a[other])
            out.append(tuple(q))
        if ib:
            out.append(b)
    return out


def split_antimeridian(ring):
    """Return the ring as one or two rings that do not cross the antimeridian.

    Natural Earth splits shapes at 180 degrees, but after quantization some
    points on the cut carry -180 instead of +180 (Russia's Chukotka, Fiji),
    and at 1:110m Fiji's Vanua Levu is one ring straddling the line. The ring
    is unwrapped (consecutive longitudes made continuous) and, where it then
    extends past +-180, clipped into a west and an east part; the part beyond
    the line is shifted back by 360 degrees. Parts of zero area are dropped.
    """
    if ring[0] == ring[-1]:
        ring = ring[:-1]
    un = [ring[0]]
    for lon, lat in ring[1:]:
        prev = un[-1][0]
        while lon - prev > 180.0:
            lon -= 360.0
        while lon - prev < -180.0:
            lon += 360.0
        un.append((lon, lat))
    lo = min(p[0] for p in un)
    hi = max(p[0] for p in un)
    if hi - lo >= 360.0:
        raise SystemExit("a ring encircles a pole (only Antarctica should)")
    eps = 1e-9
    if lo >= -180.0 - eps and hi <= 180.0 + eps:
        parts = [un]
    elif hi > 180.0:
        parts = [clip_half(un, 180.0, True),
                 [(x - 360.0, y) for x, y in clip_half(un, 180.0, False)]]
    else:
        parts = [clip_half(un, -180.0, False),
                 [(x + 360.0, y) for x, y in clip_half(un, -180.0, True)]]
    out = []
    for part in parts:
        part = [(max(-180.0, min(180.0, x)), y) for x, y in part]
        if len(part) >= 3 and abs(lonlat_area(part)) > 1e-12:
            out.append(part)
    return out


def lonlat_area(ring):
    s = 0.0
    for k in range(len(ring)):
        x0, y0 = ring[k - 1]
        x1, y1 = ring[k]
        s += x0 * y1 - x1 * y0
    return s / 2.0


# --------------------------------------------------------------------------
# Planar geometry (projected unit plane)
# --------------------------------------------------------------------------


def project_ring(ring):
    out = []
    for lon, lat in ring:
        x, y = equal_earth(lon, lat)
        out.append(((x + X_MAX) * SCALE, y * SCALE))  # y still up here
    return out


def signed_area(ring):
    s = 0.0
    n = len(ring)
    for k in range(n):
        x0, y0 = ring[k]
        x1, y1 = ring[(k + 1) % n]
        s += x0 * y1 - x1 * y0
    return s / 2.0


def point_in_ring(x, y, ring):
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def bbox(ring):
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def ring_inside(inner, outer, bi, bo):
    """Is ring `inner` inside ring `outer`? (bi, bo: their bounding boxes.)
    Majority vote over some vertices (a vertex may lie on a shared boundary)."""
    if bi[0] < bo[0] or bi[1] < bo[1] or bi[2] > bo[2] or bi[3] > bo[3]:
        return False
    step = max(1, len(inner) // 7)
    votes = [point_in_ring(x, y, outer) for x, y in inner[::step]]
    return sum(votes) * 2 > len(votes)


def group_polygons(rings):
    """Classify rings by nesting depth. Returns (area, polygons) where
    polygons = [(outer, [holes])], area = even-odd area."""
    order = sorted(range(len(rings)), key=lambda k: -abs(signed_area(rings[k])))
    boxes = [bbox(r) for r in rings]
    depth = {}
    parent = {}
    for pos, k in enumerate(order):
        containers = [j for j in order[:pos]
                      if ring_inside(rings[k], rings[j], boxes[k], boxes[j])]
        depth[k] = len(containers)
        # innermost container = smallest one = last in area order
        parent[k] = containers[-1] if containers else None
    area = 0.0
    polys = {}
    for k in order:
        a = abs(signed_area(rings[k]))
        if depth[k] % 2 == 0:
            area += a
            polys[k] = []
        else:
            area -= a
            polys[parent[k]].append(rings[k])
    return area, [(rings[k], holes) for k, holes in polys.items()]


def seg_dist2(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    if dx or dy:
        t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
        if t > 1:
            ax, ay = bx, by
        elif t > 0:
            ax += dx * t
            ay += dy * t
    dx, dy = px - ax, py - ay
    return dx * dx + dy * dy


def signed_dist(x, y, rings):
    """Distance to the polygon outline, positive inside (even-odd)."""
    inside = False
    best = math.inf
    for ring in rings:
        n = len(ring)
        j = n - 1
        for i in range(n):
            ax, ay = ring[i]
            bx, by = ring[j]
            if (ay > y) != (by > y) and x < (bx - ax) * (y - ay) / (by - ay) + ax:
                inside = not inside
            best = min(best, seg_dist2(x, y, ax, ay, bx, by))
            j = i
    d = math.sqrt(best)
    return d if inside else -d


def polylabel(rings, precision=0.05):
    """Pole of inaccessibility (Mapbox polylabel algorithm): a point inside the
    polygon (outer ring + holes) farthest from its outline."""
    outer = rings[0]
    xs = [p[0] for p in outer]
    ys = [p[1] for p in outer]
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    w, h = maxx - minx, maxy - miny
    cell = min(w, h)
    if cell == 0:
        return minx, miny
    half = cell / 2.0

    def make(cx, cy, hh):
        d = signed_dist(cx, cy, rings)
        return (-(d + hh * math.sqrt(2)), cx, cy, hh, d)

    heap = []
    counter = 0
    x = minx
    while x < maxx:
        y = miny
        while y < maxy:
            c = make(x + half, y + half, half)
            heapq.heappush(heap, (c[0], counter, c))
            counter += 1
            y += cell
        x += cell
    # first guesses: area centroid of the outer ring, and the bbox centre
    a = signed_area(outer)
    if a:
        sx = sy = 0.0
        n = len(outer)
        for k in range(n):
            x0, y0 = outer[k]
            x1, y1 = outer[(k + 1) % n]
            f = x0 * y1 - x1 * y0
            sx += (x0 + x1) * f
            sy += (y0 + y1) * f
        best = make(sx / (6 * a), sy / (6 * a), 0)
    else:
        best = make(outer[0][0], outer[0][1], 0)
    bbox = make(minx + w / 2, miny + h / 2, 0)
    if bbox[4] > best[4]:
        best = bbox
    while heap:
        _, _, c = heapq.heappop(heap)
        _, cx, cy, hh, d = c
        if d > best[4]:
            best = c
        if -c[0] - best[4] <= precision:
            continue
        hh /= 2
        for ox in (-hh, hh):
            for oy in (-hh, hh):
                nc = make(cx + ox, cy + oy, hh)
                heapq.heappush(heap, (nc[0], counter, nc))
                counter += 1
    return best[1], best[2]


def douglas_peucker(ring, tol):
    """Simplify a closed ring, keeping its first/last point."""
    if len(ring) < 4:
        return ring
    pts = ring + [ring[0]]
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    tol2 = tol * tol
    # split a closed ring at its farthest point from the start first
    far = max(range(1, len(pts) - 1),
              key=lambda k: (pts[k][0] - pts[0][0]) ** 2 + (pts[k][1] - pts[0][1]) ** 2)
    keep[far] = True
    stack = [(0, far), (far, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        best, bk = -1.0, -1
        for k in range(i + 1, j):
            d = seg_dist2(pts[k][0], pts[k][1], pts[i][0], pts[i][1], pts[j][0], pts[j][1])
            if d > best:
                best, bk = d, k
        if bk >= 0 and best > tol2:
            keep[bk] = True
            stack.append((i, bk))
            stack.append((bk, j))
    return [p for p, k in zip(pts[:-1], keep[:-1]) if k]


# --------------------------------------------------------------------------
# Output encoding
# --------------------------------------------------------------------------


def tenths(v):
    return int(math.floor(v * 10.0 + 0.5))


def fmt(n):
    """Integer tenths -> shortest decimal text with one decimal at most."""
    sign = "-" if n < 0 else ""
    n = abs(n)
    q, r = divmod(n, 10)
    return "%s%d.%d" % (sign, q, r) if r else "%s%d" % (sign, q)


def encode_path(rings_t):
    """rings_t: rings of integer-tenths points (y down), already deduplicated."""
    out = []
    for ring in rings_t:
        x0, y0 = ring[0]
        parts = ["M%s,%s" % (fmt(x0), fmt(y0)), "l"]
        nums = []
        px, py = x0, y0
        for x, y in ring[1:]:
            nums.append(fmt(x - px))
            nums.append(fmt(y - py))
            px, py = x, y
        text = nums[0]
        for s in nums[1:]:
            text += s if s.startswith("-") else "," + s
        parts.append(text)
        parts.append("z")
        out.append("".join(parts))
    return "".join(out)


def round_ring(ring, y_top):
    """Projected (y up) ring -> integer tenths, y down; drop zero moves and the
    closing duplicate. Returns None if fewer than 3 distinct points remain."""
    pts = []
    for x, y in ring:
        p = (tenths(x), tenths(y_top - y))
        if not pts or p != pts[-1]:
            pts.append(p)
    while len(pts) > 1 and pts[-1] == pts[0]:
        pts.pop()
    if len(set(pts)) < 3:
        return None
    return pts


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def load_iso(iso_dir):
    with open(os.path.join(iso_dir, "codes.json"), encoding="utf-8") as f:
        codes = json.load(f)
    with open(os.path.join(iso_dir, "langs", "en.json"), encoding="utf-8") as f:
        names = json.load(f)["countries"]
    rows = {}
    for iso2, iso3, numeric, _ in codes:
        name = NAME_OVERRIDES.get(iso2, names[iso2])
        if isinstance(name, list):
            name = name[0]
        if iso2 == KOSOVO_ISO2:
            iso3, numeric = KOSOVO_ISO3, ""
        else:
            numeric = "%03d" % int(numeric)
        if "\t" in name or "\n" in name:
            raise SystemExit("bad name %r" % name)
        rows[iso2] = {"iso2": iso2, "iso3": iso3, "numeric": numeric, "name": name}
    return rows


def country_rings(topo, iso, what):
    """iso2 -> list of lon/lat rings (antimeridian-fixed), for one topology."""
    by_num = {r["numeric"]: k for k, r in iso.items() if r["numeric"]}
    groups = {}   # iso2 -> list of geometries to dissolve
    extra = {}    # iso2 -> list of rings from split features
    unknown = []
    for g in topo.geometries:
        name = g.get("properties", {}).get("name", "")
        gid = g.get("id")
        if name in IGNORE_NAMES:
            continue
        if gid == ANTARCTICA:
            continue  # omitted entirely; its ring encircles the pole
        if gid is not None and gid != "-99":
            if gid not in by_num:
                unknown.append((gid, name))
                continue
            groups.setdefault(by_num[gid], []).append(g)
            continue
        rule = UNCODED.get(name)
        if rule is None:
            unknown.append((gid, name))
            continue
        kind, arg = rule
        if kind in ("assign", "merge"):
            groups.setdefault(arg, []).append(g)
        elif kind == "split_lon":
            lon0, east, west = arg
            for poly in polygons_of(g):
                rings = [topo.ring_points(r) for r in poly]
                key = east if rings[0][0][0] > lon0 else west
                extra.setdefault(key, []).extend(rings)
    if unknown:
        raise SystemExit("%s: features with no rule: %r" % (what, unknown))
    for src, dst, (x0, y0, x1, y1) in MOVE_POLYGONS:
        moved = 0
        for k, g in enumerate(groups.get(src, [])):
            keep = []
            for poly in polygons_of(g):
                outer = topo.ring_points(poly[0])
                if all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in outer):
                    groups.setdefault(dst, []).append({"type": "Polygon", "arcs": poly})
                    moved += 1
                else:
                    keep.append(poly)
            groups[src][k] = {"type": "MultiPolygon", "arcs": keep}
        if moved != 1:
            raise SystemExit("%s: expected 1 polygon to move %s->%s, found %d"
                             % (what, src, dst, moved))
    out = {}
    for north, south, lat in CUT_PARALLEL:
        rings = [topo.ring_points(r)
                 for r in merged_rings(topo, groups.pop(north) + groups.pop(south))]
        for key, keep_low in ((north, False), (south, True)):
            parts = [clip_half(r, lat, keep_low, axis=1) for r in rings]
            out[key] = [p for p in parts if len(p) >= 3 and abs(lonlat_area(p)) > 1e-12]
    for iso2, geoms in groups.items():
        if len(geoms) == 1:
            arc_rings = [r for poly in polygons_of(geoms[0]) for r in poly]
        else:
            arc_rings = merged_rings(topo, geoms)
        out[iso2] = [part for r in arc_rings for part in split_antimeridian(topo.ring_points(r))]
    for iso2, rings in extra.items():
        out.setdefault(iso2, []).extend(part for r in rings for part in split_antimeridian(r))
    return out


def build(rows, shapes110, shapes50, tolerance):
    """Project, classify and encode. Returns (viewbox_height, lines, stats)."""
    proj = {}
    for iso2 in rows:
        if rows[iso2]["numeric"] == ANTARCTICA:
            continue
        src = None
        if iso2 in shapes110:
            src, rings = "110m", shapes110[iso2]
        elif iso2 in shapes50:
            src, rings = "50m", shapes50[iso2]
        else:
            continue
        prings = [project_ring(r) for r in rings]
        area, polys = group_polygons(prings)
        # largest polygon by its own area (outer minus holes)
        outer, holes = max(polys, key=lambda p: abs(signed_area(p[0]))
                           - sum(abs(signed_area(h)) for h in p[1]))
        lx, ly = polylabel([outer] + holes)
        if src == "110m" and iso2 in shapes50:
            # The 1:110m generalisation inflates some tiny countries (Brunei
            # 9.0 vs 4.8 at 1:50m, close to its true size): decide "small" on
            # the more detailed shape when there is one.
            area, _ = group_polygons([project_ring(r) for r in shapes50[iso2]])
        proj[iso2] = {"src": src, "rings": prings, "area": area, "label": (lx, ly)}

    ys = [y for p in proj.values() if p["src"] == "110m" for r in p["rings"] for _, y in r]
    ys += [p["label"][1] for p in proj.values()]
    y_top, y_bot = max(ys), min(ys)
    height = math.ceil(round((y_top - y_bot) * 10.0, 6)) / 10.0

    lines = []
    stats = {"rows": 0, "paths": 0, "small": [], "no_point": [], "from50": [], "fallback": []}
    for iso2, r in sorted(rows.items(), key=lambda kv: kv[1]["iso3"]):
        p = proj.get(iso2)
        x = y = path = ""
        small = "1"
        if p:
            x = fmt(tenths(p["label"][0]))
            y = fmt(tenths(y_top - p["label"][1]))
            if p["src"] == "110m":
                rings_t = []
                for ring in p["rings"]:
                    if tolerance:
                        ring = douglas_peucker(ring, tolerance)
                    rt = round_ring(ring, y_top)
                    if rt:
                        rings_t.append(rt)
                path = encode_path(rings_t)
                if path and p["area"] >= SMALL_AREA:
                    small = "0"
            if p["src"] == "50m":
                stats["from50"].append(r["iso3"])
        elif r["iso3"] in FALLBACK_POINTS:
            (px, py), = project_ring([FALLBACK_POINTS[r["iso3"]]])
            x, y = fmt(tenths(px)), fmt(tenths(y_top - py))
            stats["fallback"].append(r["iso3"])
        elif r["numeric"] != ANTARCTICA:
            stats["no_point"].append(r["iso3"])
        if r["numeric"] == ANTARCTICA:
            small = "0"   # no shape by design; nothing to draw at all
        stats["rows"] += 1
        stats["paths"] += bool(path)
        if small == "1":
            stats["small"].append((r["iso3"], r["name"], p["src"] if p else "none"))
        lines.append("\t".join([r["iso3"], r["iso2"], r["numeric"], r["name"],
                                x, y, small, path]))
    return height, lines, stats


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write("usage: generate.py WORLD_ATLAS_DIR I18N_ISO_COUNTRIES_DIR [OUT.tsv]\n")
        return 2
    atlas_dir, iso_dir = argv[1], argv[2]
    out_path = argv[3] if len(argv) == 4 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "countries.tsv")
    rows = load_iso(iso_dir)
    shapes110 = country_rings(Topology(os.path.join(atlas_dir, "countries-110m.json")), rows, "110m")
    shapes50 = country_rings(Topology(os.path.join(atlas_dir, "countries-50m.json")), rows, "50m")

    header = "\t".join(["iso3", "iso2", "numeric", "name", "x", "y", "small", "path",
                        "viewbox_width=%s" % fmt(tenths(MAP_WIDTH))])
    tolerance = 0.0
    while True:
        height, lines, stats = build(rows, shapes110, shapes50, tolerance)
        text = header + "\tviewbox_height=%s\n" % fmt(tenths(height)) + "\n".join(lines) + "\n"
        data = text.encode("utf-8")
        if len(data) <= SIZE_BUDGET or tolerance:
            break
        tolerance = SIMPLIFY_TOLERANCE
    if len(data) > SIZE_BUDGET:
        raise SystemExit("output is %d bytes, over the %d budget" % (len(data), SIZE_BUDGET))
    with open(out_path, "wb") as f:
        f.write(data)

    print("viewBox: `0 0 %s %s`\n" % (fmt(tenths(MAP_WIDTH)), fmt(tenths(height))))
    print("- rows: %d, with a path: %d, small=1: %d, file size: %d bytes, "
          "simplification: %s" % (stats["rows"], stats["paths"], len(stats["small"]),
                                  len(data), "Douglas-Peucker %.1f" % tolerance
                                  if tolerance else "none"))
    print("- label point from the 1:50m shapes: %s" % " ".join(stats["from50"]))
    print("- no shape at either scale, a point from FALLBACK_POINTS: %s" % " ".join(stats["fallback"]))
    print("- no shape at either scale (x, y empty): %s\n" % " ".join(stats["no_point"]))
    print("small=1 (%d):\n" % len(stats["small"]))
    for iso3, name, src in stats["small"]:
        print("- %s %s%s" % (iso3, name, "" if src == "110m" else
                             " (no 1:110m shape%s)" % ("" if src == "50m" else "; no point")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
