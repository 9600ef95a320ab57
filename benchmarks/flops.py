"""Model-FLOP counting and the peak rates of the GPUs the benchmarks run on.

:func:`count_flops` counts the floating-point operations of a callable with
``torch.utils.flop_counter.FlopCounterMode`` (convolutions and matrix products, forward and
backward; 2 per multiply-add, biases, norms and elementwise operations not counted), so the
number does not depend on the device or on how fast it runs. The model-FLOP utilisation of a
measurement is ``flops per step x steps per second / peak`` (:func:`mfu`).

:data:`PEAK_TFLOPS`: dense peaks (no 2:4 sparsity; NVIDIA's data sheets print the sparse figure
for the tensor-core formats, twice these) in TFLOP/s. ``tf32`` and ``bf16`` are tensor-core rates,
``fp32`` the non-tensor-core rate. A float32 training step in PyTorch runs its convolutions
through cuDNN in TF32 by default (``torch.backends.cudnn.allow_tf32``, on unless switched off),
so ``tf32`` is the peak a float32 convolution network is measured against.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

#: Dense peak TFLOP/s by GPU (NVIDIA H100 and H200 data sheets; H200 SXM has the H100 SXM's
#: compute with more and faster memory). Matched against ``torch.cuda.get_device_name`` by
#: :func:`peak_tflops`.
PEAK_TFLOPS: dict[str, dict[str, float]] = {
    "H100 SXM": {"bf16": 989.4, "tf32": 494.7, "fp32": 66.9},
    "H100 PCIe": {"bf16": 756.5, "tf32": 378.0, "fp32": 51.2},
    "H100 NVL": {"bf16": 835.5, "tf32": 417.5, "fp32": 60.0},
    "H200 SXM": {"bf16": 989.4, "tf32": 494.7, "fp32": 66.9},
    "H200 NVL": {"bf16": 835.5, "tf32": 417.5, "fp32": 60.0},
    "A100 SXM": {"bf16": 312.0, "tf32": 156.0, "fp32": 19.5},
}


def gpu_model(device_name: str) -> str | None:
    """The :data:`PEAK_TFLOPS` key for a CUDA device name such as ``"NVIDIA H100 80GB HBM3"``
    (H100 SXM5) or ``"NVIDIA H100 PCIe"``; None for a GPU not in the table."""
    name = device_name.upper()
    for chip in ("H100", "H200", "A100"):
        if chip in name:
            if "NVL" in name and chip != "A100":
                return f"{chip} NVL"
            if "PCIE" in name:
                return f"{chip} PCIe" if f"{chip} PCIe" in PEAK_TFLOPS else None
            return f"{chip} SXM"
    return None


def peak_tflops(device_name: str) -> dict[str, float] | None:
    """Dense peaks (``bf16``, ``tf32``, ``fp32``, TFLOP/s) of the named CUDA device, or None."""
    model = gpu_model(device_name)
    return dict(PEAK_TFLOPS[model]) if model else None


def _conv_backward_flop(grad_out_shape, x_shape, w_shape, bias, stride, padding, dilation,
                        transposed, output_padding, groups, output_mask, out_shape=None,
                        **kwargs) -> int:
    """FlopCounterMode's convolution backward, with the weight gradient of a grouped convolution
    counted once: torch's formula (2.x) multiplies it by all input channels, not a group's, i.e.
    counts ``groups`` times the arithmetic (a folded grid's convolutions have groups = K)."""
    from torch.utils.flop_counter import conv_backward_flop

    args = (grad_out_shape, x_shape, w_shape, bias, stride, padding, dilation, transposed,
            output_padding, groups)
    n = conv_backward_flop(*args, [output_mask[0], False, False], out_val=out_shape)
    if output_mask[1]:
        n += conv_backward_flop(*args, [False, True, False], out_val=out_shape) // groups
    return n


def count_flops(fn: Callable[[], object]) -> int:
    """Floating-point operations ``fn()`` performs (FlopCounterMode's count: convolutions and
    matrix products, forward and backward, 2 per multiply-add; grouped convolutions' weight
    gradients counted per group, :func:`_conv_backward_flop`)."""
    from torch.utils.flop_counter import FlopCounterMode

    mapping = {torch.ops.aten.convolution_backward: _conv_backward_flop}
    with FlopCounterMode(display=False, custom_mapping=mapping) as counter:
        fn()
    return int(counter.get_total_flops())


def conv2d_flops(batch: int, c_in: int, c_out: int, kernel: tuple[int, int],
                 out_hw: tuple[int, int], groups: int = 1) -> int:
    """Hand count of one ``Conv2d`` forward: 2 x (output elements) x (inputs each one sums)."""
    return 2 * batch * c_out * out_hw[0] * out_hw[1] * (c_in // groups) * kernel[0] * kernel[1]


def mfu(flops_per_step: float, steps_per_s: float, peak_tflops_value: float | None) -> float | None:
    """Model-FLOP utilisation: achieved FLOP/s over the peak (None without a peak)."""
    if not peak_tflops_value:
        return None
    return flops_per_step * steps_per_s / (peak_tflops_value * 1e12)


def device_facts(device: torch.device) -> dict:
    """Hardware facts stored with each result line: device name, torch and CUDA versions, peaks."""
    facts: dict = {"device": device.type, "torch": torch.__version__}
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        facts.update({"gpu": name, "cuda": torch.version.cuda,
                      "cudnn": torch.backends.cudnn.version(),
                      "cudnn_allow_tf32": bool(torch.backends.cudnn.allow_tf32),
                      "gpu_model": gpu_model(name), "peak_tflops": peak_tflops(name)})
    return facts
