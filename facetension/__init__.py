"""facetension: resting facial asymmetry and tension from a webcam, for facial palsy recovery."""

from .analyze import Analysis, RegionResult, analyze
from .errors import CameraError, FacetensionError, InputError, ModelError, NoUsableFaceError

__version__ = "0.1.0"
__all__ = ["analyze", "Analysis", "RegionResult", "FacetensionError", "InputError", "ModelError",
           "NoUsableFaceError", "CameraError", "__version__"]
