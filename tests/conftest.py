"""Test-wide settings."""

import os

import torch

# The unit tests use tiny networks: one thread is faster than several (no OpenMP spin-waiting
# when the machine is busy) and keeps timings steady.
torch.set_num_threads(1)
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("I2I_PROGRESS", "off")
