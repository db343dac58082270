from django.urls import path

from qamqor.canteen.views import scanner

urlpatterns = [
    path("", scanner.scan, name="scan"),
    path("sw.js", scanner.service_worker, name="scan_sw"),
    path("manifest.webmanifest", scanner.manifest, name="scan_manifest"),
]
