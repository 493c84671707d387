"""The schematics draw the structure they claim, readably and the same way every time."""

import io
import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.path import Path  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from rgkit import schematics  # noqa: E402

ALL = {
    "rbm_graph": schematics.rbm_graph,
    "dbn_stack": schematics.dbn_stack,
    "decimation_network": schematics.decimation_network,
    "variational_mapping": schematics.variational_mapping,
}
#: How close (inches) an arrow's tip must come to what it points at: about one line width.
TOUCH = 0.03


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _with_gid(fig, gid):
    (ax,) = fig.axes
    return [a for a in [*ax.patches, *ax.lines] if a.get_gid() == gid]


def _extent(patch):
    """x and y ranges (inches) of a patch's outline, leaving out the path's closing vertices."""
    path = patch.get_path()
    if patch.get_transform() != patch.axes.transData:  # patches other than arrows: to data coordinates
        path = (patch.get_transform() - patch.axes.transData).transform_path(path)
    keep = [v for v, code in path.iter_segments(simplify=False) if code != Path.CLOSEPOLY]
    v = np.concatenate([np.reshape(x, (-1, 2)) for x in keep])
    return (v[:, 0].min(), v[:, 0].max()), (v[:, 1].min(), v[:, 1].max())


def _texts(fig):
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("name", sorted(ALL))
def test_schematic_is_at_most_seven_inches_wide_with_text_of_ten_points_or_more(name):
    fig = ALL[name]()
    assert fig.get_size_inches()[0] <= 7.0
    sizes = [t.get_fontsize() for t in _texts(fig)]
    assert sizes and min(sizes) >= 10


@pytest.mark.parametrize("name", sorted(ALL))
def test_schematic_texts_do_not_overlap(name):
    fig = ALL[name]()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _texts(fig)]
    width, height = fig.canvas.get_width_height()
    for text, box in boxes:
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, f"{text!r} leaves the figure"
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r}"


@pytest.mark.parametrize("name", sorted(ALL))
def test_schematic_is_drawn_the_same_way_every_time(name):
    pngs = []
    for _ in range(2):
        buffer = io.BytesIO()
        ALL[name]().savefig(buffer, format="png", dpi=50)
        pngs.append(buffer.getvalue())
    assert pngs[0] == pngs[1]


@pytest.mark.parametrize(("n_visible", "n_hidden"), [(6, 4), (3, 5), (1, 1)])
def test_rbm_graph_joins_every_visible_unit_to_every_hidden_unit_and_none_within_a_row(n_visible, n_hidden):
    fig = schematics.rbm_graph(n_visible, n_hidden)
    visible = [c.center for c in _with_gid(fig, "visible")]
    hidden = [c.center for c in _with_gid(fig, "hidden")]
    assert len(visible) == n_visible and len(hidden) == n_hidden
    assert len({y for _, y in visible}) == 1 and len({y for _, y in hidden}) == 1
    (y_v,), (y_h,) = {y for _, y in visible}, {y for _, y in hidden}
    edges = _with_gid(fig, "weight")
    assert len(edges) == n_visible * n_hidden
    joined = set()
    for edge in edges:
        (x0, x1), (y0, y1) = edge.get_xdata(), edge.get_ydata()
        assert y0 < y1 and abs(y0 - y_v) < 0.3 and abs(y1 - y_h) < 0.3  # from the visible row up to the hidden row
        joined.add((float(x0), float(x1)))
    assert joined == {(float(xv), float(xh)) for (xv, _), (xh, _) in itertools.product(visible, hidden)}
    texts = {t.get_text() for t in _texts(fig)}
    assert {f"$a_{{{i}}}$" for i in range(1, n_visible + 1)} <= texts
    assert {f"$b_{{{j}}}$" for j in range(1, n_hidden + 1)} <= texts
    assert any("W_{ij}" in t for t in texts) and any(t.startswith("$W_{11}") for t in texts)


def test_dbn_stack_draws_a_labelled_plane_per_layer_and_an_arrow_between_neighbours():
    fig = schematics.dbn_stack((1600, 400, 100, 25))
    planes = _with_gid(fig, "layer")
    arrows = _with_gid(fig, "up")
    assert len(planes) == 4 and len(arrows) == 3
    widths = [np.ptp(p.get_xy()[:, 0]) for p in planes]
    assert widths == sorted(widths, reverse=True)  # narrower going up
    texts = {t.get_text() for t in _texts(fig)}
    for line in ("1600 units, 40 × 40", "400 units, 20 × 20", "100 units, 10 × 10", "25 units, 5 × 5"):
        assert line in texts
    assert any(r"p(h^{(1)} \mid v)" in t for t in texts) and any(r"p(h^{(3)} \mid h^{(2)})" in t for t in texts)
    fig.canvas.draw()
    for arrow, below, above in zip(arrows, planes[:-1], planes[1:], strict=True):
        _, (tail, tip) = _extent(arrow)
        assert abs(tail - below.get_xy()[:, 1].max()) < TOUCH and abs(tip - above.get_xy()[:, 1].min()) < TOUCH


def test_dbn_stack_leaves_out_the_lattice_of_a_layer_that_is_not_square():
    texts = {t.get_text() for t in _texts(schematics.dbn_stack((30, 9)))}
    assert "30 units" in texts and "9 units, 3 × 3" in texts


@pytest.mark.parametrize("n_spins", [4, 8, 16])
def test_decimation_network_couples_each_hidden_spin_to_every_second_site_only(n_spins):
    fig = schematics.decimation_network(n_spins)
    rows = [sorted(c.center for c in _with_gid(fig, gid)) for gid in ("visible", "hidden 1", "hidden 2")]
    assert [len(r) for r in rows] == [n_spins, n_spins // 2, n_spins // 4]
    x_v = [x for x, _ in rows[0]]
    # h_j sits above v_{2j} (1-based: the 2nd, 4th, ... site) and h'_k above h_{2k}.
    assert [x for x, _ in rows[1]] == x_v[1::2] and [x for x, _ in rows[2]] == x_v[3::4]
    kernels = _with_gid(fig, "kernel")
    assert len(kernels) == n_spins // 2 + n_spins // 4
    assert all(line.get_xdata()[0] == line.get_xdata()[1] for line in kernels)  # straight up, one site each
    assert sorted(float(line.get_xdata()[0]) for line in kernels) == sorted(x_v[1::2] + x_v[3::4])
    bonds = _with_gid(fig, "bond")
    assert len(bonds) == (n_spins - 1) + (n_spins // 2 - 1) + (n_spins // 4 - 1)
    assert all(line.get_ydata()[0] == line.get_ydata()[1] for line in bonds)  # within a row
    texts = {t.get_text() for t in _texts(fig)}
    assert {"$K$", "$K'$", "$K''$", r"$h_j = v_{2j}$"} <= texts


def test_variational_mapping_joins_fine_to_coarse_on_both_sides_and_the_sides_to_each_other():
    fig = schematics.variational_mapping()
    boxes = _with_gid(fig, "box")
    assert len(boxes) == 4 and len(_with_gid(fig, "kernel")) == 2 and len(_with_gid(fig, "map")) == 2
    fig.canvas.draw()
    extents = [_extent(b) for b in boxes]
    for arrow in _with_gid(fig, "kernel"):
        (x, _), (tail, tip) = _extent(arrow)
        below = [e for e in extents if e[0][0] < x < e[0][1] and e[1][1] <= tail + TOUCH]
        above = [e for e in extents if e[0][0] < x < e[0][1] and e[1][0] >= tip - TOUCH]
        assert below and above
        assert abs(tail - max(e[1][1] for e in below)) < TOUCH and abs(tip - min(e[1][0] for e in above)) < TOUCH
    texts = " ".join(t.get_text() for t in _texts(fig))
    for formula in (
        r"H^{RG}_\lambda(h) = -\ln \mathrm{Tr}_v\, e^{T_\lambda(v,h) - H(v)}",
        r"T_\lambda = -E_\lambda + H",
        r"E_\lambda(v, h)",
        "$H(v)$",
    ):
        assert formula in texts


@pytest.mark.parametrize(
    "call",
    [
        lambda: schematics.rbm_graph(0, 3),
        lambda: schematics.rbm_graph(3, 11),
        lambda: schematics.rbm_graph(2.0, 3),
        lambda: schematics.rbm_graph(True, 3),
        lambda: schematics.dbn_stack((1600,)),
        lambda: schematics.dbn_stack((1600, 0)),
        lambda: schematics.dbn_stack((1600, 400, 100, 25, 9, 4, 1)),
        lambda: schematics.decimation_network(6),
        lambda: schematics.decimation_network(20),
    ],
)
def test_schematics_refuse_sizes_they_cannot_draw(call):
    with pytest.raises(ValueError):
        call()
