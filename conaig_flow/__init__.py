"""conaig-flow: runs the work plan of a Peruvian multisectoral commission (CONAIG 2021-2022)."""

__version__ = "0.1.0"
