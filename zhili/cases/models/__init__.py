"""Models of the case system, one module per concern."""

from .case import *  # noqa: F401,F403
from .catalogue import *  # noqa: F401,F403
from .components import *  # noqa: F401,F403
from .evaluation import *  # noqa: F401,F403  (evaluation weights, 综合评价)
from .hotline import *  # noqa: F401,F403  (12345 hotline orders and tiers)
from .intake import *  # noqa: F401,F403  (duplicate-suggestion rules)
