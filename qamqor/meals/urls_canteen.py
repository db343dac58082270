from django.urls import path

from qamqor.meals.views import canteen

urlpatterns = [
    path("conflicts/", canteen.conflicts, name="canteen_conflicts"),
]
