"""The canteen: entry terminals (Face ID with parental consent), entries, sittings.

The offline scanner itself keeps no tables: its scans are meals.Redemption rows.
"""
