"""The parent's wallet, mounted at /meals/wallet/ (names prefixed `wallet_`)."""

from django.urls import path

from .views import wallet

urlpatterns = [
    path("", wallet.home, name="wallet_home"),
    path("child/<int:pk>/", wallet.child, name="wallet_child"),
    path("voucher/<int:pk>/qr/", wallet.qr, name="wallet_qr"),
    path("voucher/<int:pk>/qr/fresh/", wallet.qr_fragment, name="wallet_qr_fragment"),
    path("voucher/<int:pk>/share/", wallet.share, name="wallet_share"),
    path("voucher/<int:pk>/rate/", wallet.rate, name="wallet_rate"),
    path("ratings/", wallet.ratings, name="wallet_ratings"),
    # The share link: no login; the signed token is the only key.
    path("s/<str:token>/", wallet.shared, name="wallet_shared"),
    path("s/<str:token>/qr/", wallet.shared_qr, name="wallet_shared_qr"),
]
