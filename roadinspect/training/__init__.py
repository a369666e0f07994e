"""Training and evaluation of the segmentation model (``roadinspect train`` / ``roadinspect evaluate``).

Only imported by those commands; the app itself needs nothing from here.
"""
