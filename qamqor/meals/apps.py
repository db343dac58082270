from django.apps import AppConfig


class MealsConfig(AppConfig):
    name = "qamqor.meals"
    label = "meals"
