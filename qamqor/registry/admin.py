"""Reference data only. Pupils, families and guardians are personal data: they are written
through the registry's pages and services, which audit every change, not through the admin."""

from django.contrib import admin

from .models import District, Region, School, SchoolClass


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name_kk", "name_ru")


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("name_kk", "name_ru", "region")


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name_kk", "bin", "district")
    search_fields = ("name_kk", "name_ru", "bin")


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ("__str__", "school", "shift", "language", "class_teacher")
    list_filter = ("school", "grade", "shift")
    autocomplete_fields = ("school",)
