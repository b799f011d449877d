"""facetension: resting facial asymmetry and tension from a webcam, for facial palsy recovery."""

from .errors import CameraError, FacetensionError, InputError, ModelError, NoUsableFaceError, StorageError

__version__ = "0.3.0"
__all__ = [
    "analyze",
    "Landmarker",
    "Analysis",
    "RegionResult",
    "FacetensionError",
    "InputError",
    "ModelError",
    "NoUsableFaceError",
    "CameraError",
    "StorageError",
    "__version__",
]


def __getattr__(name):
    # The measuring API pulls in OpenCV and MediaPipe: loaded on first use, so that the log
    # commands (history, export, report) start quickly.
    if name in ("analyze", "Analysis", "RegionResult"):
        from . import analysis

        return getattr(analysis, name)
    if name == "Landmarker":
        from .landmarks import Landmarker

        return Landmarker
    raise AttributeError(f"module 'facetension' has no attribute {name!r}")
