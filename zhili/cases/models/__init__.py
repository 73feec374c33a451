"""Models of the case system, one module per concern."""

from .case import *  # noqa: F401,F403
from .catalogue import *  # noqa: F401,F403
from .components import *  # noqa: F401,F403
