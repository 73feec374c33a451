from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def grid_map(request: HttpRequest) -> HttpResponse:
    return render(request, "places/map.html", {})


@login_required
def division_list(request: HttpRequest) -> HttpResponse:
    return render(request, "places/division_list.html", {})
