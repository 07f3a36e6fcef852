#!/usr/bin/env python3
"""check-render.py REPORT.html OUTDIR PLOTS

Renders the report in headless Chromium (Debian's chromium) and checks
the picture: the page is not blank, each of the PLOTS plots has drawn
pixels in its own area, and nothing is wider than the window, at a wide
and at a narrow window. The layout (the page's size and each plot's box)
is read from a probe: a copy of the report with a short script that
writes it into the DOM, dumped by chromium --dump-dom; the report itself
has no script. Writes OUTDIR/report.png; prints what is wrong and exits
1, or prints "render ok"."""
import json, os, re, struct, subprocess, sys, zlib

page, out, nplots = sys.argv[1], sys.argv[2], int(sys.argv[3])
bad = []
PROBE = """<script>
var r = {sw: document.documentElement.scrollWidth, w: window.innerWidth,
         h: document.documentElement.scrollHeight, plots: []};
document.querySelectorAll('svg.plot').forEach(function (s) {
  var b = s.getBoundingClientRect();
  r.plots.push([s.getAttribute('class'), b.left + scrollX, b.top + scrollY, b.width, b.height]);
});
document.body.setAttribute('data-layout', JSON.stringify(r));
</script>
"""


def chromium(*args):
    cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--user-data-dir=" + os.path.join(out, "profile"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True).stdout


def layout(width):
    probe = os.path.join(out, "probe.html")
    open(probe, "w").write(open(page).read().replace("</body>", PROBE + "</body>"))
    dom = chromium(f"--window-size={width},800", "--dump-dom", "file://" + probe)
    m = re.search(r"data-layout=\"([^\"]*)\"", dom)
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def png_rows(path):
    """The rows of an 8-bit RGB or RGBA PNG (no interlace), unfiltered."""
    data = open(path, "rb").read()
    i, idat = 8, b""
    while i < len(data):
        n, kind = struct.unpack(">I4s", data[i:i + 8])
        body = data[i + 8:i + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        i += 12 + n
    assert depth == 8 and ctype in (2, 6), (depth, ctype)
    bpp = 3 if ctype == 2 else 4
    raw, stride, prev, rows, p = zlib.decompress(idat), w * bpp, bytearray(w * bpp), [], 0
    for _ in range(h):
        f, line = raw[p], bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def drawn(rows, bpp, x0, y0, x1, y1):
    """Shares of the box's non-white pixels and of its coloured ones (the
    data marks; axes, grid and text are grey or black)."""
    n = ink = hue = 0
    for y in range(max(0, y0), min(len(rows), y1)):
        r = rows[y]
        for x in range(max(0, x0), min(len(r) // bpp, x1), 2):
            px = r[x * bpp:x * bpp + 3]
            n += 1
            ink += min(px) < 235
            hue += max(px) - min(px) > 60
    return (ink / n if n else 0), (hue / n if n else 0)


for width in (1000, 480):
    lay = layout(width)
    if lay["sw"] > lay["w"]:
        bad.append(f"at {width} px the page is {lay['sw']} px wide: it overflows")
    for cls, x, y, w, h in lay["plots"]:
        if x < 0 or x + w > lay["w"] + 0.5:
            bad.append(f"at {width} px plot '{cls}' spans {x:.0f}..{x + w:.0f}: it overflows")
    if len(lay["plots"]) != nplots:
        bad.append(f"at {width} px {len(lay['plots'])} plots, want {nplots}")
    if width == 1000:
        wide = lay

png = os.path.join(out, "report.png")
chromium(f"--window-size=1000,{wide['h']}", "--screenshot=" + png, "file://" + os.path.abspath(page))
w, h, bpp, rows = png_rows(png)
share, _ = drawn(rows, bpp, 0, 0, w, h)
if share < 0.02:
    bad.append(f"the page is blank: {share:.4f} of it is drawn")
for cls, x, y, pw, ph in wide["plots"]:
    share, coloured = drawn(rows, bpp, int(x), int(y), int(x + pw), int(y + ph))
    if share < 0.03 or coloured < 0.004:
        bad.append(f"plot '{cls}': {share:.3f} of its area drawn, {coloured:.4f} in colour")
print("\n".join(bad) if bad else "render ok")
sys.exit(1 if bad else 0)
