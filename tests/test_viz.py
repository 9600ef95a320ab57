"""Figures: framed single images (show_image)."""

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import to_rgba

from i2ilib.viz import show_image


def test_show_image_draws_uint8_with_title_and_frame():
    fig, ax = plt.subplots()
    img = np.zeros((4, 5, 3), np.uint8)
    img[0, 0] = 255
    assert show_image(ax, img, "a title", colour="tab:red", size=7) is ax
    shown = ax.images[0].get_array()
    assert shown.shape == (4, 5, 3) and shown[0, 0, 0] == 1.0 and shown[1, 1, 0] == 0.0
    assert ax.get_title() == "a title" and ax.title.get_fontsize() == 7
    assert ax.get_xticks().size == 0 and ax.get_yticks().size == 0
    for spine in ax.spines.values():
        assert spine.get_visible() and spine.get_linewidth() == 3
        assert spine.get_edgecolor() == to_rgba("tab:red")
    plt.close(fig)


def test_show_image_without_colour_hides_the_frame_and_reads_tensors():
    fig, ax = plt.subplots()
    show_image(ax, torch.ones(1, 3, 3))  # grayscale tensor in [-1, 1]: white, repeated to RGB
    assert ax.images[0].get_array().shape == (3, 3, 3)
    assert np.allclose(ax.images[0].get_array(), 1.0)
    assert ax.get_title() == ""
    assert not any(s.get_visible() for s in ax.spines.values())
    plt.close(fig)


def test_label_maps_in_colour_with_unlabelled_pixels_black():
    import numpy as np
    import torch

    from i2ilib.data.sunrgbd import PALETTE as SUN_PALETTE
    from i2ilib.data.synthscenes import PALETTE
    from i2ilib.viz import colour_labels

    ids = torch.tensor([[[0, 11, 255]]])
    rgb = colour_labels(ids, 12)
    assert rgb.shape == (1, 3, 1, 3)
    np.testing.assert_allclose((rgb[0, :, 0, 1] + 1) * 127.5, PALETTE[11].astype(float), atol=1e-4)
    assert rgb[0, :, 0, 2].tolist() == [-1.0, -1.0, -1.0]
    sun = colour_labels(torch.tensor([[[12]]]), 13)
    np.testing.assert_allclose((sun[0, :, 0, 0] + 1) * 127.5, SUN_PALETTE[12].astype(float),
                               atol=1e-4)
    grey = colour_labels(torch.tensor([[[0, 19, 255]]]), 20)  # more classes than colours
    assert grey[0, 0].tolist() == [[-1.0, 1.0, -1.0]] and torch.equal(grey[0, 0], grey[0, 2])


def test_figure_png_is_a_png_and_closes_the_figure():
    import matplotlib.pyplot as plt

    from i2ilib.viz import figure_png

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [1, 0])
    data = figure_png(fig, dpi=50)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 100
    assert not plt.fignum_exists(fig.number)
