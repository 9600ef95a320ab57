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
