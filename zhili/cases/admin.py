"""Admin registrations of the cases app, one module per concern."""

from . import admin_catalogue  # noqa: F401
from . import admin_cases  # noqa: F401

from django.contrib import admin  # noqa: E402

from .models import EvaluationWeights  # noqa: E402
from .views_evaluation import EvaluationWeightsAdmin  # noqa: E402

admin.site.register(EvaluationWeights, EvaluationWeightsAdmin)
