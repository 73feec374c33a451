"""Admin registrations of the cases app, one module per concern."""

from django.contrib import admin

from . import admin_cases, admin_catalogue  # noqa: F401
from .models import EvaluationWeights
from .views_evaluation import EvaluationWeightsAdmin

admin.site.register(EvaluationWeights, EvaluationWeightsAdmin)
